"""How much reading a fleet concurrently saves over reading it one node at a time.

One lab process (``python -m uccert.lab.servers.fleet``) serves N demo clusters of 6 nodes whose
SSH logins, CLI commands and HTTPS requests take a scaled-down real time. This script then reads
every cluster through the real client twice in the same run: all at once under the bound
``uccert inventory`` uses, and one node at a time (bound 1, clusters one after another). Both
reads must succeed on every node and find the same certificates; the script prints both times
and the ratio sequential/concurrent. Nothing is compared with a stored number.

    .venv/bin/python bench/inventory.py [--clusters 20] [--login-latency 0.3]
        [--command-latency 0.05] [--http-latency 0.05] [--concurrency 8]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from uccert.cluster import ClusterClient, snapshot_clusters
from uccert.config import ClusterConfig, ClusterCredentials, load_inventory, resolve_credentials
from uccert.model import Snapshot

START_TIMEOUT = 300.0  # seconds for the fleet to come up (first run may fill the key cache)
STOP_TIMEOUT = 30.0

Clusters = list[tuple[ClusterConfig, ClusterCredentials]]
# cluster -> node -> (identity serials, trust serials)
Serials = dict[str, dict[str, tuple[tuple[str, ...], tuple[str, ...]]]]


def spawn_fleet(options: argparse.Namespace, workdir: Path) -> subprocess.Popen[bytes]:
    """The lab as its own process, so that lab and client do not share one CPU."""
    command = [
        sys.executable,
        "-m",
        "uccert.lab.servers.fleet",
        f"--clusters={options.clusters}",
        f"--login-latency={options.login_latency}",
        f"--command-latency={options.command_latency}",
        f"--http-latency={options.http_latency}",
        f"--state-dir={workdir / 'state'}",
        f"--ready-file={workdir / 'ready.json'}",
    ]
    with (workdir / "fleet.log").open("wb") as log:
        return subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=log, stderr=log)


def wait_ready(proc: subprocess.Popen[bytes], workdir: Path) -> Any:
    """The fleet's ready file (JSON) once it appears; exits with the fleet's log if it fails."""
    ready = workdir / "ready.json"
    deadline = time.monotonic() + START_TIMEOUT
    while not ready.exists():
        if proc.poll() is not None or time.monotonic() > deadline:
            log = (workdir / "fleet.log").read_text(errors="replace")
            raise SystemExit(f"the lab fleet did not start:\n{log}")
        time.sleep(0.05)
    return json.loads(ready.read_text())


def stop_fleet(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


async def concurrently(clusters: Clusters, pins_dir: Path, bound: int) -> tuple[Snapshot, ...]:
    """What ``uccert inventory`` does: every cluster at once, one shared bound."""
    shared = asyncio.Semaphore(bound)
    return await snapshot_clusters(ClusterClient(c, cr, pins_dir, shared) for c, cr in clusters)


async def one_at_a_time(clusters: Clusters, pins_dir: Path) -> tuple[Snapshot, ...]:
    """Bound 1, clusters in turn: one node (or one discovery) in flight at any moment."""
    return tuple([await ClusterClient(c, cr, pins_dir, 1).snapshot() for c, cr in clusters])


def serials(snapshots: tuple[Snapshot, ...]) -> Serials:
    return {
        s.cluster: {
            n.node.name: (
                tuple(sorted(c.serial for c in n.identities)),
                tuple(sorted(f"{t.store}/{t.cert.serial}" for t in n.trusts)),
            )
            for n in s.nodes
        }
        for s in snapshots
    }


def problems(label: str, snapshots: tuple[Snapshot, ...], expected_nodes: int) -> list[str]:
    found = [
        f"{label}: {s.cluster}/{n.node.name}: {n.error}"
        for s in snapshots
        for n in s.nodes
        if n.error is not None
    ]
    read = sum(len(s.nodes) for s in snapshots)
    if read != expected_nodes:
        found.append(f"{label}: read {read} nodes, the fleet has {expected_nodes}")
    return found


def cpu_seconds(pid: int | None = None) -> float:
    """CPU time (user + system) of this process, or of ``pid`` (Linux /proc; NaN elsewhere)."""
    if pid is None:
        usage = resource.getrusage(resource.RUSAGE_SELF)
        return usage.ru_utime + usage.ru_stime
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return float("nan")
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime, stime


class Phase:
    """Wall time and the CPU both processes spent during one read."""

    def __init__(self, lab_pid: int) -> None:
        self.lab_pid = lab_pid
        self.wall = self.client_cpu = self.lab_cpu = 0.0

    async def run(self, read: Callable[[], Any]) -> tuple[Snapshot, ...]:
        wall, client, lab = time.perf_counter(), cpu_seconds(), cpu_seconds(self.lab_pid)
        snapshots: tuple[Snapshot, ...] = await read()
        self.wall = time.perf_counter() - wall
        self.client_cpu = cpu_seconds() - client
        self.lab_cpu = cpu_seconds(self.lab_pid) - lab
        return snapshots


async def measure(
    clusters: Clusters, pins_dir: Path, bound: int, lab_pid: int
) -> tuple[Phase, tuple[Snapshot, ...], Phase, tuple[Snapshot, ...]]:
    await concurrently(clusters[:1], pins_dir, bound)  # warm-up: imports, first handshakes
    concurrent, sequential = Phase(lab_pid), Phase(lab_pid)
    together = await concurrent.run(lambda: concurrently(clusters, pins_dir, bound))
    alone = await sequential.run(lambda: one_at_a_time(clusters, pins_dir))
    return concurrent, together, sequential, alone


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clusters", type=int, default=20)
    parser.add_argument("--login-latency", type=float, default=0.3, help="real seconds")
    parser.add_argument("--command-latency", type=float, default=0.05, help="real seconds")
    parser.add_argument("--http-latency", type=float, default=0.05, help="real seconds")
    parser.add_argument(
        "--concurrency", type=int, help="bound of the concurrent read (default: uccert inventory's)"
    )
    options = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="uccert-bench-") as tmp:
        proc = spawn_fleet(options, Path(tmp))
        try:
            if options.concurrency is None:
                # Imported only now: the CLI package takes seconds to import, better spent
                # while the fleet starts (only this constant is needed from it).
                from uccert.cli.inventory import CONCURRENCY

                options.concurrency = CONCURRENCY
            ready = wait_ready(proc, Path(tmp))
            inventory = load_inventory(Path(ready["inventory"]))
            clusters = [
                (c, resolve_credentials(c.credentials, cluster=c.name))
                for c in inventory.clusters.values()
            ]
            pins_dir = inventory.path.resolve().parent
            concurrent, together, sequential, alone = asyncio.run(
                measure(clusters, pins_dir, options.concurrency, proc.pid)
            )
        finally:
            stop_fleet(proc)
    nodes = sum(len(c["nodes"]) for c in ready["clusters"])
    failed = problems("concurrent", together, nodes) + problems("sequential", alone, nodes)
    if serials(together) != serials(alone):
        failed.append("the two reads found different certificates")
    print(
        f"uccert inventory: {len(clusters)} lab clusters served by one process on 127.0.0.1 "
        f"(up in {ready['startup_seconds']:.1f} s); per-node latency, scaled down from real "
        f"nodes: login {options.login_latency:g} s, command {options.command_latency:g} s, "
        f"https {options.http_latency:g} s"
    )
    table = [
        ("clusters", str(len(clusters))),
        ("nodes", str(nodes)),
        ("bound", str(options.concurrency)),
        ("concurrent", f"{concurrent.wall:.2f} s"),
        ("one at a time", f"{sequential.wall:.2f} s"),
        ("ratio seq/conc", f"{sequential.wall / concurrent.wall:.2f}"),
    ]
    widths = [max(len(h), len(v)) for h, v in table]
    print("  ".join(h.rjust(w) for (h, _), w in zip(table, widths, strict=True)))
    print("  ".join(v.rjust(w) for (_, v), w in zip(table, widths, strict=True)))
    for name, phase in (("concurrent", concurrent), ("one at a time", sequential)):
        print(
            f"CPU during {name}: client {phase.client_cpu:.1f} s, lab {phase.lab_cpu:.1f} s "
            f"({phase.wall:.1f} s wall)"
        )
    for problem in failed:
        print(f"error: {problem}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
