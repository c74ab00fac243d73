"""An in-process cluster for the step handlers: the run's Protocols on the lab's state model.

``LabCluster`` implements ``ClusterOperations`` and ``SnapshotSource`` by calling
``uccert.lab.state.Lab`` directly (no sockets, no parsers), and ``LabClock`` is the lab's
virtual clock: a handler that waits 120 s for HA to sync moves the lab 120 s on, at once. It
plays the part httpx's ``MockTransport`` plays for httpx: the handlers run unchanged against a
cluster that behaves like the lab servers' one, so a handler test takes milliseconds.

Faults are the lab's own (``lab.inject_fault``), applied the way the lab's admin CLI applies
them: ``command-fails`` fails the command before it runs (``OperationFailed``);
``drop-after-command`` runs it, then drops the session (``OperationTransient``: the handler
cannot tell whether it ran). ``calls`` lists every command sent, for tests to count.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from cryptography import x509

from lab.state.conftest import RecombiningKeySource  # the lab tests' fast key source
from uccert.catalog import features_in_use
from uccert.cluster.operations import (
    Action,
    OperationFailed,
    OperationTransient,
    ServiceFailed,
    ServiceStatus,
)
from uccert.lab.state import Event, Lab, LabCommandError, preset
from uccert.model import (
    CertInfo,
    HaNodeState,
    Node,
    NodeSnapshot,
    Plan,
    Product,
    RedundancyGroup,
    Role,
    RunState,
    ServiceState,
    Snapshot,
    Step,
    TrustEntry,
    Via,
)
from uccert.protocols.service_list import NOT_ACTIVATED_REASON
from uccert.run.records import RunOutcome, StepOutcome, StepRecord
from uccert.run.steps import StepContext, execute
from uccert.run.workflow import run_steps

KEYS = RecombiningKeySource()


class LabClock:
    """The lab's simulated seconds: sleeping advances the lab (and its scheduled events)."""

    def __init__(self, lab: Lab) -> None:
        self.lab = lab

    def now(self) -> float:
        return self.lab.now

    async def sleep(self, seconds: float) -> None:
        self.lab.advance_to(self.lab.now + max(seconds, 0.0))
        await asyncio.sleep(0)


class LabCluster:
    """``ClusterOperations`` and ``SnapshotSource`` on one lab, in process."""

    def __init__(self, lab: Lab) -> None:
        self.lab = lab
        self.calls: list[str] = []

    # -- helpers --------------------------------------------------------------------------

    def _when(self, seconds: float) -> datetime:
        return self.lab.now_datetime() + timedelta(seconds=seconds - self.lab.now)

    def _fqdns(self) -> tuple[str, ...]:
        return tuple(self.lab.spec(n).fqdn for n in self.lab.node_names())

    def _command(self, node: str, command: str, act: Any) -> Any:
        """Send ``command`` with the lab's command faults applied."""
        self.calls.append(f"{node}: {command}")
        if self.lab.take_fault("command-fails", node, command) is not None:
            raise OperationFailed(f"{node}: {command} failed (Executed command unsuccessfully)")
        dropped = self.lab.take_fault("drop-after-command", node, command) is not None
        try:
            result = act()
        except LabCommandError as exc:
            raise OperationFailed(f"{node}: {command} failed ({exc})") from exc
        if dropped:
            raise OperationTransient(f"{node}: {command} did not complete (session dropped)")
        return result

    def _status(self, node: str, name: str) -> ServiceStatus:
        views = {v.name.casefold(): v for v in self.lab.services(node)}
        view = views.get(name.casefold())
        if view is None:
            return ServiceStatus(name, RunState.UNKNOWN, None, "not listed by Control Center")
        state = RunState(view.state)
        started = (
            self._when(view.started_at)
            if state is RunState.STARTED and view.started_at is not None
            else None
        )
        reason = view.reason if view.activated else NOT_ACTIVATED_REASON
        return ServiceStatus(view.name, state, started, reason)

    def _trusts(self, node: str, store: str | None) -> tuple[TrustEntry, ...]:
        fqdns = self._fqdns()
        return tuple(
            TrustEntry(t.store, t.file, CertInfo.from_x509(t.cert, t.store, t.file, fqdns))
            for t in self.lab.trust_certs(node)
            if store is None or t.store == store
        )

    def _ha_states(self) -> tuple[HaNodeState, ...]:
        return tuple(
            HaNodeState(group, host, state, reason)
            for group, nodes in self.lab.ha_status()
            for host, state, reason in nodes
        )

    def _groups(self) -> tuple[RedundancyGroup, ...]:
        return tuple(
            RedundancyGroup(g.name, g.server1, g.server2, g.ha_enabled) for g in self.lab.groups()
        )

    # -- ClusterOperations ----------------------------------------------------------------

    async def identity(self, node: str, unit: str) -> CertInfo:
        for own in self.lab.own_certs(node):
            if own.unit == unit:
                return CertInfo.from_x509(own.cert, unit, own.file, self._fqdns())
        raise OperationFailed(f"{node}: no {unit} certificate")

    async def regenerate(self, node: str, unit: str) -> None:
        self._command(
            node, f"set cert regen {unit}", lambda: self.lab.regenerate(node, unit, "ssh")
        )

    async def trusts(self, node: str, store: str | None = None) -> tuple[TrustEntry, ...]:
        return self._trusts(node, store)

    async def delete_trust(self, node: str, store: str, file: str) -> None:
        self._command(
            node,
            f"set cert delete {store} {file.rsplit('/', 1)[-1]}",
            lambda: self.lab.delete_trust(node, store, file, "ssh"),
        )

    async def import_trust(self, node: str, store: str, pem: str) -> None:
        self._command(
            node,
            f"set cert import trust {store}",
            lambda: self.lab.import_trust(node, store, pem, "ssh"),
        )

    async def presented(self, node: str, unit: str) -> x509.Certificate | None:
        return self.lab.presented_cert(node, unit)

    async def service_status(self, node: str, names: Sequence[str]) -> dict[str, ServiceStatus]:
        wanted = list(names) or [v.name for v in self.lab.services(node)]
        return {n: self._status(node, n) for n in wanted}

    async def control(self, node: str, service: str, action: Action, via: Via) -> None:
        self._command(
            node,
            f"utils service {action} {service}",
            lambda: self.lab.control_service(node, service, action.value, via.value),
        )

    async def wait_started(
        self, node: str, service: str, after: datetime | None, timeout: float, poll: float
    ) -> ServiceStatus:
        deadline = self.lab.now + timeout
        while True:
            status = self._status(node, service)
            if status.state is RunState.STARTED and (
                after is None or (status.started_at is not None and status.started_at >= after)
            ):
                return status
            if status.state is RunState.STOPPED and self.lab.next_event_time() is None:
                raise ServiceFailed(
                    f"{node}: {service} is Stopped ({status.reason}) instead of starting"
                )
            if self.lab.now >= deadline:
                raise ServiceFailed(f"{node}: {service} not Started within {timeout:g} s")
            step = self.lab.next_event_time()
            self.lab.advance_to(min(step if step is not None else deadline, deadline))

    async def ha_states(self, node: str) -> tuple[HaNodeState, ...]:
        return self._ha_states()

    async def groups(self) -> tuple[RedundancyGroup, ...]:
        return self._groups()

    async def set_ha(self, group: str, enabled: bool) -> None:
        self.calls.append(f"axl: set HA {'on' if enabled else 'off'} on {group}")
        self.lab.set_ha(group, enabled, "axl")

    # -- SnapshotSource ---------------------------------------------------------------------

    def _node(self, name: str) -> NodeSnapshot:
        spec = self.lab.spec(name)
        identities = tuple(
            CertInfo.from_x509(o.cert, o.unit, o.file, self._fqdns())
            for o in self.lab.own_certs(name)
        )
        presented = {}
        for c in identities:
            try:
                seen = self.lab.presented_cert(name, c.unit)
            except LabCommandError:
                seen = None
            if seen is not None:
                presented[c.unit] = format(seen.serial_number, "x")
        services = tuple(
            ServiceState(
                v.name,
                RunState(v.state),
                v.activated,
                v.reason if v.activated else NOT_ACTIVATED_REASON,
                started_at=self._when(v.started_at)
                if v.state == "Started" and v.started_at is not None
                else None,
            )
            for v in self.lab.services(name)
        )
        # utils ha status is read on the IM/P publisher, as the real snapshot does
        on_imp_publisher = spec.product == "imp" and spec.role == "publisher"
        return NodeSnapshot(
            Node(
                name,
                spec.fqdn,
                Product(spec.product),
                Role(spec.role),
                self.lab.display_version(name),
            ),
            identities=identities,
            trusts=self._trusts(name, None),
            services=services,
            presented=presented,
            ha_states=self._ha_states() if on_imp_publisher else (),
        )

    async def snapshot(self) -> Snapshot:
        nodes = tuple(self._node(n) for n in self.lab.node_names())
        groups = self._groups()
        activated = (s.name for n in nodes for s in n.services if s.activated)
        features = frozenset(f.value for f in features_in_use(activated))
        return Snapshot(self.lab.topology.name, self.lab.now_datetime(), nodes, groups, features)


def make_lab(which: str = "minimal", version: str | None = None) -> Lab:
    """A lab whose certs are valid now (the final check reads them at the real time)."""
    start = datetime.now(UTC).replace(microsecond=0) - timedelta(days=1)
    return Lab(preset(which, version), KEYS, start)  # type: ignore[arg-type]


def context(
    plan: Plan,
    cluster: LabCluster,
    pins: Path,
    notes: list[str] | None = None,
    earlier: dict[str, Any] | None = None,
) -> StepContext:
    """What the executor gives each step, with the fake cluster and the lab's clock."""
    return StepContext(
        plan,
        cluster,
        cluster,
        pins,
        {n: cluster.lab.spec(n).fqdn for n in cluster.lab.node_names()},
        {},
        (notes if notes is not None else []).append,
        backoff=1.0,
        earlier=earlier or {},
        clock=LabClock(cluster.lab),
    )


@dataclass
class Ran:
    """One run of a plan on the fake cluster: what the executor returned and recorded."""

    outcome: RunOutcome
    records: list[StepRecord]
    notes: list[str]

    def outcome_of(self, step_id: str) -> list[StepOutcome]:
        """Each record of ``step_id`` in this run (safety steps may run twice)."""
        return [r.outcome for r in self.records if r.id == step_id]

    def earlier(self) -> dict[str, Any]:
        """The records as a resumed run gets them (``StepContext.earlier``)."""
        return {r.id: r.to_json() for r in self.records}


async def run_plan(
    plan: Plan, cluster: LabCluster, pins: Path, earlier: dict[str, Any] | None = None
) -> Ran:
    """The executor's loop (``run_steps``) with ``execute`` as the durable step."""
    notes: list[str] = []
    ctx = context(plan, cluster, pins, notes, earlier)
    records: list[StepRecord] = []

    async def step(s: Step) -> StepRecord:
        record = await execute(s, ctx)
        records.append(record)
        return record

    outcome = await run_steps(plan, ctx, step, {})
    return Ran(outcome, records, notes)


def events(lab: Lab, kind: str, node: str | None = None, **data: object) -> list[Event]:
    """The lab's events of ``kind`` (on ``node``) whose data has every ``data`` item."""
    return [
        e
        for e in lab.events
        if e.kind == kind
        and (node is None or e.node == node)
        and all(e.data.get(k) == v for k, v in data.items())
    ]
