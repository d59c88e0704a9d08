"""PyGPU: a thin, fast Python binding layer over the GPU runtime API.

The low-level API follows the CUDA runtime: ``cudaMalloc``, ``cudaMemcpy``,
``cudaStreamSynchronize``... (each also under its ``hip*`` name). A call that
returns nothing returns a ``cudaError_t``; a call that returns values returns
``(value, err)``. ``err.check()`` raises :class:`CudaError` on failure.

On top of it, ``PyGPU`` is a drop-in for ``pycuda.gpuarray`` (``GPUArray``,
``to_gpu``, ``zeros``...) and ``PyGPU.driver`` for the parts of
``pycuda.driver`` used beside it.

The backend is chosen at import by ``PYGPU_BACKEND`` (``sim``, ``cuda``,
``hip`` or ``auto``); :data:`backend` names the active one and
:data:`built_backends` lists those this installation has.

Examples
--------
>>> import numpy as np, PyGPU
>>> host = np.arange(4, dtype=np.float32)
>>> dev, err = PyGPU.cudaMalloc(host.nbytes)
>>> PyGPU.cudaMemcpy(dev, host, host.nbytes, PyGPU.cudaMemcpyHostToDevice)
<cudaError_t: code=0 cudaSuccess>
"""

from __future__ import annotations

from typing import SupportsIndex

from . import _backend, _core
from ._core import *  # noqa: F403  (the low-level API; typed by _core.pyi, listed in __all__ below)
from ._errors import CompileError, CudaError
from ._paths import get_cmake_dir, get_include

backend: str = _backend.select()
built_backends: tuple[str, ...] = _backend.built_backends
__version__: str = _core.__version__

from . import gpuarray  # noqa: E402  (needs the backend chosen above)
from .gpuarray import *  # noqa: E402,F403

if backend == "sim":  # PYGPU_SIM_INJECT, PYGPU_SIM_LEAK_CHECK... (see PyGPU.sim)
    from . import sim as _sim_env

    _sim_env._apply_environment()


def from_dlpack(
    x: object, /, *, device: SupportsIndex | tuple[int, int] | None = None, copy: bool | None = None
) -> gpuarray.GPUArray:
    """A zero-copy GPUArray view of an object exposing DLPack or ``__cuda_array_interface__``.

    The view keeps the producer alive. `device` and `copy` are the array API
    standard's keywords (see ``PyGPU._dlpack.from_dlpack``).

    Parameters
    ----------
    x : object
        An object with ``__dlpack__`` (and ``__dlpack_device__``), a DLPack
        capsule, or an object with ``__cuda_array_interface__`` (version 0
        to 3).
    device : int or tuple, optional
        None, or the device the data is on (an ordinal or a
        ``(device_type, device_id)`` tuple).
    copy : bool, optional
        None or False; PyGPU imports zero-copy only.

    Returns
    -------
    GPUArray
        A view whose ``base`` keeps the producer's memory alive.

    Raises
    ------
    BufferError
        For host memory (use :func:`~PyGPU.gpuarray.to_gpu`), memory the backend cannot
        address, ``copy=True`` or another `device`.
    TypeError
        For an object with neither interface, or a dtype PyGPU lacks.

    Notes
    -----
    PyCUDA has no DLPack import.

    Examples
    --------
    >>> import numpy as np, PyGPU
    >>> a = PyGPU.to_gpu(np.arange(3, dtype=np.float32))
    >>> class Foreign:  # another library's device array, seen through the CUDA Array Interface
    ...     def __init__(self, array):
    ...         self.__cuda_array_interface__ = array.__cuda_array_interface__
    >>> v = PyGPU.from_dlpack(Foreign(a))
    >>> v.ptr == a.ptr, v.get()
    (True, array([0., 1., 2.], dtype=float32))
    >>> PyGPU.from_dlpack(a, device=0).get()
    array([0., 1., 2.], dtype=float32)
    >>> PyGPU.from_dlpack(a, copy=True)
    Traceback (most recent call last):
    ...
    BufferError: from_dlpack(copy=True): PyGPU imports zero-copy only; call .copy() on the result
    """
    from ._dlpack import from_dlpack as convert

    return convert(x, device=device, copy=copy)


def asarray(obj: object) -> gpuarray.GPUArray:
    """Like :func:`from_dlpack`; a GPUArray is returned as is.

    Parameters
    ----------
    obj : object
        A GPUArray, an object with ``__dlpack__`` or
        ``__cuda_array_interface__``, or a DLPack capsule.

    Returns
    -------
    GPUArray
        `obj` itself, or a zero-copy view that keeps it alive.

    Raises
    ------
    BufferError, TypeError, ValueError
        As :func:`from_dlpack`.

    Examples
    --------
    >>> import numpy as np, PyGPU
    >>> a = PyGPU.zeros(2, np.float32)
    >>> PyGPU.asarray(a) is a
    True
    >>> b = PyGPU.asarray(a.__dlpack__())
    >>> b is a, b.ptr == a.ptr
    (False, True)
    """
    from ._dlpack import asarray as convert

    return convert(obj)


__all__ = [
    "CompileError", "CudaError", "backend", "built_backends", "__version__", "gpuarray", "from_dlpack", "asarray",
    "get_include", "get_cmake_dir", "dtypes",
    # The classes, functions and constants of PyGPU._core, cuda* and hip*
    # (tools/gen_core_stub.py writes this list from _core.pyi).
    # <generated: low-level names>
    "DeviceArray", "DeviceArray_bool", "DeviceArray_complex128", "DeviceArray_complex64", "DeviceArray_float16",
    "DeviceArray_float32", "DeviceArray_float64", "DeviceArray_int16", "DeviceArray_int32", "DeviceArray_int64",
    "DeviceArray_int8", "DeviceArray_uint16", "DeviceArray_uint32", "DeviceArray_uint64", "DeviceArray_uint8",
    "HostAllocator", "HostAllocator_bool", "HostAllocator_complex128", "HostAllocator_complex64",
    "HostAllocator_float16", "HostAllocator_float32", "HostAllocator_float64", "HostAllocator_int16",
    "HostAllocator_int32", "HostAllocator_int64", "HostAllocator_int8", "HostAllocator_uint16", "HostAllocator_uint32",
    "HostAllocator_uint64", "HostAllocator_uint8", "PagelockedAllocator", "PagelockedAllocator_bool",
    "PagelockedAllocator_complex128", "PagelockedAllocator_complex64", "PagelockedAllocator_float16",
    "PagelockedAllocator_float32", "PagelockedAllocator_float64", "PagelockedAllocator_int16",
    "PagelockedAllocator_int32", "PagelockedAllocator_int64", "PagelockedAllocator_int8", "PagelockedAllocator_uint16",
    "PagelockedAllocator_uint32", "PagelockedAllocator_uint64", "PagelockedAllocator_uint8", "cudaDeviceCanAccessPeer",
    "cudaDeviceDisablePeerAccess", "cudaDeviceEnablePeerAccess", "cudaDeviceGetDefaultMemPool", "cudaDeviceGetLimit",
    "cudaDeviceGetMemPool", "cudaDeviceGetStreamPriorityRange", "cudaDeviceProp", "cudaDeviceReset",
    "cudaDeviceSetLimit", "cudaDeviceSetMemPool", "cudaDeviceSynchronize", "cudaDriverGetVersion",
    "cudaErrorAddressOfConstant", "cudaErrorAlreadyAcquired", "cudaErrorAlreadyMapped", "cudaErrorArrayIsMapped",
    "cudaErrorAssert", "cudaErrorCallRequiresNewerDriver", "cudaErrorCapturedEvent", "cudaErrorCdpNotSupported",
    "cudaErrorCdpVersionMismatch", "cudaErrorCompatNotSupportedOnDevice", "cudaErrorContained",
    "cudaErrorContextIsDestroyed", "cudaErrorCooperativeLaunchTooLarge", "cudaErrorCudartUnloading",
    "cudaErrorDeviceAlreadyInUse", "cudaErrorDeviceNotLicensed", "cudaErrorDeviceUninitialized",
    "cudaErrorDevicesUnavailable", "cudaErrorDuplicateSurfaceName", "cudaErrorDuplicateTextureName",
    "cudaErrorDuplicateVariableName", "cudaErrorECCUncorrectable", "cudaErrorExternalDevice", "cudaErrorFileNotFound",
    "cudaErrorFunctionNotLoaded", "cudaErrorGraphExecUpdateFailure", "cudaErrorHardwareStackError",
    "cudaErrorHostMemoryAlreadyRegistered", "cudaErrorHostMemoryNotRegistered", "cudaErrorIllegalAddress",
    "cudaErrorIllegalInstruction", "cudaErrorIllegalState", "cudaErrorIncompatibleDriverContext",
    "cudaErrorInitializationError", "cudaErrorInsufficientDriver", "cudaErrorInvalidAddressSpace",
    "cudaErrorInvalidChannelDescriptor", "cudaErrorInvalidClusterSize", "cudaErrorInvalidConfiguration",
    "cudaErrorInvalidDevice", "cudaErrorInvalidDeviceFunction", "cudaErrorInvalidDevicePointer",
    "cudaErrorInvalidFilterSetting", "cudaErrorInvalidGraphicsContext", "cudaErrorInvalidHostPointer",
    "cudaErrorInvalidKernelImage", "cudaErrorInvalidMemcpyDirection", "cudaErrorInvalidNormSetting",
    "cudaErrorInvalidPc", "cudaErrorInvalidPitchValue", "cudaErrorInvalidPtx", "cudaErrorInvalidResourceConfiguration",
    "cudaErrorInvalidResourceHandle", "cudaErrorInvalidResourceType", "cudaErrorInvalidSource",
    "cudaErrorInvalidSurface", "cudaErrorInvalidSymbol", "cudaErrorInvalidTexture", "cudaErrorInvalidTextureBinding",
    "cudaErrorInvalidValue", "cudaErrorJitCompilationDisabled", "cudaErrorJitCompilerNotFound",
    "cudaErrorLaunchFailure", "cudaErrorLaunchFileScopedSurf", "cudaErrorLaunchFileScopedTex",
    "cudaErrorLaunchIncompatibleTexturing", "cudaErrorLaunchMaxDepthExceeded", "cudaErrorLaunchOutOfResources",
    "cudaErrorLaunchPendingCountExceeded", "cudaErrorLaunchTimeout", "cudaErrorLossyQuery",
    "cudaErrorMapBufferObjectFailed", "cudaErrorMemoryAllocation", "cudaErrorMemoryValueTooLarge",
    "cudaErrorMisalignedAddress", "cudaErrorMissingConfiguration", "cudaErrorMixedDeviceExecution",
    "cudaErrorMpsClientTerminated", "cudaErrorMpsConnectionFailed", "cudaErrorMpsMaxClientsReached",
    "cudaErrorMpsMaxConnectionsReached", "cudaErrorMpsRpcFailure", "cudaErrorMpsServerNotReady", "cudaErrorNoDevice",
    "cudaErrorNoKernelImageForDevice", "cudaErrorNotMapped", "cudaErrorNotMappedAsArray", "cudaErrorNotMappedAsPointer",
    "cudaErrorNotPermitted", "cudaErrorNotReady", "cudaErrorNotSupported", "cudaErrorNotYetImplemented",
    "cudaErrorNvlinkUncorrectable", "cudaErrorOperatingSystem", "cudaErrorPeerAccessAlreadyEnabled",
    "cudaErrorPeerAccessNotEnabled", "cudaErrorPeerAccessUnsupported", "cudaErrorPriorLaunchFailure",
    "cudaErrorProfilerAlreadyStarted", "cudaErrorProfilerAlreadyStopped", "cudaErrorProfilerDisabled",
    "cudaErrorProfilerNotInitialized", "cudaErrorSetOnActiveProcess", "cudaErrorSharedObjectInitFailed",
    "cudaErrorSharedObjectSymbolNotFound", "cudaErrorSoftwareValidityNotEstablished", "cudaErrorStartupFailure",
    "cudaErrorStreamCaptureImplicit", "cudaErrorStreamCaptureInvalidated", "cudaErrorStreamCaptureIsolation",
    "cudaErrorStreamCaptureMerge", "cudaErrorStreamCaptureUnjoined", "cudaErrorStreamCaptureUnmatched",
    "cudaErrorStreamCaptureUnsupported", "cudaErrorStreamCaptureWrongThread", "cudaErrorStubLibrary",
    "cudaErrorSymbolNotFound", "cudaErrorSyncDepthExceeded", "cudaErrorSynchronizationError",
    "cudaErrorSystemDriverMismatch", "cudaErrorSystemNotReady", "cudaErrorTensorMemoryLeak",
    "cudaErrorTextureFetchFailed", "cudaErrorTextureNotBound", "cudaErrorTimeout", "cudaErrorTooManyPeers",
    "cudaErrorUnknown", "cudaErrorUnmapBufferObjectFailed", "cudaErrorUnsupportedDevSideSync",
    "cudaErrorUnsupportedExecAffinity", "cudaErrorUnsupportedLimit", "cudaErrorUnsupportedPtxVersion", "cudaError_t",
    "cudaEventBlockingSync", "cudaEventCreate", "cudaEventCreateWithFlags", "cudaEventDefault", "cudaEventDestroy",
    "cudaEventDisableTiming", "cudaEventElapsedTime", "cudaEventInterprocess", "cudaEventQuery", "cudaEventRecord",
    "cudaEventSynchronize", "cudaEvent_t", "cudaFree", "cudaFreeAsync", "cudaFreeHost", "cudaFuncAttributes",
    "cudaFuncGetAttributes", "cudaGetDevice", "cudaGetDeviceCount", "cudaGetDeviceProperties", "cudaGetErrorName",
    "cudaGetErrorString", "cudaGetLastError", "cudaHostAlloc", "cudaHostAllocDefault", "cudaHostAllocMapped",
    "cudaHostAllocPortable", "cudaHostAllocWriteCombined", "cudaHostRegister", "cudaHostRegisterDefault",
    "cudaHostRegisterIoMemory", "cudaHostRegisterMapped", "cudaHostRegisterPortable", "cudaHostRegisterReadOnly",
    "cudaHostUnregister", "cudaLaunchHostFunc", "cudaLaunchKernel", "cudaLibraryGetGlobal", "cudaLibraryGetKernel",
    "cudaLibraryLoadData", "cudaLibraryLoadFromFile", "cudaLibraryUnload", "cudaLimitDevRuntimePendingLaunchCount",
    "cudaLimitDevRuntimeSyncDepth", "cudaLimitMallocHeapSize", "cudaLimitMaxL2FetchGranularity",
    "cudaLimitPersistingL2CacheSize", "cudaLimitPrintfFifoSize", "cudaLimitStackSize", "cudaMalloc", "cudaMallocAsync",
    "cudaMallocFromPoolAsync", "cudaMallocHost", "cudaMallocManaged", "cudaMemAllocationTypeInvalid",
    "cudaMemAllocationTypePinned", "cudaMemAttachGlobal", "cudaMemAttachHost", "cudaMemAttachSingle", "cudaMemGetInfo",
    "cudaMemHandleTypeNone", "cudaMemHandleTypePosixFileDescriptor", "cudaMemLocation", "cudaMemLocationTypeDevice",
    "cudaMemLocationTypeInvalid", "cudaMemPoolAttrReleaseThreshold", "cudaMemPoolAttrReservedMemCurrent",
    "cudaMemPoolAttrReservedMemHigh", "cudaMemPoolAttrUsedMemCurrent", "cudaMemPoolAttrUsedMemHigh",
    "cudaMemPoolCreate", "cudaMemPoolDestroy", "cudaMemPoolGetAttribute", "cudaMemPoolProps",
    "cudaMemPoolReuseAllowInternalDependencies", "cudaMemPoolReuseAllowOpportunistic",
    "cudaMemPoolReuseFollowEventDependencies", "cudaMemPoolSetAttribute", "cudaMemPoolTrimTo", "cudaMemPool_t",
    "cudaMemcpy", "cudaMemcpy2D", "cudaMemcpy2DAsync", "cudaMemcpyAsync", "cudaMemcpyDefault",
    "cudaMemcpyDeviceToDevice", "cudaMemcpyDeviceToHost", "cudaMemcpyHostToDevice", "cudaMemcpyHostToHost",
    "cudaMemcpyPeer", "cudaMemcpyPeerAsync", "cudaMemoryTypeDevice", "cudaMemoryTypeHost", "cudaMemoryTypeManaged",
    "cudaMemoryTypeUnregistered", "cudaMemset", "cudaMemsetAsync", "cudaOccupancyMaxActiveBlocksPerMultiprocessor",
    "cudaOccupancyMaxPotentialBlockSize", "cudaPeekAtLastError", "cudaPointerAttributes", "cudaPointerGetAttributes",
    "cudaRuntimeGetVersion", "cudaSetDevice", "cudaStreamCreate", "cudaStreamCreateWithFlags",
    "cudaStreamCreateWithPriority", "cudaStreamDefault", "cudaStreamDestroy", "cudaStreamGetFlags",
    "cudaStreamGetPriority", "cudaStreamLegacy", "cudaStreamNonBlocking", "cudaStreamPerThread", "cudaStreamQuery",
    "cudaStreamSynchronize", "cudaStreamWaitEvent", "cudaStream_t", "cudaSuccess", "hipDeviceCanAccessPeer",
    "hipDeviceDisablePeerAccess", "hipDeviceEnablePeerAccess", "hipDeviceGetDefaultMemPool", "hipDeviceGetLimit",
    "hipDeviceGetMemPool", "hipDeviceGetStreamPriorityRange", "hipDeviceProp", "hipDeviceProp_t", "hipDeviceReset",
    "hipDeviceSetLimit", "hipDeviceSetMemPool", "hipDeviceSynchronize", "hipDriverGetVersion",
    "hipErrorAddressOfConstant", "hipErrorAlreadyAcquired", "hipErrorAlreadyMapped", "hipErrorArrayIsMapped",
    "hipErrorAssert", "hipErrorCallRequiresNewerDriver", "hipErrorCapturedEvent", "hipErrorCdpNotSupported",
    "hipErrorCdpVersionMismatch", "hipErrorCompatNotSupportedOnDevice", "hipErrorContained",
    "hipErrorContextIsDestroyed", "hipErrorCooperativeLaunchTooLarge", "hipErrorCudartUnloading",
    "hipErrorDeviceAlreadyInUse", "hipErrorDeviceNotLicensed", "hipErrorDeviceUninitialized",
    "hipErrorDevicesUnavailable", "hipErrorDuplicateSurfaceName", "hipErrorDuplicateTextureName",
    "hipErrorDuplicateVariableName", "hipErrorECCUncorrectable", "hipErrorExternalDevice", "hipErrorFileNotFound",
    "hipErrorFunctionNotLoaded", "hipErrorGraphExecUpdateFailure", "hipErrorHardwareStackError",
    "hipErrorHostMemoryAlreadyRegistered", "hipErrorHostMemoryNotRegistered", "hipErrorIllegalAddress",
    "hipErrorIllegalInstruction", "hipErrorIllegalState", "hipErrorIncompatibleDriverContext",
    "hipErrorInitializationError", "hipErrorInsufficientDriver", "hipErrorInvalidAddressSpace",
    "hipErrorInvalidChannelDescriptor", "hipErrorInvalidClusterSize", "hipErrorInvalidConfiguration",
    "hipErrorInvalidDevice", "hipErrorInvalidDeviceFunction", "hipErrorInvalidDevicePointer",
    "hipErrorInvalidFilterSetting", "hipErrorInvalidGraphicsContext", "hipErrorInvalidHandle",
    "hipErrorInvalidHostPointer", "hipErrorInvalidKernelImage", "hipErrorInvalidMemcpyDirection",
    "hipErrorInvalidNormSetting", "hipErrorInvalidPc", "hipErrorInvalidPitchValue", "hipErrorInvalidPtx",
    "hipErrorInvalidResourceConfiguration", "hipErrorInvalidResourceHandle", "hipErrorInvalidResourceType",
    "hipErrorInvalidSource", "hipErrorInvalidSurface", "hipErrorInvalidSymbol", "hipErrorInvalidTexture",
    "hipErrorInvalidTextureBinding", "hipErrorInvalidValue", "hipErrorJitCompilationDisabled",
    "hipErrorJitCompilerNotFound", "hipErrorLaunchFailure", "hipErrorLaunchFileScopedSurf",
    "hipErrorLaunchFileScopedTex", "hipErrorLaunchIncompatibleTexturing", "hipErrorLaunchMaxDepthExceeded",
    "hipErrorLaunchOutOfResources", "hipErrorLaunchPendingCountExceeded", "hipErrorLaunchTimeout", "hipErrorLossyQuery",
    "hipErrorMapBufferObjectFailed", "hipErrorMemoryAllocation", "hipErrorMemoryValueTooLarge",
    "hipErrorMisalignedAddress", "hipErrorMissingConfiguration", "hipErrorMixedDeviceExecution",
    "hipErrorMpsClientTerminated", "hipErrorMpsConnectionFailed", "hipErrorMpsMaxClientsReached",
    "hipErrorMpsMaxConnectionsReached", "hipErrorMpsRpcFailure", "hipErrorMpsServerNotReady", "hipErrorNoDevice",
    "hipErrorNoKernelImageForDevice", "hipErrorNotMapped", "hipErrorNotMappedAsArray", "hipErrorNotMappedAsPointer",
    "hipErrorNotPermitted", "hipErrorNotReady", "hipErrorNotSupported", "hipErrorNotYetImplemented",
    "hipErrorNvlinkUncorrectable", "hipErrorOperatingSystem", "hipErrorOutOfMemory", "hipErrorPeerAccessAlreadyEnabled",
    "hipErrorPeerAccessNotEnabled", "hipErrorPeerAccessUnsupported", "hipErrorPriorLaunchFailure",
    "hipErrorProfilerAlreadyStarted", "hipErrorProfilerAlreadyStopped", "hipErrorProfilerDisabled",
    "hipErrorProfilerNotInitialized", "hipErrorSetOnActiveProcess", "hipErrorSharedObjectInitFailed",
    "hipErrorSharedObjectSymbolNotFound", "hipErrorSoftwareValidityNotEstablished", "hipErrorStartupFailure",
    "hipErrorStreamCaptureImplicit", "hipErrorStreamCaptureInvalidated", "hipErrorStreamCaptureIsolation",
    "hipErrorStreamCaptureMerge", "hipErrorStreamCaptureUnjoined", "hipErrorStreamCaptureUnmatched",
    "hipErrorStreamCaptureUnsupported", "hipErrorStreamCaptureWrongThread", "hipErrorStubLibrary",
    "hipErrorSymbolNotFound", "hipErrorSyncDepthExceeded", "hipErrorSynchronizationError",
    "hipErrorSystemDriverMismatch", "hipErrorSystemNotReady", "hipErrorTensorMemoryLeak", "hipErrorTextureFetchFailed",
    "hipErrorTextureNotBound", "hipErrorTimeout", "hipErrorTooManyPeers", "hipErrorUnknown",
    "hipErrorUnmapBufferObjectFailed", "hipErrorUnsupportedDevSideSync", "hipErrorUnsupportedExecAffinity",
    "hipErrorUnsupportedLimit", "hipErrorUnsupportedPtxVersion", "hipError_t", "hipEventBlockingSync", "hipEventCreate",
    "hipEventCreateWithFlags", "hipEventDefault", "hipEventDestroy", "hipEventDisableTiming", "hipEventElapsedTime",
    "hipEventInterprocess", "hipEventQuery", "hipEventRecord", "hipEventSynchronize", "hipEvent_t", "hipFree",
    "hipFreeAsync", "hipFreeHost", "hipFuncAttributes", "hipFuncGetAttributes", "hipGetDevice", "hipGetDeviceCount",
    "hipGetDeviceProperties", "hipGetErrorName", "hipGetErrorString", "hipGetLastError", "hipHostAlloc",
    "hipHostAllocDefault", "hipHostAllocMapped", "hipHostAllocPortable", "hipHostAllocWriteCombined", "hipHostFree",
    "hipHostMalloc", "hipHostMallocDefault", "hipHostMallocMapped", "hipHostMallocPortable",
    "hipHostMallocWriteCombined", "hipHostRegister", "hipHostRegisterDefault", "hipHostRegisterIoMemory",
    "hipHostRegisterMapped", "hipHostRegisterPortable", "hipHostRegisterReadOnly", "hipHostUnregister",
    "hipLaunchHostFunc", "hipLaunchKernel", "hipLibraryGetGlobal", "hipLibraryGetKernel", "hipLibraryLoadData",
    "hipLibraryLoadFromFile", "hipLibraryUnload", "hipLimitDevRuntimePendingLaunchCount", "hipLimitDevRuntimeSyncDepth",
    "hipLimitMallocHeapSize", "hipLimitMaxL2FetchGranularity", "hipLimitPersistingL2CacheSize",
    "hipLimitPrintfFifoSize", "hipLimitStackSize", "hipMalloc", "hipMallocAsync", "hipMallocFromPoolAsync",
    "hipMallocHost", "hipMallocManaged", "hipMemAllocationTypeInvalid", "hipMemAllocationTypePinned",
    "hipMemAttachGlobal", "hipMemAttachHost", "hipMemAttachSingle", "hipMemGetInfo", "hipMemHandleTypeNone",
    "hipMemHandleTypePosixFileDescriptor", "hipMemLocation", "hipMemLocationTypeDevice", "hipMemLocationTypeInvalid",
    "hipMemPoolAttrReleaseThreshold", "hipMemPoolAttrReservedMemCurrent", "hipMemPoolAttrReservedMemHigh",
    "hipMemPoolAttrUsedMemCurrent", "hipMemPoolAttrUsedMemHigh", "hipMemPoolCreate", "hipMemPoolDestroy",
    "hipMemPoolGetAttribute", "hipMemPoolProps", "hipMemPoolReuseAllowInternalDependencies",
    "hipMemPoolReuseAllowOpportunistic", "hipMemPoolReuseFollowEventDependencies", "hipMemPoolSetAttribute",
    "hipMemPoolTrimTo", "hipMemPool_t", "hipMemcpy", "hipMemcpy2D", "hipMemcpy2DAsync", "hipMemcpyAsync",
    "hipMemcpyDefault", "hipMemcpyDeviceToDevice", "hipMemcpyDeviceToHost", "hipMemcpyHostToDevice",
    "hipMemcpyHostToHost", "hipMemcpyPeer", "hipMemcpyPeerAsync", "hipMemoryTypeDevice", "hipMemoryTypeHost",
    "hipMemoryTypeManaged", "hipMemoryTypeUnregistered", "hipMemset", "hipMemsetAsync", "hipModuleGetFunction",
    "hipModuleGetGlobal", "hipModuleLaunchKernel", "hipModuleLoad", "hipModuleLoadData",
    "hipModuleOccupancyMaxActiveBlocksPerMultiprocessor", "hipModuleOccupancyMaxPotentialBlockSize", "hipModuleUnload",
    "hipOccupancyMaxActiveBlocksPerMultiprocessor", "hipOccupancyMaxPotentialBlockSize", "hipPeekAtLastError",
    "hipPointerAttributes", "hipPointerGetAttributes", "hipRuntimeGetVersion", "hipSetDevice", "hipStreamCreate",
    "hipStreamCreateWithFlags", "hipStreamCreateWithPriority", "hipStreamDefault", "hipStreamDestroy",
    "hipStreamGetFlags", "hipStreamGetPriority", "hipStreamLegacy", "hipStreamNonBlocking", "hipStreamPerThread",
    "hipStreamQuery", "hipStreamSynchronize", "hipStreamWaitEvent", "hipStream_t", "hipSuccess", "pointer_wrapper_bool",
    "pointer_wrapper_complex128", "pointer_wrapper_complex64", "pointer_wrapper_float16", "pointer_wrapper_float32",
    "pointer_wrapper_float64", "pointer_wrapper_int16", "pointer_wrapper_int32", "pointer_wrapper_int64",
    "pointer_wrapper_int8", "pointer_wrapper_uint16", "pointer_wrapper_uint32", "pointer_wrapper_uint64",
    "pointer_wrapper_uint8", "pointer_wrapper_void",
    # </generated: low-level names>
]
__all__ += gpuarray.__all__
