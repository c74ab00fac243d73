"""Each package's ``__all__`` is its public API: a module imports another package's names from
the package (``from uccert.cluster import ClusterClient``), never from one of its submodules.

Why: a package can then move code between its modules without touching its users, and a reader
finds what a package offers in one place (its ``__init__.py``), as httpx does.
"""

from __future__ import annotations

import ast
import importlib
from pathlib import Path

import pytest

pytestmark = pytest.mark.pure

SRC = Path(__file__).resolve().parents[1] / "src"


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(SRC).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _package_of(path: Path) -> str:
    name = _module_name(path)
    return name if path.name == "__init__.py" else name.rsplit(".", 1)[0]


def _is_package(module: str) -> bool:
    return (SRC / module.replace(".", "/") / "__init__.py").exists()


def _cross_package_imports() -> list[tuple[str, int, str, str]]:
    found: list[tuple[str, int, str, str]] = []
    for path in sorted((SRC / "uccert").rglob("*.py")):
        own = _package_of(path)
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.ImportFrom) or node.level or not node.module:
                continue
            if not node.module.startswith("uccert.") or _is_package(node.module):
                continue
            package = node.module.rsplit(".", 1)[0]
            if package == "uccert" or own == package or own.startswith(package + "."):
                continue
            rel = str(path.relative_to(SRC))
            found.extend((rel, node.lineno, node.module, a.name) for a in node.names)
    return found


def test_no_module_reaches_into_another_packages_submodule() -> None:
    offenders = [f"{p}:{line}: from {m} import {n}" for p, line, m, n in _cross_package_imports()]
    assert offenders == [], "import these from the package instead:\n" + "\n".join(offenders)


def _packages() -> list[str]:
    return sorted(_module_name(init) for init in (SRC / "uccert").rglob("__init__.py"))


@pytest.mark.parametrize("package", _packages())
def test_every_name_in_all_exists(package: str) -> None:
    module = importlib.import_module(package)
    missing = [n for n in getattr(module, "__all__", ()) if not hasattr(module, n)]
    assert missing == []
