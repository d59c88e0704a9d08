"""PyGPU.CudaError: the exception the high-level layer raises for a failed call."""

from __future__ import annotations


class CudaError(RuntimeError):
    """A runtime call failed.

    Carries the backend's native ``code``, the error's ``name`` and
    ``description``, the ``call`` that failed and a detail ``message`` saying
    what was wrong when it is known. Pickles with all of them.

    Examples
    --------
    >>> import PyGPU
    >>> ptr, err = PyGPU.cudaMalloc(1 << 62)
    >>> try:
    ...     err.check()
    ... except PyGPU.CudaError as e:
    ...     print(e.name)
    cudaErrorMemoryAllocation
    """

    def __init__(self, code: int, name: str, description: str, message: str = "", call: str = "") -> None:
        self.code = int(code)
        self.name = name
        self.description = description
        self.message = message
        self.call = call
        text = f"{name}: {description}"
        if call:
            text = f"{call} failed: {text}"
        if message:
            text = f"{text} ({message})"
        super().__init__(text)

    def __reduce__(self):  # type: ignore[override]
        return (type(self), (self.code, self.name, self.description, self.message, self.call))
