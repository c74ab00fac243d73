"""Runs against a real lab: the lab on a background thread, uccert as a real process.

uccert runs as a subprocess so tests can kill it (SIGKILL) at any point and resume, exactly
as an admin's terminal would; the lab stays up across the kill, like a real cluster.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from uccert.lab.servers.background import lab_in_background
from uccert.lab.servers.runtime import RunningLab
from uccert.lab.state import Event

UCCERT = [sys.executable, "-m", "uccert"]
POLL = 0.02


def _default_sigint() -> None:
    signal.signal(signal.SIGINT, signal.SIG_DFL)


@dataclass
class Cli:
    """uccert on one lab's inventory, with its own state directory (run database)."""

    lab: RunningLab
    state: Path

    def env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("UCCERT_")}
        env["UCCERT_STATE_DIR"] = str(self.state)
        return env

    def args(self, *args: str) -> list[str]:
        inventory = ("--inventory", str(self.lab.inventory))
        if args[:1] == ("runs",):
            return [*UCCERT, *args]
        return [*UCCERT, *args, *inventory]

    def run(self, *args: str, timeout: float = 300) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            self.args(*args),
            env=self.env(),
            capture_output=True,
            text=True,
            timeout=timeout,
            stdin=subprocess.DEVNULL,
        )

    def spawn(self, *args: str) -> subprocess.Popen[str]:
        """uccert in the background, Ctrl-C (SIGINT) reaching it as it reaches an admin's:
        a test run started as a background job (`make test &`, nohup) ignores SIGINT, and a
        child inherits that, so a Ctrl-C test would otherwise see a run that ignores it."""
        return subprocess.Popen(
            self.args(*args),
            env=self.env(),
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            stdin=subprocess.DEVNULL,
            preexec_fn=_default_sigint,
        )

    def events(self, kind: str | None = None) -> list[Event]:
        return [e for e in list(self.lab.lab.events) if kind is None or e.kind == kind]

    def wait_for(self, condition: Callable[[], bool], proc: subprocess.Popen[str]) -> None:
        """Until ``condition`` holds; fails if uccert ended first."""
        deadline = time.monotonic() + 240
        while not condition():
            if proc.poll() is not None:
                out = proc.stdout.read() if proc.stdout else ""
                pytest.fail(f"uccert ended (exit {proc.returncode}) before the kill point:\n{out}")
            if time.monotonic() > deadline:
                proc.kill()
                pytest.fail("the kill point never came")
            time.sleep(POLL)


@pytest.fixture
def lab_cli(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Cli]:
    """A lab per test (``@pytest.mark.lab(preset=..., time_scale=...)`` to choose)."""
    marker = request.node.get_closest_marker("lab")
    options = dict(marker.kwargs) if marker else {}
    preset = options.pop("preset", "minimal")
    scale = options.pop("time_scale", 0.002)
    with lab_in_background(
        preset_name=preset, time_scale=scale, state_dir=tmp_path / "lab", **options
    ) as lab:
        yield Cli(lab, tmp_path / "state")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """The full fault matrix runs only when asked for (`make faults`: ``-m faults``)."""
    if "faults" in (config.option.markexpr or ""):
        return
    kept = [i for i in items if i.get_closest_marker("faults") is None]
    if len(kept) != len(items):
        config.hook.pytest_deselected(items=[i for i in items if i not in kept])
        items[:] = kept
