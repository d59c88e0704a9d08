"""The errors each runtime function of ``PyGPU._core`` can return: the one table.

Two readers, never ``import PyGPU`` (it stays out of import time):

- the build: ``tools/gen_runtime_docs.py`` writes the functions' docstrings
  from it (and from the signatures of ``_core.pyi``) into a C++ header that
  ``bindings/runtime_doc.cpp`` compiles in, so ``help(PyGPU.cudaMemcpy)``
  lists the errors;
- the documentation (``docs/_ext/pygpu_docs.py``: the summary table and one
  entry per function on the low-level API page).

``tests/test_docs.py`` checks it against the module: every public ``cuda*``
function is listed, nothing else is, and every error named is a real
``cudaError_t`` name.

The codes follow CUDA's runtime API documentation, as the simulated device
reproduces them (``src/PyGPU/sim/*.cpp``, plus the checks of ``bindings/*.cpp``
made before a call reaches the backend). A code that only real hardware gives
says so. The errors that any call can return (``COMMON``) are listed once.

Each function maps to ``(errors, note)``: ``errors`` maps an error name to
when it is returned, ``note`` is reStructuredText or ``""``.
"""

from __future__ import annotations

Errors = dict[str, str]
Entry = tuple[Errors, str]

# Returned by any runtime call (not repeated below).
COMMON: Errors = {
    "cudaErrorInitializationError": "the simulated device's configuration is invalid (real runtimes: the runtime "
                                    "could not initialise)",
    "cudaErrorNotPermitted": "the call was made from a host function running on a stream (``cudaLaunchHostFunc``); "
                             "CUDA forbids it and the simulated device diagnoses it",
    "cudaErrorInsufficientDriver": "``cuda`` backend: no NVIDIA driver, or one too old for the runtime",
    "cudaErrorNoDevice": "``cuda`` and ``hip`` backends: no device (``hipErrorNoDevice`` on HIP)",
    "cudaErrorUnknown": "an internal failure (the simulated device turns any C++ exception into this code)",
}

BAD_POINTER = ("a memory argument is not a pointer object, int or buffer the call can use (a destroyed pointer "
               "object, a read-only buffer written to, a non-contiguous buffer), or the byte count runs past "
               "the end of a buffer or pointer object")
STREAM_HANDLE = ("the stream was destroyed (by ``cudaStreamDestroy`` or ``cudaDeviceReset``), or the handle is not "
                 "a stream")
COPY_POINTERS = ("a pointer is NULL, unknown, freed, of the wrong kind for ``kind`` (device memory passed as host "
                 "memory or the reverse), or the count runs past the end of its allocation; source and "
                 "destination overlap; a pageable host range runs into memory the runtime allocated")
COPY_KIND = "``kind`` is not a ``cudaMemcpyKind`` (0 to 4)"

POOL_HANDLE = ("``memPool`` is NULL, not a pool, or was destroyed (by ``cudaMemPoolDestroy`` or a reset of its "
               "device)")

SECTIONS: list[tuple[str, dict[str, Entry]]] = [
    ("Devices", {
        "cudaGetDeviceCount": ({}, ("On a machine with no driver the ``cuda`` backend answers "
                                   "``cudaErrorInsufficientDriver`` and the ``hip`` backend ``hipErrorNoDevice``.")),
        "cudaGetDevice": ({}, ""),
        "cudaSetDevice": ({
            "cudaErrorInvalidDevice": "``device`` is not an ordinal in ``0 .. count - 1``",
            "cudaErrorDevicesUnavailable": "hardware only: the device is busy, or in exclusive or prohibited "
                                           "compute mode",
        }, "The current device is per host thread; a new thread starts on device 0."),
        "cudaDeviceSynchronize": ({}, "On hardware it also returns the error of earlier asynchronous work."),
        "cudaDeviceReset": ({}, ("Destroys the current device's allocations, streams and events: objects that "
                                "used them answer ``cudaErrorInvalidResourceHandle`` (streams, events) or "
                                "``cudaErrorInvalidValue`` (pointers) afterwards.")),
        "cudaGetDeviceProperties": ({
            "cudaErrorInvalidDevice": "``device`` is not a valid ordinal",
        }, ""),
        "cudaMemGetInfo": ({}, ("Exact on the simulated device: every allocation is charged its size rounded up "
                               "to 256 bytes.")),
        "cudaDriverGetVersion": ({}, "0 on a machine with no driver (``cuda`` backend), with success."),
        "cudaRuntimeGetVersion": ({}, ""),
        "cudaDeviceCanAccessPeer": ({
            "cudaErrorInvalidDevice": "``device`` or ``peerDevice`` is not a valid ordinal",
        }, "A device is not its own peer: ``device == peerDevice`` gives 0."),
        "cudaDeviceEnablePeerAccess": ({
            "cudaErrorInvalidDevice": "``peerDevice`` is not a valid ordinal, or is the current device",
            "cudaErrorPeerAccessAlreadyEnabled": "access from the current device to ``peerDevice`` is already "
                                                 "enabled",
            "cudaErrorInvalidValue": "``flags`` is not 0",
        }, ""),
        "cudaDeviceDisablePeerAccess": ({
            "cudaErrorInvalidDevice": "``peerDevice`` is not a valid ordinal",
            "cudaErrorPeerAccessNotEnabled": "access from the current device to ``peerDevice`` is not enabled",
        }, ""),
        "cudaDeviceSetLimit": ({
            "cudaErrorUnsupportedLimit": "``limit`` is not a ``cudaLimit``, or one the device lacks (the simulated "
                                         "device has no device runtime: ``cudaLimitDevRuntimeSyncDepth`` and "
                                         "``cudaLimitDevRuntimePendingLaunchCount``)",
            "cudaErrorInvalidValue": "``cudaLimitMaxL2FetchGranularity`` over 128; ``cudaLimitPrintfFifoSize`` after "
                                     "a kernel that used ``printf`` ran on the device",
            "cudaErrorNotSupported": "``hip`` backend: HIP 5.2 cannot set limits (a value other than the current "
                                     "one)",
        }, ("Limits belong to the current device; ``cudaDeviceReset`` sets them back to their defaults. On the "
            "simulated device ``cudaLimitPrintfFifoSize`` bounds each launch's ``printf`` output (the last bytes "
            "are kept, as CUDA's circular FIFO keeps them), ``cudaLimitPersistingL2CacheSize`` is clamped to 30 "
            "MiB, and the other limits are stored and reported. ``TypeError``/``ValueError`` for a ``limit`` that "
            "is not an int, or outside C's int.")),
        "cudaDeviceGetLimit": ({
            "cudaErrorUnsupportedLimit": "as for ``cudaDeviceSetLimit``",
        }, ("The defaults on the simulated device: stack 1024 bytes, printf FIFO 1 MiB, malloc heap 8 MiB, L2 "
            "fetch granularity 64 bytes, persisting L2 cache 0.")),
    }),
    ("Errors", {
        "cudaGetLastError": ({}, ("Returns the calling thread's last error (any code) and resets it; the call "
                                 "itself never fails and cannot be injected. ``cudaErrorNotReady`` from queries "
                                 "is a status and never becomes the last error.")),
        "cudaPeekAtLastError": ({}, "As ``cudaGetLastError``, without resetting it."),
        "cudaGetErrorName": ({}, ("Returns a ``str``, not a status: ``'unrecognized error code'`` for a code the "
                                 "backend does not know. ``TypeError`` for anything but a ``cudaError_t`` or an "
                                 "int.")),
        "cudaGetErrorString": ({}, "Returns a ``str``, as ``cudaGetErrorName``."),
    }),
    ("Memory", {
        "cudaMalloc": ({
            "cudaErrorMemoryAllocation": "the device does not have ``size`` bytes free (rounded up to 256), or the "
                                         "host cannot back the allocation",
        }, "``cudaMalloc(0)`` succeeds with a NULL pointer. On failure the value is ``None``."),
        "cudaFree": ({
            "cudaErrorInvalidValue": "``ptr`` was not returned by ``cudaMalloc`` or ``cudaMallocManaged``, was "
                                     "already freed (double free), points inside an allocation, or is pinned host "
                                     "memory; " + BAD_POINTER,
        }, "``cudaFree(0)`` is a no-op. Waits for queued work that may use the memory."),
        "cudaMallocManaged": ({
            "cudaErrorInvalidValue": "``size`` is 0; ``flags`` is not ``cudaMemAttachGlobal`` or "
                                     "``cudaMemAttachHost``",
            "cudaErrorMemoryAllocation": "the device does not have ``size`` bytes free (rounded up to 256), or the "
                                         "host cannot back the allocation",
            "cudaErrorNotSupported": "hardware only: the device cannot allocate managed memory",
        }, ("One address for the host and every device: a kernel reads and writes it, and so does host code "
            "(through the pointer object, or a numpy array over it); ``cudaPointerGetAttributes`` reports "
            "``cudaMemoryTypeManaged``. On the simulated device it is charged to the current device, freed by "
            "``cudaFree`` (``cudaFreeHost`` refuses it) or a reset of that device. On failure the value is "
            "``None``.")),
        "cudaMallocHost": ({
            "cudaErrorMemoryAllocation": "the host cannot provide ``size`` bytes of pinned memory",
        }, "A zero-byte request succeeds with a NULL pointer."),
        "cudaHostAlloc": ({
            "cudaErrorInvalidValue": "``flags`` has bits other than ``cudaHostAllocPortable``, ``Mapped`` and "
                                     "``WriteCombined``",
            "cudaErrorMemoryAllocation": "the host cannot provide ``size`` bytes of pinned memory",
        }, ""),
        "cudaFreeHost": ({
            "cudaErrorInvalidValue": "``ptr`` was not returned by ``cudaMallocHost``/``cudaHostAlloc``, was "
                                     "already freed, points inside an allocation, or is device or managed memory; "
                                     + BAD_POINTER,
        }, "``cudaFreeHost(0)`` is a no-op."),
        "cudaHostRegister": ({
            "cudaErrorInvalidValue": "``flags`` has unknown bits; ``ptr`` is NULL; ``size`` is 0 or larger than the "
                                     "buffer; the range overlaps device memory or freed memory",
            "cudaErrorHostMemoryAlreadyRegistered": "part of the range is already registered or pinned",
        }, "``TypeError`` when ``size`` is missing and ``ptr`` is not a buffer."),
        "cudaHostUnregister": ({
            "cudaErrorHostMemoryNotRegistered": "``ptr`` is not the start of a range registered with "
                                                "``cudaHostRegister`` (never registered, already unregistered, "
                                                "inside a range, or memory of another kind)",
            "cudaErrorInvalidValue": "``ptr`` is NULL, or " + BAD_POINTER,
        }, ""),
        "cudaPointerGetAttributes": ({
            "cudaErrorInvalidValue": BAD_POINTER,
        }, "Memory the runtime does not know is ``cudaMemoryTypeUnregistered`` with success (CUDA 11 and later)."),
    }),
    ("Copies and memsets", {
        "cudaMemcpy": ({
            "cudaErrorInvalidValue": COPY_POINTERS + "; " + BAD_POINTER,
            "cudaErrorInvalidMemcpyDirection": COPY_KIND,
        }, "A count of 0 moves nothing and succeeds (the kind is still checked)."),
        "cudaMemcpyAsync": ({
            "cudaErrorInvalidValue": COPY_POINTERS + "; " + BAD_POINTER,
            "cudaErrorInvalidMemcpyDirection": COPY_KIND,
            "cudaErrorInvalidResourceHandle": STREAM_HANDLE,
        }, ""),
        "cudaMemcpy2D": ({
            "cudaErrorInvalidValue": COPY_POINTERS + "; " + BAD_POINTER,
            "cudaErrorInvalidMemcpyDirection": COPY_KIND,
            "cudaErrorInvalidPitchValue": "``width`` is larger than ``dpitch`` or ``spitch``, or a pitch exceeds the "
                                          "device's ``memPitch``",
        }, ""),
        "cudaMemcpy2DAsync": ({
            "cudaErrorInvalidValue": COPY_POINTERS + "; " + BAD_POINTER,
            "cudaErrorInvalidMemcpyDirection": COPY_KIND,
            "cudaErrorInvalidPitchValue": "``width`` is larger than ``dpitch`` or ``spitch``, or a pitch exceeds the "
                                          "device's ``memPitch``",
            "cudaErrorInvalidResourceHandle": STREAM_HANDLE,
        }, ""),
        "cudaMemcpyPeer": ({
            "cudaErrorInvalidDevice": "``dstDevice`` or ``srcDevice`` is not a valid ordinal",
            "cudaErrorInvalidValue": "a pointer is NULL or not device memory of the device named for it; the areas "
                                     "overlap; " + BAD_POINTER,
        }, "Needs no peer access."),
        "cudaMemcpyPeerAsync": ({
            "cudaErrorInvalidDevice": "``dstDevice`` or ``srcDevice`` is not a valid ordinal",
            "cudaErrorInvalidValue": "a pointer is NULL or not device memory of the device named for it; the areas "
                                     "overlap; " + BAD_POINTER,
            "cudaErrorInvalidResourceHandle": STREAM_HANDLE,
        }, ""),
        "cudaMemset": ({
            "cudaErrorInvalidValue": "``ptr`` is NULL, not device (or pinned) memory, freed, or the count runs past "
                                     "the end of its allocation; " + BAD_POINTER,
        }, "Asynchronous with respect to the host except into pinned memory, as documented."),
        "cudaMemsetAsync": ({
            "cudaErrorInvalidValue": "``ptr`` is NULL, not device (or pinned) memory, freed, or the count runs past "
                                     "the end of its allocation; " + BAD_POINTER,
            "cudaErrorInvalidResourceHandle": STREAM_HANDLE,
        }, ""),
    }),
    ("Stream-ordered allocation", {
        "cudaMallocAsync": ({
            "cudaErrorInvalidValue": "``size`` is 0",
            "cudaErrorInvalidResourceHandle": STREAM_HANDLE,
            "cudaErrorMemoryAllocation": "the device does not have ``size`` bytes free (rounded up to 256) after "
                                         "the pool gave back what it held unused, or the host cannot back them",
            "cudaErrorNotSupported": "hardware only: the device has no memory pools",
        }, ("From the current pool of the stream's device (``cudaDeviceGetMemPool``). A block freed with "
            "``cudaFreeAsync`` on the same stream is reused at once; on another stream only once the free is "
            "ordered before the allocation (see ``cudaMemPoolSetAttribute``). On failure the value is ``None``.")),
        "cudaMallocFromPoolAsync": ({
            "cudaErrorInvalidValue": "``size`` is 0; " + POOL_HANDLE,
            "cudaErrorInvalidResourceHandle": STREAM_HANDLE,
            "cudaErrorMemoryAllocation": "as for ``cudaMallocAsync``, or the pool would pass its ``maxSize``",
        }, "The memory belongs to the pool's device, whatever the stream's."),
        "cudaFreeAsync": ({
            "cudaErrorInvalidValue": "``ptr`` is NULL, was already freed (double free), points inside an "
                                     "allocation, or is not device memory from ``cudaMallocAsync``, "
                                     "``cudaMallocFromPoolAsync`` or ``cudaMalloc``; " + BAD_POINTER,
            "cudaErrorInvalidResourceHandle": STREAM_HANDLE,
        }, ("The memory must not be used by work queued after the free: the simulated device takes it out of "
            "its allocation table at once, so a copy, memset or kernel that uses it later is a use after free "
            "(a freed pool block faults in a kernel once its free has completed). Memory from ``cudaMalloc`` is "
            "released when the stream reaches the free; ``cudaFree`` of pool memory waits, then returns it to the "
            "pool.")),
        "cudaMemPoolCreate": ({
            "cudaErrorInvalidValue": "``allocType`` is not ``cudaMemAllocationTypePinned``, ``location.type`` is "
                                     "not ``cudaMemLocationTypeDevice``, or ``location.id`` is not a device",
            "cudaErrorNotSupported": "``handleTypes`` is not ``cudaMemHandleTypeNone`` (the simulated device has "
                                     "no interprocess handles); ``hip`` backend: ``maxSize`` is not 0",
        }, ("``poolProps`` is a ``cudaMemPoolProps`` (every field 0 when made, as in NVIDIA's Python binding): "
            "``props.allocType = cudaMemAllocationTypePinned``, ``props.location.type = "
            "cudaMemLocationTypeDevice``, ``props.location.id = device``.")),
        "cudaMemPoolDestroy": ({
            "cudaErrorInvalidValue": POOL_HANDLE + "; ``memPool`` is a device's default pool",
        }, ("As in CUDA, a pool with live allocations is destroyed at once for new calls and its memory goes once "
            "they are freed; a device whose current pool it was goes back to its default pool.")),
        "cudaDeviceGetDefaultMemPool": ({
            "cudaErrorInvalidDevice": "``device`` is not a valid ordinal",
        }, ""),
        "cudaDeviceGetMemPool": ({
            "cudaErrorInvalidDevice": "``device`` is not a valid ordinal",
        }, "The default pool until ``cudaDeviceSetMemPool``; a reset of the device makes it the default again."),
        "cudaDeviceSetMemPool": ({
            "cudaErrorInvalidDevice": "``device`` is not a valid ordinal",
            "cudaErrorInvalidValue": POOL_HANDLE + "; the pool belongs to another device",
        }, ""),
        "cudaMemPoolSetAttribute": ({
            "cudaErrorInvalidValue": POOL_HANDLE + "; ``attr`` is not a ``cudaMemPoolAttr``, is read-only "
                                     "(``...MemCurrent``), or is a high-water mark set to a value other than 0",
        }, ("The reuse policies (``cudaMemPoolReuseFollowEventDependencies``, ``...AllowOpportunistic``, "
            "``...AllowInternalDependencies``: true by default) say when a block freed on one stream may serve an "
            "allocation on another: after an event recorded after the free and waited for by the allocating "
            "stream, once the free has completed, or by making the allocating stream wait for the free. Memory "
            "above ``cudaMemPoolAttrReleaseThreshold`` (0 by default) that the pool holds unused goes back to the "
            "system at the next ``cudaStreamSynchronize``, ``cudaEventSynchronize`` or "
            "``cudaDeviceSynchronize``. ``TypeError``/``ValueError`` for an ``attr`` that is not an int, or a "
            "negative value.")),
        "cudaMemPoolGetAttribute": ({
            "cudaErrorInvalidValue": POOL_HANDLE + "; ``attr`` is not a ``cudaMemPoolAttr``",
        }, ("On the simulated device used memory is the live allocations' bytes (each rounded up to 256), "
            "reserved memory that plus the free blocks the pool holds; the high-water marks are their largest "
            "values.")),
        "cudaMemPoolTrimTo": ({
            "cudaErrorInvalidValue": POOL_HANDLE,
        }, ("Releases unused memory until the pool reserves at most ``minBytesToKeep`` bytes; blocks in use and "
            "frees that have not completed stay.")),
    }),
    ("Streams", {
        "cudaStreamCreate": ({}, ""),
        "cudaStreamCreateWithFlags": ({
            "cudaErrorInvalidValue": "``flags`` is neither ``cudaStreamDefault`` nor ``cudaStreamNonBlocking``",
        }, ""),
        "cudaStreamCreateWithPriority": ({
            "cudaErrorInvalidValue": "``flags`` is neither ``cudaStreamDefault`` nor ``cudaStreamNonBlocking``",
        }, "A priority outside ``cudaDeviceGetStreamPriorityRange()`` is clamped, as CUDA does."),
        "cudaStreamDestroy": ({
            "cudaErrorInvalidResourceHandle": "the stream is a default stream (``cudaStreamLegacy``, "
                                              "``cudaStreamPerThread``) or was already destroyed",
        }, ("Returns at once; work already queued still completes. ``TypeError`` for anything but a "
           "``cudaStream_t``.")),
        "cudaStreamSynchronize": ({
            "cudaErrorInvalidResourceHandle": STREAM_HANDLE,
        }, ""),
        "cudaStreamQuery": ({
            "cudaErrorNotReady": "work queued on the stream has not finished (a status, not a failure)",
            "cudaErrorInvalidResourceHandle": STREAM_HANDLE,
        }, ""),
        "cudaStreamWaitEvent": ({
            "cudaErrorInvalidResourceHandle": STREAM_HANDLE + "; or the event was destroyed",
            "cudaErrorInvalidValue": "``flags`` is not ``cudaEventWaitDefault`` (0)",
        }, "An event never recorded makes it a no-op."),
        "cudaStreamGetFlags": ({
            "cudaErrorInvalidResourceHandle": STREAM_HANDLE,
        }, ""),
        "cudaStreamGetPriority": ({
            "cudaErrorInvalidResourceHandle": STREAM_HANDLE,
        }, ""),
        "cudaDeviceGetStreamPriorityRange": ({}, ""),
        "cudaLaunchHostFunc": ({
            "cudaErrorInvalidResourceHandle": STREAM_HANDLE,
        }, ("``TypeError`` when ``fn`` is not callable. The function runs on a runtime thread: a runtime call from "
           "it fails with ``cudaErrorNotPermitted``.")),
    }),
    ("Events", {
        "cudaEventCreate": ({}, ""),
        "cudaEventCreateWithFlags": ({
            "cudaErrorInvalidValue": "``flags`` has bits other than ``cudaEventBlockingSync``, "
                                     "``cudaEventDisableTiming`` and ``cudaEventInterprocess``, or has "
                                     "``cudaEventInterprocess`` without ``cudaEventDisableTiming``",
        }, ""),
        "cudaEventDestroy": ({
            "cudaErrorInvalidResourceHandle": "the event was already destroyed",
        }, "Destroying an event whose record has not completed is allowed."),
        "cudaEventRecord": ({
            "cudaErrorInvalidResourceHandle": "the event or the stream was destroyed, or the stream belongs to "
                                              "another device than the event",
        }, ""),
        "cudaEventQuery": ({
            "cudaErrorNotReady": "the recorded work has not finished (a status, not a failure)",
            "cudaErrorInvalidResourceHandle": "the event was destroyed",
        }, "An event never recorded answers ``cudaSuccess``."),
        "cudaEventSynchronize": ({
            "cudaErrorInvalidResourceHandle": "the event was destroyed",
        }, ""),
        "cudaEventElapsedTime": ({
            "cudaErrorInvalidResourceHandle": "an event was destroyed, never recorded, or created with "
                                              "``cudaEventDisableTiming``",
            "cudaErrorNotReady": "an event's recorded work has not finished",
        }, "On failure the value is ``None``."),
    }),
    ("Modules and launches", {
        "cudaLibraryLoadData": ({
            "cudaErrorInvalidKernelImage": "the image is not one this backend loads: on the simulated device, "
                                           "anything but a kernel library built by ``PyGPU.sim.compile`` (PTX, "
                                           "a cubin or fatbin, an AMD code object, a library dlopen refuses)",
            "cudaErrorInvalidValue": "hardware only: the runtime rejects the image's contents",
        }, ("``code`` is a bytes-like object. On the simulated device the library is written to a memfd and "
            "dlopen'ed; the kernels and globals it registers while loading belong to the library. The ``hip`` "
            "name is ``hipModuleLoadData``. Modules are code: no reset unloads them.")),
        "cudaLibraryLoadFromFile": ({
            "cudaErrorInvalidValue": "the file cannot be opened",
            "cudaErrorInvalidKernelImage": "as ``cudaLibraryLoadData``",
        }, "The ``hip`` name is ``hipModuleLoad``."),
        "cudaLibraryUnload": ({
            "cudaErrorInvalidResourceHandle": "the handle is not a loaded library (unloaded already)",
        }, ("Waits for the work already queued, which may still run the library's code; the library's kernels "
            "cannot be launched afterwards.")),
        "cudaLibraryGetKernel": ({
            "cudaErrorInvalidResourceHandle": "the handle is not a loaded library",
            "cudaErrorSymbolNotFound": "the library has no kernel of that name (the message lists its kernels)",
        }, ("The simulated device's name is the kernel's name in the source (an ``extern \"C\"`` kernel's "
            "plain name); CUDA's and HIP's is the symbol's (mangled for a C++ kernel).")),
        "cudaLibraryGetGlobal": ({
            "cudaErrorInvalidResourceHandle": "the handle is not a loaded library",
            "cudaErrorSymbolNotFound": "the library has no ``__device__`` or ``__constant__`` variable of that "
                                       "name (the message lists its globals)",
        }, "The value is ``(address, size)``: the address is device memory for the copies."),
        "cudaFuncGetAttributes": ({
            "cudaErrorInvalidDeviceFunction": "the handle is not a kernel (or its library was unloaded)",
        }, "The value is a ``cudaFuncAttributes``."),
        "cudaOccupancyMaxActiveBlocksPerMultiprocessor": ({
            "cudaErrorInvalidDeviceFunction": "the handle is not a kernel",
            "cudaErrorInvalidValue": "``blockSize`` is not positive",
        }, "The ``hip`` name is ``hipModuleOccupancyMaxActiveBlocksPerMultiprocessor``."),
        "cudaOccupancyMaxPotentialBlockSize": ({
            "cudaErrorInvalidDeviceFunction": "the handle is not a kernel",
            "cudaErrorInvalidValue": "``blockSizeLimit`` is negative",
        }, "The value is ``(minGridSize, blockSize)``."),
        "cudaLaunchKernel": ({
            "cudaErrorInvalidDeviceFunction": "the handle is not a kernel (or its library was unloaded)",
            "cudaErrorInvalidConfiguration": "a zero grid or block dimension, or one over the device's limits",
            "cudaErrorInvalidValue": ("simulated device: the argument count or an argument's size differs from "
                                      "the kernel's parameters (the message names the parameter and both sizes); "
                                      "more shared memory than the kernel's limit"),
            "cudaErrorInvalidResourceHandle": STREAM_HANDLE,
        }, ("``args`` is a list or tuple with one bytes-like object per parameter (``numpy`` scalars, "
            "``bytes``, ...), giving the argument's bytes; a device pointer is its address packed as 8 bytes. "
            "``gridDim`` and ``blockDim`` are an int or up to three ints. The launch returns once the "
            "arguments are copied; a kernel's failure is reported by a later call. The ``hip`` name is "
            "``hipModuleLaunchKernel``.")),
    }),
]


def functions() -> dict[str, Entry]:
    """Every function of the table, in the order of the sections.

    Examples
    --------
    >>> from PyGPU import _runtime_table
    >>> errors, note = _runtime_table.functions()["cudaMemcpy"]
    >>> list(errors)
    ['cudaErrorInvalidValue', 'cudaErrorInvalidMemcpyDirection']
    """
    out: dict[str, Entry] = {}
    for _title, entries in SECTIONS:
        out.update(entries)
    return out


def error_names() -> list[str]:
    """Every error name the table mentions, common ones included.

    Examples
    --------
    >>> from PyGPU import _runtime_table
    >>> _runtime_table.error_names()[0]
    'cudaErrorInitializationError'
    """
    names = list(COMMON)
    for errors, _note in functions().values():
        names.extend(name for name in errors if name not in names)
    return names
