"""`uccert fleet regen apply` and `uccert worker` on a real PostgreSQL and a lab fleet.

Two workers share one database: every cluster's run executes once, each certificate is
regenerated once; a worker killed mid-run (SIGKILL) has its runs adopted by a live one and
finished by observation, nothing done twice; the database holds no password.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from pgserver import PostgresServer
from uccert.lab.servers.background import fleet_in_background
from uccert.lab.servers.fleet import RunningFleet

pytestmark = pytest.mark.timeout(300)

UCCERT = [sys.executable, "-m", "uccert"]
CLUSTERS = 3


@dataclass
class Fleet:
    fleet: RunningFleet
    url: str
    state: Path

    def env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("UCCERT_")}
        env["UCCERT_STATE_DIR"] = str(self.state)
        env["UCCERT_DATABASE_URL"] = self.url
        return env

    def run(self, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [*UCCERT, *args],
            env=self.env(),
            capture_output=True,
            text=True,
            timeout=240,
            stdin=subprocess.DEVNULL,
        )

    def worker(self, *args: str) -> subprocess.Popen[str]:
        return subprocess.Popen(
            [*UCCERT, "worker", "--inventory", str(self.fleet.inventory), *args],
            env=self.env(),
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            stdin=subprocess.DEVNULL,
        )

    def regenerations(self) -> Counter[tuple[str, str, str]]:
        return Counter(
            (lab.cluster or "", e.node, str(e.data["unit"]))
            for lab in self.fleet.labs
            for e in list(lab.lab.events)
            if e.kind == "cert-regenerated"
        )

    def expected(self, units: tuple[str, ...]) -> Counter[tuple[str, str, str]]:
        return Counter(
            {
                (lab.cluster or "", n.name, u): 1
                for lab in self.fleet.labs
                for n in lab.lab.topology.nodes
                if n.product == "imp"
                for u in units
            }
        )

    def runs(self) -> list[dict[str, str]]:
        done = self.run("runs", "list", "--json")
        assert done.returncode == 0, done.stderr
        return list(json.loads(done.stdout))


def fleet_of(pg_server: PostgresServer, tmp_path: Path, name: str, scale: float) -> Iterator[Fleet]:
    url = pg_server.create_database(name)
    with fleet_in_background(
        CLUSTERS, preset_name="minimal", time_scale=scale, state_dir=tmp_path / "lab"
    ) as fleet:
        yield Fleet(fleet, url, tmp_path / "state")


def stop(worker: subprocess.Popen[str]) -> str:
    if worker.poll() is None:
        worker.send_signal(signal.SIGTERM)
    out, _ = worker.communicate(timeout=60)
    return out


def test_two_workers_run_every_cluster_once(pg_server: PostgresServer, tmp_path: Path) -> None:
    for f in fleet_of(pg_server, tmp_path, "fleet_two_workers", 0.0):
        workers = [f.worker("--concurrency", "2") for _ in range(2)]
        try:
            applied = f.run(
                "fleet", "regen", "apply", "--units", "cup", "--yes",
                "--inventory", str(f.fleet.inventory),
            )  # fmt: skip
        finally:
            outs = [stop(w) for w in workers]
        assert applied.returncode == 0, applied.stdout + applied.stderr + "".join(outs)
        for lab in f.fleet.labs:
            assert f"{lab.cluster} " in applied.stdout and "succeeded" in applied.stdout
        assert f.regenerations() == f.expected(("cup",))
        runs = f.runs()
        assert sorted(r["cluster"] for r in runs) == sorted(
            lab.cluster or "" for lab in f.fleet.labs
        )
        assert {r["status"] for r in runs} == {"succeeded"}
        dump = pg_server.dump("fleet_two_workers")
        assert runs[0]["id"] in dump
        creds = f.fleet.credentials
        for secret in (creds.os_admin.password, creds.app_admin.password):
            assert secret not in dump


def test_a_killed_workers_runs_are_adopted_and_finished_once(
    pg_server: PostgresServer, tmp_path: Path
) -> None:
    for f in fleet_of(pg_server, tmp_path, "fleet_adoption", 0.002):
        first = f.worker("--concurrency", str(CLUSTERS))
        queued = f.run(
            "fleet", "regen", "apply", "--units", "cup", "--yes", "--detach",
            "--inventory", str(f.fleet.inventory),
        )  # fmt: skip
        assert queued.returncode == 0, queued.stdout + queued.stderr
        deadline = time.monotonic() + 120
        while not f.regenerations():
            assert first.poll() is None, first.stdout.read() if first.stdout else ""
            assert time.monotonic() < deadline, "the first worker never regenerated"
            time.sleep(0.02)
        first.send_signal(signal.SIGKILL)
        first.wait(30)
        second = f.worker("--lease-timeout", "1")
        try:
            deadline = time.monotonic() + 180
            while {r["status"] for r in f.runs()} != {"succeeded"}:
                assert second.poll() is None, "the second worker died"
                assert time.monotonic() < deadline, f"not all finished: {f.runs()}"
                time.sleep(0.5)
        finally:
            out = stop(second)
        assert "adopted the runs of dead worker" in out, out
        assert f.regenerations() == f.expected(("cup",))
        assert len(f.runs()) == CLUSTERS
