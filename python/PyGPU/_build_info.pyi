# PyGPU._build_info is written by CMake at build time (CMakeLists.txt), so
# the source tree has no _build_info.py for type checkers: this is its shape.
version: str
built_backends: tuple[str, ...]
