"""The CLI's layout rules: one module per command, shared plumbing in cli/common.py (no command
imports another), and one list of exit codes that the README documents."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

import uccert.cli
from uccert.cli.lazy import COMMANDS
from uccert.errors import ClusterError, ConfigError, ExitCode, RunInterrupted, UccertError

pytestmark = pytest.mark.pure

CLI = Path(uccert.cli.__file__).parent
README = Path(__file__).resolve().parents[2] / "README.md"
# `uccert demo` runs the other commands' jobs and shows their output: it alone reuses them.
SHOWS_OTHERS = frozenset({"demo"})


def test_each_command_has_a_module_of_its_own_named_after_it() -> None:
    modules = [lazy.module for lazy in COMMANDS.values()]
    assert len(set(modules)) == len(modules), modules
    assert {name: lazy.module for name, lazy in COMMANDS.items()} == {n: n for n in COMMANDS}


def _relative_imports(path: Path) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.level == 1:
            if node.module is not None:
                found.add(node.module.split(".")[0])
            else:
                found.update(alias.name for alias in node.names)
    return found


@pytest.mark.parametrize("name", sorted(set(COMMANDS) - SHOWS_OTHERS))
def test_no_command_imports_another_command(name: str) -> None:
    others = {lazy.module for lazy in COMMANDS.values()} - {COMMANDS[name].module}
    imported = _relative_imports(CLI / f"{COMMANDS[name].module}.py")
    assert imported & others == set(), f"move what they share to cli/common.py: {imported}"


def test_error_classes_carry_the_named_exit_codes() -> None:
    assert UccertError.exit_code is ExitCode.FAILED
    assert ConfigError.exit_code is ExitCode.BAD_INPUT and int(ExitCode.BAD_INPUT) == 2
    assert ClusterError.exit_code is ExitCode.FAILED and int(ExitCode.FAILED) == 1
    assert RunInterrupted.exit_code is ExitCode.INTERRUPTED and int(ExitCode.INTERRUPTED) == 4


def test_the_readme_documents_every_exit_code() -> None:
    rows = re.findall(r"^\| (\d+) +\| ([A-Z_]+) +\|", README.read_text(), re.MULTILINE)
    assert {int(code): name for code, name in rows} == {c.value: c.name for c in ExitCode}


def test_no_bare_exit_code_literal_in_the_cli() -> None:
    """Exit codes are ExitCode members or an error's class: a bare ``Exit(4)`` drifts."""
    bare = re.compile(r"(?:Exit|exit)\(\s*\d+\s*\)|return [1-9]\d*$", re.MULTILINE)
    found = [
        f"{path.name}: {match.group(0)}"
        for path in sorted(CLI.glob("*.py"))
        if path.name != "run_display.py"  # print_outcome's 0/1: the run display's own
        for match in bare.finditer(path.read_text())
    ]
    assert found == []


def test_no_command_opens_connections_itself() -> None:
    """uccert.transport is the one place that opens connections (SSH, TLS, HTTP)."""
    opening = re.compile(r"\b(?:asyncssh|quiet_asyncssh|httpx|ssl|open_connection)\b")
    found = [
        f"{path.name}: {line.strip()}"
        for path in sorted(CLI.glob("*.py"))
        for line in path.read_text().splitlines()
        if line.lstrip().startswith(("import ", "from ")) and opening.search(line)
    ]
    assert found == []
