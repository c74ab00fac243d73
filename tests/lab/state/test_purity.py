"""The lab state is pure and independent of the client side."""

from __future__ import annotations

import ast
from pathlib import Path

import uccert.lab.state

PACKAGE = Path(uccert.lab.state.__file__).parent
FORBIDDEN_MODULES = {"socket", "threading", "asyncio", "subprocess", "time", "os", "random"}


def imports() -> list[tuple[str, str]]:
    found = []
    for path in sorted(PACKAGE.glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                found += [(path.name, a.name) for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                found.append((path.name, node.module))
    return found


def test_imports_nothing_of_the_client_side() -> None:
    found = imports()
    assert found
    for module_file, name in found:
        if name.startswith("uccert"):
            assert name.startswith("uccert.lab.state"), (module_file, name)


def test_uses_no_io_threads_or_real_time() -> None:
    for module_file, name in imports():
        assert name.split(".")[0] not in FORBIDDEN_MODULES, (module_file, name)
    for path in PACKAGE.glob("*.py"):
        text = path.read_text()
        for call in ("datetime.now", "datetime.utcnow", "open(", "time.time"):
            assert call not in text, (path.name, call)


def test_modules_stay_small() -> None:
    for path in PACKAGE.glob("*.py"):
        assert len(path.read_text().splitlines()) < 420, path.name
