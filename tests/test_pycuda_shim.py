"""Running PyCUDA code unchanged: ``python -m PyGPU.pycuda SCRIPT`` and
``pytest -p PyGPU.pycuda`` route ``import pycuda...`` to PyGPU's modules; a
PyCUDA module PyGPU lacks is an import error that names it. And
``PyGPU.autoinit``'s warning when ``auto`` fell back to the simulated device."""

from __future__ import annotations

import importlib
import importlib.util
import json
import os
import subprocess
import sys
import textwrap
import types

import numpy as np
import pytest

import PyGPU as g
import PyGPU.pycuda as shim
from helpers import run_python
from PyGPU import _backend, _pycuda_shim

SIM_ENV = {"PYGPU_BACKEND": "sim", "PYGPU_SIM_DEVICES": "2"}


def run(args: list[str], cwd: os.PathLike[str] | str, **env: str) -> subprocess.CompletedProcess[str]:
    """`python ARGS` in a fresh interpreter in `cwd`, PyGPU's variables only those given."""
    full_env = {k: v for k, v in os.environ.items() if not k.startswith("PYGPU_") and k != "CUDA_DEVICE"}
    full_env.update(env)
    return subprocess.run([sys.executable, *args], cwd=cwd, env=full_env, capture_output=True, text=True,
                          timeout=120, check=False)


def write(path: os.PathLike[str] | str, source: str) -> str:
    with open(path, "w") as f:
        f.write(textwrap.dedent(source))
    return str(path)


# A script as PyCUDA users write it: nothing in it names PyGPU.
PYCUDA_SCRIPT = """
import json
import sys

import numpy as np
import pycuda.autoinit
import pycuda.driver as cuda
import pycuda.gpuarray as gpuarray

a = np.arange(12, dtype=np.float32).reshape(3, 4) * 1.5
a_gpu = gpuarray.to_gpu(a)
z = gpuarray.zeros((2, 5), dtype=np.int32)
e = gpuarray.empty(7, dtype=np.float64)
e.set(np.linspace(0.0, 1.0, 7))

buf = cuda.mem_alloc(a.nbytes)
cuda.memcpy_htod(buf, a)
back = np.empty_like(a)
cuda.memcpy_dtoh(back, buf)

print(json.dumps({
    "get": a_gpu.get().tolist(),
    "zeros": z.get().tolist(), "zeros_dtype": str(z.dtype), "zeros_shape": list(z.shape),
    "empty": e.get().tolist(),
    "roundtrip": back.tolist(),
    "device": int(pycuda.autoinit.device), "context_device": int(pycuda.autoinit.context.get_device()),
    "modules": [cuda.__name__, gpuarray.__name__, pycuda.autoinit.__name__],
    "argv": sys.argv,
}))
"""


def test_pycuda_script_runs_unchanged(tmp_path):
    script = write(tmp_path / "user_script.py", PYCUDA_SCRIPT)
    result = run(["-m", "PyGPU.pycuda", script], tmp_path, **SIM_ENV)
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    out = json.loads(result.stdout)
    a = np.arange(12, dtype=np.float32).reshape(3, 4) * 1.5
    assert out["get"] == a.tolist() and out["roundtrip"] == a.tolist()
    assert out["zeros"] == np.zeros((2, 5), np.int32).tolist()
    assert (out["zeros_dtype"], out["zeros_shape"]) == ("int32", [2, 5])
    assert out["empty"] == np.linspace(0.0, 1.0, 7).tolist()
    assert out["device"] == out["context_device"] == 0
    assert out["modules"] == ["PyGPU.driver", "PyGPU.gpuarray", "PyGPU.autoinit"]
    assert out["argv"] == [script]


def test_without_the_runner_pycuda_is_not_there(tmp_path):
    if importlib.util.find_spec("pycuda") is not None:
        pytest.skip("a real pycuda is installed here")
    script = write(tmp_path / "user_script.py", PYCUDA_SCRIPT)
    result = run([script], tmp_path, **SIM_ENV)
    assert result.returncode == 1 and "No module named 'pycuda'" in result.stderr


def test_autoinit_honours_cuda_device_through_the_runner(tmp_path):
    script = write(tmp_path / "user_script.py", PYCUDA_SCRIPT)
    result = run(["-m", "PyGPU.pycuda", script], tmp_path, CUDA_DEVICE="1", **SIM_ENV)
    assert result.returncode == 0, result.stderr
    out = json.loads(result.stdout)
    assert out["device"] == out["context_device"] == 1


ARGV_SCRIPT = """
import os, sys
print(repr(sys.argv), __name__, sys.path[0] == os.path.dirname(os.path.realpath(__file__)))
import helper_next_to_script
print(helper_next_to_script.VALUE)
if len(sys.argv) > 1 and sys.argv[1] == "exit":
    sys.exit(int(sys.argv[2]))
if len(sys.argv) > 1 and sys.argv[1] == "message":
    sys.exit("stopped on purpose")
if len(sys.argv) > 1 and sys.argv[1] == "raise":
    def inner():
        raise ValueError("the script failed on purpose")
    inner()
"""


@pytest.fixture
def argv_script(tmp_path):
    sub = tmp_path / "scripts"
    sub.mkdir()
    write(sub / "helper_next_to_script.py", "VALUE = 42\n")
    return write(sub / "argv_script.py", ARGV_SCRIPT)


def test_argv_main_and_path_as_python_sets_them(tmp_path, argv_script):
    result = run(["-m", "PyGPU.pycuda", argv_script, "one", "--two", "3"], tmp_path, **SIM_ENV)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split("\n")[:2] == [f"{[argv_script, 'one', '--two', '3']!r} __main__ True", "42"]


@pytest.mark.parametrize("code", [0, 3, 7])
def test_exit_code_is_the_scripts(tmp_path, argv_script, code):
    result = run(["-m", "PyGPU.pycuda", argv_script, "exit", str(code)], tmp_path, **SIM_ENV)
    assert result.returncode == code
    plain = run([argv_script, "exit", str(code)], tmp_path, **SIM_ENV)
    assert plain.returncode == code


def test_exit_with_a_message(tmp_path, argv_script):
    result = run(["-m", "PyGPU.pycuda", argv_script, "message"], tmp_path, **SIM_ENV)
    assert result.returncode == 1 and result.stderr == "stopped on purpose\n"


def test_traceback_is_the_scripts(tmp_path, argv_script):
    result = run(["-m", "PyGPU.pycuda", argv_script, "raise"], tmp_path, **SIM_ENV)
    plain = run([argv_script, "raise"], tmp_path, **SIM_ENV)
    assert result.returncode == plain.returncode == 1
    assert result.stderr.startswith("Traceback (most recent call last):\n")
    assert result.stderr.endswith("ValueError: the script failed on purpose\n")
    frames = [line.strip() for line in result.stderr.splitlines() if line.strip().startswith("File ")]
    assert frames == [line.strip() for line in plain.stderr.splitlines() if line.strip().startswith("File ")]
    assert len(frames) == 2 and all("argv_script.py" in f for f in frames)


def test_module_form(tmp_path):
    pkg = tmp_path / "pycuda_app"
    pkg.mkdir()
    write(pkg / "__init__.py", "")
    write(pkg / "__main__.py", """
        import sys
        import pycuda.driver as cuda
        print(__name__, sys.argv[1:], cuda.__name__)
        sys.exit(5)
    """)
    result = run(["-m", "PyGPU.pycuda", "-m", "pycuda_app", "x", "y"], tmp_path, **SIM_ENV)
    assert result.returncode == 5, result.stderr
    assert result.stdout.split() == ["__main__", "['x',", "'y']", "PyGPU.driver"]


@pytest.mark.parametrize(("args", "message"), [
    ([], "usage: python -m PyGPU.pycuda SCRIPT"),
    (["-m"], "usage: python -m PyGPU.pycuda SCRIPT"),
    (["no_such_script.py"], "can't open file"),
])
def test_usage_errors(tmp_path, args, message):
    result = run(["-m", "PyGPU.pycuda", *args], tmp_path, **SIM_ENV)
    assert result.returncode == 2 and message in result.stderr
    assert shim.main(args) == 2


# ---------------------------------------------------------------- the routing, in process

@pytest.fixture
def routed():
    shim.install()
    yield
    shim.uninstall()


def test_routes_are_pygpus_modules(routed):
    import pycuda
    import pycuda.autoinit
    import pycuda.driver
    import pycuda.gpuarray

    import PyGPU.autoinit
    import PyGPU.driver

    assert pycuda.driver is PyGPU.driver and pycuda.gpuarray is g.gpuarray and pycuda.autoinit is PyGPU.autoinit
    assert pycuda.driver.__spec__.name == "PyGPU.driver"  # PyGPU's module is not renamed
    assert importlib.import_module("pycuda.autoprimaryctx") is PyGPU.autoinit
    assert pycuda.driver.mem_alloc is PyGPU.driver.mem_alloc
    assert not hasattr(pycuda, "sim")  # PyGPU's own modules are not reachable under pycuda's name


def test_every_route_names_a_module_of_pycuda():
    assert set(_pycuda_shim.ROUTES) >= {f"pycuda.{m}" for m in (
        "driver", "gpuarray", "compiler", "autoinit", "elementwise", "reduction", "cumath", "tools", "curandom")}
    assert all(target.startswith("PyGPU.") for target in _pycuda_shim.ROUTES.values())


MISSING = [name for name, target in _pycuda_shim.ROUTES.items() if importlib.util.find_spec(target) is None]


@pytest.mark.parametrize("name", [*MISSING, "pycuda.debug", "pycuda.sparse", "pycuda._driver"])
def test_a_module_pygpu_lacks_is_an_import_error_that_names_it(routed, name):
    with pytest.raises(ImportError, match=f"^PyGPU does not offer {name} yet .*compatibility table") as info:
        importlib.import_module(name)
    assert info.value.name == name
    assert name not in sys.modules
    parent, _, child = name.rpartition(".")
    with pytest.raises(ImportError, match=f"^PyGPU does not offer {name} yet"):  # not "cannot import name"
        exec(f"from {parent} import {child}", {})


def test_the_missing_module_error_through_the_runner(tmp_path):
    name = MISSING[0] if MISSING else "pycuda.debug"
    script = write(tmp_path / "s.py", f"import pycuda.autoinit\nimport {name}\n")
    result = run(["-m", "PyGPU.pycuda", script], tmp_path, **SIM_ENV)
    assert result.returncode == 1
    assert result.stderr.splitlines()[-1].startswith(f"ImportError: PyGPU does not offer {name} yet")


def test_install_is_idempotent_and_uninstall_forgets(routed):
    shim.install()
    assert sum(isinstance(f, _pycuda_shim.Finder) for f in sys.meta_path) == 1
    import pycuda.driver  # noqa: F401

    shim.uninstall()
    assert _pycuda_shim.installed() is None and "pycuda" not in sys.modules and "pycuda.driver" not in sys.modules
    assert "PyGPU.driver" in sys.modules


def test_install_refuses_after_a_real_pycuda(monkeypatch):
    monkeypatch.setitem(sys.modules, "pycuda", types.ModuleType("pycuda"))
    with pytest.raises(RuntimeError, match="pycuda was imported before the routing was installed"):
        shim.install()
    assert _pycuda_shim.installed() is None


def test_other_imports_are_not_touched(routed):
    finder = _pycuda_shim.installed()
    assert finder is not None
    assert finder.find_spec("pycudax") is None and finder.find_spec("numpy") is None


def test_main_in_process_restores_argv_and_path(argv_script):
    argv, path = sys.argv[:], sys.path[:]
    assert shim.main([argv_script, "one"]) == 0
    assert sys.argv == argv and sys.path == path and _pycuda_shim.installed() is None
    with pytest.raises(SystemExit) as info:  # as it ends `python SCRIPT`
        shim.main([argv_script, "exit", "4"])
    assert info.value.code == 4
    assert sys.argv == argv and sys.path == path and _pycuda_shim.installed() is None
    assert shim.main([argv_script, "raise"]) == 1
    assert sys.argv == argv and sys.path == path and _pycuda_shim.installed() is None


# ---------------------------------------------------------------- the pytest plugin

def test_pytest_plugin_routes_a_test_suite(tmp_path):
    write(tmp_path / "conftest.py", """
        import pycuda.autoinit  # a conftest that imports pycuda at the top, as PyCUDA suites do
    """)
    write(tmp_path / "test_user.py", """
        import numpy as np
        import pycuda.driver as cuda
        import pycuda.gpuarray as gpuarray

        def test_roundtrip():
            a = np.arange(5, dtype=np.int64)
            assert (gpuarray.to_gpu(a).get() == a).all()

        def test_memcpy():
            a = np.arange(3, dtype=np.float32)
            buf = cuda.mem_alloc(a.nbytes)
            cuda.memcpy_htod(buf, a)
            out = np.zeros_like(a)
            cuda.memcpy_dtoh(out, buf)
            assert out.tolist() == [0.0, 1.0, 2.0]

        def test_missing_module_message():
            import pytest
            with pytest.raises(ImportError, match="does not offer pycuda.debug"):
                import pycuda.debug  # noqa: F401
    """)
    args = ["-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "PyGPU.pycuda", str(tmp_path)]
    result = run(args, tmp_path, **SIM_ENV)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "3 passed" in result.stdout
    if importlib.util.find_spec("pycuda") is None:
        without = run(args[:5] + args[7:], tmp_path, **SIM_ENV)
        assert without.returncode != 0 and "No module named 'pycuda'" in without.stdout + without.stderr


# ---------------------------------------------------------------- autoinit's warning

def _expected_answers() -> str:
    """What `auto` records for each GPU backend on this machine (skips where a GPU answers)."""
    parts = []
    for name in _backend.GPU_BACKENDS:
        if name not in g.built_backends:
            parts.append(f"{name}: not built")
        elif not _backend._may_see_devices(name):
            parts.append(f"{name}: not probed: no /dev/kfd (no AMD GPU driver)")
        else:
            count, code, code_name = _backend.probe(name)
            if count > 0:
                pytest.skip(f"a {name} device answers here: auto does not fall back to the simulated device")
            parts.append(f"{name}: {code_name} ({code})")
    return "; ".join(parts)


def test_autoinit_warns_once_when_auto_fell_back_to_sim(tmp_path):
    answers = _expected_answers()
    script = write(tmp_path / "s.py", """
        import pycuda.autoinit
        import PyGPU.autoinit
        import PyGPU
        print(PyGPU.backend)
    """)
    result = run(["-m", "PyGPU.pycuda", script], tmp_path, PYGPU_BACKEND="auto")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "sim"
    warning = f"RuntimeWarning: PyGPU.autoinit: no GPU answered, so this runs on the simulated device ({answers})"
    assert result.stderr.count(warning) == 1, result.stderr
    assert result.stderr.startswith(f"{script}:2: RuntimeWarning")  # it names the user's import line
    plain = run_python("import PyGPU.autoinit", PYGPU_BACKEND="auto")
    assert plain.returncode == 0 and plain.stderr.count(warning) == 1
    default = run_python("import PyGPU.autoinit")  # auto is the default
    assert default.stderr.count(warning) == 1


def test_autoinit_fallback_answers_are_recorded():
    answers = _expected_answers()
    code = "from PyGPU import _backend; print('; '.join(f'{k}: {v}' for k, v in _backend.fallback_answers.items()))"
    result = run_python(code, PYGPU_BACKEND="auto")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == answers


@pytest.mark.parametrize("extra", [{}, {"PYGPU_SIM_DEVICES": "2"}])
def test_autoinit_is_silent_when_sim_is_named(extra):
    result = run_python("import warnings; warnings.simplefilter('error'); import PyGPU.autoinit",
                        PYGPU_BACKEND="sim", **extra)
    assert result.returncode == 0 and result.stderr == ""
    assert _backend.fallback_answers == {}  # this process named sim too (conftest.py)


def test_autoinit_silent_in_the_runner_with_sim(tmp_path):
    script = write(tmp_path / "s.py", "import pycuda.autoinit\n")
    result = run(["-W", "error", "-m", "PyGPU.pycuda", script], tmp_path, PYGPU_BACKEND="sim")
    assert result.returncode == 0 and result.stderr == ""
