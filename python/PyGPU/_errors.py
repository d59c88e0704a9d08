"""PyGPU.CudaError: the exception the high-level layer raises for a failed call."""

from __future__ import annotations


class CudaError(RuntimeError):
    """A runtime call failed.

    Carries the backend's native ``code``, the error's ``name`` and
    ``description``, the ``call`` that failed and a detail ``message`` saying
    what was wrong when it is known. Pickles with all of them.

    Parameters
    ----------
    code : int
        The backend's native error number (``cudaError_t`` on CUDA and the
        simulated device, ``hipError_t`` on HIP).
    name : str
        The error's name, e.g. ``"cudaErrorMemoryAllocation"``.
    description : str
        The runtime's description of the error.
    message : str, optional
        What was wrong and how to fix it, when known.
    call : str, optional
        The runtime call that failed, e.g. ``"cudaMalloc"``.

    Notes
    -----
    PyCUDA raises ``pycuda.driver.Error`` subclasses; PyGPU raises this one
    type for every failed runtime call, and ``PyGPU.driver.Error`` is the same
    class.

    Examples
    --------
    >>> import pickle, PyGPU
    >>> ptr, err = PyGPU.cudaMalloc(1 << 62)
    >>> try:
    ...     err.check()
    ... except PyGPU.CudaError as e:
    ...     caught = e
    >>> caught.name, caught.code, caught.call
    ('cudaErrorMemoryAllocation', 2, 'cudaMalloc')
    >>> pickle.loads(pickle.dumps(caught)).name
    'cudaErrorMemoryAllocation'
    >>> str(PyGPU.CudaError(1, "cudaErrorInvalidValue", "invalid argument", "size is 0", "cudaMemcpy"))
    'cudaMemcpy failed: cudaErrorInvalidValue: invalid argument (size is 0)'
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

    def __reduce__(self) -> tuple[type[CudaError], tuple[int, str, str, str, str]]:
        return (type(self), (self.code, self.name, self.description, self.message, self.call))
