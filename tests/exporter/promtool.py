"""Debian's ``promtool`` for the exporter's tests: missing, it is a failure that says how to
install it, never a skipped check."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
RULES = REPO / "contrib" / "prometheus" / "uccert-alerts.yml"
INSTALL = "apt-get install -y prometheus (Debian's package; .ci/run installs it when missing)"


def promtool(*args: str, stdin: str | None = None, cwd: Path | None = None) -> str:
    """Run ``promtool ARGS``; fail the test with its output unless it exits 0."""
    exe = shutil.which("promtool")
    if exe is None:
        pytest.fail(f"promtool is not installed: {INSTALL}", pytrace=False)
    done = subprocess.run(
        [exe, *args], input=stdin, capture_output=True, text=True, cwd=cwd, timeout=60
    )
    out = done.stdout + done.stderr
    if done.returncode != 0:
        pytest.fail(f"promtool {' '.join(args)} exited {done.returncode}:\n{out}", pytrace=False)
    return out
