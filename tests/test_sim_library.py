"""The simulated device is one shared library, libpygpu_sim (PyGPU/lib/):
PyGPU's backend module and a user's binary use the same copy in a process,
the library exports only its C API, and a C program links to it."""

from __future__ import annotations

import ctypes
import os
import shutil
import subprocess
from pathlib import Path

import pytest

import PyGPU as g
import PyGPU.sim
from helpers import run_python, without_preload

LIBRARY = Path(PyGPU.sim.library_path())
EXPORTS = ("pygpu_sim_backend_table", "pygpu_sim_api_table", "pygpu_sim_init_check")


def _mapped_sim_libraries() -> set[str]:
    """The paths of every libpygpu_sim mapped into this process."""
    lines = Path("/proc/self/maps").read_text().splitlines()
    return {line.split(maxsplit=5)[5] for line in lines if "libpygpu_sim" in line and len(line.split()) == 6}


def test_library_path_is_the_installed_library():
    assert LIBRARY.name == "libpygpu_sim.so"
    assert LIBRARY.is_file() and LIBRARY.parent.name == "lib"
    assert LIBRARY.parent.parent == Path(g.__file__).resolve().parent


def test_backend_module_maps_the_library_once():
    """Importing the sim backend maps exactly the installed library (the module's $ORIGIN/lib runpath)."""
    import PyGPU._backend_sim  # noqa: F401  (built always, loaded even when another backend is active)

    assert _mapped_sim_libraries() == {str(LIBRARY)}


def test_loading_the_library_again_gives_the_same_copy():
    """dlopen by path or by soname after `import PyGPU`: the same device table, still one mapping."""
    import PyGPU._backend_sim as module

    capsule = ctypes.pythonapi.PyCapsule_GetPointer
    capsule.restype, capsule.argtypes = ctypes.c_void_p, [ctypes.py_object, ctypes.c_char_p]
    table = capsule(module.table, b"pygpu.backend")
    for name in (str(LIBRARY), "libpygpu_sim.so"):
        lib = ctypes.CDLL(name)
        lib.pygpu_sim_backend_table.restype = ctypes.c_void_p
        assert lib.pygpu_sim_backend_table() == table
    assert _mapped_sim_libraries() == {str(LIBRARY)}


def test_a_fresh_process_maps_one_library():
    code = ("import ctypes, PyGPU, PyGPU.sim, PyGPU._backend_sim\n"
            "ctypes.CDLL(PyGPU.sim.library_path())\n"
            "print(sorted({l.split()[5] for l in open('/proc/self/maps') if 'libpygpu_sim' in l}))\n")
    result = run_python(code, PYGPU_BACKEND="sim")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == repr([str(LIBRARY)])


def test_library_exports_only_its_c_api():
    lib = ctypes.CDLL(str(LIBRARY))
    for name in EXPORTS:
        assert hasattr(lib, name), name
    # Internal C++ functions are hidden (pygpu::sim::backend_table(), pygpu::sim::init_check()).
    for mangled in ("_ZN5pygpu3sim13backend_tableEv", "_ZN5pygpu3sim10init_checkEv"):
        assert not hasattr(lib, mangled), mangled
    lib.pygpu_sim_init_check.restype = ctypes.c_char_p
    assert lib.pygpu_sim_init_check() is None


def test_bad_configuration_is_the_init_checks_message():
    """Without PyGPU: the library reads the environment itself and says what is wrong."""
    code = ("import ctypes\n"
            f"lib = ctypes.CDLL({str(LIBRARY)!r})\n"
            "lib.pygpu_sim_init_check.restype = ctypes.c_char_p\n"
            "print(lib.pygpu_sim_init_check().decode())\n")
    result = run_python(code, PYGPU_SIM_DEVICES="zero")
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith('PYGPU_SIM_DEVICES="zero" is not an integer'), result.stdout


C_PROGRAM = r"""
#include <stdio.h>
#include <string.h>
#include "pygpu/sim_library.h"

int main(void) {
    const char* why = pygpu_sim_init_check();
    if (why != NULL) { printf("init: %s\n", why); return 1; }
    const pygpu_backend* b = pygpu_sim_backend_table();
    printf("abi %u name %s same_api %d\n", b->abi_version, b->name,
           b->extension(PYGPU_SIM_API_NAME) == (const void*)pygpu_sim_api_table());
    void* d = NULL;
    int in[4] = {1, 2, 3, 4}, out[4] = {0, 0, 0, 0};
    printf("malloc %d\n", b->malloc(&d, sizeof in));
    printf("h2d %d\n", b->memcpy(d, in, sizeof in, PYGPU_MEMCPY_HOST_TO_DEVICE));
    printf("d2h %d\n", b->memcpy(out, d, sizeof out, PYGPU_MEMCPY_DEVICE_TO_HOST));
    printf("equal %d\n", memcmp(in, out, sizeof in) == 0);
    int bad = b->memcpy(out, d, 2 * sizeof out, PYGPU_MEMCPY_DEVICE_TO_HOST);
    printf("overrun %d %s last %d\n", bad, b->get_error_name(bad), b->get_last_error());
    printf("free %d\n", b->free(d));
    return 0;
}
"""


@pytest.mark.build
def test_a_c_program_links_to_the_library(tmp_path):
    cc = shutil.which(os.environ.get("CC", "cc"))
    if cc is None:
        pytest.skip("no C compiler (cc, or $CC)")
    source = tmp_path / "use_sim.c"
    source.write_text(C_PROGRAM)
    exe = tmp_path / "use_sim"
    build = subprocess.run([cc, "-std=c99", "-Wall", "-Wextra", "-Werror", "-I", g.get_include(), str(source),
                            "-o", str(exe), "-L", str(LIBRARY.parent), "-lpygpu_sim",
                            f"-Wl,-rpath,{LIBRARY.parent}"],
                           capture_output=True, text=True, timeout=120, env=without_preload(), check=False)
    assert build.returncode == 0, build.stderr
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYGPU_")}
    result = subprocess.run([str(exe)], capture_output=True, text=True, timeout=120, env=env, check=False)
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.splitlines() == [
        "abi 3 name sim same_api 1", "malloc 0", "h2d 0", "d2h 0", "equal 1",
        "overrun 1 cudaErrorInvalidValue last 1", "free 0",
    ]
