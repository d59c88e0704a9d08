"""Sphinx configuration of PyGPU's documentation.

Build (from the repository root, with PyGPU installed: the API reference is
generated from the installed package's docstrings):

    pip install ".[docs]"
    python -m sphinx -W --keep-going -n -b html docs docs/_build/html
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

# The simulated device, whatever the machine: the pages show its answers.
os.environ.setdefault("PYGPU_BACKEND", "sim")
sys.path.insert(0, str(Path(__file__).resolve().parent / "_ext"))

# The installed package (the source tree's python/ is not on the path).
import PyGPU

project = "PyGPU"
author = "The PyGPU developers"
copyright = "The PyGPU developers"
release = PyGPU.__version__
version = ".".join(release.split(".")[:2])

extensions = [
    "sphinx.ext.autodoc",
    "numpydoc",
    "myst_parser",
    "pygpu_docs",
]

source_suffix = {".rst": "restructuredtext", ".md": "markdown"}
root_doc = "index"
exclude_patterns = ["_build", "Thumbs.db", ".DS_Store"]
templates_path: list = []

# Markdown pages (the existing ones are plain CommonMark with GitHub tables).
myst_enable_extensions = ["colon_fence"]
myst_heading_anchors = 3

# Every reference must resolve (-n); these are outside this site (numpy, the
# standard library's typing names in signatures, pytest).
nitpicky = True
nitpick_ignore_regex = [
    (r"py:.*", r"(numpy|np|npt|numpy\.typing)\..*"),
    (r"py:.*", r"(typing|collections\.abc|types|os|enum|pathlib|contextlib)\..*"),
    (r"py:.*", r"(_pytest|pytest)\..*"),
    (r"py:.*", r"(ArrayLike|DTypeLike|NDArray|Self|TypeAlias|PathLike|StrPath)"),
]

# autodoc: members in source order, signatures from the installed module.
autodoc_member_order = "bysource"
autodoc_typehints = "none"  # numpydoc's Parameters sections carry the types
autodoc_default_options = {"show-inheritance": True}

# numpydoc: the members are listed by autodoc, not by numpydoc's autosummary.
numpydoc_show_class_members = False
numpydoc_class_members_toctree = False
numpydoc_xref_param_type = False

html_theme = "alabaster"
html_title = f"PyGPU {release}"
html_theme_options = {"description": "A thin, fast Python binding layer over the GPU runtime API",
                      "fixed_sidebar": True}
