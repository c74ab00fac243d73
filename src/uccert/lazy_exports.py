"""A package's names loaded on first use (PEP 562 module ``__getattr__``).

For the packages whose modules import heavy stacks (DBOS, the model and cryptography) that a
command's ``--help`` must not pay for, while callers still import from the package, its public
API. The package lists its names under ``TYPE_CHECKING`` (for type checkers) and in ``__all__``.
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Callable, Mapping
from typing import Any


def lazy_exports(package: str, homes: Mapping[str, str]) -> Callable[[str], Any]:
    """The package's ``__getattr__``: ``homes`` maps each name to the module defining it; a
    name is imported once, then kept in the package like an eager import."""

    def __getattr__(name: str) -> Any:
        home = homes.get(name)
        if home is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value = getattr(importlib.import_module(home), name)
        setattr(sys.modules[package], name, value)
        return value

    return __getattr__
