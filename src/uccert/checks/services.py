"""Services that should be serving the node's certs: running, and on the current cert.

`service-not-running`: an activated service that the catalog's restart tables (§1) tie to one
of the node's identity units is not Started. `restart-pending`: the serial presented on the wire
(per unit, or per service where a probe recorded it) is not the stored identity's: the cert was
changed and the services that load it were not restarted yet (§2.4, §7).
"""
# § numbers in this module are sections of docs/design/procedure.md (§N.M: step M of §N).

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator, Mapping

from uccert.catalog import (
    NotInProcedureError,
    Placement,
    ServiceRestart,
    UnknownNameError,
    drf_master_host,
    restarts_for,
)
from uccert.checks.context import CheckContext, catalog_version
from uccert.model import Finding, NodeSnapshot, RunState, Severity


def unit_restarts(
    ctx: CheckContext, snap: NodeSnapshot
) -> Mapping[str, tuple[ServiceRestart, ...]]:
    """unit -> its ordered restarts on this node, for the units the procedure covers."""
    version = catalog_version(snap)
    if version is None:
        return {}
    features = ctx.catalog_features()
    product, role = snap.node.product, snap.node.role
    table: dict[str, tuple[ServiceRestart, ...]] = {}
    for cert in snap.identities:
        try:
            restarts = restarts_for(cert.unit, product, role, version, features)
        except (
            UnknownNameError,
            NotInProcedureError,
        ):  # unknown unit, or outside the note (CallManager, TVS, ...)
            continue
        # on this node only: DRF Master restarts on the node that runs it for this one
        hosts_drf = drf_master_host(product, version) == (product, role)
        table[cert.unit] = tuple(
            r for r in restarts if r.placement is Placement.THIS_NODE or hosts_drf
        )
    return table


def _restart_fix(node: str, restarts: tuple[ServiceRestart, ...]) -> str:
    if not restarts:
        return f"restart the services that load it on {node}"
    steps = ", then ".join(f"`{r.cli_command}`" for r in restarts)
    return f"on {node} (HA off first on IM/P, publisher before subscribers): {steps}"


def check(ctx: CheckContext) -> Iterator[Finding]:
    for snap in ctx.reachable():
        table = unit_restarts(ctx, snap)
        yield from _not_running(ctx, snap, table)
        yield from _pending(ctx, snap, table)


def _not_running(
    ctx: CheckContext, snap: NodeSnapshot, table: Mapping[str, tuple[ServiceRestart, ...]]
) -> Iterator[Finding]:
    name = snap.node.name
    units_of: dict[str, list[str]] = defaultdict(list)
    for unit, restarts in table.items():
        for r in restarts:
            units_of[r.service].append(unit)
    for svc in snap.services:
        if not svc.activated or svc.state is RunState.STARTED or svc.name not in units_of:
            continue
        units = ", ".join(units_of[svc.name])
        reason = f" ({svc.reason})" if svc.reason else ""
        yield ctx.finding(
            "service-not-running",
            Severity.WARNING,
            name,
            svc.name,
            f"{name}: {svc.name} is {svc.state.value}{reason}; it serves the {units} cert",
            f"start it on {name} (`utils service start {svc.name}`; Cisco XCP Router: "
            "`utils service restart Cisco XCP Router`), or check why it stopped",
        )


def _pending(
    ctx: CheckContext, snap: NodeSnapshot, table: Mapping[str, tuple[ServiceRestart, ...]]
) -> Iterator[Finding]:
    name = snap.node.name
    flagged: set[str] = set()
    for unit, seen in snap.presented.items():
        cert = snap.identity(unit)
        if cert is None or cert.serial == seen:
            continue
        flagged.add(unit)
        yield ctx.finding(
            "restart-pending",
            Severity.WARNING,
            name,
            unit,
            f"{name}: the {unit} cert on the wire has serial {seen}, but the stored "
            f"{cert.file} has serial {cert.serial}: its services still run the old cert",
            _restart_fix(name, table.get(unit, ())),
        )
    for svc in snap.services:
        seen_serial = svc.presented_serial
        units = [u for u, rs in table.items() if any(r.service == svc.name for r in rs)]
        if seen_serial is None or not units or flagged.intersection(units):
            continue
        stored = {u: c.serial for u in units if (c := snap.identity(u)) is not None}
        if seen_serial in stored.values():
            continue
        expected = ", ".join(f"{u} serial {s}" for u, s in stored.items())
        yield ctx.finding(
            "restart-pending",
            Severity.WARNING,
            name,
            svc.name,
            f"{name}: {svc.name} presents serial {seen_serial}, not the stored cert "
            f"({expected}): it was not restarted after the change",
            _restart_fix(name, table.get(units[0], ())),
        )
