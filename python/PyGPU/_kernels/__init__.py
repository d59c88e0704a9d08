"""The library's own kernel templates: readable ``.cu`` files beside this one, filled in by ``string.Template``."""

from __future__ import annotations

import functools
import os
import string


@functools.cache
def template(name: str) -> string.Template:
    """The template ``_kernels/<name>`` (read once per process)."""
    with open(os.path.join(os.path.dirname(__file__), name)) as f:
        return string.Template(f.read())
