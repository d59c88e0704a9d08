"""PyGPU.autoinit: a drop-in for ``pycuda.autoinit``.

Importing it chooses a device and makes it current for the importing thread,
as ``pycuda.autoinit`` does: the device numbered by the ``CUDA_DEVICE``
environment variable, else device 0. It sets the module attributes ``device``
(a :class:`PyGPU.driver.Device`) and ``context`` (its
:class:`PyGPU.driver.Context`). PyGPU uses the device's primary context, so
there is nothing to clean up at exit.

Examples
--------
>>> import PyGPU.autoinit
>>> import PyGPU.driver as cuda
>>> PyGPU.autoinit.device == cuda.Context.get_device()
True
"""

from __future__ import annotations

import os

from . import driver as _driver

__all__ = ["context", "device"]

_driver.init()
device: _driver.Device = _driver.Device(int(os.environ.get("CUDA_DEVICE", "0")))
context: _driver.Context = device.make_context()
