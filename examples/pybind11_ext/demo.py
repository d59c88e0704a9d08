"""Use the extension on PyGPU arrays and check it against numpy: ``python demo.py``."""

from __future__ import annotations

import numpy as np
import saxpy_ext

import PyGPU
import PyGPU.driver as cuda


def refused(call, kind) -> str | None:
    """The message of the `kind` exception that call() raises, or None."""
    try:
        call()
    except kind as e:
        return str(e)
    return None


def main() -> None:
    rng = np.random.default_rng(1)
    x = rng.standard_normal(10_000).astype(np.float32)
    y = rng.standard_normal(10_000).astype(np.float32)
    x_gpu, y_gpu = PyGPU.to_gpu(x), PyGPU.to_gpu(y)
    stream = cuda.Stream()

    saxpy_ext.saxpy(3.0, x_gpu, y_gpu, stream)              # whole arrays
    saxpy_ext.saxpy(0.5, x_gpu[::-2], y_gpu[1::2], stream)   # strided views
    expected = np.float32(3.0) * x + y
    expected[1::2] += np.float32(0.5) * x[::-2]
    m = PyGPU.to_gpu(x.reshape(100, 100))
    saxpy_ext.scal(2.0, m, stream)                          # C-contiguous only
    result, scaled = y_gpu.get_async(stream=stream), m.get_async(stream=stream)
    stream.synchronize()
    np.testing.assert_allclose(result, expected, rtol=1e-6, atol=1e-6)
    np.testing.assert_array_equal(scaled, np.float32(2.0) * x.reshape(100, 100))

    for bad, why in ((PyGPU.to_gpu(x.astype(np.float64)), "wrong dtype"),
                     (x, "host memory")):
        message = refused(lambda b=bad: saxpy_ext.saxpy(1.0, b, y_gpu), TypeError)
        if message is not None:
            print(f"{why}: TypeError: {message}")
    try:
        saxpy_ext.scal(1.0, m[:, ::2])
    except ValueError as e:
        print(f"not contiguous: ValueError: {e}")
    print(f"ok: saxpy_ext ({saxpy_ext.build} build) matches numpy on backend {PyGPU.backend}")


if __name__ == "__main__":
    main()
