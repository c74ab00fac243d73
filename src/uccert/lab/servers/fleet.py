"""Many lab clusters in one process: what a benchmark of a fleet-wide read talks to.

``running_fleet(count, ...)`` starts ``count`` labs of one preset on one event loop, each its own
cluster: names ``lab01``, ``lab02``, ... and domains ``lab01.lab.example``, ... so that FQDNs,
certificate CNs and TLS pins never collide. It writes one set of files for all of them in the
state directory, as ``running_lab`` does for one: ``uccert.toml`` (a ``[clusters.labNN]`` table
each), ``credentials.toml`` (one set of accounts for every cluster), ``known_hosts`` and
``tls_pins.json``. The control API is off by default (nothing drives faults in a fleet).

All labs draw their RSA keys from the same disk cache (``keys.CachedKeySource``), so clusters
share keys; within one cluster every key is distinct, which is all a simulator needs.

``python -m uccert.lab.servers.fleet --clusters 20 --state-dir DIR --ready-file FILE`` serves a
fleet until SIGTERM or SIGINT (the benchmark runs it as its own process, so the lab and the
client do not share a CPU); the ready file (JSON) appears once every listener is up.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import dataclasses
import datetime as dt
import json
import resource
import shutil
import signal
import tempfile
import time
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from uccert.lab.state import DEFAULT_DOMAIN, Topology, preset

from .clock import VirtualClock
from .latency import NO_LATENCY, Latency
from .runtime import (
    Credentials,
    RunningLab,
    build_lab,
    credentials_toml,
    inventory_text,
    known_hosts_text,
    ready_info,
    running_section,
    serving_lab,
    tls_pins,
    tls_pins_text,
    write_private,
)
from .ssh import new_host_key

# Descriptors per node: SSH and HTTPS listeners, up to three TLS listeners and the socket that
# holds each one's port (service_bound.hold_port), and the connections a client opens while
# reading it; plus the process's own (logs, the key pool, imports).
FDS_PER_NODE = 20
FDS_BASE = 256
# Real seconds between a listener's looks at its service. One lab uses 0.02 s; 20 demo labs
# have 360 listeners, which at that rate keep a whole core busy doing nothing. A listener then
# follows a restart up to this late, which no fleet-wide read notices.
WATCH_INTERVAL = 0.25


def cluster_names(count: int) -> list[str]:
    """``lab01`` .. ``labNN`` (zero-padded so they sort)."""
    width = max(2, len(str(count)))
    return [f"lab{i:0{width}d}" for i in range(1, count + 1)]


def fleet_topology(base: Topology, name: str, parent: str = DEFAULT_DOMAIN) -> Topology:
    """``base`` as cluster ``name``: same nodes, in the domain ``<name>.<parent>``."""
    return in_domain(base, f"{name}.{parent}", name)


def in_domain(base: Topology, domain: str, name: str | None = None) -> Topology:
    """``base`` with every node in DNS domain ``domain`` (FQDN ``<node>.<domain>``), as cluster
    ``name`` (default: the domain's first label), so labs of distinct domains merge into one
    inventory with distinct cluster names, FQDNs, certificate CNs and pins."""
    nodes = tuple(dataclasses.replace(n, fqdn=f"{n.name}.{domain}") for n in base.nodes)
    cluster = name or domain.split(".")[0]
    return dataclasses.replace(base, name=cluster, domain=domain, nodes=nodes)


def ensure_fd_limit(needed: int) -> int:
    """Raise the soft open-files limit to ``needed`` if it is lower; returns the limit in force.

    Refuses (OSError, with the fix) when the hard limit is too low, rather than failing halfway
    through startup with EMFILE.
    """
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft == resource.RLIM_INFINITY or soft >= needed:
        return needed if soft == resource.RLIM_INFINITY else soft
    if hard != resource.RLIM_INFINITY and hard < needed:
        raise OSError(
            f"this fleet needs about {needed} open files but the hard limit is {hard} — "
            "run fewer clusters, or raise the limit (ulimit -Hn) first"
        )
    resource.setrlimit(resource.RLIMIT_NOFILE, (needed, hard))
    return needed


@dataclass
class RunningFleet:
    labs: list[RunningLab]
    credentials: Credentials
    state_dir: Path
    inventory: Path
    startup_seconds: float = 0.0
    ready: dict[str, Any] = dataclasses.field(default_factory=dict)

    @property
    def node_count(self) -> int:
        return sum(len(r.lab.topology.nodes) for r in self.labs)


def fleet_ready_info(fleet: RunningFleet) -> dict[str, Any]:
    return {
        "inventory": str(fleet.inventory),
        "credentials": fleet.credentials.to_json(),
        "startup_seconds": fleet.startup_seconds,
        "clusters": [
            {
                "name": r.cluster,
                "domain": r.lab.topology.domain,
                "control_url": r.control_url,
                "nodes": ready_info(r)["nodes"],
            }
            for r in fleet.labs
        ],
    }


@contextlib.asynccontextmanager
async def running_fleet(
    count: int,
    *,
    preset_name: Literal["demo", "minimal"] = "demo",
    version: str | None = None,
    latency: Latency = NO_LATENCY,
    time_scale: float = 0.0,
    state_dir: Path | None = None,
    ready_file: Path | None = None,
    tls_listeners: bool = True,
    control_api: bool = False,
    watch_interval: float = WATCH_INTERVAL,
    start: dt.datetime | None = None,
    domain: str = DEFAULT_DOMAIN,
) -> AsyncIterator[RunningFleet]:
    """Run ``count`` labs until the block ends: listeners up, one set of files written.
    Cluster ``labNN`` lives in DNS domain ``labNN.<domain>``."""
    if count < 1:
        raise ValueError(f"a fleet needs 1 or more clusters, got {count}")
    began = time.perf_counter()
    base = preset(preset_name, version)
    ensure_fd_limit(FDS_BASE + FDS_PER_NODE * count * len(base.nodes))
    since = start or dt.datetime.now(dt.UTC).replace(microsecond=0)
    own_dir = state_dir is None
    directory = Path(tempfile.mkdtemp(prefix="uccert-fleet-")) if state_dir is None else state_dir
    directory.mkdir(parents=True, exist_ok=True)
    fleet = RunningFleet([], Credentials.random(), directory, directory / "uccert.toml")
    try:
        async with contextlib.AsyncExitStack() as stack:
            for name in cluster_names(count):
                lab = await build_lab(fleet_topology(base, name, domain), None, since)
                running = RunningLab(
                    lab=lab,
                    clock=VirtualClock(lab, time_scale),
                    credentials=fleet.credentials,
                    host_key=new_host_key(),
                    state_dir=directory,
                    inventory=fleet.inventory,
                    cluster=name,
                )
                await stack.enter_async_context(
                    serving_lab(
                        running,
                        since,
                        latency=latency,
                        tls_listeners=tls_listeners,
                        control_api=control_api,
                        watch_interval=watch_interval,
                    )
                )
                stack.push_async_callback(running.clock.stop)  # runs before its listeners close
                fleet.labs.append(running)
            pins: dict[str, str] = {}
            for running in fleet.labs:
                pins.update(tls_pins(running.lab))
                running.ready = ready_info(running)
            write_private(directory / "credentials.toml", credentials_toml(fleet.credentials))
            write_private(
                directory / "known_hosts", "".join(known_hosts_text(r) for r in fleet.labs)
            )
            write_private(directory / "tls_pins.json", tls_pins_text(pins))
            fleet.inventory.write_text(
                inventory_text(
                    [running_section(r, time_scale, "credentials.toml") for r in fleet.labs]
                )
            )
            for running in fleet.labs:
                running.clock.start()
            fleet.startup_seconds = time.perf_counter() - began
            fleet.ready = fleet_ready_info(fleet)
            if ready_file is not None:
                write_private(ready_file, json.dumps(fleet.ready, indent=2) + "\n")
            yield fleet
    finally:
        if ready_file is not None:
            with contextlib.suppress(OSError):
                ready_file.unlink()
        if own_dir:
            shutil.rmtree(directory, ignore_errors=True)


async def serve(options: argparse.Namespace) -> None:
    """Serve a fleet until SIGTERM or SIGINT."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    latency = Latency(options.login_latency, options.command_latency, options.http_latency)
    async with running_fleet(
        options.clusters,
        preset_name=options.preset,
        version=options.version,
        latency=latency,
        time_scale=options.time_scale,
        state_dir=options.state_dir,
        ready_file=options.ready_file,
        control_api=options.control_api,
    ):
        await stop.wait()


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m uccert.lab.servers.fleet",
        description="Serve many lab clusters from one process on 127.0.0.1.",
    )
    parser.add_argument("--clusters", type=int, default=20)
    parser.add_argument("--preset", choices=("demo", "minimal"), default="demo")
    parser.add_argument("--version", default=None, help="every node's version (default 14.0)")
    parser.add_argument("--login-latency", type=float, default=0.0, help="real seconds")
    parser.add_argument("--command-latency", type=float, default=0.0, help="real seconds")
    parser.add_argument("--http-latency", type=float, default=0.0, help="real seconds")
    parser.add_argument("--time-scale", type=float, default=0.0)
    parser.add_argument("--state-dir", type=Path, required=True)
    parser.add_argument("--ready-file", type=Path, default=None)
    parser.add_argument("--control-api", action="store_true")
    asyncio.run(serve(parser.parse_args(argv)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
