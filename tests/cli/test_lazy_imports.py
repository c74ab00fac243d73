"""`uccert --help` and `uccert <command> --help` must start fast: they import none of the heavy
stacks the commands use when they run (an import check, not a timing; bench/cli_start.py times it).
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from uccert.cli.lazy import COMMANDS, load

HEAVY = ("dbos", "fastapi", "uvicorn", "asyncssh", "lxml", "httpx", "uccert.lab")

# Runs the real entry point, then lists what it imported (help exits through SystemExit).
PROBE = """
import json, sys
from uccert.cli import main
code = main(sys.argv[1:])
print(json.dumps({"code": code, "modules": sorted(sys.modules)}))
"""


def imported_by(*argv: str) -> tuple[int, set[str], str]:
    done = subprocess.run(
        [sys.executable, "-c", PROBE, *argv], capture_output=True, text=True, timeout=60
    )
    last = done.stdout.strip().splitlines()[-1]
    result = json.loads(last)
    return result["code"], set(result["modules"]), done.stdout


def heavy_in(modules: set[str]) -> list[str]:
    return [h for h in HEAVY if any(m == h or m.startswith(h + ".") for m in modules)]


@pytest.mark.parametrize(
    "argv",
    [
        ("--help",),
        ("check", "--help"),
        ("inventory", "--help"),
        ("regen", "apply", "--help"),
        ("runs", "resume", "--help"),
        ("csr", "--help"),
        ("pin", "--help"),
        ("doctor", "--help"),
        ("lab", "up", "--help"),
        ("lab", "ca", "sign", "--help"),
    ],
)
def test_help_imports_no_heavy_module(argv: tuple[str, ...]) -> None:
    code, modules, out = imported_by(*argv)
    assert code == 0
    assert "Usage" in out
    assert heavy_in(modules) == []


# Nor these: typer's option checks (pydantic, ~0.1 s), uccert's model (cryptography, ~0.1 s) and
# asyncio are for running a command, not for its help: every command and the subcommands below.
HEAVIER = (*HEAVY, "pydantic", "cryptography", "uccert.model", "asyncio")
SUBCOMMANDS = [
    ("regen", "plan"),
    ("regen", "apply"),
    ("trust", "prune"),
    ("runs", "list"),
    ("runs", "resume"),
    ("fleet", "regen", "apply"),
    ("fleet", "trust", "prune"),
    ("lab", "up"),
    ("lab", "ca", "sign"),
]
LIGHT_HELP = [
    ("--help",),
    *[(name, "--help") for name in sorted(COMMANDS)],
    *[(*sub, "--help") for sub in SUBCOMMANDS],
    ("--color", "never", "--no-pager", "check", "--help"),
]


@pytest.mark.parametrize("argv", LIGHT_HELP)
def test_help_imports_neither_model_nor_pydantic(argv: tuple[str, ...]) -> None:
    code, modules, out = imported_by(*argv)
    assert code == 0
    assert "Usage" in out
    assert [h for h in HEAVIER if any(m == h or m.startswith(h + ".") for m in modules)] == []


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_no_command_help_imports_pydantic(name: str) -> None:
    code, modules, out = imported_by(name, "--help")
    assert code == 0
    assert "Usage" in out
    assert not any(m == "pydantic" or m.startswith("pydantic.") for m in modules)


def test_group_options_are_still_checked() -> None:
    """The groups' options skip pydantic but not their checks: a bad --color is a usage error."""
    done = subprocess.run(
        [sys.executable, "-m", "uccert", "--color", "purple", "check", "--help"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2
    assert "'purple' is not one of 'auto', 'always', 'never'" in done.stderr
    assert "Usage" not in done.stdout


def test_running_a_read_does_import_the_stack() -> None:
    """The check can fail: what the read commands run imports the SSH/HTTP stack."""
    done = subprocess.run(
        [sys.executable, "-c", "import sys, uccert.cluster; print(' '.join(sys.modules))"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert {"asyncssh", "httpx", "lxml"} <= set(heavy_in(set(done.stdout.split())))


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_each_listed_summary_is_the_commands_own(name: str) -> None:
    """`uccert --help` lists summaries kept in uccert.cli.lazy; they must not drift from the
    commands' own help (the first paragraph, as typer shows it)."""
    real = load(name)
    assert real.help is not None
    assert COMMANDS[name].summary == real.help.split("\n\n")[0].strip()


def test_a_command_runs_through_the_lazy_group() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "uccert", "check", "--inventory", "/nonexistent/uccert.toml"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2
    assert "no such inventory" in done.stderr
