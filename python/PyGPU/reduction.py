"""PyGPU.reduction: ``pycuda.reduction`` on every backend.

:class:`ReductionKernel` maps every element of its arguments with a C expression over ``i`` and reduces the
results with a binary C expression over ``a`` and ``b``, in two stages as PyCUDA's ``get_reduction_module``:
stage 1 writes one value per block (at most 1024 blocks of 512 threads), stage 2 reduces those in one block.
The simulated device runs the source's barrier-free kernels instead (docs/reductions.md): each thread reduces a
contiguous run of elements, pass after pass.
The kernel source is ``PyGPU/_kernels/reduction.cu``, compiled by :class:`PyGPU.compiler.SourceModule`
(NVRTC on CUDA, hiprtc on HIP, the simulated device's compiler; the module API caches the image on disk). The
``get_*_kernel`` generators are the kernels of :func:`PyGPU.gpuarray.sum`, :func:`~PyGPU.gpuarray.dot`,
:func:`~PyGPU.gpuarray.min`... made once per (operation, dtypes) and device.

The block's tree reduction synchronises the block at every level (PyCUDA's last steps rely on a warp running
in lock-step over ``volatile`` shared memory, which neither GPUs since Volta nor the simulated device
promise). The result dtype is one a GPUArray holds (PyCUDA also takes registered struct dtypes; structs work
inside the expressions and the preamble). The source includes ``<pycuda-complex.hpp>``, as PyCUDA's: complex
dtypes are ``pycuda::complex<float>``/``<double>`` in the expressions.

Examples
--------
>>> import numpy as np, PyGPU as gpuarray
>>> from PyGPU.reduction import ReductionKernel
>>> dot = ReductionKernel(np.float32, neutral="0", reduce_expr="a+b", map_expr="x[i]*y[i]",
...                       arguments="const float *x, const float *y")
>>> x = gpuarray.to_gpu(np.arange(5, dtype=np.float32))
>>> dot(x, x).get()
array(30., dtype=float32)
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, Callable

import numpy as np

from ._dtypes import check_dtype
from ._kernels import template
from ._public import public
from .tools import ScalarArg, VectorArg, context_dependent_memoize, dtype_to_ctype, parse_c_arg

if TYPE_CHECKING:
    from ._function import Function
    from ._stream import StreamLike
    from .compiler import SourceModule
    from .gpuarray import Allocator, GPUArray

__all__ = ["ReductionKernel", "get_all_kernel", "get_any_kernel", "get_dot_kernel", "get_minmax_kernel",
           "get_reduction_module", "get_subset_dot_kernel", "get_subset_minmax_kernel", "get_subset_sum_kernel",
           "get_sum_kernel", "reduction_source"]

BLOCK_SIZE = 512  # threads per block, PyCUDA's
MAX_BLOCK_COUNT = 1024  # blocks of stage 1 at most, PyCUDA's
SMALL_SEQ_COUNT = 4  # elements per thread while that needs at most MAX_BLOCK_COUNT blocks, PyCUDA's
# The simulated device's barrier-free passes (docs/reductions.md): elements per thread (a contiguous run, short
# enough that float32 sums stay accurate), threads per block, and the count one thread finishes in a last pass.
SIM_PER_THREAD = 2048
SIM_THREADS = 64
SIM_LAST = 16384


def _arguments_text(arguments: str | Sequence[str | VectorArg | ScalarArg]) -> str:
    """`arguments` as one C parameter list (PyCUDA takes a str; a list of declarations or Args also works)."""
    if isinstance(arguments, str):
        return arguments
    return ", ".join(a if isinstance(a, str) else a.declarator() for a in arguments)


@public("PyGPU.reduction")
def reduction_source(out_type: str, block_size: int, neutral: Any, reduce_expr: str, map_expr: str,
                     arguments: str, name: str = "reduce_kernel", preamble: str = "") -> str:
    """The CUDA C source of a reduction: kernels ``{name}_stage1`` and ``{name}_stage2`` (docs/reductions.md).

    Parameters
    ----------
    out_type : str
        The C type of the result and of the partial results.
    block_size : int
        Threads per block, a power of two.
    neutral : str or number
        The C expression of the reduction's neutral element.
    reduce_expr : str
        A C expression of ``a`` and ``b``.
    map_expr : str
        A C expression of ``i`` and the arguments: stage 1's value of element ``i``.
    arguments : str
        C parameter declarations.
    name : str
        The kernels' name prefix.
    preamble : str
        C source placed before the kernels.

    Returns
    -------
    str

    Examples
    --------
    >>> from PyGPU.reduction import reduction_source
    >>> src = reduction_source("float", 512, "0", "a+b", "in[i]", "const float *in", name="total")
    >>> "void total_stage1(out_type *out, const float *in" in src
    True
    """
    if block_size < 1 or block_size & (block_size - 1):
        raise ValueError(f"block_size must be a power of two, got {block_size}")
    return template("reduction.cu").substitute(block_size=block_size, out_type=out_type, neutral=neutral,
                                               reduce_expr=reduce_expr, map_expr=map_expr, arguments=arguments,
                                               name=name, preamble=preamble)


@public("PyGPU.reduction")
def get_reduction_module(out_type: str, block_size: int, neutral: Any, reduce_expr: str, map_expr: str,
                         arguments: str, name: str = "reduce_kernel", keep: bool = False,
                         options: Sequence[str] | None = None, preamble: str = "") -> SourceModule:
    """Compile :func:`reduction_source` (PyCUDA's function; its module also holds the stage 2 kernel).

    Returns
    -------
    PyGPU.compiler.SourceModule

    Examples
    --------
    >>> from PyGPU.reduction import get_reduction_module
    >>> mod = get_reduction_module("int", 512, "0", "a+b", "in[i]", "const int *in", name="isum")
    >>> mod.get_function("isum_stage1").name
    'isum_stage1'
    """
    from .compiler import SourceModule

    source = reduction_source(out_type, block_size, neutral, reduce_expr, map_expr, arguments, name, preamble)
    return SourceModule(source, options=options, keep=keep, no_extern_c=True)


@public("PyGPU.reduction")
class ReductionKernel:
    """A kernel that maps and reduces its array arguments to one value, as ``pycuda.reduction.ReductionKernel``.

    Parameters
    ----------
    dtype_out : numpy dtype
        The result's dtype, one of ``PyGPU.dtypes`` (PyCUDA also takes a registered struct dtype; a GPUArray of
        PyGPU holds none).
    neutral : str or number
        The C expression of the neutral element of `reduce_expr` (``"0"`` for a sum).
    reduce_expr : str
        A C expression of ``a`` and ``b`` (``"a+b"``, ``"fmaxf(a,b)"``).
    map_expr : str, optional
        A C expression of ``i`` and the arguments (``"x[i]*y[i]"``); default ``"in[i]"``.
    arguments : str or list
        The kernel's parameters, ``"const float *x, const float *y"``; at least one is a pointer, and the first
        pointer's array gives the number of elements.
    name : str
        The kernels' name prefix.
    keep, options : optional
        As :class:`PyGPU.compiler.SourceModule`.
    preamble : str
        C source placed before the kernels (``#define``, helper functions, structs).
    allocator : callable, optional
        The default allocator of the results (otherwise the first array argument's).

    Raises
    ------
    TypeError
        When `dtype_out` is not a dtype GPUArray holds.
    ValueError
        When `arguments` declares no pointer.
    PyGPU.CompileError
        When the source does not compile (the log names the expression's line).

    Examples
    --------
    >>> import numpy as np, PyGPU as gpuarray
    >>> from PyGPU.reduction import ReductionKernel
    >>> count_positive = ReductionKernel(np.int32, "0", "a+b", "x[i] > 0", "const double *x")
    >>> count_positive(gpuarray.to_gpu(np.array([-1.0, 2.0, 3.0]))).get()
    array(2, dtype=int32)
    """

    def __init__(self, dtype_out: Any, neutral: Any, reduce_expr: str, map_expr: str | None = None,
                 arguments: str | Sequence[str | VectorArg | ScalarArg] | None = None, name: str = "reduce_kernel",
                 keep: bool = False, options: Sequence[str] | None = None, preamble: str = "",
                 allocator: Allocator | None = None) -> None:
        self.dtype_out: np.dtype[Any] = check_dtype(dtype_out)  # the result is a GPUArray
        self.block_size = BLOCK_SIZE
        self.allocator = allocator
        if arguments is None:
            raise ValueError("ReductionKernel needs arguments, at least one of them a pointer (\"const float *in\")")
        text = _arguments_text(arguments)
        self.arguments: list[VectorArg | ScalarArg] = [parse_c_arg(a) for a in text.split(",")]
        if not any(isinstance(a, VectorArg) for a in self.arguments):
            raise ValueError("ReductionKernel can only be used with functions that have at least one vector "
                             f"argument, got {text!r}")
        out_type = dtype_to_ctype(self.dtype_out)
        self.source = reduction_source(out_type, self.block_size, neutral, reduce_expr,
                                       "in[i]" if map_expr is None else map_expr, text, name, preamble)
        from .compiler import SourceModule

        module = SourceModule(self.source, options=options, keep=keep, no_extern_c=True)
        formats = "".join(a.struct_char for a in self.arguments)
        self.stage1_func: Function = module.get_function(name + "_stage1").prepare(f"P{formats}IN")
        self.stage2_func: Function = module.get_function(name + "_stage2").prepare(f"PP{formats}IN")
        self._partial_funcs = (module.get_function(name + "_partial1").prepare(f"P{formats}NN"),
                               module.get_function(name + "_partial2").prepare(f"PP{formats}NN"))

    def __call__(self, *args: Any, stream: StreamLike = None, allocator: Allocator | None = None,
                 out: GPUArray | None = None,
                 kernel_wrapper: Callable[[Callable[..., None]], Callable[..., None]] | None = None) -> GPUArray:
        """Reduce; returns a 0-d GPUArray of `dtype_out` (or `out`), queued on `stream`.

        Parameters
        ----------
        *args
            One value per declared argument: a contiguous GPUArray for a pointer, a number for a scalar.
        stream : PyGPU.driver.Stream, optional
            The stream to queue the kernels on.
        allocator : callable, optional
            Allocates the result and the partial results (default: the kernel's, else the first array's).
        out : GPUArray, optional
            Where to write the result (its first element), of `dtype_out`.
        kernel_wrapper : callable, optional
            Applied to each stage's ``prepared_async_call`` before the launch (PyCUDA's hook).

        Returns
        -------
        GPUArray

        Raises
        ------
        TypeError
            For the wrong number of arguments, a pointer argument that is not a GPUArray, or an array whose
            item size is not the declared type's.
        RuntimeError
            For a non-contiguous array (PyCUDA's error).
        ValueError
            For an `out` of another dtype, or an empty one.

        Examples
        --------
        >>> import numpy as np, PyGPU as gpuarray
        >>> from PyGPU.reduction import ReductionKernel
        >>> total = ReductionKernel(np.int64, "0", "a+b", arguments="const int *in")
        >>> result = gpuarray.empty((), np.int64)
        >>> total(gpuarray.to_gpu(np.arange(10, dtype=np.int32)), out=result) is result, result.get()
        (True, array(45))
        """
        from .gpuarray import GPUArray, empty

        if len(args) != len(self.arguments):
            raise TypeError(f"this ReductionKernel takes {len(self.arguments)} arguments "
                            f"({', '.join(a.name for a in self.arguments)}), got {len(args)}")
        values: list[Any] = []
        first: GPUArray | None = None
        for arg, declared in zip(args, self.arguments):
            if not isinstance(declared, VectorArg):
                values.append(arg)
                continue
            if not isinstance(arg, GPUArray):
                raise TypeError(f"argument {declared.name!r} is a pointer: pass a GPUArray, got "
                                f"{type(arg).__name__}")
            if not arg.flags.forc:
                raise RuntimeError("ReductionKernel cannot deal with non-contiguous arrays "
                                   f"(argument {declared.name!r})")
            if arg.dtype.itemsize != declared.dtype.itemsize:
                raise TypeError(f"argument {declared.name!r} is declared {dtype_to_ctype(declared.dtype)} "
                                f"({declared.dtype.itemsize} bytes) but the array holds {arg.dtype} "
                                f"({arg.dtype.itemsize} bytes)")
            first = arg if first is None else first
            values.append(arg.ptr)
        assert first is not None  # the constructor requires a pointer argument
        if out is not None:
            if not isinstance(out, GPUArray):
                raise TypeError(f"out must be a GPUArray, got {type(out).__name__}")
            if out.dtype != self.dtype_out:
                raise ValueError(f"out must have the same dtype as dtype_out ({out.dtype} != {self.dtype_out})")
            if out.size == 0:
                raise ValueError("out array is empty")
        allocator = allocator or self.allocator or first.allocator
        barrier_free = _barrier_free()
        funcs = self._partial_funcs if barrier_free else (self.stage1_func, self.stage2_func)
        stage1, stage2 = funcs[0].prepared_async_call, funcs[1].prepared_async_call
        if kernel_wrapper is not None:
            stage1, stage2 = kernel_wrapper(stage1), kernel_wrapper(stage2)
        launch, partial, size = stage1, None, first.size
        while True:
            if barrier_free:
                parts, per_thread = _sim_split(size)
                threads = min(parts, SIM_THREADS)
                grid, block, shared = (parts + threads - 1) // threads, threads, 0
            else:
                parts, per_thread = _split(size, self.block_size)
                grid, block, shared = parts, self.block_size, self.block_size * self.dtype_out.itemsize
            if parts == 1:
                result = out if out is not None else empty((), self.dtype_out, allocator=allocator)
            else:
                result = empty((parts,), self.dtype_out, allocator=allocator)
            prefix = () if partial is None else (partial.ptr,)
            launch((grid, 1), (block, 1, 1), stream, result.ptr, *prefix, *values, per_thread, size,
                   shared_size=shared)
            if parts == 1:
                return result
            # the previous partial results are freed here, after the launch that reads them is queued: freeing
            # waits for queued work (cudaFree synchronises)
            launch, partial, size = stage2, result, parts


def _barrier_free() -> bool:
    """Whether reductions run as barrier-free passes: on the simulated device, where a barrier costs a fiber
    switch per thread; GPUs run PyCUDA's tree in shared memory."""
    import PyGPU

    return PyGPU.backend == "sim"


def _split(size: int, block_size: int) -> tuple[int, int]:
    """(blocks, elements per thread) for `size` elements, as PyCUDA splits them; one block for none."""
    if size <= block_size * SMALL_SEQ_COUNT * MAX_BLOCK_COUNT:
        per_block = SMALL_SEQ_COUNT * block_size
        return max((size + per_block - 1) // per_block, 1), SMALL_SEQ_COUNT
    per_round = MAX_BLOCK_COUNT * block_size
    return MAX_BLOCK_COUNT, (size + per_round - 1) // per_round


def _sim_split(size: int) -> tuple[int, int]:
    """(partial results, elements per thread) of one barrier-free pass over `size` elements; one for none."""
    if size <= SIM_LAST:
        return 1, max(size, 1)
    return (size + SIM_PER_THREAD - 1) // SIM_PER_THREAD, SIM_PER_THREAD


# ------------------------------------------------------------------ the kernels of PyGPU.gpuarray

def _name(operation: str, *dtypes: Any) -> str:
    """The kernels' name prefix: the operation and its dtypes (``sum_float32_int8``), one per generated source."""
    return "_".join([operation, *(np.dtype(d).name for d in dtypes)])


def _of_in(operation: str, dtype_out: Any, dtype_in: Any, neutral: str, reduce_expr: str) -> ReductionKernel:
    """A reduction of the elements of ``in`` in `dtype_out` (None: `dtype_in`), named after `operation`."""
    dtype_out = dtype_in if dtype_out is None else dtype_out
    return ReductionKernel(dtype_out, neutral, reduce_expr, arguments=f"const {dtype_to_ctype(dtype_in)} *in",
                           name=_name(operation, dtype_out, dtype_in))


@public("PyGPU.reduction")
@context_dependent_memoize
def get_sum_kernel(dtype_out: Any, dtype_in: Any) -> ReductionKernel:
    """The kernel of :func:`PyGPU.gpuarray.sum`: ``in[i]`` summed in `dtype_out` (None: `dtype_in`).

    Examples
    --------
    >>> import numpy as np, PyGPU as gpuarray
    >>> from PyGPU.reduction import get_sum_kernel
    >>> get_sum_kernel(np.float64, np.dtype(np.int32))(gpuarray.to_gpu(np.arange(4, dtype=np.int32))).get()
    array(6.)
    """
    return _of_in("sum", dtype_out, dtype_in, "0", "a+b")


@public("PyGPU.reduction")
@context_dependent_memoize
def get_any_kernel(dtype_out: Any, dtype_in: Any) -> ReductionKernel:
    """The kernel of :meth:`PyGPU.gpuarray.GPUArray.any`: whether any ``in[i]`` is nonzero.

    Examples
    --------
    >>> import numpy as np, PyGPU as gpuarray
    >>> from PyGPU.reduction import get_any_kernel
    >>> get_any_kernel(np.dtype(bool), np.dtype(np.int32))(gpuarray.zeros(3, np.int32)).get()
    array(False)
    """
    return _of_in("any", dtype_out, dtype_in, "0", "(a != 0) || (b != 0)")


@public("PyGPU.reduction")
@context_dependent_memoize
def get_all_kernel(dtype_out: Any, dtype_in: Any) -> ReductionKernel:
    """The kernel of :meth:`PyGPU.gpuarray.GPUArray.all`: whether every ``in[i]`` is nonzero.

    Examples
    --------
    >>> import numpy as np, PyGPU as gpuarray
    >>> from PyGPU.reduction import get_all_kernel
    >>> get_all_kernel(np.dtype(bool), np.dtype(np.int32))(gpuarray.ones(3, np.int32)).get()
    array(True)
    """
    return _of_in("all", dtype_out, dtype_in, "1", "(a != 0) && (b != 0)")


@public("PyGPU.reduction")
@context_dependent_memoize
def get_subset_sum_kernel(dtype_out: Any, dtype_subset: Any, dtype_in: Any) -> ReductionKernel:
    """The kernel of :func:`PyGPU.gpuarray.subset_sum`: ``in[lookup_tbl[i]]`` summed.

    Examples
    --------
    >>> import numpy as np, PyGPU as gpuarray
    >>> from PyGPU.reduction import get_subset_sum_kernel
    >>> k = get_subset_sum_kernel(None, np.dtype(np.int32), np.dtype(np.float32))
    >>> idx = gpuarray.to_gpu(np.array([0, 2], np.int32))
    >>> k(idx, gpuarray.to_gpu(np.array([1, 10, 100], np.float32))).get()
    array(101., dtype=float32)
    """
    dtype_out = dtype_in if dtype_out is None else dtype_out
    return ReductionKernel(dtype_out, "0", "a+b", map_expr="in[lookup_tbl[i]]",
                           arguments=f"const {dtype_to_ctype(dtype_subset)} *lookup_tbl, "
                                     f"const {dtype_to_ctype(dtype_in)} *in",
                           name=_name("subset_sum", dtype_out, dtype_subset, dtype_in))


@public("PyGPU.reduction")
@context_dependent_memoize
def get_dot_kernel(dtype_out: Any, dtype_a: Any, dtype_b: Any) -> ReductionKernel:
    """The kernel of :func:`PyGPU.gpuarray.dot` (and of ``vdot``, for real dtypes): ``a[i]*b[i]`` summed.

    A complex `dtype_out` multiplies the operands converted to it (PyCUDA's kernel would not compile for
    operands of two complex dtypes).

    Examples
    --------
    >>> import numpy as np, PyGPU as gpuarray
    >>> from PyGPU.reduction import get_dot_kernel
    >>> a = gpuarray.to_gpu(np.array([1, 2, 3], np.int16))
    >>> get_dot_kernel(np.dtype(np.int64), a.dtype, a.dtype)(a, a).get()
    array(14)
    """
    return ReductionKernel(dtype_out, neutral="0", reduce_expr="a+b", map_expr=_product(dtype_out, "a[i]", "b[i]"),
                           arguments=f"const {dtype_to_ctype(dtype_a)} *a, const {dtype_to_ctype(dtype_b)} *b",
                           name=_name("dot", dtype_out, dtype_a, dtype_b))


@context_dependent_memoize
def _get_vdot_kernel(dtype_out: Any, dtype_a: Any, dtype_b: Any) -> ReductionKernel:
    """The kernel of :func:`PyGPU.gpuarray.vdot` for a complex `dtype_out`: ``conj(a[i])*b[i]`` summed."""
    return ReductionKernel(dtype_out, neutral="0", reduce_expr="a+b",
                           map_expr=_product(dtype_out, "a[i]", "b[i]", conjugate_a=True),
                           arguments=f"const {dtype_to_ctype(dtype_a)} *a, const {dtype_to_ctype(dtype_b)} *b",
                           name=_name("vdot", dtype_out, dtype_a, dtype_b))


def _product(dtype_out: Any, a: str, b: str, conjugate_a: bool = False) -> str:
    """The C product ``a*b`` a dot product sums: for a complex `dtype_out`, of the operands converted to it."""
    if np.dtype(dtype_out).kind != "c":
        return f"{a}*{b}"
    t = dtype_to_ctype(dtype_out)
    left = f"conj(({t}) {a})" if conjugate_a else f"(({t}) {a})"
    return f"{left}*(({t}) {b})"


@public("PyGPU.reduction")
@context_dependent_memoize
def get_subset_dot_kernel(dtype_out: Any, dtype_subset: Any, dtype_a: Any = None,
                          dtype_b: Any = None) -> ReductionKernel:
    """The kernel of :func:`PyGPU.gpuarray.subset_dot`: ``a[lookup_tbl[i]]*b[lookup_tbl[i]]`` summed.

    Missing dtypes default as in PyCUDA (`dtype_out` to `dtype_a`, `dtype_b` to `dtype_a`, `dtype_a` to
    `dtype_out`).

    Examples
    --------
    >>> import numpy as np, PyGPU as gpuarray
    >>> from PyGPU.reduction import get_subset_dot_kernel
    >>> k = get_subset_dot_kernel(np.dtype(np.float64), np.dtype(np.int32))
    >>> x = gpuarray.to_gpu(np.array([1.0, 2.0, 3.0]))
    >>> k(gpuarray.to_gpu(np.array([1, 2], np.int32)), x, x).get()
    array(13.)
    """
    if dtype_out is None:
        dtype_out = dtype_a
    if dtype_b is None:
        dtype_b = dtype_out if dtype_a is None else dtype_a
    if dtype_a is None:
        dtype_a = dtype_out
    # the lookup table comes first: its length is the reduction's
    return ReductionKernel(dtype_out, neutral="0", reduce_expr="a+b",
                           map_expr=_product(dtype_out, "a[lookup_tbl[i]]", "b[lookup_tbl[i]]"),
                           arguments=f"const {dtype_to_ctype(dtype_subset)} *lookup_tbl, "
                                     f"const {dtype_to_ctype(dtype_a)} *a, const {dtype_to_ctype(dtype_b)} *b",
                           name=_name("subset_dot", dtype_out, dtype_subset, dtype_a, dtype_b))


def _minmax(what: str, dtype: Any) -> tuple[str, str]:
    """(reduce_expr, neutral) of min or max over `dtype`; TypeError for a dtype PyCUDA does not reduce so."""
    if what not in ("min", "max"):
        raise ValueError(f"what must be 'min' or 'max', got {what!r}")
    dtype = np.dtype(dtype)
    if dtype in (np.float32, np.float64):
        # fmin/fmax (PyCUDA's) as one select, which vectorises (minps/maxps): `a` is always an accumulator, the
        # neutral infinity or an earlier result, and a NaN `b` is never selected, so `a` is never NaN and the
        # select skips a NaN exactly as fmin/fmax do
        expr = f"(b) {'<' if what == 'min' else '>'} (a) ? (b) : (a)"
    elif dtype.kind in "iu":
        expr = f"{what}(a,b)"
    else:
        raise TypeError(f"unsupported dtype specified: {dtype} ({what} reduces integers, float32 and float64)")
    if dtype.kind == "f":
        neutral = "MY_INFINITY" if what == "min" else "-MY_INFINITY"
    else:
        info = np.iinfo(dtype)
        limit = info.max if what == "min" else info.min
        # the most negative int64 is no C literal (its negation overflows); unsigned needs its suffix
        neutral = f"({limit + 1}LL - 1)" if limit < -(2**62) else f"{limit}ULL" if dtype.kind == "u" else str(limit)
    return expr, neutral


@public("PyGPU.reduction")
@context_dependent_memoize
def get_minmax_kernel(what: str, dtype: Any) -> ReductionKernel:
    """The kernel of :func:`PyGPU.gpuarray.min` (`what` ``"min"``) or :func:`~PyGPU.gpuarray.max`.

    Raises
    ------
    TypeError
        For a dtype other than integers, float32 and float64 (PyCUDA's error).

    Examples
    --------
    >>> import numpy as np, PyGPU as gpuarray
    >>> from PyGPU.reduction import get_minmax_kernel
    >>> get_minmax_kernel("max", np.dtype(np.int8))(gpuarray.to_gpu(np.array([3, -7, 5], np.int8))).get()
    array(5, dtype=int8)
    """
    expr, neutral = _minmax(what, dtype)
    return ReductionKernel(dtype, neutral=neutral, reduce_expr=expr, arguments=f"const {dtype_to_ctype(dtype)} *in",
                           preamble="#define MY_INFINITY (1./0)", name=_name(what, dtype))


@public("PyGPU.reduction")
@context_dependent_memoize
def get_subset_minmax_kernel(what: str, dtype: Any, dtype_subset: Any) -> ReductionKernel:
    """The kernel of :func:`PyGPU.gpuarray.subset_min` and :func:`~PyGPU.gpuarray.subset_max`.

    Raises
    ------
    TypeError
        For a dtype other than integers, float32 and float64 (PyCUDA's error).

    Examples
    --------
    >>> import numpy as np, PyGPU as gpuarray
    >>> from PyGPU.reduction import get_subset_minmax_kernel
    >>> k = get_subset_minmax_kernel("min", np.dtype(np.float32), np.dtype(np.int32))
    >>> k(gpuarray.to_gpu(np.array([1, 2], np.int32)), gpuarray.to_gpu(np.array([0, 5, 4], np.float32))).get()
    array(4., dtype=float32)
    """
    expr, neutral = _minmax(what, dtype)
    return ReductionKernel(dtype, neutral=neutral, reduce_expr=expr, map_expr="in[lookup_tbl[i]]",
                           arguments=f"const {dtype_to_ctype(dtype_subset)} *lookup_tbl, "
                                     f"const {dtype_to_ctype(dtype)} *in",
                           preamble="#define MY_INFINITY (1./0)", name=_name(f"subset_{what}", dtype, dtype_subset))
