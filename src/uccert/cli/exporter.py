"""`uccert exporter`: every cluster's certificates, findings and reads as Prometheus metrics.

Clusters are read in the background every ``--interval``; a scrape serves the last values and
never reads a cluster. Metrics: docs/metrics.md; alert rules: contrib/prometheus/.
"""

from __future__ import annotations

import getpass
import ipaddress
import re
import sys
from typing import Annotated

import typer

from uccert.config import DEFAULT_INVENTORY
from uccert.errors import ConfigError

from .common import ClusterOption, InventoryOption
from .output import clean

DEFAULT_LISTEN = "127.0.0.1:9611"
DEFAULT_INTERVAL = "15m"
MIN_INTERVAL = 1.0
READ_TIMEOUT = 300.0  # seconds: one cluster's read; a slower one counts as failed
_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
_DURATION = re.compile(r"(\d+)([smhd])")


def parse_interval(text: str) -> float:
    """``15m``, ``90s``, ``1h30m``, ``1d`` -> seconds (at least one second)."""
    spec = text.strip().lower()
    parts = _DURATION.findall(spec)
    if not spec or "".join(n + u for n, u in parts) != spec:
        raise ConfigError(
            f"--interval {text!r} is not a duration — write it like 15m, 90s, 1h or 1h30m"
        )
    seconds = float(sum(int(n) * _UNITS[u] for n, u in parts))
    if seconds < MIN_INTERVAL:
        raise ConfigError(f"--interval {text!r} is shorter than one second — use 1s or more")
    return seconds


def parse_listen(text: str) -> tuple[str, int]:
    """``127.0.0.1:9611``, ``[::1]:9611``, ``0.0.0.0:9611`` -> (address, port); port 0 lets the
    OS pick one (the command prints it)."""
    host, sep, port = text.strip().rpartition(":")
    host = host.removeprefix("[").removesuffix("]")
    fix = "write it as ADDRESS:PORT, e.g. 127.0.0.1:9611 or [::1]:9611"
    if not sep or not port.isdigit() or int(port) > 65535:
        raise ConfigError(f"--listen {text!r} has no valid port — {fix}")
    try:
        ipaddress.ip_address(host)
    except ValueError:
        raise ConfigError(f"--listen {text!r} does not name an IP address — {fix}") from None
    return host, int(port)


def exporter(
    listen: Annotated[
        str,
        typer.Option(
            "--listen",
            help="Address and port to serve /metrics on (only there; 0.0.0.0 to expose it).",
        ),
    ] = DEFAULT_LISTEN,
    interval: Annotated[
        str,
        typer.Option("--interval", help="How often to read every cluster (15m, 1h, 90s)."),
    ] = DEFAULT_INTERVAL,
    inventory: InventoryOption = DEFAULT_INVENTORY,
    cluster: ClusterOption = None,
    database_url: Annotated[
        str | None,
        typer.Option(
            "--database-url",
            help="Run database for the last run of each cluster (default: the state directory).",
        ),
    ] = None,
) -> None:
    """Serve Prometheus metrics of every cluster's certificates, read every --interval."""
    import asyncio
    import functools

    from prometheus_client import CollectorRegistry, start_http_server

    from uccert.config import load_inventory, resolve_credentials, select_clusters
    from uccert.exporter import Refresher, SampleCollector, Target, read_runs
    from uccert.run import RunDatabase

    host, port = parse_listen(listen)
    seconds = parse_interval(interval)
    inv = load_inventory(inventory)
    clusters = select_clusters(inv, cluster)
    prompt = getpass.getpass if sys.stdin.isatty() else None
    targets = [
        Target(c, resolve_credentials(c.credentials, cluster=c.name, prompt=prompt))
        for c in clusters
    ]
    database = RunDatabase.locate(database_url)
    collector = SampleCollector()
    registry = CollectorRegistry(auto_describe=False)
    registry.register(collector)
    pins_dir = inv.path.resolve().parent
    refresher = Refresher(
        targets, pins_dir, collector, READ_TIMEOUT, functools.partial(read_runs, database)
    )
    try:
        server, _ = start_http_server(port, addr=host, registry=registry)
    except OSError as exc:
        raise ConfigError(
            f"cannot listen on {listen}: {exc.strerror or exc} — pick a free port with --listen"
        ) from None
    bound_port = server.server_address[1]
    shown = f"[{host}]" if ":" in host else host
    names = ", ".join(clean(c.name) for c in clusters)
    print(
        f"uccert exporter: serving http://{shown}:{bound_port}/metrics"
        f" (clusters {names}, read every {interval})",
        file=sys.stderr,
        flush=True,
    )
    try:
        asyncio.run(refresher.forever(seconds))
    except KeyboardInterrupt:
        pass
    finally:
        server.shutdown()
