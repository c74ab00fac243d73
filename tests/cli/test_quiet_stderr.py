"""What a user sees on stderr from a fresh install: nothing on success, one line on bad input.

uccert runs as a real process in the test environment (a venv built from the lock, as `make
test` builds it), against a lab, so that third-party import noise (asyncssh's DSA deprecation
warnings on current cryptography releases, DBOS logging) shows up here exactly as it would in a
user's terminal.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from uccert.lab.servers.background import lab_in_background
from uccert.lab.servers.runtime import RunningLab

UCCERT = [sys.executable, "-m", "uccert"]


@pytest.fixture(scope="module")
def lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningLab]:
    state = tmp_path_factory.mktemp("quiet-lab")
    with lab_in_background(preset_name="minimal", time_scale=0, state_dir=state) as running:
        yield running


def uccert(
    lab: RunningLab, state: Path, *args: str, inventory: bool = True
) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("UCCERT_", "PYTHONWARN"))}
    env["UCCERT_STATE_DIR"] = str(state)
    extra = ["--inventory", str(lab.inventory)] if inventory else []
    return subprocess.run(
        [*UCCERT, *args, *extra],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        stdin=subprocess.DEVNULL,
    )


@pytest.mark.parametrize(
    ("args", "inventory"),
    [
        (("--help",), False),
        (("inventory",), True),
        (("check", "--json"), True),
        (("regen", "plan", "--units", "cup"), True),
        (("trust", "prune", "--expired", "--dry-run"), True),
        (("runs", "list"), False),
    ],
    ids=lambda value: " ".join(value) if isinstance(value, tuple) else None,
)
def test_a_successful_command_writes_nothing_on_stderr(
    lab: RunningLab, tmp_path: Path, args: tuple[str, ...], inventory: bool
) -> None:
    done = uccert(lab, tmp_path, *args, inventory=inventory)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip(), "the command printed nothing at all"
    assert done.stderr == ""


def test_a_run_that_changes_the_cluster_writes_nothing_on_stderr(
    lab: RunningLab, tmp_path: Path
) -> None:
    done = uccert(lab, tmp_path, "regen", "apply", "--units", "cup", "--yes")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "succeeded" in done.stdout
    assert done.stderr == ""


@pytest.mark.parametrize(
    ("args", "names"),
    [
        (("inventory", "--inventory", "/nonexistent/uccert.toml"), "--inventory"),
        (("regen", "plan", "--units", "bogus"), "bogus"),
    ],
    ids=["missing inventory", "unknown unit"],
)
def test_bad_input_is_one_line_on_stderr(
    lab: RunningLab, tmp_path: Path, args: tuple[str, ...], names: str
) -> None:
    done = uccert(lab, tmp_path, *args, inventory=args[0] != "inventory")
    assert done.returncode == 2
    lines = done.stderr.splitlines()
    assert len(lines) == 1, done.stderr
    assert lines[0].startswith("error:") and names in lines[0]
