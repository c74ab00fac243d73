"""Fleet regeneration with workers on one PostgreSQL: 1 worker against 4, then 4 with one killed.

One lab process (``python -m uccert.lab.servers.fleet``) serves N minimal clusters (a CUCM
publisher and two IM/P nodes each) on a fast virtual clock; a throwaway PostgreSQL (the tests'
``tests/pgserver.py``) holds the runs. Each case uses a fresh database and runs
``uccert fleet regen apply --units cup --yes`` (one run per cluster) while ``uccert worker``
processes execute the runs:

1. one worker;
2. four workers (the ratio of 1 to 2 is the speed-up);
3. four workers, one of them SIGKILLed while it holds a run: the others adopt its runs.

After each case every IM/P node of every cluster must have had its cup cert regenerated exactly
once more (the lab's own event log, through its control API): the script prints the count of
certificates regenerated more than once (must be 0) and exits 1 if any is, or if a run failed.

    .venv/bin/python bench/fleet.py [--clusters 40] [--time-scale 0.001] [--concurrency 2]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
from pgserver import PostgresServer, postgres_server
from uccert.run.database import RunDatabase
from uccert.run.executor import RunBook

UCCERT = [sys.executable, "-m", "uccert"]
START_TIMEOUT = 600.0
CASE_TIMEOUT = 1800.0


@dataclass
class Lab:
    proc: subprocess.Popen[bytes]
    ready: dict[str, Any]

    @property
    def inventory(self) -> str:
        return str(self.ready["inventory"])

    def regenerations(self) -> Counter[tuple[str, str]]:
        """(cluster, node) -> cup regenerations so far, from each cluster's event log."""
        seen: Counter[tuple[str, str]] = Counter()
        for c in self.ready["clusters"]:
            events = httpx.get(
                f"{c['control_url']}/events", params={"kind": "cert-regenerated"}, timeout=30
            ).json()
            for e in events:
                if e.get("unit") == "cup":
                    seen[(c["name"], e["node"])] += 1
        return seen

    def imp_nodes(self) -> list[tuple[str, str]]:
        return [
            (c["name"], n["name"])
            for c in self.ready["clusters"]
            for n in c["nodes"]
            if n["product"] == "imp"
        ]


def start_lab(options: argparse.Namespace, workdir: Path) -> Lab:
    ready = workdir / "ready.json"
    proc = subprocess.Popen(
        [sys.executable, "-m", "uccert.lab.servers.fleet", "--clusters", str(options.clusters),
         "--preset", "minimal", "--time-scale", str(options.time_scale), "--control-api",
         "--state-dir", str(workdir / "lab"), "--ready-file", str(ready)],
    )  # fmt: skip
    deadline = time.monotonic() + START_TIMEOUT
    while not ready.exists():
        if proc.poll() is not None or time.monotonic() > deadline:
            proc.kill()
            raise SystemExit("the lab fleet did not start")
        time.sleep(0.2)
    return Lab(proc, json.loads(ready.read_text()))


def env_for(url: str, state: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("UCCERT_")}
    env["UCCERT_STATE_DIR"] = str(state)
    env["UCCERT_DATABASE_URL"] = url
    return env


def start_workers(
    lab: Lab, env: dict[str, str], count: int, concurrency: int, logs: Path
) -> list[subprocess.Popen[bytes]]:
    workers = []
    for i in range(count):
        log = (logs / f"worker{i}.log").open("wb")
        workers.append(
            subprocess.Popen(
                [
                    *UCCERT,
                    "worker",
                    "--inventory",
                    lab.inventory,
                    "--concurrency",
                    str(concurrency),
                    "--lease-timeout",
                    "2",
                ],
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
            )
        )
    return workers


def wait_started(workers: list[subprocess.Popen[bytes]], logs: Path) -> None:
    """Until every worker has said it is serving (its first line)."""
    deadline = time.monotonic() + START_TIMEOUT
    while not all(
        (logs / f"worker{i}.log").read_bytes().startswith(b"worker ") for i in range(len(workers))
    ):
        if any(w.poll() is not None for w in workers) or time.monotonic() > deadline:
            stop_workers(workers)
            raise SystemExit(f"a worker did not start: see {logs}")
        time.sleep(0.2)


def stop_workers(workers: list[subprocess.Popen[bytes]]) -> None:
    for w in workers:
        if w.poll() is None:
            w.send_signal(signal.SIGTERM)
    for w in workers:
        try:
            w.wait(60)
        except subprocess.TimeoutExpired:
            w.kill()


def holder_pid(book: RunBook) -> int | None:
    held = [r.holder for r in book.runs() if r.holder]
    return int(held[0].rsplit("-", 2)[1]) if held else None


@dataclass
class Result:
    label: str
    seconds: float
    succeeded: int
    twice: int
    missing: int
    killed: bool


def run_case(
    label: str,
    lab: Lab,
    server: PostgresServer,
    workdir: Path,
    workers_count: int,
    options: argparse.Namespace,
    kill_one: bool = False,
) -> Result:
    name = label.replace(" ", "_").replace(",", "")
    url = server.create_database(name)
    state = workdir / name
    state.mkdir()
    env = env_for(url, state)
    before = lab.regenerations()
    workers = start_workers(lab, env, workers_count, options.concurrency, state)
    wait_started(workers, state)  # the clock measures the runs, not the workers' start-up
    book = RunBook(RunDatabase(url, state / "runs.lock"))
    killed = False
    began = time.perf_counter()
    apply = subprocess.Popen(
        [*UCCERT, "fleet", "regen", "apply", "--units", "cup", "--yes", "--inventory",
         lab.inventory],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, stdin=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        if kill_one:
            pids = {w.pid: w for w in workers}
            while not killed and apply.poll() is None:
                pid = holder_pid(book)
                if pid in pids and sum(lab.regenerations().values()) > sum(before.values()):
                    pids[pid].send_signal(signal.SIGKILL)
                    killed = True
                time.sleep(0.2)
        apply.wait(CASE_TIMEOUT)
    finally:
        seconds = time.perf_counter() - began
        stop_workers(workers)
    after = lab.regenerations()
    delta = {k: after[k] - before[k] for k in lab.imp_nodes()}
    runs = [r for r in book.runs()]
    return Result(
        label,
        seconds,
        sum(r.status.value == "succeeded" for r in runs),
        sum(1 for v in delta.values() if v > 1),
        sum(1 for v in delta.values() if v < 1),
        killed,
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--clusters", type=int, default=40)
    parser.add_argument("--time-scale", type=float, default=0.001)
    parser.add_argument("--concurrency", type=int, default=2, help="clusters per worker")
    options = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="uccert-bench-fleet-"))
    lab = start_lab(options, workdir)
    results: list[Result] = []
    try:
        with postgres_server() as server:
            results.append(run_case("1 worker", lab, server, workdir, 1, options))
            results.append(run_case("4 workers", lab, server, workdir, 4, options))
            results.append(
                run_case("4 workers, 1 killed", lab, server, workdir, 4, options, kill_one=True)
            )
    finally:
        lab.proc.send_signal(signal.SIGTERM)
        lab.proc.wait(60)
        shutil.rmtree(workdir, ignore_errors=True)
    print(
        f"{options.clusters} clusters x 2 IM/P nodes, `fleet regen apply --units cup`,"
        f" --concurrency {options.concurrency} per worker, time scale {options.time_scale:g}"
    )
    print(f"{'case':<22} {'wall s':>8} {'runs ok':>8} {'certs >1x':>10} {'certs 0x':>9}")
    for r in results:
        note = " (a worker was killed mid-run)" if r.killed else ""
        print(f"{r.label:<22} {r.seconds:8.1f} {r.succeeded:8d} {r.twice:10d} {r.missing:9d}{note}")
    print(f"ratio 1 worker / 4 workers: {results[0].seconds / results[1].seconds:.2f}x")
    bad = [
        r
        for r in results
        if r.twice
        or r.missing
        or r.succeeded != options.clusters
        or (r is results[2] and not r.killed)
    ]
    return 1 if bad else 0


if __name__ == "__main__":
    raise SystemExit(main())
