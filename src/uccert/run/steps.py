"""Each plan step, done by observation: look first, act only if the cluster does not show the
step's effect yet, then look again.

A journal cannot tell whether a command sent just before a crash took effect; the cluster can.
So a regenerate step is done when the node's serial differs from the one the plan recorded, a
restart step when the service started after the cert it serves changed (both on the node's
clock), an HA step when the group shows the flag. Re-running any step is safe, which is what
lets ``uccert runs resume`` finish a run whatever point it was stopped at.

Transient trouble (an SSH session dropped, a timeout) is retried with backoff, re-observing
each time; anything else fails the step with one line saying what happened and what to do.
"""
# § numbers in this module are sections of docs/design/procedure.md (§N.M: step M of §N).

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import partial
from pathlib import Path
from typing import Any, Final, TypeVar

from cryptography import x509
from cryptography.hazmat.primitives import hashes

from uccert.catalog import (
    HA_FALLBACK_FIX,
    HA_STATE_NORMAL,
    SELF_SIGNED_VALIDITY,
    SERVICES,
    UNITS,
    Product,
    cascade_of,
    ha_state_settled,
)
from uccert.checks import run_checks
from uccert.cluster import Action, OperationTransient, ServiceStatus
from uccert.errors import ClusterError
from uccert.model import (
    CertInfo,
    DeleteTrustStep,
    HaNodeState,
    HaOffStep,
    HaRestoreStep,
    HaWaitStep,
    ImportTrustStep,
    Plan,
    PreflightStep,
    RedundancyGroup,
    RegenerateStep,
    RestartStep,
    RunState,
    Severity,
    StartStep,
    Step,
    StopStep,
    TrustEntry,
    UploadRestartStep,
    VerifyClusterStep,
    VerifyNodeStep,
    VerifyTrustsGoneStep,
)
from uccert.protocols import NOT_ACTIVATED_REASON
from uccert.run.operations import Clock, ClusterOperations, LoopClock, SnapshotSource
from uccert.run.records import StepOutcome, StepRecord, now_iso
from uccert.transport import TlsPinStore

T = TypeVar("T")

RETRIES: Final = 4
BACKOFF: Final = 1.0  # seconds, doubled each retry
VALIDITY_SLACK: Final = timedelta(days=1)
_SELF_SIGNED_DAYS: Final = round(SELF_SIGNED_VALIDITY / timedelta(days=1))  # for messages
TOMCAT_SERVICE: Final = "Cisco Tomcat"
# The services whose failure makes a Presence Redundancy Group with HA on fail the node over
# (catalog ``critical_for_ha``): HA goes back on only while all of them run on both members.
HA_CRITICAL: Final = tuple(
    s.name for s in SERVICES.values() if s.critical_for_ha and Product.IMP in s.products
)
# Findings a regeneration must leave behind it (ha-disabled is expected until ha-restore).
REGEN_FINDINGS: Final = frozenset(
    {
        "ipsec-trust-mismatch",
        "ipsec-trust-missing",
        "restart-pending",
        "service-not-running",
        "identity-expired",
        "ha-not-normal",  # a node failed over during the run (§3, §7)
        "drf-restart-pending",  # DRF Master restarted after the DRF certs it serves (§1)
    }
)


class StepFailed(ClusterError):
    """A step that cannot be completed; the run stops after its safety steps."""


@dataclass
class StepContext:
    """What a step needs besides itself. ``changes``: node -> unit -> the regenerated cert's
    notBefore (ISO), from the regenerate records of this run so far. ``earlier``: step id ->
    its record (JSON) from the run's earlier attempts (a resumed run). ``ops``, ``client`` and
    ``clock`` are Protocols (``operations``): the real cluster and time, or a test's fakes."""

    plan: Plan
    ops: ClusterOperations
    client: SnapshotSource
    pins_dir: Path
    fqdns: Mapping[str, str]
    changes: Mapping[str, Mapping[str, str]]
    note: Callable[[str], None] = lambda _message: None
    backoff: float = BACKOFF
    earlier: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    clock: Clock = field(default_factory=LoopClock)


def _iso(when: datetime) -> str:
    return when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _from_iso(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(UTC)


async def _retrying(ctx: StepContext, what: str, action: Callable[[], Awaitable[T]]) -> T:
    """Run ``action``, retrying transient failures with backoff."""
    delay = ctx.backoff
    for attempt in range(1, RETRIES + 1):
        try:
            return await action()
        except OperationTransient as exc:
            if attempt == RETRIES:
                raise StepFailed(f"{what}: still failing after {RETRIES} tries: {exc}") from exc
            ctx.note(f"{what}: {exc}; retrying in {delay:.0f} s")
            await ctx.clock.sleep(delay)
            delay *= 2
    raise AssertionError("unreachable")


def _record(step: Step, outcome: StepOutcome, detail: str, started: str, **data: Any) -> StepRecord:
    return StepRecord(
        step.id, step.kind.value, step.node, outcome, detail, started, now_iso(), data
    )


async def _identity(ctx: StepContext, node: str, unit: str) -> CertInfo:
    return await _retrying(ctx, f"{node}: read {unit}", lambda: ctx.ops.identity(node, unit))


async def preflight(step: PreflightStep, ctx: StepContext) -> StepRecord:
    """Every node the plan touches answers (SSH for certs, SOAP for services), and AXL answers
    when HA is to be changed: a run that cannot finish should not start."""
    started = now_iso()
    for r in ctx.plan.of_type(RegenerateStep):
        await _identity(ctx, r.node, r.unit)
    services: dict[str, list[str]] = {}
    for s in ctx.plan.of_type(RestartStep, StartStep, StopStep):
        services.setdefault(s.node, []).append(s.service)
    for node, names in services.items():
        await _retrying(
            ctx, f"{node}: service status", partial(ctx.ops.service_status, node, names)
        )
    if ctx.plan.of_type(HaOffStep):
        await _retrying(ctx, "AXL: read the redundancy groups", ctx.ops.groups)
    nodes = {s.node for s in ctx.plan.steps if s.node}
    return _record(step, StepOutcome.DONE, f"{len(nodes)} node(s) answer", started)


def _shown(states: list[HaNodeState]) -> str:
    return "; ".join(
        f"{n.group}: {n.host} is {n.state}" + (f" ({n.reason})" if n.reason else "") for n in states
    )


async def _no_failover(ctx: StepContext, node: str) -> None:
    """§3 and §7: nothing failed over. Read ``utils ha status`` on ``node`` after a service
    step of a run that turned HA off; a failover (the HA change not synced yet, a crash)
    stops the run here: its safety steps restore HA, and the admin falls back first."""
    if not ctx.plan.of_type(HaOffStep):
        return
    states = await _retrying(ctx, f"{node}: utils ha status", partial(ctx.ops.ha_states, node))
    moved = [n for n in states if not ha_state_settled(n.state, n.reason)]
    if moved:
        raise StepFailed(
            f"a failover happened during the run ({_shown(moved)}, utils ha status on "
            f"{node}): the run stops here and its safety steps restore HA; "
            + HA_FALLBACK_FIX.replace("run again", "`uccert runs resume`")
        )


async def _until_normal(ctx: StepContext, group: str) -> str:
    """After HA is back on: every node of ``group`` Normal once the Server Recovery Manager
    took the flag (up to the sync wait and the restart timeout); a failover state fails at
    once (waiting cannot fix it)."""
    members = [
        n for g in await ctx.ops.groups() if g.name == group for n in (g.server1, g.server2) if n
    ]
    if not members:
        return ""
    deadline = ctx.clock.now() + ctx.plan.timing.ha_sync_wait + ctx.plan.timing.restart_timeout
    while True:
        states = await _retrying(
            ctx, f"{members[0]}: utils ha status", partial(ctx.ops.ha_states, members[0])
        )
        mine = [n for n in states if n.group == group]
        if mine and all(n.state == HA_STATE_NORMAL for n in mine):
            return f"; {' and '.join(n.host for n in mine)} Normal"
        moved = [n for n in mine if not ha_state_settled(n.state, n.reason)]
        if moved or ctx.clock.now() >= deadline:
            raise StepFailed(
                f"{group}: HA is on but the group is not Normal ({_shown(mine) or 'not listed'},"
                f" utils ha status on {members[0]}): {HA_FALLBACK_FIX}"
            )
        await ctx.clock.sleep(ctx.plan.timing.poll_interval)


async def set_ha(step: HaOffStep | HaRestoreStep, ctx: StepContext) -> StepRecord:
    """ha-off / ha-restore: the group shows the flag the step's kind sets."""
    started = now_iso()
    group = step.group
    want = step.turns_on
    flag = "on" if want else "off"

    async def current() -> bool:
        groups = await ctx.ops.groups()
        for g in groups:
            if g.name == group:
                return bool(g.ha_enabled)
        raise StepFailed(f"redundancy group {group!r} is gone from AXL: check the cluster")

    if await _retrying(ctx, f"{group}: read HA", current) is want:
        normal = await _until_normal(ctx, group) if want else ""
        return _record(step, StepOutcome.ALREADY, f"HA already {flag}{normal}", started)
    if want:
        await _refuse_ha_over_stopped(ctx, group)
    await _retrying(ctx, f"{group}: set HA {flag}", lambda: ctx.ops.set_ha(group, want))
    if await _retrying(ctx, f"{group}: read HA", current) is not want:
        raise StepFailed(f"{group}: HA did not turn {flag}: set it in the IM/P admin UI")
    normal = await _until_normal(ctx, group) if want else ""  # §3: the group Normal again
    return _record(step, StepOutcome.DONE, f"HA {flag}{normal}", started)


async def _group(ctx: StepContext, name: str) -> RedundancyGroup:
    groups = await _retrying(ctx, f"{name}: read the redundancy groups", ctx.ops.groups)
    for g in groups:
        if g.name == name:
            return g
    raise StepFailed(f"redundancy group {name!r} is gone from AXL: check the cluster")


def _stopped(status: ServiceStatus | None) -> bool:
    """A service that is there (activated, listed) and not Started."""
    if status is None or status.state is RunState.STARTED:
        return False
    reason = (status.reason or "").casefold()
    return not (reason.startswith("not listed") or reason == NOT_ACTIVATED_REASON.casefold())


async def _refuse_ha_over_stopped(ctx: StepContext, name: str) -> None:
    """Before HA goes back on: every critical service on both members runs, and every service
    the plan controls there (the plan promises HA back "once every service runs again"). HA
    over a stopped critical service fails the node over to its peer, the very outage HA off
    avoided."""
    group = await _group(ctx, name)
    down: list[str] = []
    for node in (group.server1, group.server2):
        if not node:
            continue
        names = list(HA_CRITICAL)
        for s in ctx.plan.of_type(RestartStep, StartStep, StopStep):
            if s.node == node and s.service not in names:
                names.append(s.service)
        statuses = await _retrying(
            ctx,
            f"{node}: status of the HA-critical services",
            partial(ctx.ops.service_status, node, names),
        )
        down += [
            f"{service} on {node} is {status.state.value.lower()}"
            for service, status in statuses.items()
            if status is not None and _stopped(status)
        ]
    if down:
        raise StepFailed(
            f"HA left OFF on {name}: {'; '.join(down)}; start it, then `uccert runs resume`"
        )


async def ha_wait(step: HaWaitStep, ctx: StepContext) -> StepRecord:
    started = now_iso()
    await ctx.clock.sleep(ctx.plan.timing.ha_sync_wait)
    return _record(
        step, StepOutcome.DONE, f"waited {ctx.plan.timing.ha_sync_wait:g} s for HA sync", started
    )


async def regenerate(step: RegenerateStep, ctx: StepContext) -> StepRecord:
    """Done when the node's serial differs from the recorded one; never regenerates twice."""
    started = now_iso()
    node, unit, old = step.node, step.unit, step.replaces_serial
    issued = False
    delay = ctx.backoff
    for attempt in range(1, RETRIES + 1):
        cert = await _identity(ctx, node, unit)
        if cert.serial != old:
            outcome = StepOutcome.DONE if issued else StepOutcome.ALREADY
            return _record(
                step,
                outcome,
                f"{unit} {old} -> {cert.serial}",
                started,
                old_serial=old,
                new_serial=cert.serial,
                not_before=_iso(cert.not_before),
            )
        if attempt == RETRIES:
            break
        try:
            issued = True
            await ctx.ops.regenerate(node, unit)
        except OperationTransient as exc:  # maybe it took effect: the next look tells
            ctx.note(f"{node}: set cert regen {unit}: {exc}; looking again in {delay:.0f} s")
            await ctx.clock.sleep(delay)
            delay *= 2
    raise StepFailed(
        f"{node}: {unit} still has serial {old} after {RETRIES} tries of set cert regen: "
        "look at the node's CLI, then `uccert runs resume`"
    )


async def import_trust(step: ImportTrustStep, ctx: StepContext) -> StepRecord:
    """§4 repair: done when ``store`` on the node holds the source node's current cert."""
    started = now_iso()
    node, store, source, unit = step.node, step.store, step.source, step.unit
    cert = await _identity(ctx, source, unit)

    async def held() -> bool:
        trusts = await ctx.ops.trusts(node, store)
        return any(t.store == store and t.cert.serial == cert.serial for t in trusts)

    if await _retrying(ctx, f"{node}: read {store}", held):
        return _record(step, StepOutcome.ALREADY, f"{store} holds {cert.serial}", started)
    await _retrying(
        ctx,
        f"{node}: import {source}'s {unit} into {store}",
        partial(ctx.ops.import_trust, node, store, cert.pem),
    )
    if not await _retrying(ctx, f"{node}: read {store}", held):
        raise StepFailed(f"{node}: {store} still lacks {source}'s {unit} after the import")
    return _record(step, StepOutcome.DONE, f"{source}'s {unit} {cert.serial} into {store}", started)


async def _change_time(ctx: StepContext, node: str, units: tuple[str, ...]) -> datetime | None:
    """When the latest of ``units`` changed on ``node`` (its cert's notBefore, node clock). A
    ``other/unit`` entry is that unit of another node: DRF Master restarts on the node that
    runs it after the DRF cert of a node it serves changed (§1)."""
    times: list[datetime] = []
    for entry in units:
        if entry.endswith("-trust"):  # a trust store changed: no cert date tells when
            return None
        owner, _, unit = entry.rpartition("/")
        owner = owner or node
        known = ctx.changes.get(owner, {}).get(unit)
        if known is not None:
            times.append(_from_iso(known))
        else:
            times.append((await _identity(ctx, owner, unit)).not_before)
    return max(times) if times else None


async def _restart_after(ctx: StepContext, step: RestartStep | StartStep) -> datetime | None:
    """The node-clock time a restart must come after: the latest change of what it serves, or
    (after an upload, whose cert dates say nothing of when) just after the start time read
    before it; None: no time tells, restart."""
    if isinstance(step, UploadRestartStep):
        before = step.start_time_before
        return None if before is None else _from_iso(before) + timedelta(seconds=1)
    return await _change_time(ctx, step.node, step.serves)


def _earlier_start(ctx: StepContext, step: RestartStep | StartStep) -> datetime | None:
    """A restart no cert date times (after trust deletes) that an earlier attempt of this run
    did: the start time it observed. A service still running since then needs no restart."""
    if not isinstance(step, RestartStep):
        return None
    record = ctx.earlier.get(step.id)
    if record is None or record.get("outcome") not in (StepOutcome.DONE, StepOutcome.ALREADY):
        return None
    when = (record.get("data") or {}).get("started_at")
    return _from_iso(when) if isinstance(when, str) else None


async def _presented(ctx: StepContext, node: str, unit: str) -> x509.Certificate | None:
    """The cert on the wire, waiting a while for a listener that is not up yet: a service
    reports Started before its port accepts (Tomcat's connector takes seconds more)."""
    deadline = ctx.clock.now() + ctx.plan.timing.restart_timeout
    while True:
        seen = await _retrying(ctx, f"{node}: probe {unit}", partial(ctx.ops.presented, node, unit))
        if seen is not None or ctx.clock.now() >= deadline:
            return seen
        await ctx.clock.sleep(ctx.plan.timing.poll_interval)


async def _repin_tomcat(ctx: StepContext, node: str) -> str:
    """Re-pin tomcat only if the node presents exactly the cert read over SSH."""
    stored = await _identity(ctx, node, "tomcat")
    presented = await _presented(ctx, node, "tomcat")
    if presented is None:
        raise StepFailed(f"{node}: nothing presents tomcat after the restart: check Cisco Tomcat")
    if presented.fingerprint(hashes.SHA256()).hex() != stored.sha256:
        raise StepFailed(
            f"{node}: the https port presents a cert other than the tomcat cert read over SSH:"
            " not re-pinned; check the node, then `uccert pin` and `uccert runs resume`"
        )
    TlsPinStore(ctx.pins_dir).pin(ctx.fqdns[node], stored.pem)
    return f"; re-pinned tomcat ({stored.serial})"


def _activated(status: ServiceStatus) -> bool:
    return (status.reason or "").casefold() != NOT_ACTIVATED_REASON.casefold()


async def _cascade_settled(
    ctx: StepContext, node: str, service: str, since: datetime | None
) -> tuple[str, ...]:
    """The services a restart of ``service`` restarted with it on ``node``, each waited for
    until Started again (at or after ``since``, node clock). Restarting Cisco XCP Router
    restarts every active XCP service of its node (docs/design/procedure.md §1): the node's
    restart is
    complete only when all of them run again, and only then may the next node begin, or both
    nodes of a redundancy group could be down at once. Read through Control Center.

    The plan keeps the explicit Cisco XCP XMPP Federation Connection Manager step after the
    router's (the note lists it): it then only observes that the cascade restarted it after the
    change, and still restarts it where the cascade did not (e.g. activated since the plan)."""
    found = SERVICES.get(service)
    if found is None or found.restart_cascades_to is None:
        return ()
    listed = await _retrying(
        ctx, f"{node}: list services", partial(ctx.ops.service_status, node, ())
    )
    touched = cascade_of(service, [n for n, s in listed.items() if _activated(s)])
    for name in touched:
        await ctx.ops.wait_started(
            node, name, since, ctx.plan.timing.restart_timeout, ctx.plan.timing.poll_interval
        )
    return touched


def _cascade_detail(touched: tuple[str, ...]) -> str:
    return f"; with it Started again: {', '.join(touched)}" if touched else ""


async def control(step: RestartStep | StartStep, ctx: StepContext) -> StepRecord:
    """restart / start: done when the service runs and started after the change it serves."""
    started = now_iso()
    node, service = step.node, step.service
    after = await _restart_after(ctx, step) or _earlier_start(ctx, step)
    statuses = await _retrying(
        ctx, f"{node}: status of {service}", lambda: ctx.ops.service_status(node, [service])
    )
    status = statuses.get(service)
    running = status is not None and status.state is RunState.STARTED
    fresh = running and (
        after is None
        or (status is not None and status.started_at is not None and status.started_at >= after)
    )
    if fresh and (isinstance(step, StartStep) or after is not None):
        # A restart found fresh was done by a resumed run or a cascade (Cisco XCP Router
        # restarts every XCP service on its node, docs/design/procedure.md §1): not done again.
        since = status.started_at if status is not None else None
        detail = (
            f"{service} already running"
            if after is None or since is None
            else f"{service} already restarted after the change (running since {_iso(since)})"
        )
        # A run resumed right after the router came up: its cascade may still be starting.
        touched = await _cascade_settled(ctx, node, service, after or since)
        return _record(step, StepOutcome.ALREADY, detail + _cascade_detail(touched), started)
    action = Action.RESTART if running else Action.START
    await _control_once(ctx, step, action, status)
    final = await ctx.ops.wait_started(
        node,
        service,
        after,
        ctx.plan.timing.restart_timeout,
        ctx.plan.timing.poll_interval,
    )
    detail = f"{service} {action}ed"
    if action == "restart":
        touched = await _cascade_settled(ctx, node, service, after or final.started_at)
        detail += _cascade_detail(touched)
    await _no_failover(ctx, node)
    if service == TOMCAT_SERVICE and "tomcat" in step.serves:
        detail += await _repin_tomcat(ctx, node)
    since = final.started_at or await _start_time(ctx, node, service)
    return _record(
        step, StepOutcome.DONE, detail, started, started_at=_iso(since) if since else None
    )


async def _start_time(ctx: StepContext, node: str, service: str) -> datetime | None:
    """The start time of a service just started, for the record (a resumed run tells by it
    that the restart is done): Control Center gives none while Tomcat, which serves it, is
    still coming up, so look a few times."""
    for _ in range(RETRIES):
        found = await _retrying(
            ctx, f"{node}: status of {service}", partial(ctx.ops.service_status, node, [service])
        )
        status = found.get(service)
        if status is not None and status.started_at is not None:
            return status.started_at
        await ctx.clock.sleep(ctx.plan.timing.poll_interval)
    return None


def _took_effect(
    action: Action, before: ServiceStatus | None, now: ServiceStatus | None
) -> bool | None:
    """Whether ``now`` shows that ``action``, sent when the service was ``before``, ran: it
    moved, or it started again after the start time seen before the command. None: this look
    cannot tell (no start time to compare, e.g. Control Center did not answer)."""
    if now is None:
        return None
    if action == "start":
        return now.state is not RunState.STOPPED
    if now.state is not RunState.STARTED:
        return True  # stopping, starting, or stopped by the restart
    old = before.started_at if before is not None else None
    if old is None or now.started_at is None:
        return None
    return now.started_at > old


async def _control_once(
    ctx: StepContext, step: RestartStep | StartStep, action: Action, before: ServiceStatus | None
) -> None:
    """Send ``action`` once. After a dropped session the command may have run already: look at
    the service before sending it again, as ``regenerate`` does with serials; a look that
    cannot tell is repeated, and the step fails rather than risk a second restart."""
    node, service = step.node, step.service
    delay = ctx.backoff
    for attempt in range(1, RETRIES + 1):
        try:
            await ctx.ops.control(node, service, action, step.via)
            return
        except OperationTransient as exc:
            if attempt == RETRIES:
                raise StepFailed(
                    f"{node}: {action} {service}: still failing after {RETRIES} tries: {exc}"
                ) from exc
            ctx.note(f"{node}: {action} {service}: {exc}; looking again in {delay:.0f} s")
            await ctx.clock.sleep(delay)
            delay *= 2
        if await _observed_done(ctx, node, service, action, before):
            ctx.note(f"{node}: the {action} of {service} took effect already; not sent again")
            return


async def _observed_done(
    ctx: StepContext, node: str, service: str, action: Action, before: ServiceStatus | None
) -> bool:
    delay = ctx.backoff
    for look in range(1, RETRIES + 1):
        found = await _retrying(
            ctx, f"{node}: status of {service}", partial(ctx.ops.service_status, node, [service])
        )
        verdict = _took_effect(action, before, found.get(service))
        if verdict is not None:
            return verdict
        if look < RETRIES:
            ctx.note(
                f"{node}: cannot tell yet whether the {action} of {service} ran (no start time"
                f" shown); looking again in {delay:.0f} s"
            )
            await ctx.clock.sleep(delay)
            delay *= 2
    raise StepFailed(
        f"{node}: the session dropped during the {action} of {service} and the node shows no"
        " start time to tell whether it ran: look at the node (utils service list), then"
        " `uccert runs resume`"
    )


async def stop(step: StopStep, ctx: StepContext) -> StepRecord:
    """Done when the service shows Stopped (a pre-stop before trust deletes, §5 step 1)."""
    started = now_iso()
    node, service = step.node, step.service

    async def state() -> RunState:
        found = await ctx.ops.service_status(node, [service])
        status = found.get(service)
        return status.state if status is not None else RunState.UNKNOWN

    if await _retrying(ctx, f"{node}: status of {service}", state) is RunState.STOPPED:
        return _record(step, StepOutcome.ALREADY, f"{service} already stopped", started)
    if ctx.earlier and await _deletes_done(ctx):
        return _record(
            step, StepOutcome.ALREADY, f"every delete is done: {service} not stopped again", started
        )
    await _retrying(
        ctx,
        f"{node}: stop {service}",
        partial(ctx.ops.control, node, service, Action.STOP, step.via),
    )
    deadline = ctx.clock.now() + ctx.plan.timing.restart_timeout
    while await _retrying(ctx, f"{node}: status of {service}", state) is not RunState.STOPPED:
        if ctx.clock.now() >= deadline:
            raise StepFailed(f"{node}: {service} did not stop: stop it from the CLI, then resume")
        await ctx.clock.sleep(ctx.plan.timing.poll_interval)
    await _no_failover(ctx, node)
    return _record(step, StepOutcome.DONE, f"{service} stopped", started)


async def _deletes_done(ctx: StepContext) -> bool:
    """A resumed prune: every cert the plan deletes is gone, so a pre-stop (there only for the
    deletes) would stop and start the service a second time for nothing."""
    for s in ctx.plan.of_type(DeleteTrustStep):
        trusts = await _retrying(
            ctx, f"{s.node}: read {s.store}", partial(ctx.ops.trusts, s.node, s.store)
        )
        if any(_is_deleted(t, s) for t in trusts):
            return False
    return True


def _base(file: str) -> str:
    """A trust file without its store prefix (`show cert list trust` may print either)."""
    return file.rsplit("/", 1)[-1]


def _is_deleted(trust: TrustEntry, step: DeleteTrustStep) -> bool:
    """``trust`` is the very entry ``step`` deletes (same store, serial and file)."""
    return (
        trust.store == step.store
        and trust.cert.serial == step.serial
        and _base(trust.file) == _base(step.file)
    )


async def delete_trust(step: DeleteTrustStep, ctx: StepContext) -> StepRecord:
    """Done when no cert with the recorded serial is left in the store on the node."""
    started = now_iso()
    node, store, file, serial = step.node, step.store, step.file, step.serial

    async def held() -> bool:
        trusts = await ctx.ops.trusts(node, store)
        return any(_is_deleted(t, step) for t in trusts)

    if not await _retrying(ctx, f"{node}: read {store}", held):
        return _record(step, StepOutcome.ALREADY, f"{file} already gone", started)
    await _retrying(ctx, f"{node}: delete {file}", partial(ctx.ops.delete_trust, node, store, file))
    if await _retrying(ctx, f"{node}: read {store}", held):
        raise StepFailed(
            f"{node}: {file} is still in {store} after the delete (put back by Certificate"
            " Change Notification?): stop it on every node, then resume"
        )
    return _record(step, StepOutcome.DONE, f"{file} deleted", started, serial=serial)


async def verify_node(step: VerifyNodeStep, ctx: StepContext) -> StepRecord:
    """New serial and five-year validity per unit, and the wire shows the stored cert."""
    started = now_iso()
    node = step.node
    olds = {s.unit: s.replaces_serial for s in ctx.plan.of_type(RegenerateStep) if s.node == node}
    problems: list[str] = []
    quiet: list[str] = []  # units no running service presents: nothing to see on the wire
    for unit in step.units:
        cert = await _identity(ctx, node, unit)
        uploaded = step.uploaded_serial
        if uploaded is not None and cert.serial != uploaded:
            problems.append(f"{unit} is serial {cert.serial}, not the uploaded {uploaded}")
        if cert.serial == olds.get(unit):
            problems.append(f"{unit} still has the old serial {cert.serial}")
        if cert.self_signed:
            life = cert.not_after - cert.not_before
            if abs(life - SELF_SIGNED_VALIDITY) > VALIDITY_SLACK:
                problems.append(f"{unit} is valid {life.days} days, not {_SELF_SIGNED_DAYS}")
        listener = _listener(unit)
        if listener is None:
            continue
        if not await _running(ctx, node, listener):
            quiet.append(f"{unit} not on the wire ({listener} not running)")
            continue
        seen = await _presented(ctx, node, unit)
        if seen is None:
            problems.append(f"nothing presents {unit} on the wire although {listener} runs")
        elif format(seen.serial_number, "x") != cert.serial:
            problems.append(
                f"{unit} on the wire is serial {format(seen.serial_number, 'x')}, "
                f"stored {cert.serial}: restart {listener}"
            )
    if problems:
        raise StepFailed(f"{node}: verification failed: " + "; ".join(problems))
    detail = f"{', '.join(step.units)} verified" + "".join(f"; {q}" for q in quiet)
    return _record(step, StepOutcome.DONE, detail, started)


def _listener(unit: str) -> str | None:
    """The service whose port presents ``unit`` (RSA units only: a twin shares the port)."""
    found = UNITS.get(unit)
    if found is None or found.rsa_twin is not None or not found.endpoints:
        return None
    return found.endpoints[0].service


async def _running(ctx: StepContext, node: str, service: str) -> bool:
    statuses = await _retrying(
        ctx, f"{node}: status of {service}", partial(ctx.ops.service_status, node, [service])
    )
    status = statuses.get(service)
    return status is not None and status.state is RunState.STARTED


async def verify_cluster(step: VerifyClusterStep, ctx: StepContext) -> StepRecord:
    """A fresh read of the whole cluster shows none of the problems the run could have left:
    the step's finding codes, or by default those of a regeneration."""
    started = now_iso()
    codes = frozenset(step.codes) or REGEN_FINDINGS
    delay = ctx.backoff
    for attempt in range(1, RETRIES + 1):  # a node that did not answer: as a step's retries
        snap = await ctx.client.snapshot()
        unread = [f"{n.node.name}: {n.error}" for n in snap.nodes if n.error]
        if not unread:
            break
        if attempt == RETRIES:
            raise StepFailed(
                f"verification could not read {'; '.join(unread)} after {RETRIES} tries:"
                " check the node, then `uccert runs resume`"
            )
        ctx.note(f"verification could not read {'; '.join(unread)}; retrying in {delay:.0f} s")
        await ctx.clock.sleep(delay)
        delay *= 2
    touched = {s.node for s in ctx.plan.steps if s.node is not None}
    regenerated = {(s.node, s.unit) for s in ctx.plan.of_type(RegenerateStep)}
    findings = [
        f
        for f in run_checks(snap, datetime.now(UTC), 0)
        if f.code in codes
        and f.severity is not Severity.INFO
        and (f.node in touched or f.node is None)  # None: cluster-wide, e.g. ha-not-normal
        and (f.code != "identity-expired" or (f.node, f.subject) in regenerated)
    ]
    if findings:
        listed = "; ".join(f"{f.node or '(cluster)'} {f.code} {f.subject}" for f in findings)
        raise StepFailed(f"verification found: {listed}")
    clean = ", ".join(sorted(codes))
    return _record(step, StepOutcome.DONE, f"no {clean} on the nodes touched", started)


async def verify_trusts_gone(step: VerifyTrustsGoneStep, ctx: StepContext) -> StepRecord:
    """After a prune: none of the step's serials is back in ``store`` on the node."""
    started = now_iso()
    node, store = step.node, step.store
    trusts = await _retrying(ctx, f"{node}: read {store}", partial(ctx.ops.trusts, node, store))
    deleted = {
        (_base(s.file), s.serial)
        for s in ctx.plan.of_type(DeleteTrustStep)
        if s.node == node and s.store == store
    }
    held = [t for t in trusts if t.store == store]
    back = sorted(
        {t.cert.serial for t in held} & set(step.serials)
        | {t.file for t in held if (_base(t.file), t.cert.serial) in deleted}
    )
    if back:
        raise StepFailed(
            f"{node}: {store} holds deleted cert(s) again: {', '.join(back)} (Certificate Change"
            " Notification put them back?): stop it on every node, then resume"
        )
    return _record(step, StepOutcome.DONE, f"{len(step.serials)} cert(s) stay gone", started)


async def execute(step: Step, ctx: StepContext) -> StepRecord:
    """Run ``step`` by its type (each handler takes exactly its own step type)."""
    match step:
        case PreflightStep():
            return await preflight(step, ctx)
        case HaOffStep() | HaRestoreStep():
            return await set_ha(step, ctx)
        case HaWaitStep():
            return await ha_wait(step, ctx)
        case RegenerateStep():
            return await regenerate(step, ctx)
        case ImportTrustStep():
            return await import_trust(step, ctx)
        case StopStep():
            return await stop(step, ctx)
        case DeleteTrustStep():
            return await delete_trust(step, ctx)
        case RestartStep() | StartStep():
            return await control(step, ctx)
        case VerifyNodeStep():
            return await verify_node(step, ctx)
        case VerifyTrustsGoneStep():
            return await verify_trusts_gone(step, ctx)
        case VerifyClusterStep():
            return await verify_cluster(step, ctx)
