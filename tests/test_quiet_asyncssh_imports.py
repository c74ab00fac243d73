"""asyncssh is imported through ``uccert.quiet_asyncssh`` only: a module importing it directly
would bring its DSA deprecation warnings back to every user's stderr (on cryptography 48+)."""

from __future__ import annotations

import ast
from pathlib import Path

import uccert

SRC = Path(uccert.__file__).parent


def direct_asyncssh_imports(path: Path) -> list[int]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    lines = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import) and any(
            a.name.split(".")[0] == "asyncssh" for a in node.names
        ):
            lines.append(node.lineno)
        elif isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] == "asyncssh":
            lines.append(node.lineno)
    return lines


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
