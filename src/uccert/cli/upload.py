"""`uccert upload`: the CA-signed route's second half (docs/design/procedure.md §2).

It checks the signed leaf and its chain against the cluster before touching it (exit 2 and
nothing changed when anything is wrong), then uploads the CA certs the trust stores lack and
the identity, reads it back, and restarts what presents it as a durable run (or, with
``--no-restart``, says which services must restart).
"""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import ExitStack
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from uccert.config import DEFAULT_INVENTORY
from uccert.errors import ConfigError, ExitCode
from uccert.run import RunDatabase

from .common import (
    ClusterOption,
    DatabaseOption,
    DomainOption,
    InventoryOption,
    ReportOption,
    Target,
    UnitOption,
    confirm,
    console,
    interrupted,
    refuse_unfinished,
    run_plan,
    target,
    timing_of,
    write_run_report,
)
from .hooks import DeployHookOption, PostHookOption, PreHookOption, around
from .output import clean

if TYPE_CHECKING:
    from cryptography import x509

    from uccert.ca import UploadChange, UploadPlan
    from uccert.cluster import NodeSessions
    from uccert.model import Node, ServiceState, Snapshot


def _read_certs(path: Path, option: str) -> list[x509.Certificate]:
    from cryptography import x509

    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ConfigError(
            f"cannot read {option} {str(path)!r} ({exc.strerror or exc}) — check the path"
        ) from None
    try:
        certs = x509.load_pem_x509_certificates(data)
    except ValueError:
        certs = []
    if not certs:
        raise ConfigError(f"{option} {str(path)!r} holds no PEM certificate — give a PEM file")
    return certs


def _describe(plan: UploadPlan) -> list[str]:
    from uccert.ca import common_name

    leaf = plan.leaf
    lines = [
        f"certificate: {common_name(leaf.subject)} issued by {common_name(leaf.issuer)}, "
        f"serial {format(leaf.serial_number, 'x')}, valid until "
        f"{leaf.not_valid_after_utc:%Y-%m-%d}",
        f"distribution: {plan.distribution.value}; uploaded on {plan.install_on}; serves "
        f"{', '.join(plan.covers)}",
        "chain: " + " <- ".join(common_name(c.subject) for c in plan.chain.certs),
    ]
    if plan.trust_uploads:
        for u in plan.trust_uploads:
            lines.append(f"  add to {u.node} {u.store}: {common_name(u.cert.subject)}")
    else:
        lines.append("  the trust stores already hold every CA cert")
    return lines


def upload(
    unit: UnitOption,
    cert: Annotated[
        Path, typer.Option("--cert", help="The signed leaf (PEM; CA certs may follow it).")
    ],
    chain: Annotated[
        Path | None, typer.Option("--chain", help="The CA certs: intermediates and root (PEM).")
    ] = None,
    domain: DomainOption = None,
    yes: Annotated[bool, typer.Option("--yes", help="Do not ask for confirmation.")] = False,
    no_restart: Annotated[
        bool,
        typer.Option(
            "--no-restart",
            help="Only store the certs; list the restarts for a maintenance window instead of"
            " running them.",
        ),
    ] = False,
    report: ReportOption = None,
    database_url: DatabaseOption = None,
    inventory: InventoryOption = DEFAULT_INVENTORY,
    cluster: ClusterOption = None,
    pre_hook: PreHookOption = None,
    post_hook: PostHookOption = None,
    deploy_hook: DeployHookOption = None,
) -> None:
    """Check a CA-signed cert, upload its CAs and it, restart what presents it, verify.

    The restarts run durably (HA off and restored, publisher first; `uccert runs`); then every
    node must present the cert, its chain validating against the uploaded root."""
    import asyncio

    from uccert.ca import common_name, is_ca, is_self_signed

    certs = _read_certs(cert, "--cert")
    leaf, supplied = certs[0], certs[1:]
    leaves = [c for c in certs if not is_ca(c) and not is_self_signed(c)]
    if len(leaves) > 1:
        raise ConfigError(
            f"--cert {str(cert)!r} holds {len(leaves)} leaf certificates"
            f" ({', '.join(repr(common_name(c.subject)) for c in leaves)}): give one leaf,"
            " followed only by its CA certificates"
        )
    if chain is not None:
        supplied += _read_certs(chain, "--chain")
    database = None if no_restart else RunDatabase.locate(database_url)
    where = target(inventory, cluster)
    request = UploadRequest(
        unit, leaf, tuple(supplied), tuple(domain or ()), yes, (pre_hook, post_hook, deploy_hook)
    )
    run = StartedRun()
    try:
        code = asyncio.run(_upload(where, request, database, run))
    except KeyboardInterrupt:
        if run.id is None:
            raise
        raise interrupted(run.id) from None
    except typer.Exit as failed:  # raised inside the hooks' block, so the post-hook saw it
        code = failed.exit_code
    if database is not None and run.id is not None and report is not None:
        write_run_report(console(), database, run.id, report)
    raise typer.Exit(code)


@dataclass(frozen=True)
class UploadRequest:
    """What the command line asks for, checked."""

    unit: str
    leaf: x509.Certificate
    supplied: tuple[x509.Certificate, ...]  # the CA certs given with it
    domains: tuple[str, ...]
    yes: bool
    hooks: tuple[str | None, str | None, str | None] = (None, None, None)  # pre, post, deploy


@dataclass
class StartedRun:
    """The durable run's id once it has started (Ctrl-C then names it)."""

    id: str | None = None


async def _upload(
    where: Target, request: UploadRequest, database: RunDatabase | None, run: StartedRun
) -> int:
    """The whole command in one event loop: read, check, upload over one session per node;
    then (unless --no-restart) the restarts as a durable run and the chain on the wire."""
    with ExitStack() as hooks:
        return await _upload_in(where, request, database, run, hooks)


async def _upload_in(
    where: Target,
    request: UploadRequest,
    database: RunDatabase | None,
    run: StartedRun,
    hooks: ExitStack,
) -> int:
    """`_upload` with the hooks entered just before the first change (``hooks`` exits them
    when the command ends, whatever its outcome)."""
    from uccert.ca import fingerprint, plan_upload, upload_plan_inputs
    from uccert.cluster import CsrOperationFailed, apply_upload, read_pending_csrs
    from uccert.plan import plan_after_upload, services_to_restart
    from uccert.run import new_run_id

    from .run_display import print_plan

    unit, leaf = request.unit, request.leaf
    async with where.sessions() as sessions:
        snap = await where.read(sessions)
        nodes = {n.node.name: n.node for n in snap.nodes}
        holders = [n.node for n in snap.nodes if n.error is None and n.identity(unit) is not None]
        pending = await read_pending_csrs(sessions, holders, unit)
        now = datetime.now(UTC)
        plan = plan_upload(snap, unit, leaf, request.supplied, pending, now, request.domains)
        for line in _describe(plan):
            print(line)
        if database is not None:
            refuse_unfinished(database, {where.config.name})
        then = "" if database is None else ", then restart the services that present it"
        confirm(f"upload {unit} to {plan.install_on} on cluster {snap.cluster}{then}?", request.yes)
        wanted = services_to_restart(upload_plan_inputs(plan, snap), snap)
        started = {} if database is None else await _start_times(where, snap, wanted, sessions)
        hooked = hooks.enter_context(around(request.hooks, "upload", where, database, tuple(nodes)))
        applied = await apply_upload(sessions, plan, nodes, progress=print)
        hooked.changed(f"{node}/{unit}" for node in applied.stored_on)
    change = upload_plan_inputs(plan, snap, applied.trust_done, applied.stored_on)
    print(f"stored on: {', '.join(applied.stored_on)} (SHA-256 {fingerprint(leaf)[:16]}...)")
    if applied.not_stored:
        _print_followup(change, snap)
        raise CsrOperationFailed(
            f"{', '.join(applied.not_stored)} still store(s) another {unit} cert after the upload"
            f" on {plan.install_on} — upload it there too (Certificate Management), then check"
            " with `uccert inventory`"
        )
    if database is None:
        _print_followup(change, snap)
        return ExitCode.OK
    _print_warnings(change, restarting=True)
    serial = format(leaf.serial_number, "x")
    command = f"uccert upload --unit {unit} (serial {serial})"
    after = plan_after_upload(snap, change, serial, started, timing_of(where.config), command)
    out = console()
    print_plan(out, after)
    run.id = new_run_id()
    code = await run_plan(out, where, after, snap, database, run.id)
    if code == ExitCode.OK:
        code = await _verify_chain(
            where, plan, nodes, {n.node.name: n.services for n in snap.nodes}
        )
    if code != ExitCode.OK:
        raise typer.Exit(code)  # the post-hook reports the command failed
    return code


async def _start_times(
    where: Target, snap: Snapshot, wanted: Sequence[tuple[str, str]], sessions: NodeSessions
) -> dict[tuple[str, str], str | None]:
    """Each service's start time before the upload (node clock), so that a restart after it
    can be told from one before it (a CA-signed cert's dates say nothing of the upload)."""
    from uccert.cluster import ClusterOps

    fqdns = {n.node.name: n.node.fqdn for n in snap.nodes}
    found: dict[tuple[str, str], str | None] = {}
    config, creds = where.config, where.credentials
    async with ClusterOps(config, creds, where.pins_dir, fqdns, sessions) as ops:
        for node in dict.fromkeys(n for n, _ in wanted):
            names = [s for n, s in wanted if n == node]
            statuses = await ops.service_status(node, names)
            for name in names:
                status = statuses.get(name)
                when = status.started_at if status is not None else None
                found[(node, name)] = when.astimezone(UTC).isoformat() if when else None
    return found


async def _verify_chain(
    where: Target,
    plan: UploadPlan,
    nodes: dict[str, Node],
    services: dict[str, tuple[ServiceState, ...]],
) -> int:
    """§7 for CA-signed certs: every node presents the leaf, and its chain validates against
    the uploaded root (the run's own verification compared serials only); a port whose owning
    service is not running (XMPP federation off) is not in use, not a failure."""
    from uccert.cluster import verify_on_wire

    checks = await verify_on_wire(where.targets, plan, nodes, services)
    for c in checks:
        print(f"{'ok' if c.ok else 'FAILED'} {c.node} {c.unit}: {clean(c.detail)}")
    return ExitCode.OK if all(c.ok for c in checks) else ExitCode.FAILED


def _print_followup(change: UploadChange, snap: Snapshot) -> None:
    from uccert.ca import restarts_after_upload

    needed = restarts_after_upload(change, snap)
    print("the new certificate is stored but not in use until these services restart")
    print("(HA off first on IM/P; publisher first, each one done before the next):")
    for node in needed:
        for r in node.restarts:
            print(f"  {node.node}: {r.service} — `{r.cli_command}` ({r.reason})")
    if not needed:
        print("  (the procedure names none for this unit: see Cisco's security guide)")
    _print_warnings(change)


def _print_warnings(change: UploadChange, restarting: bool = False) -> None:
    from uccert.ca import client_bundle_hint, upload_warnings

    for w in upload_warnings(change, restarting):
        print(f"warning: {w.message} — {w.action}")
    hint = client_bundle_hint(change)
    if hint is not None:
        print(f"warning: {hint}")
