"""Mistakes ``mypy --strict`` must reject: tools/lint.py checks that
mypy reports exactly the lines with an "E:" comment here, so the check of
user_script.py cannot pass vacuously (for example with stubs that make
everything Any). This file is never run."""

from __future__ import annotations

import numpy as np

import PyGPU


def mistakes() -> None:
    dev, err = PyGPU.cudaMalloc(1024)
    dev + 1  # E: the value is None when err is a failure: narrow it first
    PyGPU.cudaMemcpy(0, b"x", 1)  # E: kind is missing
    count, err = PyGPU.cudaGetDeviceCount()
    err.check()
    PyGPU.cudaSetDevice("0")  # E: a device is an int
    PyGPU.cudaStreamSynchronize(1.5)  # E: a stream is a cudaStream_t, an int handle or None
    PyGPU.cudaEventRecord(PyGPU.cudaStream_t())  # E: an event is expected first
    name: int = PyGPU.cudaGetErrorName(1)  # E: error names are str
    ptr = PyGPU.DeviceArray_float32(np.zeros(3, np.float32)).host_data()
    wrong: PyGPU.pointer_wrapper_int32 = ptr  # E: a float32 pointer is not an int32 one
    PyGPU.DeviceArray_int8((2, 2), order="K")  # E: the order is 'C' or 'F'
    PyGPU.cudaLaunchHostFunc(None, lambda x: None, 1, 2)  # E: too many arguments
    PyGPU.cudaNoSuchCall()  # E: not in the API
    print(count, name, wrong)
