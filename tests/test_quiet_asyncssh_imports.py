"""asyncssh is imported through ``uccert.quiet_asyncssh`` only: a module importing it directly
would bring its DSA deprecation warnings back to every user's stderr (on cryptography 48+)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import uccert

pytestmark = pytest.mark.pure  # in `make check`: needs no lab and no network

SRC = Path(uccert.__file__).parent


def imported_names(node: ast.AST) -> list[str]:
    if isinstance(node, ast.Import):
        return [alias.name for alias in node.names]
    if isinstance(node, ast.ImportFrom):
        return [node.module or ""]
    return []


def direct_asyncssh_imports(path: Path) -> list[int]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return [
        node.lineno
        for node in ast.walk(tree)
        if isinstance(node, ast.Import | ast.ImportFrom)
        and any(name.split(".")[0] == "asyncssh" for name in imported_names(node))
    ]


def test_only_quiet_asyncssh_imports_asyncssh() -> None:
    offenders = {
        str(path.relative_to(SRC)): lines
        for path in sorted(SRC.rglob("*.py"))
        if path.name != "quiet_asyncssh.py" and (lines := direct_asyncssh_imports(path))
    }
    assert offenders == {}, "import asyncssh from uccert.quiet_asyncssh instead"


def test_the_scan_sees_a_direct_import(tmp_path: Path) -> None:
    module = tmp_path / "m.py"
    module.write_text("import asyncssh\nfrom asyncssh import connect\n", encoding="utf-8")
    assert direct_asyncssh_imports(module) == [1, 2]
