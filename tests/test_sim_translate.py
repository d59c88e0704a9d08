"""The source translation for the simulated device (PyGPU._compile.translate): text in, text out, no compiler."""

from __future__ import annotations

import os
import re

import pytest

from PyGPU._compile.translate import TranslateError, Translator, translate


def body(text: str) -> str:
    """The translation without its first line (the #line directive)."""
    first, _, rest = text.partition("\n")
    assert first.startswith("#line 1 ")
    return rest


def errors_of(source: str, path: str = "k.cu") -> list[str]:
    with pytest.raises(TranslateError) as info:
        translate(source, path)
    return info.value.errors


# ------------------------------------------------------------------ launches

@pytest.mark.parametrize(("config", "expected"), [
    ("1, 32", '"k", 1, 32, 0, 0)'),
    ("g, b, 64", '"k", g, b, 64, 0)'),
    ("g, b, 64, s", '"k", g, b, 64, s)'),
    ("dim3(n / 32, 2), dim3(32, f(1, 2))", '"k", dim3(n / 32, 2), dim3(32, f(1, 2)), 0, 0)'),
])
def test_a_launch_becomes_a_launch_object(config, expected):
    out = body(translate(f"void h() {{ k<<<{config}>>>(a, b); }}"))
    assert out == f"void h() {{ ::pygpu_sim_k::launch<&k, true>({expected}(a, b); }}"


def test_qualified_and_templated_callees():
    src = ("template <class T> __global__ void scale(T* p) { p[threadIdx.x] *= 2; }\n"
           "namespace ns { __global__ void z(int* p) { p[0] = 0; } }\n"
           "void h(float* p, int* q) {\n"
           "  scale<float><<<1, 4>>>(p);\n"
           "  ::ns::z<<<1, 1>>>(q);\n"
           "  return ns::z<<<1, 1>>>(q);\n"
           "}\n")
    out = body(translate(src))
    assert '::pygpu_sim_k::launch<&scale<float>, false>("scale<float>", 1, 4, 0, 0)(p);' in out
    assert '::pygpu_sim_k::launch<&::ns::z, false>("::ns::z", 1, 1, 0, 0)(q);' in out
    # `return` is not part of the callee (kernels are known by their last name: z)
    assert 'return ::pygpu_sim_k::launch<&ns::z, false>("ns::z", 1, 1, 0, 0)(q);' in out


def test_a_multi_line_launch_keeps_the_line_count():
    src = "void h() {\n  k<<<dim3(1,\n           2),\n      32>>>(a,\n b);\n}\nint after;\n"
    out = body(translate(src))
    assert out.count("\n") == src.count("\n")
    assert out.splitlines()[6] == "int after;"


def test_nested_template_closers_are_not_a_launch_end():
    src = "std::vector<std::pair<int, std::vector<int>>> v;\nvoid h() { k<<<1, 1>>>(); }\n"
    out = body(translate(src))
    assert out.startswith("std::vector<std::pair<int, std::vector<int>>> v;\n")
    assert '::pygpu_sim_k::launch<&k, true>("k", 1, 1, 0, 0)();' in out


def test_text_in_comments_and_strings_is_left_alone():
    src = ('const char* s = "k<<<1, 1>>>() __global__ void f() {}";\n'
           "// k<<<1, 1>>>();\n/* __global__ void g() {} */\nconst char* r = R\"x(k<<<1,1>>>)x\";\n")
    assert body(translate(src)) == src


@pytest.mark.parametrize(("config", "message"), [
    ("1, 2, 3, 4, 5", "takes at most 4 arguments"),
])
def test_bad_launches(config, message):
    errs = errors_of(f"void h() {{ k<<<{config}>>>(); }}")
    assert errs == [f"k.cu:1: error: <<<...>>> {message} (grid, block, shared memory, stream)"]


def test_a_launch_without_its_closing_brackets():
    assert errors_of("void h() {\n k<<<1, 2(); }\n") == ["k.cu:2: error: <<< without its closing >>>"]


def test_hip_launch_kernel_ggl_is_the_same_launch():
    src = ("template <class T> __global__ void k(T* p, int n) { p[0] = n; }\n"
           "void h(float* p, hipStream_t s) {\n"
           "  hipLaunchKernelGGL(HIP_KERNEL_NAME(k<float>), dim3(1), dim3(64), 0, s, p,\n"
           "                     3);\n"
           "  hipLaunchKernelGGL(z, 1, 2, 0, 0);\n}\n")
    lines = body(translate(src, "h.hip")).splitlines()
    assert lines[2] == '  ::pygpu_sim_k::launch<&k<float>, false>("k<float>", dim3(1), dim3(64), 0, s)( p,'
    assert lines[3] == "                     3);"
    assert lines[4] == '  ::pygpu_sim_k::launch<&z, true>("z", 1, 2, 0, 0)();'
    assert errors_of("void h() {\n hipLaunchKernelGGL(k, 1, 2);\n}") == [
        "k.cu:2: error: hipLaunchKernelGGL needs (kernel, grid, block, shared memory, stream, args...)"]


# ------------------------------------------------------------- registrations

def test_non_template_kernels_are_registered_after_their_definition():
    src = ("__global__ void a(int* p) { p[0] = 1; }\n"
           "template <class T> __global__ void b(T* p) { p[0] = 1; }\n"
           "static __global__ void __launch_bounds__(128) c(int* p)\n{\n  p[0] = 2;\n}\n"
           "__global__ void d(int*);\n")
    out = body(translate(src)).splitlines()
    assert out[0].endswith("} PYGPU_SIM_REGISTER_KERNEL(a, false)")
    assert "PYGPU_SIM_REGISTER" not in out[1]
    assert out[5] == "} PYGPU_SIM_REGISTER_KERNEL(c, false)"
    assert out[6] == "__global__ void d(int*);"


def test_a_kernel_in_a_namespace_is_registered_there():
    out = body(translate("namespace n {\n__global__ void k(int* p) { *p = 0; }\n}\n"))
    assert out.splitlines()[1].endswith("} PYGPU_SIM_REGISTER_KERNEL(k, false)")


# ------------------------------------------------------------------- fibers

@pytest.mark.parametrize("use", [
    "__syncthreads();", "int c = __syncthreads_count(1);", "__syncwarp();", "v = __shfl_down_sync(~0u, v, 1);",
    "unsigned b = __ballot_sync(~0u, v > 0);", "unsigned m = __activemask();",
    "auto g = cooperative_groups::this_thread_block();", "helper();", "SYNC();", "Op op; op.go();",
])
def test_fibers_where_a_kernel_or_what_it_names_synchronises(use):
    src = ("#define SYNC() __syncthreads()\n"
           "__device__ void helper() { leaf(); }\n__device__ void leaf() { __syncthreads(); }\n"
           "struct Op { __device__ void go() { __syncwarp(); } };\n"
           f"__global__ void k(int v) {{ {use} }}\n"
           "__global__ void plain(int* p) { p[threadIdx.x] = 0; }\n")
    t = Translator()
    t.add("k.cu", src)
    assert t.kernels() == {"k": True, "plain": False}


def test_the_analysis_spans_the_files_of_a_translator():
    t = Translator()
    t.add("main.cu", '#include "sync.cuh"\n__global__ void k() { block_sync(); }\n')
    t.add("sync.cuh", "__device__ inline void block_sync() { __syncthreads(); }\n")
    assert t.kernels() == {"k": True}
    assert t.translate("main.cu").endswith("PYGPU_SIM_REGISTER_KERNEL(k, true)\n")


def test_force_fibers():
    out = translate("__global__ void k(int* p) { *p = 1; }", "k.cu", force_fibers=True)
    assert out.endswith("PYGPU_SIM_REGISTER_KERNEL(k, true)")


def test_a_template_argument_that_synchronises_makes_the_launch_fibers():
    src = ("struct Sync { __device__ static void f() { __syncthreads(); } };\nstruct Plain {};\n"
           "template <class P> __global__ void k(int* p) { P::f(); }\n"
           "void h(int* p) { k<Sync><<<1, 1>>>(p); k<Plain><<<1, 1>>>(p); }\n")
    out = body(translate(src))
    assert "launch<&k<Sync>, true>" in out and "launch<&k<Plain>, false>" in out


# ------------------------------------------------------------- shared memory

def test_static_shared_in_a_function():
    src = "__global__ void k() {\n  __shared__ float tile[32][33], one;\n  volatile __shared__ int v;\n}"
    out = body(translate(src))
    lines = out.splitlines()
    assert lines[1] == ("  float (&tile)[ 32 ] [ 33 ] = ::pygpu_sim_k::shared_static<float[ 32 ] [ 33 ]>([] {}); "
                        "float (&one) = ::pygpu_sim_k::shared_static<float>([] {});")
    assert lines[2] == "  volatile int (&v) = ::pygpu_sim_k::shared_static<volatile int>([] {});"


def test_extern_shared_in_a_function_and_at_namespace_scope():
    src = ("extern __shared__ float ns_dyn[];\n"
           "__global__ void k() {\n  extern __shared__ __align__(16) char smem[];\n}\n")
    out = body(translate(src, "k.cu"))
    assert "#define ns_dyn (static_cast<float*>(::pygpu_sim_k::shared_dynamic()))\n#line 1 \"k.cu\"\n" in out
    assert "  __align__ ( 16 ) char* const smem = static_cast<__align__ ( 16 ) char*>" not in out
    assert re.search(r"char\* const smem = static_cast<.*char\*>\(::pygpu_sim_k::shared_dynamic\(\)\);", out)
    # after the namespace-scope macro, the numbering is the user's again
    tail = out.split('#line 1 "k.cu"\n', 1)[1]
    assert tail.splitlines()[1] == "__global__ void k() {"


def test_static_shared_at_namespace_scope_is_a_macro_over_a_key():
    out = body(translate("__shared__ int counts[64];\n", "k.cu"))
    assert "inline const char pygpu_sim_shared_key_counts = 0;" in out
    assert "#define counts (::pygpu_sim_k::shared_static_at<int[ 64 ]>(&pygpu_sim_shared_key_counts))" in out


@pytest.mark.parametrize(("decl", "message"), [
    ("__shared__ int s = 3;", "__shared__ s: shared memory cannot have an initializer (as on CUDA)"),
    ("extern __shared__ int s[8];", ("extern __shared__ s: declare it as an array of unknown size, "
                                    "`extern __shared__ T s[];`")),
])
def test_bad_shared_declarations(decl, message):
    assert errors_of(f"__global__ void k() {{\n  {decl}\n}}") == [f"k.cu:2: error: {message}"]


# ------------------------------------------------------------------ globals

def test_device_and_constant_variables_are_registered():
    src = ("__constant__ float coef[16];\n__device__ int counter = 0, other;\n__device__ float f(float x);\n"
           "extern __device__ int elsewhere;\nstatic __device__ double d{1.0};\nint host_only;\n")
    lines = body(translate(src)).splitlines()
    assert lines[0] == "__constant__ float coef[16]; PYGPU_SIM_REGISTER_GLOBAL(coef)"
    assert lines[1] == ("__device__ int counter = 0, other; PYGPU_SIM_REGISTER_GLOBAL(counter) "
                        "PYGPU_SIM_REGISTER_GLOBAL(other)")
    assert lines[2:4] == ["__device__ float f(float x);", "extern __device__ int elsewhere;"]
    assert lines[4] == "static __device__ double d{1.0}; PYGPU_SIM_REGISTER_GLOBAL(d)"
    assert lines[5] == "int host_only;"


# ------------------------------------------------------------ unsupported

@pytest.mark.parametrize(("line", "message"), [
    ("__managed__ int m;", ("managed memory (__managed__) is not supported on the simulated device; allocate with "
                           "cudaMallocManaged or cudaMalloc and copy")),
    ("__device__ void f() { asm volatile(\"trap;\"); }",
     "asm: inline assembly (PTX) is not supported on the simulated device"),
    ("__global__ void f() { g<<<1, 1>>>(); }",
     "<<<...>>> in device code: dynamic parallelism is not supported on the simulated device"),
    ("texture<float, 1> tex;", "texture<...>: texture references are not supported on the simulated device"),
    ("__device__ float f(cudaTextureObject_t t) { return 0; }",
     "cudaTextureObject_t: texture objects are not supported on the simulated device"),
    ("__device__ float f() { return tex2D<float>(t, 0, 0); }",
     "tex2D: texture and surface fetches are not supported on the simulated device"),
    ("void h() { cudaLaunchCooperativeKernel((void*)k, 1, 1, 0); }",
     ("cudaLaunchCooperativeKernel: cooperative launches (grid-wide synchronisation) are not supported on the "
     "simulated device")),
    ("__global__ void f() { auto g = cooperative_groups::this_grid(); g.sync(); }",
     "this_grid: grid-wide synchronisation (cooperative_groups::this_grid) is not supported on the simulated device"),
    ("__device__ int f(int x) { return __nvvm_read_ptx_sreg_tid_x(); }",
     "__nvvm_read_ptx_sreg_tid_x: NVIDIA's internal (PTX) builtins are not supported on the simulated device"),
])
def test_unsupported_constructs_name_the_construct_and_line(line, message):
    assert errors_of(f"// a kernel\n\n{line}\n", "dir/k.cu") == [f"dir/k.cu:3: error: {message}"]


def test_inline_assembly_in_host_code_is_left_to_the_compiler():
    src = 'void h() { asm volatile("" ::: "memory"); }\n'
    assert body(translate(src)) == src


def test_every_error_is_reported_once():
    errs = errors_of("__managed__ int a;\n__managed__ int b;\n__managed__ int c;")
    assert [e.split(":")[1] for e in errs] == ["1", "2", "3"]


# --------------------------------------------------------------- includes

def test_quoted_includes_are_listed_and_can_be_redirected():
    t = Translator()
    assert t.add("m.cu", '#include "a.cuh"\n#include <vector>\n# include "sub/b.h"\n') == ["a.cuh", "sub/b.h"]
    out = t.translate("m.cu", prelude="// prelude\n", includes={"a.cuh": "/tmp/x/h0_a.cuh"})
    assert out.splitlines()[:3] == ["// prelude", '#line 1 "m.cu"', '#include "/tmp/x/h0_a.cuh"']


def test_the_compiler_runs_without_sanitizer_preloads(monkeypatch):
    """A Python run under ASan preloads its runtime; the C++ compiler must not inherit it (LeakSanitizer would
    fail it), other preloads stay."""
    from PyGPU._compile.host import compiler_env

    monkeypatch.setenv("LD_PRELOAD", "/usr/lib/x86_64-linux-gnu/libasan.so.8 /opt/libkeep.so:/x/libubsan.so.1")
    assert compiler_env()["LD_PRELOAD"] == "/opt/libkeep.so"
    monkeypatch.setenv("LD_PRELOAD", "/usr/lib/x86_64-linux-gnu/libasan.so.8")
    assert "LD_PRELOAD" not in compiler_env()
    monkeypatch.delenv("LD_PRELOAD")
    assert "LD_PRELOAD" not in compiler_env()
    assert compiler_env()["PATH"] == os.environ["PATH"]
