"""`uccert fleet regen apply` and `uccert worker` on a real PostgreSQL and a lab fleet.

Two workers share one database: every cluster's run executes once, each certificate is
regenerated once; a worker killed mid-run (SIGKILL) has its runs adopted by a live one and
finished by observation, nothing done twice; the database holds no password.
"""

from __future__ import annotations

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

from builders import expired_ca_pem
from pgserver import PostgresServer
from uccert.lab.servers.background import fleet_in_background
from uccert.lab.servers.fleet import RunningFleet
from uccert.run.database import RunDatabase
from uccert.run.executor import RunBook

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

    def book(self) -> RunBook:
        return RunBook(RunDatabase(self.url, self.state / "runs.lock"))


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


def holder_pid(f: Fleet) -> int | None:
    """The pid of the worker executing a run now (its executor id is host-pid-tag)."""
    held = [r.holder for r in f.book().runs() if r.holder]
    return int(held[0].rsplit("-", 2)[1]) if held else None


def test_workers_run_every_cluster_once_and_adopt_a_killed_workers_runs(
    pg_server: PostgresServer, tmp_path: Path
) -> None:
    for f in fleet_of(pg_server, tmp_path, "fleet_workers", 0.002):
        workers = [f.worker("--concurrency", "2", "--lease-timeout", "1") for _ in range(2)]
        apply = subprocess.Popen(
            [*UCCERT, "fleet", "regen", "apply", "--units", "cup", "--yes",
             "--inventory", str(f.fleet.inventory)],
            env=f.env(), stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
            stdin=subprocess.DEVNULL,
        )  # fmt: skip
        try:
            deadline = time.monotonic() + 120
            while not f.regenerations() or (pid := holder_pid(f)) is None:
                assert apply.poll() is None, apply.stdout.read() if apply.stdout else ""
                assert time.monotonic() < deadline, "no worker ever held a run mid-way"
                time.sleep(0.02)
            [killed] = [w for w in workers if w.pid == pid]
            killed.send_signal(signal.SIGKILL)
            killed.wait(30)
            shown, _ = apply.communicate(timeout=180)
        finally:
            outs = {w.pid: stop(w) for w in workers}
        assert apply.returncode == 0, shown + "".join(outs.values())
        [survivor] = [out for p, out in outs.items() if p != pid]
        assert "adopted the runs of dead worker" in survivor, survivor
        assert f"-{pid}-" in survivor.split("adopted the runs of dead worker", 1)[1]
        for lab in f.fleet.labs:
            assert f"{lab.cluster} " in shown
        assert shown.count(": succeeded") == CLUSTERS, shown
        assert f.regenerations() == f.expected(("cup",))
        runs = f.book().runs()
        assert sorted(r.cluster for r in runs) == sorted(lab.cluster or "" for lab in f.fleet.labs)
        assert {r.status.value for r in runs} == {"succeeded"}
        dump = pg_server.dump("fleet_workers")
        assert runs[0].id in dump
        creds = f.fleet.credentials
        for secret in (creds.os_admin.password, creds.app_admin.password):
            assert secret not in dump


def test_fleet_trust_prune_deletes_each_clusters_expired_cert_once(
    pg_server: PostgresServer, tmp_path: Path
) -> None:
    for f in fleet_of(pg_server, tmp_path, "fleet_prune", 0.002):
        serials = {}
        for lab in f.fleet.labs:
            added = lab.lab.import_trust(
                "imp-pub", "cup-trust", expired_ca_pem("Old CA"), via="lab"
            )
            serials[lab.cluster or ""] = format(added.cert.serial_number, "x")
        worker = f.worker("--concurrency", "2")
        try:
            done = subprocess.run(
                [*UCCERT, "fleet", "trust", "prune", "--expired", "--yes",
                 "--inventory", str(f.fleet.inventory)],
                env=f.env(), capture_output=True, text=True, timeout=240,
                stdin=subprocess.DEVNULL,
            )  # fmt: skip
        finally:
            out = stop(worker)
        assert done.returncode == 0, done.stdout + done.stderr + out
        assert done.stdout.count(": succeeded") == CLUSTERS, done.stdout
        for lab in f.fleet.labs:
            deleted = [
                e
                for e in list(lab.lab.events)
                if e.kind == "trust-deleted" and e.data["store"] == "cup-trust"
            ]
            wanted = serials[lab.cluster or ""]
            assert [e.data["serial"] for e in deleted if e.data["serial"] == wanted] == [wanted]
            left = [t for t in lab.lab.trust_certs("imp-pub") if t.store == "cup-trust"]
            assert wanted not in {format(t.cert.serial_number, "x") for t in left}, lab.cluster
        runs = f.book().runs()
        assert sorted(r.cluster for r in runs) == sorted(lab.cluster or "" for lab in f.fleet.labs)
        assert {r.status.value for r in runs} == {"succeeded"}


def uccert(f: Fleet, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*UCCERT, *args], env=f.env(), capture_output=True, text=True, timeout=240,
        stdin=subprocess.DEVNULL,
    )  # fmt: skip


def test_a_clusters_queued_fleet_run_refuses_only_that_cluster(
    pg_server: PostgresServer, tmp_path: Path
) -> None:
    for f in fleet_of(pg_server, tmp_path, "fleet_refuse", 0.002):
        first, second = (lab.cluster or "" for lab in f.fleet.labs[:2])
        inventory = ["--inventory", str(f.fleet.inventory)]
        cup = ["--units", "cup", "--yes"]

        queued = uccert(
            f, "fleet", "regen", "apply", *cup, "--clusters", first, "--detach", *inventory
        )
        assert queued.returncode == 0, queued.stdout + queued.stderr
        [run] = f.book().runs()
        assert (run.cluster, run.status.value) == (first, "queued")

        refused = uccert(f, "regen", "apply", *cup, "--cluster", first, *inventory)
        assert refused.returncode == 2, refused.stdout + refused.stderr
        assert f"{run.id} on {first} (queued)" in refused.stderr

        other = uccert(f, "regen", "apply", *cup, "--cluster", second, *inventory)
        assert other.returncode == 0, other.stdout + other.stderr
        done = Counter(c for c, _, _ in f.regenerations())
        assert done[second] == 2 and done[first] == 0, done  # the queued run waits for a worker
        assert {r.cluster: r.status.value for r in f.book().runs()}[first] == "queued"
