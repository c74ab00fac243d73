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


def serial(lab: RunningLab, node: str, unit: str) -> int:
    return next(c.cert.serial_number for c in lab.lab.own_certs(node) if c.unit == unit)


def window(start: timedelta, end: timedelta) -> str:
    """A local-time --window relative to now (it may cross midnight)."""
    now = datetime.now()
    return f"{now + start:%H:%M}-{now + end:%H:%M}"


def test_watch_notifies_once_and_regenerates_only_inside_its_window(
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
    notify = ("--webhook", receiver.url, "--notify-command", f"{sys.executable} {script}")
    later = ("--auto-regen", "cup-xmpp", "--window", window(timedelta(hours=2), timedelta(hours=3)))
    expiring_soon(lab, "imp-sub1", "cup-xmpp", days=10)
    before = serial(lab, "imp-sub1", "cup-xmpp")

    first = watch_once(lab, state, *notify, *later)
    assert first.returncode == 0, first.stdout + first.stderr
    assert len(receiver.bodies) == 1, receiver.bodies
    body = receiver.bodies[-1]
    assert body["source"] == "uccert" and body["resolved"] == []
    new = {(f["node"], f["subject"], f["code"]) for f in body["new"]}
    assert ("imp-sub1", "cup-xmpp", "identity-expiring") in new
    commanded = [json.loads(line) for line in told.read_text().splitlines()]
    assert commanded == [body]  # the command got the same document on stdin
    assert serial(lab, "imp-sub1", "cup-xmpp") == before, "regenerated outside the window"
    assert lab_events(lab, "cert-regenerated") == []

    now = ("--auto-regen", "cup-xmpp", "--window", window(-timedelta(hours=1), timedelta(hours=1)))
    second = watch_once(lab, state, *notify, *now)
    assert second.returncode == 0, second.stdout + second.stderr
    assert len(receiver.bodies) == 1, "the same findings were notified again"
    assert len(told.read_text().splitlines()) == 1
    assert serial(lab, "imp-sub1", "cup-xmpp") != before, "not regenerated inside the window"
    regenerated = {(e.node, e.data["unit"]) for e in lab_events(lab, "cert-regenerated")}
    assert regenerated == {("imp-sub1", "cup-xmpp")}
    assert all(g.ha_enabled for g in lab.lab.groups()), "HA was not restored"

    third = watch_once(lab, state, "--webhook", receiver.url, "--webhook-format", "slack")
    assert third.returncode == 0, third.stdout + third.stderr
    assert len(receiver.bodies) == 2
    resolved = [t for t in receiver.bodies[-1]["text"].splitlines() if t.startswith("RESOLVED")]
    assert any("identity-expiring lab/imp-sub1 cup-xmpp" in t for t in resolved), resolved
    assert not [t for t in receiver.bodies[-1]["text"].splitlines() if t.startswith("NEW")]
    assert "secret-part" not in first.stdout + first.stderr + third.stdout + third.stderr


def lab_events(lab: RunningLab, kind: str) -> list[Any]:
    """The events of ``kind`` that a command caused (not the test's own set-up)."""
    return [e for e in list(lab.lab.events) if e.kind == kind and e.data.get("via") != "lab"]
