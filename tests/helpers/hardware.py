"""Real hardware for the tests marked ``gpu``: the backend PYGPU_BACKEND names,
in a fresh interpreter (this one runs on the simulated device, conftest.py)."""

from __future__ import annotations

from .processes import run_python

# One line: the active backend, then cudaGetDeviceCount's answer.
PROBE = """
import PyGPU as g
count, err = g.cudaGetDeviceCount()
print(g.backend, err.name, int(err), count if err == g.cudaSuccess else 0, *g.built_backends)
"""


class Hardware:
    """The backend PYGPU_BACKEND named (``auto`` when unset), asked once whether a device answers.

    ``missing`` is None when one does, else why not, in the backend's own
    words ("PYGPU_BACKEND=cuda: cudaGetDeviceCount answered
    cudaErrorInsufficientDriver (35)"). ``PYGPU_BACKEND=sim`` is honoured too:
    the tests then run on the simulated device, which checks the tests.
    """

    def __init__(self, requested: str) -> None:
        self.requested = requested or "auto"
        self.backend, self.missing = self._probe(self.requested)

    @staticmethod
    def _answer(requested: str) -> tuple[str, str, int, int, list[str]] | str:
        """(backend, error name, code, device count, built backends), or why PyGPU did not import."""
        result = run_python(PROBE, PYGPU_BACKEND=requested)
        if result.returncode != 0:
            lines = result.stderr.strip().splitlines() or [f"exit status {result.returncode}"]
            return f"PYGPU_BACKEND={requested}: PyGPU does not import: {lines[-1]}"
        backend, name, code, count, *built = result.stdout.strip().splitlines()[-1].split()
        return backend, name, int(code), int(count), built

    def _probe(self, requested: str) -> tuple[str | None, str | None]:
        answer = self._answer(requested)
        if isinstance(answer, str):
            return None, answer
        backend, name, code, count, built = answer
        if backend == "sim" and requested != "sim":
            # auto found no device: say what each built GPU backend answered.
            others = [self._answer(b) for b in built if b != "sim"]
            said = "; ".join(a if isinstance(a, str) else f"{a[0]}: {a[1]} ({a[2]})" for a in others)
            return None, (f"no GPU device: PYGPU_BACKEND={requested} chose the simulated device "
                          f"({said or 'no GPU backend built'}); PYGPU_BACKEND=sim runs these tests on it")
        if code != 0:
            return None, f"PYGPU_BACKEND={requested}: cudaGetDeviceCount answered {name} ({code})"
        if count == 0:
            return None, f"PYGPU_BACKEND={requested}: cudaGetDeviceCount answered 0 devices"
        return backend, None

    def run(self, code: str) -> str:
        """Run `code` on this backend in a fresh interpreter; its output, once it exits 0."""
        result = run_python(code, PYGPU_BACKEND=self.requested)
        assert result.returncode == 0, f"on {self.backend}:\n{result.stdout}{result.stderr}"
        return result.stdout
