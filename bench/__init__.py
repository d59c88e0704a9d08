"""PyGPU's benchmark suite: ``python -m bench`` (see ``docs/performance.md``).

Every figure is measured against a reference in the same run (cuda-python,
ctypes calling the CUDA runtime, numpy, ``import numpy``) and reported as
median, min and max over repeated runs, with the ratio of the medians and,
where issue 7 sets one, the target and whether it was met. The suite
reports; it never fails a build.
"""
