"""What the changing commands share: the options and the plan of `regen` (used by `regen`,
`fleet regen`, `watch --auto-regen` and `demo`), the command line each run records (`regen`,
`trust prune`), and the maintenance window (`regen apply --window`, `watch --window`)."""

from __future__ import annotations

import shlex
from datetime import time
from typing import TYPE_CHECKING, Annotated

import typer

from uccert.errors import ConfigError

from .common import Target, snapshot_of, timing_of

if TYPE_CHECKING:
    from uccert.model import Plan, Snapshot
    from uccert.plan import PruneRequest

UnitsOption = Annotated[
    str,
    typer.Option(
        "--units",
        help="Comma-separated: cup, cup-xmpp, cup-xmpp-s2s, ipsec, tomcat (ECDSA twins too)"
        ", or all.",
    ),
]
NodesOption = Annotated[
    str,
    typer.Option("--nodes", help="imp (default), cucm, all, or comma-separated node names."),
]
LiteralOption = Annotated[
    bool, typer.Option("--literal", help="The tech note's order, unit by unit (not merged).")
]
ForceOption = Annotated[
    bool,
    typer.Option(
        "--force-self-signed", help="Regenerate CA-signed units too (replaces the CA cert)."
    ),
]


# `trust prune` and `fleet trust prune`
ExpiredOption = Annotated[
    bool, typer.Option("--expired", help="Expired trust certs (the default).")
]
DuplicatesOption = Annotated[
    bool,
    typer.Option("--duplicates", help="Extra copies of one cert in one store (one stays)."),
]
StoreOption = Annotated[
    str | None, typer.Option("--store", help="Only this trust store, e.g. tomcat-trust.")
]
SubjectOption = Annotated[
    str | None,
    typer.Option("--subject", help="Only certs whose subject CN matches this regex."),
]
PruneNodesOption = Annotated[
    str, typer.Option("--nodes", help="all (default), imp, cucm, or node names.")
]
ForceCaOption = Annotated[
    bool,
    typer.Option("--force", help="Also delete a CA that anchors a CA-signed identity."),
]


def build_plan(
    where: Target,
    units: str,
    nodes: str,
    literal: bool,
    force: bool,
    command: str,
    force_replication: bool = False,
) -> tuple[Snapshot, Plan]:
    from uccert.plan import RegenRequest, parse_nodes, parse_units, plan_regen

    request = RegenRequest(
        units=parse_units(units),
        nodes=parse_nodes(nodes),
        literal=literal,
        force_self_signed=force,
        command=command,
        force_replication=force_replication,
    )
    snap = snapshot_of(where)
    return snap, plan_regen(snap, request, timing_of(where.config))


def regen_command_line(
    sub: str, units: str, nodes: str, literal: bool, force: bool, replication: bool = False
) -> str:
    parts = ["uccert", "regen", sub, "--units", units, "--nodes", nodes]
    if literal:
        parts.append("--literal")
    if force:
        parts.append("--force-self-signed")
    if replication:
        parts.append("--force-replication")
    return " ".join(parts)


def prune_command_line(request: PruneRequest, nodes: str) -> str:
    parts = ["uccert", "trust", "prune"]
    if request.expired:
        parts.append("--expired")
    if request.duplicates:
        parts.append("--duplicates")
    if request.store is not None:
        parts += ["--store", request.store]
    if request.subject is not None:
        parts += ["--subject", request.subject]
    parts += ["--nodes", nodes]
    if request.force:
        parts.append("--force")
    if request.force_replication:
        parts.append("--force-replication")
    return shlex.join(parts)


def parse_window(text: str) -> tuple[time, time]:
    """``HH:MM-HH:MM`` (local time; may cross midnight)."""
    try:
        start_text, end_text = text.split("-")
        return time.fromisoformat(start_text.strip()), time.fromisoformat(end_text.strip())
    except ValueError:
        raise ConfigError(
            f"--window {text!r} is not HH:MM-HH:MM: give e.g. --window 22:00-02:00"
        ) from None


def in_window(now: time, window: tuple[time, time]) -> bool:
    start, end = window
    if start <= end:
        return start <= now <= end
    return now >= start or now <= end
