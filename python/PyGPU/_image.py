"""What a module image is (PTX, a cubin, a fatbin, an AMD code object, a simulated-device library), and the
error for an image another backend loads.

:func:`PyGPU.driver.module_from_buffer` and ``module_from_file`` call :func:`refuse_foreign` before the
runtime sees the image: an image that is recognisably for another backend (a cubin on the simulated device, a
simulated-device library on CUDA) is a CudaError ``cudaErrorInvalidKernelImage`` naming what the image is and
what the active backend loads. An image of unknown kind goes to the runtime, which answers with its own code.
"""

from __future__ import annotations

import struct

from . import _core as _g
from ._errors import error_for

#: ELF machine numbers -> the kind of image.
_ELF_MACHINES = {
    190: "a CUDA cubin (ELF for EM_CUDA)",
    224: "an AMD GPU code object (ELF for EM_AMDGPU)",
    62: "a host shared library (x86-64 ELF)",
    183: "a host shared library (aarch64 ELF)",
}
_FATBIN_MAGIC = struct.pack("<I", 0xBA55ED50)
_OFFLOAD_BUNDLE = b"__CLANG_OFFLOAD_BUNDLE__"

#: Each backend -> the kinds it loads (the words :func:`kind` uses), and how to say so.
_LOADS = {
    "cuda": (("PTX", "cubin", "fatbin"), "PTX, a cubin or a fatbin (compiled for CUDA by NVRTC or nvcc)"),
    "hip": (("AMD GPU", "offload bundle"), "an AMD GPU code object or offload bundle (hiprtc or hipcc)"),
    "sim": (("host shared library",), ("a simulated-device kernel library (PyGPU.sim.compile, or "
                                       "PyGPU.compiler.compile on the simulated device)")),
}


def kind(image: bytes) -> str | None:
    """What `image` is, in words (``"PTX text"``, ``"a CUDA cubin ..."``), or None when it is not recognised.

    Examples
    --------
    >>> from PyGPU._image import kind
    >>> kind(b"//\\n.version 8.0\\n.target sm_80\\n")
    'PTX text'
    >>> kind(b"nothing") is None
    True
    """
    head = bytes(image[:4096])
    if head.startswith(b"\x7fELF") and len(head) >= 20:
        little = head[5] == 1
        (machine,) = struct.unpack_from("<H" if little else ">H", head, 18)
        return _ELF_MACHINES.get(machine, f"an ELF file for machine {machine}")
    if head.startswith(_FATBIN_MAGIC):
        return "a CUDA fatbin"
    if head.startswith(_OFFLOAD_BUNDLE):
        return "a clang offload bundle (HIP)"
    text = head.lstrip()
    if text.startswith((b"//", b".version")) and b".target" in head and b".version" in head:
        return "PTX text"
    return None


def refuse_foreign(image: bytes, call: str) -> None:
    """Raise CudaError ``cudaErrorInvalidKernelImage`` when `image` is recognisably for another backend than the
    active one; nothing when it is for this one or unknown."""
    what = kind(image)
    if what is None:
        return
    backend = _g._backend_name() or "sim"
    words, loads = _LOADS[backend]
    if any(w in what for w in words):
        return
    raise error_for(_g.cudaErrorInvalidKernelImage,
                    f"the image is {what}, which the {backend} backend does not load; it loads {loads}", call)
