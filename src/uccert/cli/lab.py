"""`uccert lab ...`: run the simulated cluster on loopback."""

from __future__ import annotations

import contextlib
import dataclasses
import math
import re
import signal
import sys
from collections.abc import AsyncIterator
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Literal, cast

import typer

from uccert.errors import ConfigError

from . import lab_ca as _lab_ca

if TYPE_CHECKING:
    import asyncio

    from uccert.lab.state import Topology, TopologyError

app = typer.Typer(help="Run a simulated CUCM + IM/P cluster on 127.0.0.1.", no_args_is_help=True)
app.add_typer(_lab_ca.app, name="ca")

PRESETS = ("demo", "minimal")


def _topology_error(exc: TopologyError) -> ConfigError:
    """The lab's 'source: problem. Fix: fix.' as uccert's 'problem — fix'."""
    text = str(exc)
    problem, sep, fix = text.partition(". Fix: ")
    if not sep:
        return ConfigError(f"{text} — correct the topology")
    return ConfigError(f"{problem} — {fix.rstrip('.')}")


def _non_negative(text: str, what: str, examples: str) -> float:
    """``text`` as a finite number >= 0, else a one-line ConfigError naming ``what``."""
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not math.isfinite(value) or value < 0:
        raise ConfigError(f"{what} {text!r} is not a number >= 0 — use e.g. {examples}")
    return value


# A DNS domain of two or more labels (RFC 1035 host-name rules), lower case.
_DOMAIN = re.compile(
    r"^(?=.{1,253}$)[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)+$"
)
MAX_CLUSTERS = 200


def parse_domain(text: str) -> str:
    domain = text.strip().lower().rstrip(".")
    if not _DOMAIN.match(domain):
        raise ConfigError(
            f"--domain {text!r} is not a DNS domain of two or more labels — use e.g."
            " --domain east.example.com"
        )
    return domain


def parse_time_scale(text: str) -> float:
    return _non_negative(
        text,
        "time scale",
        "--time-scale 0 (instant), 0.01 (100x faster than real) or 1 (real time)",
    )


def resolve_topology(
    preset_name: str, topology_file: Path | None, version: str | None, dns: bool = True
) -> Topology:
    """Check the flags and build the topology; raises ConfigError before anything starts."""
    from uccert.lab.state import without_dns

    topo = _resolve_topology(preset_name, topology_file, version)
    return topo if dns else without_dns(topo)


def _resolve_topology(
    preset_name: str, topology_file: Path | None, version: str | None
) -> Topology:
    from uccert.lab.state import TopologyError, load_topology, preset

    if preset_name not in PRESETS:
        raise ConfigError(f"unknown preset {preset_name!r} — use --preset demo or --preset minimal")
    try:
        if topology_file is not None:
            try:
                text = topology_file.read_text(encoding="utf-8")
            except (OSError, UnicodeDecodeError) as exc:
                reason = getattr(exc, "strerror", None) or str(exc)
                raise ConfigError(
                    f"cannot read topology file {str(topology_file)!r} ({reason}) — "
                    "check the path and its permissions"
                ) from None
            topo = load_topology(text, str(topology_file))
            if version is not None:
                nodes = tuple(dataclasses.replace(n, version=version) for n in topo.nodes)
                topo = dataclasses.replace(topo, nodes=nodes)
                # Re-check the overridden versions through the lab's own validation.
                preset("minimal", version)
            return topo
        return preset(cast(Literal["demo", "minimal"], preset_name), version)
    except TopologyError as exc:
        raise _topology_error(exc) from None


@app.command("up")
def up(
    preset_name: Annotated[
        str, typer.Option("--preset", help="demo (6 nodes) or minimal (3 nodes).")
    ] = "demo",
    topology: Annotated[
        Path | None, typer.Option("--topology", help="A topology TOML file.")
    ] = None,
    version: Annotated[
        str | None, typer.Option("--version", help="Every node's version, e.g. 14.0, 12.5.")
    ] = None,
    time_scale: Annotated[
        str,
        typer.Option("--time-scale", help="Real seconds per simulated second (0 = instant)."),
    ] = "0.05",
    ready_file: Annotated[
        Path | None,
        typer.Option("--ready-file", help="Write ports and credentials here (JSON) when ready."),
    ] = None,
    state_dir: Annotated[
        Path | None,
        typer.Option("--state-dir", help="Where to write uccert.toml (default: a temp dir)."),
    ] = None,
    replay: Annotated[
        Path | None,
        typer.Option("--replay", help="Serve the nodes `uccert doctor --record DIR` recorded."),
    ] = None,
    no_dns: Annotated[
        bool,
        typer.Option("--no-dns", help="A cluster installed without DNS: nodes by host name."),
    ] = False,
    idle_timeout: Annotated[
        str,
        typer.Option(
            "--idle-timeout",
            help="Real seconds an admin CLI session may idle before it is closed (0: never).",
        ),
    ] = "0",
    domain: Annotated[
        str | None,
        typer.Option(
            "--domain",
            help="The nodes' DNS domain (the cluster is named after its first label).",
        ),
    ] = None,
    clusters: Annotated[
        int,
        typer.Option(
            "--clusters",
            help="Serve N clusters of the preset, each in its own domain, one inventory.",
        ),
    ] = 1,
) -> None:
    """Run the lab in the foreground until Ctrl+C or SIGTERM."""
    import asyncio  # not for --help

    if (clusters != 1 or domain is not None) and (replay is not None or no_dns):
        raise ConfigError(
            "--domain and --clusters give nodes a DNS domain — drop --replay and --no-dns"
        )
    if not 1 <= clusters <= MAX_CLUSTERS:
        raise ConfigError(f"--clusters {clusters} is out of range — use 1 to {MAX_CLUSTERS}")
    if clusters > 1:
        if topology is not None:
            raise ConfigError("--clusters serves copies of a preset — drop --topology")
        if preset_name not in PRESETS:
            raise ConfigError(
                f"unknown preset {preset_name!r} — use --preset demo or --preset minimal"
            )
        resolve_topology(preset_name, None, version)  # the version's own checks
        scale = parse_time_scale(time_scale)
        parent = parse_domain(domain) if domain is not None else None
        if state_dir is not None and state_dir.exists() and not state_dir.is_dir():
            raise ConfigError(
                f"state dir {str(state_dir)!r} is not a directory — pick another path"
            )
        asyncio.run(
            _serve_fleet(clusters, preset_name, version, scale, parent, ready_file, state_dir)
        )
        return
    if replay is not None:
        if topology is not None or version is not None:
            raise ConfigError(
                "--replay serves the recorded nodes as they were — drop --topology and --version"
            )
        if state_dir is not None and state_dir.exists() and not state_dir.is_dir():
            raise ConfigError(
                f"state dir {str(state_dir)!r} is not a directory — pick another path"
            )
        if not replay.is_dir():
            raise ConfigError(
                f"--replay {str(replay)!r} is not a directory — give the folder written by "
                "`uccert doctor --record DIR`"
            )
        _check_replay(replay)
        asyncio.run(_serve_replay(replay, ready_file, state_dir))
        return
    topo = resolve_topology(preset_name, topology, version, dns=not no_dns)
    if domain is not None:
        from uccert.lab.servers import in_domain

        topo = in_domain(topo, parse_domain(domain))
    scale = parse_time_scale(time_scale)
    idle = parse_idle_timeout(idle_timeout)
    if state_dir is not None and state_dir.exists() and not state_dir.is_dir():
        raise ConfigError(f"state dir {str(state_dir)!r} is not a directory — pick another path")
    cluster = topo.name if domain is not None else "lab"
    asyncio.run(_serve(topo, scale, ready_file, state_dir, idle, cluster))


def parse_idle_timeout(text: str) -> float:
    return _non_negative(
        text, "idle timeout", "--idle-timeout 0 (never) or --idle-timeout 1800 (30 minutes)"
    )


def _check_replay(record: Path) -> None:
    from uccert.lab.servers import load_record
    from uccert.lab.state import TopologyError

    try:
        load_record(record)
    except TopologyError as exc:
        raise _topology_error(exc) from None


def _print_nodes(nodes: list[dict[str, Any]]) -> None:
    """One line per node of a lab's ready file: what to point a client at."""
    for n in nodes:
        print(
            f"  {n['name']:<12} {n['fqdn']:<28} {n['product']:<4} {n['role']:<10} "
            f"{n['version']:<18} ssh 127.0.0.1:{n['ports']['ssh']}",
            file=sys.stderr,
        )


@contextlib.asynccontextmanager
async def _stop_on_signal() -> AsyncIterator[asyncio.Event]:
    """An event that Ctrl+C or SIGTERM sets: the lab serves in the foreground until then."""
    import asyncio

    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    try:
        yield stop
    finally:
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.remove_signal_handler(sig)


async def _serve_replay(record: Path, ready_file: Path | None, state_dir: Path | None) -> None:
    from uccert.lab.servers import running_replay

    async with (
        _stop_on_signal() as stop,
        running_replay(record, state_dir=state_dir, ready_file=ready_file) as running,
    ):
        err = sys.stderr
        print(f"replay of {running.cluster!r} from {record} up:", file=err)
        _print_nodes(running.ready["nodes"])
        print(f"inventory: {running.inventory}", file=err)
        print("Ctrl+C or SIGTERM stops the replay.", file=err, flush=True)
        await stop.wait()


async def _serve_fleet(
    count: int,
    preset_name: str,
    version: str | None,
    scale: float,
    domain: str | None,
    ready_file: Path | None,
    state_dir: Path | None,
) -> None:
    from uccert.lab.servers import running_fleet
    from uccert.lab.state import DEFAULT_DOMAIN

    async with (
        _stop_on_signal() as stop,
        running_fleet(
            count,
            preset_name=cast(Literal["demo", "minimal"], preset_name),
            version=version,
            time_scale=scale,
            state_dir=state_dir,
            ready_file=ready_file,
            domain=domain or DEFAULT_DOMAIN,
        ) as fleet,
    ):
        err = sys.stderr
        print(f"{count} clusters up (time scale {scale:g}):", file=err)
        for c in fleet.ready["clusters"]:
            print(f"  {c['name']:<8} {c['domain']:<28} {len(c['nodes'])} nodes", file=err)
        print(f"inventory: {fleet.inventory}", file=err)
        print("Ctrl+C or SIGTERM stops the labs.", file=err, flush=True)
        await stop.wait()


async def _serve(
    topo: Topology,
    scale: float,
    ready_file: Path | None,
    state_dir: Path | None,
    idle_timeout: float = 0.0,
    cluster: str = "lab",
) -> None:
    from uccert.lab.servers import running_lab

    async with (
        _stop_on_signal() as stop,
        running_lab(
            topology=topo,
            time_scale=scale,
            state_dir=state_dir,
            ready_file=ready_file,
            idle_timeout=idle_timeout,
            cluster=cluster,
        ) as running,
    ):
        err = sys.stderr
        print(f"lab {topo.name!r} up (time scale {scale:g}):", file=err)
        _print_nodes(running.ready["nodes"])
        print(f"inventory: {running.inventory}", file=err)
        print(f"control API: {running.control_url}", file=err)
        print("Ctrl+C or SIGTERM stops the lab.", file=err, flush=True)
        await stop.wait()
        print("stopping the lab", file=err, flush=True)
