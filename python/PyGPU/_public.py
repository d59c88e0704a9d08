"""Where a public name lives: the module that exports it, for repr, pickling, docs and doctests."""

from __future__ import annotations

from typing import Callable, TypeVar

T = TypeVar("T")


def public(module: str) -> Callable[[T], T]:
    """Set ``__module__`` of a function, or of a class and its methods, to the public `module` exporting it."""

    def mark(obj: T) -> T:
        obj.__module__ = module
        for value in vars(obj).values() if isinstance(obj, type) else ():
            function = getattr(value, "__func__", value)  # staticmethod, classmethod
            if callable(function) and hasattr(function, "__code__"):
                function.__module__ = module
        return obj

    return mark
