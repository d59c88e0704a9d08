"""Case 1, call overhead (ns per call) of five runtime calls on the active
backend, against cuda-python's same calls and a bare ctypes call into the
CUDA runtime, all in this process.

Arguments: on the simulated device a created stream and event (real work:
``cudaEventRecord`` queues a marker on the stream, drained between samples);
on the CUDA and HIP backends without a device no stream or event can be
created, so the stream is the legacy default stream object
(``cudaStreamLegacy``) and ``cudaEventRecord`` is measured only when an
event can be created. ``err`` is the error object a failed call returned.
On the HIP backend a bare ctypes call into the HIP runtime is a further
reference: without a device that runtime spends microseconds in every call.
The references get the equivalent handles (null stream, null event), which
the CUDA runtime answers at once with an error when there is no driver.
Every figure includes timeit's loop (about 10 ns per call), the same for
subject and references.
"""

from __future__ import annotations

from . import _refs
from ._figures import figure, scaled
from ._timing import Subject, compare

CALLS = ("cudaGetDevice()", "cudaGetDeviceCount()", "cudaStreamQuery(s)", "cudaEventRecord(e, s)",
         "cudaGetErrorName(err)")


def run(profile: dict, only: list[str] = ()) -> list[dict]:
    import PyGPU as g

    backend = g.backend
    ns: dict[str, object] = {"g": g}
    notes: dict[str, str] = {}
    between = {}
    try:
        stream = g.cudaStream_t()
        notes["cudaStreamQuery(s)"] = "s: a created stream"
    except g.CudaError:
        stream = g.cudaStreamLegacy
        notes["cudaStreamQuery(s)"] = "s: cudaStreamLegacy (no stream can be created without a device)"
    ns["s"] = stream
    try:
        ns["e"] = g.cudaEvent_t()
        notes["cudaEventRecord(e, s)"] = "e: a created event; the marker queue is drained between samples"
        between["cudaEventRecord(e, s)"] = lambda: g.cudaStreamSynchronize(stream)
    except g.CudaError as exc:
        ns["e"] = None
        notes["cudaEventRecord(e, s)"] = f"not measured on '{backend}': no event can be created ({exc.name})"
    err = g.cudaSetDevice(1 << 20)
    g.cudaGetLastError()  # the failure set the thread's last error: later cases (kernels) would read it
    ns["err"] = err
    notes["cudaGetErrorName(err)"] = f"err: the cudaError_t of a failed call ({err.name})"
    stmts = {
        "cudaGetDevice()": "g.cudaGetDevice()",
        "cudaGetDeviceCount()": "g.cudaGetDeviceCount()",
        "cudaStreamQuery(s)": "g.cudaStreamQuery(s)",
        "cudaEventRecord(e, s)": "g.cudaEventRecord(e, s)",
        "cudaGetErrorName(err)": "g.cudaGetErrorName(err)",
    }

    hip_missing = None
    rt, rt_missing = _refs.cuda_python()
    lib, lib_missing = _refs.cudart_ctypes()
    ref_stmts: dict[str, dict[str, str]] = {name: {} for name in CALLS}
    if rt is not None:
        ns.update(rt=rt, rs=rt.cudaStream_t(0), re=rt.cudaEvent_t(0), rerr=rt.cudaError_t(1))
        ref_stmts["cudaGetDevice()"]["cuda-python"] = "rt.cudaGetDevice()"
        ref_stmts["cudaGetDeviceCount()"]["cuda-python"] = "rt.cudaGetDeviceCount()"
        ref_stmts["cudaStreamQuery(s)"]["cuda-python"] = "rt.cudaStreamQuery(rs)"
        ref_stmts["cudaEventRecord(e, s)"]["cuda-python"] = "rt.cudaEventRecord(re, rs)"
        ref_stmts["cudaGetErrorName(err)"]["cuda-python"] = "rt.cudaGetErrorName(rerr)"
    # A bare foreign call into the runtime: the CUDA one, and on the HIP
    # backend HIP's own (its cost, called the same way).
    ctypes_refs = [("ctypes", lib, "cuda")]
    if backend == "hip":
        hip, hip_missing = _refs.hip_ctypes()
        ctypes_refs.append(("ctypes HIP", hip, "hip"))
    for ref, library, prefix in ctypes_refs:
        if library is None:
            continue
        import ctypes

        var, pint = f"lib_{prefix}", f"pint_{prefix}"
        ns.update({var: library, pint: ctypes.byref(ctypes.c_int())})
        ref_stmts["cudaGetDevice()"][ref] = f"{var}.{prefix}GetDevice({pint})"
        ref_stmts["cudaGetDeviceCount()"][ref] = f"{var}.{prefix}GetDeviceCount({pint})"
        ref_stmts["cudaStreamQuery(s)"][ref] = f"{var}.{prefix}StreamQuery(None)"
        ref_stmts["cudaEventRecord(e, s)"][ref] = f"{var}.{prefix}EventRecord(None, None)"
        ref_stmts["cudaGetErrorName(err)"][ref] = f"{var}.{prefix}GetErrorName(1)"
    missing = {}
    if backend == "hip" and hip_missing:
        missing["ctypes HIP"] = hip_missing
    if rt_missing:
        missing["cuda-python"] = rt_missing
    if lib_missing:
        missing["ctypes"] = lib_missing

    out = []
    for name in CALLS:
        if only and name not in only:
            continue
        subjects = []
        if ns.get("e") is not None or name != "cudaEventRecord(e, s)":
            subjects.append(Subject("subject", stmts[name], ns, between=between.get(name)))
        for ref, stmt in ref_stmts[name].items():
            subjects.append(Subject(ref, stmt, ns))
        samples = compare(subjects, profile["repeats"], profile["sample_s"])
        if "subject" not in samples:
            out.append({"case": "calls", "name": name, "backend": backend, "unit": "ns/call", "skipped": notes[name],
                        "references": {}, "ratios": {}, "missing": missing, "note": notes[name]})
            continue
        refs = {ref: scaled(v, 1e9) for ref, v in samples.items() if ref != "subject"}
        out.append(figure("calls", name, backend, "ns/call", scaled(samples["subject"], 1e9), refs, missing,
                          note=notes.get(name, "")))
    if rt is not None:
        for rec in out:
            rec.setdefault("reference_versions", {})["cuda-python"] = _refs.cuda_python_version()
    if lib is not None:
        for rec in out:
            rec.setdefault("reference_versions", {})["ctypes"] = lib._pygpu_bench_path
    return out
