"""`Lab`: the one mutable object: a simulated CUCM + IM/P cluster on a virtual clock.

Single-threaded and pure: no sockets, files, threads or real time. Callers (the servers layer,
tests) issue commands; timed effects are scheduled and happen when the clock is advanced
(`advance_to`, `run_until_idle`). Every change is appended to `events`.
Certificate operations live in `certops.py`, the lifecycle rules in `services.py` and `ha.py`.
"""

from __future__ import annotations

import heapq
from dataclasses import replace
from datetime import UTC, datetime, timedelta

from cryptography import x509

from uccert.lab.state import drf, ha, replication
from uccert.lab.state.certops import CertOps
from uccert.lab.state.errors import LabCommandError
from uccert.lab.state.events import Event, make_event
from uccert.lab.state.faults import Fault, FaultKind, take
from uccert.lab.state.ha import FailoverCheck, GroupState, GroupView, HaApply
from uccert.lab.state.keys import KeySource, PrivateKey
from uccert.lab.state.services import (
    CASCADES,
    NOT_ACTIVATED,
    TRANSITIONS,
    Action,
    ServiceRecord,
    ServiceStep,
    ServiceView,
    enter,
    plan,
)
from uccert.lab.state.tables import (
    HA_SYNC_SECONDS,
    INITIAL_UPTIME_SECONDS,
    PRESENTING_SERVICE,
    SERVICES,
    base_unit,
    display_version,
    drf_unit,
    parse_version,
    service_activated,
    service_name,
    service_present,
)
from uccert.lab.state.topology import NodeSpec, Topology, validate

Scheduled = ServiceStep | HaApply | FailoverCheck


class Lab(CertOps):
    """A simulated cluster. ``start`` (aware) is the wall-clock time of simulated second 0."""

    def __init__(self, topology: Topology, keys: KeySource, start: datetime) -> None:
        if start.tzinfo is None:
            raise ValueError("start must be timezone-aware (e.g. datetime(..., tzinfo=UTC))")
        validate(topology, "topology")
        self.topology = topology
        self.now: float = 0.0
        self.events: list[Event] = []
        self._start = start.astimezone(UTC).replace(microsecond=0)
        self._offset = timedelta(0)
        self._faults: list[Fault] = []
        self._queue: list[tuple[float, int, Scheduled]] = []
        self._queued = 0
        self._failed_over: set[str] = set()
        self._in_failover: set[str] = set()  # failed over, until the group falls back
        self._groups = {
            g.name: GroupState(g.name, g.server1, g.server2, g.ha_enabled, g.ha_enabled, 0.0)
            for g in topology.groups
        }
        CertOps.__init__(self, topology, keys, self._start)
        self._services: dict[str, dict[str, ServiceRecord]] = {}
        for spec in topology.nodes:
            self._services[spec.name] = self._initial_services(spec)

    # -- clock ----------------------------------------------------------------------------

    def now_datetime(self) -> datetime:
        """The simulated wall-clock time (aware UTC); certificate validity uses it."""
        return self._start + self._offset + timedelta(seconds=self.now)

    def set_datetime(self, dt: datetime) -> None:
        """Move the wall clock (e.g. a year ahead to see certs expire); the event clock stays."""
        if dt.tzinfo is None:
            raise ValueError("dt must be timezone-aware")
        self._offset = dt.astimezone(UTC) - self._start - timedelta(seconds=self.now)

    def advance_to(self, t: float) -> None:
        """Process every scheduled transition with time <= t, in order; then now = t."""
        if t < self.now:
            raise ValueError(f"the clock only goes forward (now {self.now}, asked {t})")
        self._run_due(t)
        self.now = t

    def next_event_time(self) -> float | None:
        self._drop_stale()
        return self._queue[0][0] if self._queue else None

    def run_until_idle(self) -> None:
        """Jump through every scheduled transition (instant mode)."""
        while (t := self.next_event_time()) is not None:
            self.advance_to(max(t, self.now))

    # -- nodes ------------------------------------------------------------------------------

    def node_names(self) -> list[str]:
        return [n.name for n in self.topology.nodes]

    def spec(self, node: str) -> NodeSpec:
        try:
            return self.topology.node(node)
        except KeyError:
            raise LabCommandError(
                f"no node {node!r}; nodes: {', '.join(self.node_names())}"
            ) from None

    def display_version(self, node: str) -> str:
        spec = self.spec(node)
        return display_version(spec.product, parse_version(spec.version))

    # -- services ---------------------------------------------------------------------------

    def services(self, node: str) -> list[ServiceView]:
        self.spec(node)
        return [r.view() for r in self._services[node].values()]

    def service_state(self, node: str, name: str) -> ServiceView:
        return self._record(node, name).view()

    def loaded_trust(self, node: str, name: str) -> dict[str, tuple[str, ...]]:
        """Trust files (per store) the service loaded at its last start."""
        return dict(self._record(node, name).loaded_trust)

    def control_service(self, node: str, name: str, action: Action, via: str) -> float:
        """Schedule ``action``; return the simulated time at which everything it does is done."""
        record = self._record(node, name)
        if action not in ("start", "stop", "restart"):
            raise LabCommandError(f"unknown action {action!r}; use start, stop or restart")
        if not record.activated:
            raise LabCommandError(f"{name} is not activated on {node} ({NOT_ACTIVATED})")
        if record.sdef.platform:
            raise LabCommandError(f"{name} is a platform service and cannot be controlled here")
        steps = self._plan(node, record, action, via, take_over=False, after=None)
        router_up = max((t for t, s in steps if s.state == "Starting"), default=self.now)
        cascade = CASCADES.get((name, action))
        if cascade is not None:
            if steps and steps[-1][1].state == "Started":
                router_up = steps[-1][0]
            for other in self._services[node].values():
                if other.sdef.xcp and other.activated:
                    gate = router_up if cascade == "restart" else None
                    steps += self._plan(node, other, cascade, via, take_over=True, after=gate)
        done = max((t for t, _ in steps), default=self.now)
        self._run_due(self.now)
        return done

    def presented_cert(self, node: str, unit: str) -> x509.Certificate | None:
        """What the presenting service loaded at its last start (None while it is not Started)."""
        if unit not in self._own_of(node):
            raise LabCommandError(f"{node} has no {unit} certificate")
        service = PRESENTING_SERVICE.get(base_unit(unit))
        record = self._services[node].get(service or "")
        if record is None or record.state != "Started":
            return None
        return record.loaded.get(unit)

    def presented_identity(
        self, node: str, unit: str
    ) -> tuple[x509.Certificate, PrivateKey] | None:
        """The cert the presenting service loaded and its private key, for a TLS listener."""
        cert = self.presented_cert(node, unit)
        if cert is None:
            return None
        return cert, self._key_of_serial[(node, cert.serial_number)]

    # -- HA ---------------------------------------------------------------------------------

    def groups(self) -> list[GroupView]:
        return [g.view() for g in self._groups.values()]

    def set_ha(self, group: str, enabled: bool, via: str) -> None:
        """Change the configured flag now; the Server Recovery Manager follows 120 s later."""
        state = self._groups.get(group)
        if state is None:
            raise LabCommandError(f"no Presence Redundancy Group {group!r}")
        self._groups[group] = replace(state, configured=enabled)
        self._emit(self._cucm_publisher(), "ha-changed", group=group, enabled=enabled, via=via)
        self._schedule(self.now + HA_SYNC_SECONDS, HaApply(group, enabled))

    def ha_status(self) -> list[tuple[str, list[tuple[str, str, str | None]]]]:
        """Per group: each node's (name, state, reason) as ``utils ha status`` prints them."""
        failed = frozenset(self._in_failover)
        return [(g.name, ha.group_status(g, failed, self._services)) for g in self._groups.values()]

    def failover(self, node: str, via: str) -> None:
        """Fail ``node`` over to its peer now (as the Server Recovery Manager does when a
        critical service stays down, or an admin's manual failover)."""
        group = self._group_of(node)
        if group is None:
            raise LabCommandError(f"{node} is in no Presence Redundancy Group")
        if node in self._in_failover:
            return
        self._in_failover.add(node)
        peer = group.peer(node)
        self._emit(node, "failover", group=group.name, from_node=node, to_node=peer, via=via)

    def fallback(self, group: str, via: str) -> None:
        """Users back on their home nodes: every node of ``group`` Normal again."""
        state = self._groups.get(group)
        if state is None:
            raise LabCommandError(f"no Presence Redundancy Group {group!r}")
        for node in (state.server1, state.server2):
            if node in self._in_failover:
                self._in_failover.discard(node)
                self._emit(node, "fallback", group=group, via=via)

    def backup(self, via: str) -> list[tuple[str, str]]:
        """A DRF backup of every node: (node, "SUCCESS" or why it failed); see `drf.py`."""
        results = [
            (
                spec.name,
                drf.backup_result(
                    spec.name,
                    self._own_unit(spec.name, drf_unit(parse_version(spec.version))).cert,
                    self.drf_master_node(spec.name),
                    self._services,
                ),
            )
            for spec in self.topology.nodes
        ]
        failed = [n for n, r in results if r != drf.SUCCESS]
        self._emit(self._cucm_publisher(), "backup", failed=failed, via=via)
        return results

    def replication(self, node: str) -> list[tuple[str, int]]:
        """(node, Replicate_State) as ``utils dbreplication runtimestate`` lists them on
        ``node``; see `replication.py`."""
        return replication.rows(self.topology, self.spec(node).product, self._faults)

    # -- faults -----------------------------------------------------------------------------

    @property
    def faults(self) -> tuple[Fault, ...]:
        return tuple(self._faults)

    def inject_fault(self, fault: Fault) -> None:
        self._faults.append(replace(fault, kind=FaultKind(fault.kind)))

    def clear_faults(self) -> None:
        self._faults.clear()

    def take_fault(
        self, kind: FaultKind | str, node: str, target: str | None = None
    ) -> Fault | None:
        """The first matching fault, consuming one count (None: no fault applies)."""
        self._faults, fault = take(self._faults, kind, node, target)
        return fault

    # -- internals --------------------------------------------------------------------------

    def _emit(self, node: str, kind: str, **data: object) -> None:
        self.events.append(make_event(len(self.events) + 1, self.now, node, kind, **data))

    def _cucm_publisher(self) -> str:
        for n in self.topology.nodes:
            if n.product == "cucm" and n.role == "publisher":
                return n.name
        raise AssertionError("validated topology has a CUCM publisher")

    def _record(self, node: str, name: str) -> ServiceRecord:
        self.spec(node)
        record = self._services[node].get(name)
        if record is None:
            raise LabCommandError(f"no service {name!r} on {node}")
        return record

    def _initial_services(self, spec: NodeSpec) -> dict[str, ServiceRecord]:
        version = parse_version(spec.version)
        records: dict[str, ServiceRecord] = {}
        for listed in SERVICES:
            if not service_present(listed, spec.product, spec.role, version):
                continue
            sdef = replace(listed, name=service_name(listed, version))
            active = service_activated(
                sdef,
                sip_federation=self.topology.sip_federation,
                xmpp_federation=self.topology.xmpp_federation,
            )
            record = ServiceRecord(sdef, "Stopped", active, NOT_ACTIVATED, None)
            if active:
                started = -INITIAL_UPTIME_SECONDS
                step = ServiceStep(spec.name, sdef.name, "Started", "lab", None, 0)
                record = enter(record, step, started, *self._loads(spec.name, sdef))
            records[sdef.name] = record
        return records

    def _plan(
        self,
        node: str,
        record: ServiceRecord,
        action: Action,
        via: str,
        *,
        take_over: bool,
        after: float | None,
    ) -> list[tuple[float, ServiceStep]]:
        fails = False
        settled = {"Starting": "Started", "Stopping": "Stopped"}.get(record.state, record.state)
        if take_over or settled == record.state:
            phases = TRANSITIONS[(settled, action)]  # type: ignore[index]
            if any(phase[0] == "Starting" for phase in phases):
                fault = self.take_fault(FaultKind.SERVICE_START_FAILS, node, record.sdef.name)
                fails = fault is not None
        steps = plan(
            record,
            action,
            self.now,
            node=node,
            via=via,
            fails=fails,
            start_not_before=after,
            take_over=take_over,
        )
        if steps:
            self._services[node][record.sdef.name] = replace(
                record, generation=steps[0][1].generation
            )
            for t, step in steps:
                self._schedule(t, step)
        return steps

    def _schedule(self, t: float, item: Scheduled) -> None:
        self._queued += 1
        heapq.heappush(self._queue, (t, self._queued, item))

    def _is_stale(self, item: Scheduled) -> bool:
        """A phase of a superseded command, or a failover check of a service back up."""
        if isinstance(item, ServiceStep):
            return self._services[item.node][item.service].generation != item.generation
        if isinstance(item, FailoverCheck):
            return self._services[item.node][item.service].down_since != item.down_since
        return False

    def _drop_stale(self) -> None:
        while self._queue and self._is_stale(self._queue[0][2]):
            heapq.heappop(self._queue)

    def _run_due(self, t: float) -> None:
        while self._queue and self._queue[0][0] <= t:
            when, _, item = heapq.heappop(self._queue)
            if self._is_stale(item):
                continue
            self.now = max(self.now, when)
            if isinstance(item, ServiceStep):
                self._service_step(item)
            elif isinstance(item, HaApply):
                self._ha_apply(item)
            else:
                self._failover_check(item)

    def _service_step(self, step: ServiceStep) -> None:
        record = self._services[step.node][step.service]
        loaded = self._loads(step.node, record.sdef) if step.state == "Started" else ({}, {})
        new = enter(record, step, self.now, *loaded)
        self._services[step.node][step.service] = new
        data: dict[str, object] = {"service": step.service, "state": step.state, "via": step.via}
        if step.reason is not None:
            data["reason"] = step.reason
        self._emit(step.node, "service-state", **data)
        if not new.sdef.critical:
            return
        group = self._group_of(step.node)
        if group is None:
            return
        if record.state == "Started" and new.state != "Started" and group.effective:
            self._schedule(ha.check_time(group, self.now), self._check(group, step.node, new))
        if new.state == "Started" and all(
            r.state == "Started"
            for r in self._services[step.node].values()
            if r.sdef.critical and r.activated
        ):
            self._failed_over.discard(step.node)

    def _check(self, group: GroupState, node: str, record: ServiceRecord) -> FailoverCheck:
        assert record.down_since is not None
        return FailoverCheck(group.name, node, record.sdef.name, record.down_since)

    def _ha_apply(self, step: HaApply) -> None:
        group = ha.apply(self._groups[step.group], step, self.now)
        self._groups[step.group] = group
        if not group.effective:
            return
        for node in (group.server1, group.server2):
            for record in self._services[node].values():
                if record.sdef.critical and record.down_since is not None:
                    check = self._check(group, node, record)
                    self._schedule(ha.check_time(group, record.down_since), check)

    def _failover_check(self, check: FailoverCheck) -> None:
        group = self._groups[check.group]
        record = self._services[check.node][check.service]
        if check.node in self._failed_over:
            return
        if ha.failover_due(group, check, record.down_since, self.now):
            self._failed_over.add(check.node)
            self._in_failover.add(check.node)
            peer = group.peer(check.node)
            self._emit(check.node, "failover", group=group.name, from_node=check.node, to_node=peer)

    def _group_of(self, node: str) -> GroupState | None:
        for group in self._groups.values():
            if group.has(node):
                return group
        return None
