"""How much reading a fleet concurrently saves over reading it one node at a time.

One lab process (``python -m uccert.lab.servers.fleet``) serves N demo clusters of 6 nodes whose
SSH logins, CLI commands and HTTPS requests take a scaled-down real time. This script then reads
every cluster through the real client twice in the same run: all at once under the bound
``uccert inventory`` uses, and one node at a time (bound 1, clusters one after another). Both
reads must succeed on every node and find the same certificates; the script prints both times
and the ratio sequential/concurrent. Nothing is compared with a stored number.

    .venv/bin/python bench/inventory.py [--clusters 20] [--profile scaled|real]
        [--login-latency S] [--command-latency S] [--http-latency S] [--concurrency N]
        [--baseline-clusters N]

``--profile scaled`` (default): login 0.3 s, CLI command 0.05 s, HTTPS 0.05 s, so that a run
takes a few minutes; ``--profile real``: login 12 s, CLI command 0.8 s, HTTPS 0.15 s, what a
real node takes. The limit a fleet read can reach is one cluster read alone (its discovery,
then its nodes in parallel); the script also reads each node of the first cluster alone and
prints the slowest. The one-at-a-time baseline reads ``--baseline-clusters`` clusters (default:
all with the scaled profile, 1 with the real one, where all would take hours) and scales it to
the fleet, saying so.
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
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from uccert.cluster import ClusterClient, snapshot_clusters
from uccert.cluster.client import fleet_bound
from uccert.config import (
    ClusterConfig,
    ClusterCredentials,
    FleetLimits,
    load_inventory,
    resolve_credentials,
)
from uccert.model import Snapshot

PROFILES = {  # seconds: SSH login, one CLI command, one HTTPS response
    "scaled": (0.3, 0.05, 0.05),
    "real": (12.0, 0.8, 0.15),
}
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
    """What ``uccert inventory`` does: every cluster at once under the fleet's bound (each
    cluster's own limits apply inside it)."""
    tls = max(c.limits.tls_per_node for c, _ in clusters)
    shared = fleet_bound(FleetLimits(nodes_in_flight=bound), tls)
    return await snapshot_clusters(ClusterClient(c, cr, pins_dir, shared) for c, cr in clusters)


async def slowest_node_alone(clusters: Clusters, pins_dir: Path) -> tuple[float, str]:
    """Each node of the first cluster read alone, one after another: the slowest one's time."""
    config, creds = clusters[0]
    client = ClusterClient(config, creds, pins_dir, 1)
    nodes, _ = await client.discover()
    fqdns = tuple(n.fqdn for n in nodes)
    slowest, name = 0.0, ""
    for node in nodes:
        start = time.perf_counter()
        snap = await client.read_node(node, fqdns)
        took = time.perf_counter() - start
        if snap.error is not None:
            raise SystemExit(f"reading {node.name} alone failed: {snap.error}")
        if took > slowest:
            slowest, name = took, node.name
    return slowest, name


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


@dataclass
class Measured:
    concurrent: Phase
    together: tuple[Snapshot, ...]
    peak_rss_mb: float  # the client's, right after the concurrent read
    limit: Phase  # one cluster alone: discovery, then its nodes in parallel
    slowest_node: float
    slowest_name: str
    sequential: Phase
    alone: tuple[Snapshot, ...]  # the baseline's clusters only


async def measure(
    clusters: Clusters, pins_dir: Path, bound: int, lab_pid: int, baseline: int
) -> Measured:
    await concurrently(clusters[:1], pins_dir, bound)  # warm-up: imports, first handshakes
    concurrent, limit, sequential = Phase(lab_pid), Phase(lab_pid), Phase(lab_pid)
    together = await concurrent.run(lambda: concurrently(clusters, pins_dir, bound))
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux
    await limit.run(lambda: concurrently(clusters[:1], pins_dir, bound))
    slowest, name = await slowest_node_alone(clusters, pins_dir)
    alone = await sequential.run(lambda: one_at_a_time(clusters[:baseline], pins_dir))
    return Measured(concurrent, together, peak, limit, slowest, name, sequential, alone)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clusters", type=int, default=20)
    parser.add_argument("--profile", choices=sorted(PROFILES), default="scaled")
    parser.add_argument("--login-latency", type=float, help="real seconds (default: profile's)")
    parser.add_argument("--command-latency", type=float, help="real seconds (default: profile's)")
    parser.add_argument("--http-latency", type=float, help="real seconds (default: profile's)")
    parser.add_argument(
        "--concurrency",
        type=int,
        help="nodes in flight over the fleet (default: the inventory's, [limits] nodes_in_flight)",
    )
    parser.add_argument(
        "--baseline-clusters",
        type=int,
        help="clusters read one node at a time (default: all; 1 with --profile real)",
    )
    options = parser.parse_args()
    login, command, http = PROFILES[options.profile]
    options.login_latency = login if options.login_latency is None else options.login_latency
    options.command_latency = (
        command if options.command_latency is None else options.command_latency
    )
    options.http_latency = http if options.http_latency is None else options.http_latency
    if options.baseline_clusters is None:
        options.baseline_clusters = 1 if options.profile == "real" else options.clusters
    baseline = max(1, min(options.baseline_clusters, options.clusters))
    with tempfile.TemporaryDirectory(prefix="uccert-bench-") as tmp:
        proc = spawn_fleet(options, Path(tmp))
        try:
            ready = wait_ready(proc, Path(tmp))
            inventory = load_inventory(Path(ready["inventory"]))
            if options.concurrency is None:
                options.concurrency = inventory.limits.nodes_in_flight
            clusters = [
                (c, resolve_credentials(c.credentials, cluster=c.name))
                for c in inventory.clusters.values()
            ]
            pins_dir = inventory.path.resolve().parent
            m = asyncio.run(measure(clusters, pins_dir, options.concurrency, proc.pid, baseline))
        finally:
            stop_fleet(proc)
    nodes = sum(len(c["nodes"]) for c in ready["clusters"])
    baseline_nodes = sum(len(c["nodes"]) for c in ready["clusters"][:baseline])
    failed = problems("concurrent", m.together, nodes)
    failed += problems("sequential", m.alone, baseline_nodes)
    if serials(m.together)[clusters[0][0].name] != serials(m.alone)[clusters[0][0].name]:
        failed.append("the concurrent and the one-at-a-time read found different certificates")
    one_at_a_time_s = m.sequential.wall * len(clusters) / baseline
    estimated = "" if baseline == len(clusters) else f" (est. from {baseline} cluster(s))"
    print(
        f"uccert inventory: {len(clusters)} lab clusters served by one process on 127.0.0.1 "
        f"(up in {ready['startup_seconds']:.1f} s); profile {options.profile}: login "
        f"{options.login_latency:g} s, command {options.command_latency:g} s, "
        f"https {options.http_latency:g} s"
    )
    rows = [
        ("clusters x nodes", f"{len(clusters)} x {nodes // len(clusters)} = {nodes}"),
        ("fleet bound (nodes in flight)", str(options.concurrency)),
        ("fleet read, concurrent", f"{m.concurrent.wall:.2f} s"),
        ("limit: one cluster alone", f"{m.limit.wall:.2f} s"),
        ("slowest node alone", f"{m.slowest_node:.2f} s ({m.slowest_name})"),
        ("one at a time" + estimated, f"{one_at_a_time_s:.2f} s"),
        ("fleet / limit", f"x{m.concurrent.wall / m.limit.wall:.2f}"),
        ("fleet / slowest node", f"x{m.concurrent.wall / m.slowest_node:.2f}"),
        ("one at a time / fleet", f"x{one_at_a_time_s / m.concurrent.wall:.1f}"),
        ("client CPU per node", f"{1000 * m.concurrent.client_cpu / nodes:.1f} ms"),
        ("client peak RSS", f"{m.peak_rss_mb:.0f} MB"),
    ]
    width = max(len(h) for h, _ in rows)
    for head, value in rows:
        print(f"  {head.ljust(width)}  {value}")
    for name, phase in (
        ("the fleet read", m.concurrent),
        ("one cluster alone", m.limit),
        (f"one at a time ({baseline} cluster(s))", m.sequential),
    ):
        print(
            f"CPU during {name}: client {phase.client_cpu:.1f} s, lab {phase.lab_cpu:.1f} s "
            f"({phase.wall:.1f} s wall)"
        )
    for problem in failed:
        print(f"error: {problem}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
