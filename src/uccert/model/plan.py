"""A Plan: the ordered steps of one change to one cluster, as the planner built them.

A plan is data. It is shown to the admin, stored with the run (as JSON, through ``to_json``
and ``plan_from_json``) and executed step by step. Every step carries what it needs to tell,
by looking at the cluster, whether it is already done: a regenerate step the serial it
replaces, a restart step the units whose change it serves, an HA step the flag it restores.
That is what makes a run safe to resume after a crash (docs/design/architecture.md, durable runs).
"""
# § numbers in this module are sections of docs/design/procedure.md (§N.M: step M of §N).

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, field, fields
from enum import StrEnum
from typing import Any, Final

from uccert.catalog.ha import HA_SYNC_WAIT_DEFAULT

PLAN_SCHEMA_VERSION: Final = 1


class StepKind(StrEnum):
    PREFLIGHT = "preflight"  # look before changing anything; refuse on what it finds
    HA_OFF = "ha-off"  # one Presence Redundancy Group's HA flag off
    HA_WAIT = "ha-wait"  # let the HA change reach the Server Recovery Manager
    REGENERATE = "regenerate"  # set cert regen UNIT on one node
    STOP = "stop"  # stop one service on one node (trust prune pre-stops)
    DELETE_TRUST = "delete-trust"  # delete one trust cert on one node
    IMPORT_TRUST = "import-trust"  # put a missing cert back in a trust store (§4 ipsec repair)
    RESTART = "restart"  # restart one service on one node
    START = "start"  # start one service stopped earlier in the run
    VERIFY = "verify"  # prove the end state by observation
    HA_RESTORE = "ha-restore"  # one group's HA flag back to what it was


class Via(StrEnum):
    """The interface a step uses."""

    SSH = "ssh"  # admin CLI
    SOAP = "soap"  # Control Center services (falls back to SSH)
    AXL = "axl"
    TLS = "tls"  # handshakes with the node's listeners
    NONE = "none"  # waiting, or observation through several interfaces


# Steps that run even when the run fails, so a failure never leaves HA off or services down.
SAFETY_KINDS: Final = frozenset({StepKind.START, StepKind.HA_RESTORE})


@dataclass(frozen=True)
class Step:
    """One action on one node (or group). Ids are stable and unique within a plan, e.g.
    ``regenerate:imp-pub:cup-xmpp``.

    - ``expect``: regenerate: the serial it replaces (done when the node shows another one);
      ha-off / ha-restore: ``"off"`` / ``"on"``; delete-trust: the serial deleted;
      import-trust: the serial that must be in ``store``; the cert is ``unit`` of the node
      ``source`` (the CUCM publisher's ipsec for the §4 repair). restart after an upload:
      the service's start time before it (ISO, node clock; ``""`` unknown: restart). verify
      of a node after an upload: the uploaded serial.
    - ``serves``: restart / start: the units (regen) or stores (prune) whose change on this
      node it follows; done when the service started after that change. verify of one
      store on one node: the serials that must stay gone. verify:cluster: the finding codes
      it looks for (empty: those a regeneration can leave).
    """

    id: str
    kind: StepKind
    node: str | None = None
    unit: str | None = None
    service: str | None = None
    group: str | None = None
    store: str | None = None
    file: str | None = None
    via: Via = Via.NONE
    expect: str | None = None
    serves: tuple[str, ...] = ()
    reason: str = ""
    source: str | None = None

    @property
    def safety(self) -> bool:
        return self.kind in SAFETY_KINDS

    def to_json(self) -> dict[str, Any]:
        out = asdict(self)
        out["kind"] = self.kind.value
        out["via"] = self.via.value
        out["serves"] = list(self.serves)
        return out


@dataclass(frozen=True)
class PlanWarning:
    """Something outside the cluster the admin must be told (catalog ``warnings``), or a unit
    the plan leaves alone and why."""

    code: str
    message: str

    def to_json(self) -> dict[str, str]:
        return {"code": self.code, "message": self.message}


@dataclass(frozen=True)
class PlanTiming:
    """Seconds; from the inventory's ``[clusters.NAME.timing]``. The defaults, for a real
    cluster, are uccert's (``config.Timing`` takes them from here)."""

    ha_sync_wait: float = HA_SYNC_WAIT_DEFAULT.total_seconds()
    poll_interval: float = 5.0
    restart_timeout: float = 600.0
    command_timeout: float = 300.0


@dataclass(frozen=True)
class Plan:
    """``command`` is the uccert command line that asked for it (for the run list);
    ``literal``: planned in the tech note's order, unit by unit, not merged."""

    cluster: str
    command: str
    steps: tuple[Step, ...]
    warnings: tuple[PlanWarning, ...] = ()
    timing: PlanTiming = field(default_factory=PlanTiming)
    literal: bool = False

    def __post_init__(self) -> None:
        seen: set[str] = set()
        for step in self.steps:
            if step.id in seen:
                raise ValueError(f"duplicate step id {step.id!r} in the plan")
            seen.add(step.id)

    def step(self, step_id: str) -> Step:
        for s in self.steps:
            if s.id == step_id:
                return s
        raise KeyError(step_id)

    def of_kind(self, kind: StepKind) -> tuple[Step, ...]:
        return tuple(s for s in self.steps if s.kind is kind)

    @property
    def changes_anything(self) -> bool:
        return any(
            s.kind not in (StepKind.PREFLIGHT, StepKind.VERIFY, StepKind.HA_WAIT)
            for s in self.steps
        )

    def to_json(self) -> dict[str, Any]:
        """The documented plan document (``uccert regen plan --json``)."""
        return {
            "schema_version": PLAN_SCHEMA_VERSION,
            "cluster": self.cluster,
            "command": self.command,
            "literal": self.literal,
            "timing": asdict(self.timing),
            "steps": [s.to_json() for s in self.steps],
            "warnings": [w.to_json() for w in self.warnings],
        }


_STEP_FIELDS: Final = frozenset(f.name for f in fields(Step))


def _step_from_json(raw: Mapping[str, Any]) -> Step:
    values = {k: v for k, v in raw.items() if k in _STEP_FIELDS}
    values["kind"] = StepKind(values["kind"])
    values["via"] = Via(values.get("via", Via.NONE.value))
    values["serves"] = tuple(values.get("serves", ()))
    return Step(**values)


def plan_from_json(raw: Mapping[str, Any]) -> Plan:
    """The inverse of ``Plan.to_json`` (a stored run's plan)."""
    version = raw.get("schema_version")
    if version != PLAN_SCHEMA_VERSION:
        raise ValueError(
            f"plan schema_version {version!r} is not {PLAN_SCHEMA_VERSION}: "
            "this run was planned by another uccert version; cancel it and plan again"
        )
    return Plan(
        cluster=raw["cluster"],
        command=raw["command"],
        steps=tuple(_step_from_json(s) for s in raw["steps"]),
        warnings=tuple(PlanWarning(w["code"], w["message"]) for w in raw.get("warnings", ())),
        timing=PlanTiming(**raw.get("timing", {})),
        literal=bool(raw.get("literal", False)),
    )
