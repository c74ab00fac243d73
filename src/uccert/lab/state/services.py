"""The service lifecycle: every state transition of a simulated service lives here.

Theory of operation
-------------------
A service is in one of four states: ``Started``, ``Stopping``, ``Stopped``, ``Starting``.
Commands (``start``, ``stop``, ``restart``) are accepted only in a settled state (Started or
Stopped); a command on a service in transition is refused (`LabCommandError`), as the real
Service Manager refuses to act on a service it is already acting on.

`TRANSITIONS` maps (settled state, action) to the phases the service goes through. A phase is
(state entered, stop periods elapsed, start periods elapsed): its time is the command's time plus
that many of the service's own ``stop_s`` and ``start_s``. Nothing else decides a state.

Two things do not fit the table and are code below:

- A start that a ``service-start-fails`` fault hits ends ``Stopped`` with reason "Component is
  not running" instead of ``Started`` (`plan`'s ``fails``).
- `CASCADES`: a command on Cisco XCP Router also acts on every activated XCP service of the node.
  Restart: they stop alongside the router and start once the router is Started. Stop: they stop
  alongside it. Start: the router alone (the documented trap: never stop+start the router).
  A cascaded service that is in transition is taken over (its pending phases are dropped).

When a service reaches ``Started`` it loads its certificates and trust stores (`ServiceRecord`
``loaded``); what it presents on the wire is what it loaded then, until its next start.
The HA side (Server Recovery Manager) watches these records: see `ha.py`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Literal

from cryptography import x509

from uccert.lab.state.errors import LabCommandError
from uccert.lab.state.tables import XCP_ROUTER, ServiceDef

State = Literal["Started", "Stopping", "Stopped", "Starting"]
Action = Literal["start", "stop", "restart"]

NOT_ACTIVATED = "Service Not Activated"
COMMANDED_OUT = "Commanded Out of Service"
NOT_RUNNING = "Component is not running"

# (state entered, stop periods before it, start periods before it)
Phase = tuple[State, int, int]

TRANSITIONS: dict[tuple[State, Action], tuple[Phase, ...]] = {
    ("Started", "start"): (),
    ("Started", "stop"): (("Stopping", 0, 0), ("Stopped", 1, 0)),
    ("Started", "restart"): (
        ("Stopping", 0, 0),
        ("Stopped", 1, 0),
        ("Starting", 1, 0),
        ("Started", 1, 1),
    ),
    ("Stopped", "start"): (("Starting", 0, 0), ("Started", 0, 1)),
    ("Stopped", "stop"): (),
    ("Stopped", "restart"): (("Starting", 0, 0), ("Started", 0, 1)),
}

# What a command on one service does to the node's XCP services (None: nothing).
CASCADES: dict[tuple[str, Action], Action | None] = {
    (XCP_ROUTER, "restart"): "restart",
    (XCP_ROUTER, "stop"): "stop",
    (XCP_ROUTER, "start"): None,
}

# A cascaded service caught in transition is treated as the state it is heading to.
_SETTLED: dict[State, State] = {
    "Started": "Started",
    "Starting": "Started",
    "Stopped": "Stopped",
    "Stopping": "Stopped",
}


@dataclass(frozen=True)
class ServiceView:
    name: str
    state: State
    activated: bool
    reason: str | None
    started_at: float | None
    platform: bool


@dataclass(frozen=True)
class ServiceRecord:
    """A service's full state on one node (the lab replaces records, never mutates them)."""

    sdef: ServiceDef
    state: State
    activated: bool
    reason: str | None
    started_at: float | None
    down_since: float | None = None  # when it last left Started (None while Started)
    generation: int = 0  # bumped by every command; phases of older commands are dropped
    loaded: Mapping[str, x509.Certificate] = field(default_factory=lambda: MappingProxyType({}))
    loaded_trust: Mapping[str, tuple[str, ...]] = field(
        default_factory=lambda: MappingProxyType({})
    )

    def view(self) -> ServiceView:
        return ServiceView(
            self.sdef.name,
            self.state,
            self.activated,
            self.reason,
            self.started_at,
            self.sdef.platform,
        )


@dataclass(frozen=True)
class ServiceStep:
    """A scheduled phase: ``service`` on ``node`` enters ``state``."""

    node: str
    service: str
    state: State
    via: str
    reason: str | None
    generation: int


def plan(
    record: ServiceRecord,
    action: Action,
    now: float,
    *,
    node: str,
    via: str,
    fails: bool = False,
    start_not_before: float | None = None,
    take_over: bool = False,
) -> list[tuple[float, ServiceStep]]:
    """The timed phases ``action`` puts the service through (empty: nothing to do).

    ``fails``: the start ends Stopped ("Component is not running"). ``start_not_before``: the
    start phases wait for that time (cascaded services wait for the router). ``take_over``: a
    service in transition is planned from the state it is heading to instead of refused.
    """
    state = record.state
    if state not in ("Started", "Stopped"):
        if not take_over:
            raise LabCommandError(
                f"{record.sdef.name} is {state}; wait until it is Started or Stopped and retry"
            )
        state = _SETTLED[state]
    phases = TRANSITIONS[(state, action)]
    generation = record.generation + 1
    steps: list[tuple[float, ServiceStep]] = []
    shift = 0.0
    for entered, stops, starts in phases:
        t = now + stops * record.sdef.stop_s + starts * record.sdef.start_s + shift
        if entered == "Starting" and start_not_before is not None and t < start_not_before:
            shift = start_not_before - t
            t = start_not_before
        reason: str | None = None
        if entered == "Stopped":
            reason = COMMANDED_OUT
        if entered == "Started" and fails:
            entered, reason = "Stopped", NOT_RUNNING
        steps.append((t, ServiceStep(node, record.sdef.name, entered, via, reason, generation)))
    return steps


def enter(
    record: ServiceRecord,
    step: ServiceStep,
    t: float,
    loaded: Mapping[str, x509.Certificate],
    loaded_trust: Mapping[str, tuple[str, ...]],
) -> ServiceRecord:
    """The record after ``step`` happened at ``t`` (``loaded*`` used only on Started)."""
    if step.state == "Started":
        return ServiceRecord(
            record.sdef,
            "Started",
            record.activated,
            None,
            t,
            None,
            record.generation,
            MappingProxyType(dict(loaded)),
            MappingProxyType(dict(loaded_trust)),
        )
    down_since = t if record.state == "Started" else record.down_since
    return ServiceRecord(
        record.sdef,
        step.state,
        record.activated,
        step.reason,
        record.started_at if step.state == "Stopping" else None,
        down_since,
        record.generation,
        record.loaded,
        record.loaded_trust,
    )
