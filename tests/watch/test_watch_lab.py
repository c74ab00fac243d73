"""`uccert watch --once` against a lab, notifying a webhook served here (stdlib http.server on
127.0.0.1) and a command: one notification when a finding appears, none when the next check
finds the same, one when it resolves."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from typing import Any

import pytest

from uccert.lab.servers.background import lab_in_background
from uccert.lab.servers.runtime import RunningLab

pytestmark = pytest.mark.timeout(300)

UCCERT = [sys.executable, "-m", "uccert"]
LIFETIME = timedelta(days=1825) - timedelta(seconds=1)  # the lab's regenerated certs


class Receiver(HTTPServer):
    """Keeps every JSON body POSTed to it."""

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.bodies: list[dict[str, Any]] = []

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/hook/secret-part"


class _Handler(BaseHTTPRequestHandler):
    server: Receiver

    def do_POST(self) -> None:
        length = int(self.headers["Content-Length"])
        assert self.headers["Content-Type"] == "application/json"
        self.server.bodies.append(json.loads(self.rfile.read(length)))
        self.send_response(204)
        self.end_headers()

    def log_message(self, format: str, *args: object) -> None:
        return None


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    server = Receiver()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


@pytest.fixture
def lab(tmp_path: Path) -> Iterator[RunningLab]:
    with lab_in_background(preset_name="minimal", time_scale=0, state_dir=tmp_path / "lab") as up:
        yield up


def watch_once(lab: RunningLab, state: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("UCCERT_")}
    env["UCCERT_STATE_DIR"] = str(state)
    return subprocess.run(
        [*UCCERT, "watch", "--once", "--inventory", str(lab.inventory), *extra],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        stdin=subprocess.DEVNULL,
    )


def expiring_soon(lab: RunningLab, node: str, unit: str, days: int) -> None:
    """Give ``node`` a ``unit`` cert that expires in ``days`` (issued on a moved lab clock)."""
    real = lab.lab.now_datetime()
    lab.lab.set_datetime(datetime.now(UTC) - LIFETIME + timedelta(days=days))
    lab.lab.regenerate(node, unit, "lab")
    lab.lab.set_datetime(real)


def test_watch_notifies_a_new_finding_once_and_its_resolution(
    lab: RunningLab, receiver: Receiver, tmp_path: Path
) -> None:
    state = tmp_path / "state"
    told = tmp_path / "told.jsonl"
    script = tmp_path / "tell.py"
    script.write_text(
        "import os, sys\n"
        f"with open({str(told)!r}, 'a') as out:\n"
        "    out.write(sys.stdin.read().replace('\\n', ' ') + '\\n')\n"
    )
    notify = (
        "--webhook",
        receiver.url,
        "--notify-command",
        f"{sys.executable} {script}",
    )
    expiring_soon(lab, "imp-sub1", "cup-xmpp", days=10)
    second = watch_once(lab, state, *notify)
    assert second.returncode == 0, second.stdout + second.stderr
    assert len(receiver.bodies) == 1, receiver.bodies
    body = receiver.bodies[-1]
    assert body["source"] == "uccert" and body["resolved"] == []
    new = {(f["node"], f["subject"], f["code"]) for f in body["new"]}
    assert ("imp-sub1", "cup-xmpp", "identity-expiring") in new
    commanded = [json.loads(line) for line in told.read_text().splitlines()]
    assert commanded[-1] == body  # the command got the same document on stdin

    third = watch_once(lab, state, *notify)
    assert third.returncode == 0, third.stdout + third.stderr
    assert len(receiver.bodies) == 1, "the same findings were notified again"
    assert len(told.read_text().splitlines()) == len(commanded)

    lab.lab.regenerate("imp-sub1", "cup-xmpp", "lab")  # five years again
    fourth = watch_once(lab, state, "--webhook", receiver.url, "--webhook-format", "slack")
    assert fourth.returncode == 0, fourth.stdout + fourth.stderr
    assert len(receiver.bodies) == 2
    resolved = [t for t in receiver.bodies[-1]["text"].splitlines() if t.startswith("RESOLVED")]
    assert len(resolved) == 1 and "identity-expiring lab/imp-sub1 cup-xmpp" in resolved[0]
    assert "secret-part" not in second.stdout + second.stderr + fourth.stdout + fourth.stderr
