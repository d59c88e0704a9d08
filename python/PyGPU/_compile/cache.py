"""The compile cache on disk: one directory per key, written atomically, shared by processes.

Where: ``PYGPU_CACHE_DIR``, else ``$XDG_CACHE_HOME/pygpu``, else ``~/.cache/pygpu``; ``PYGPU_CACHE=0``
switches it off. An entry is ``<root>/v1/<key[:2]>/<key>/`` holding the artifact and ``deps.json``: the
user headers the compile read (from the compiler's depfile) with their SHA-256, checked on every hit, so
an edited header is a miss. Entries are renamed into place complete (os.replace), so a second process
sees either nothing or a whole entry. ``<root>/v1/pch/<key>/`` holds the precompiled prelude per
compiler and options (host.py).
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from typing import Any

__all__ = ["Cache", "cache_enabled", "cache_root", "file_digest"]

_LAYOUT = "v1"


def cache_enabled() -> bool:
    """False when ``PYGPU_CACHE`` is ``0`` (or ``false``/``no``/``off``)."""
    return os.environ.get("PYGPU_CACHE", "1").strip().lower() not in ("0", "false", "no", "off")


def cache_root() -> str:
    """The cache's directory (not created)."""
    explicit = os.environ.get("PYGPU_CACHE_DIR")
    if explicit:
        return os.path.abspath(explicit)
    xdg = os.environ.get("XDG_CACHE_HOME")
    base = xdg if xdg else os.path.join(os.path.expanduser("~"), ".cache")
    return os.path.join(base, "pygpu")


def file_digest(path: str) -> str | None:
    """SHA-256 of a file's bytes; None when it cannot be read."""
    try:
        with open(path, "rb") as f:
            return hashlib.sha256(f.read()).hexdigest()
    except OSError:
        return None


class Cache:
    """The entries under one root."""

    def __init__(self, root: str | None = None) -> None:
        self.root = os.path.join(root or cache_root(), _LAYOUT)

    def entry(self, key: str) -> str:
        return os.path.join(self.root, key[:2], key)

    def lookup(self, key: str, artifact: str) -> str | None:
        """The artifact's path when the entry exists and every recorded header is unchanged."""
        where = self.entry(key)
        path = os.path.join(where, artifact)
        try:
            with open(os.path.join(where, "deps.json"), encoding="utf-8") as f:
                deps: dict[str, str] = json.load(f)
        except (OSError, ValueError):
            return None
        if not os.path.isfile(path):
            return None
        for dep, digest in deps.items():
            if file_digest(dep) != digest:
                return None
        return path

    def work_dir(self) -> str:
        """A fresh directory on the cache's file system (for building an entry)."""
        os.makedirs(self.root, exist_ok=True)
        return tempfile.mkdtemp(prefix="build-", dir=self.root)

    def store(self, key: str, artifact_path: str, artifact: str, deps: dict[str, str]) -> str:
        """Moves a built artifact into the entry for `key` (replacing a stale one); returns its path there."""
        final = self.entry(key)
        os.makedirs(os.path.dirname(final), exist_ok=True)
        staging = tempfile.mkdtemp(prefix=".new-", dir=os.path.dirname(final))
        os.replace(artifact_path, os.path.join(staging, artifact))
        with open(os.path.join(staging, "deps.json"), "w", encoding="utf-8") as f:
            json.dump(deps, f)
        try:
            os.rename(staging, final)
        except OSError:
            # an entry is there already (another process, or a stale one): replace its files one by one,
            # each atomically, so a reader never sees a partial file
            for name in (artifact, "deps.json"):
                os.replace(os.path.join(staging, name), os.path.join(final, name))
            os.rmdir(staging)
        return os.path.join(final, artifact)

    def load_json(self, name: str) -> dict[str, Any]:
        """A small JSON file at the root (the compilers' versions); {} when absent or unreadable."""
        try:
            with open(os.path.join(self.root, name), encoding="utf-8") as f:
                data = json.load(f)
        except (OSError, ValueError):
            return {}
        return data if isinstance(data, dict) else {}

    def save_json(self, name: str, data: dict[str, Any]) -> None:
        """Writes a small JSON file at the root atomically (best effort: a read-only cache is not an error)."""
        try:
            os.makedirs(self.root, exist_ok=True)
            fd, tmp = tempfile.mkstemp(prefix=".json-", dir=self.root)
            with os.fdopen(fd, "w", encoding="utf-8") as f:
                json.dump(data, f)
            os.replace(tmp, os.path.join(self.root, name))
        except OSError:
            pass
