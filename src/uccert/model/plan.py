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
from dataclasses import asdict, dataclass, field
from enum import StrEnum
from typing import Any, ClassVar, Final, TypeAlias, TypeVar

from uccert.catalog import PlanTiming

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


# The keys of a step in the JSON plan document, in their documented order. Each step type
# fills the keys it has; the others are written as null (or [] for ``serves``), so a plan
# document keeps the one shape every stored run has (``schema_version`` 1).
_JSON_KEYS: Final = (
    "id",
    "kind",
    "node",
    "unit",
    "service",
    "group",
    "store",
    "file",
    "via",
    "expect",
    "serves",
    "reason",
    "source",
)


@dataclass(frozen=True, kw_only=True)
class _StepBase:
    """What every step has: a stable id unique within its plan (e.g.
    ``regenerate:imp-pub:cup-xmpp``) and the reason shown to the admin."""

    kind: ClassVar[StepKind]
    id: str
    reason: str = ""

    @property
    def safety(self) -> bool:
        """Runs even when the run fails, so a failure never leaves HA off or services down."""
        return self.kind in SAFETY_KINDS

    def _json_fields(self) -> dict[str, Any]:
        return {}

    def to_json(self) -> dict[str, Any]:
        """The step in the plan document's shape."""
        out: dict[str, Any] = dict.fromkeys(_JSON_KEYS)
        out.update(id=self.id, kind=self.kind.value, via=Via.NONE.value, serves=[])
        out["reason"] = self.reason
        out.update(self._json_fields())
        return out


@dataclass(frozen=True, kw_only=True)
class PreflightStep(_StepBase):
    """Look before changing anything: every node the plan touches answers."""

    kind: ClassVar[StepKind] = StepKind.PREFLIGHT
    node: ClassVar[None] = None
    via: ClassVar[Via] = Via.NONE


@dataclass(frozen=True, kw_only=True)
class HaOffStep(_StepBase):
    """Turn one Presence Redundancy Group's HA flag off; done when AXL shows it off."""

    kind: ClassVar[StepKind] = StepKind.HA_OFF
    node: ClassVar[None] = None
    turns_on: ClassVar[bool] = False
    group: str
    via: Via = Via.AXL

    def _json_fields(self) -> dict[str, Any]:
        return {"group": self.group, "via": self.via.value, "expect": "off"}


@dataclass(frozen=True, kw_only=True)
class HaWaitStep(_StepBase):
    """Let the HA change reach the Server Recovery Manager before any restart."""

    kind: ClassVar[StepKind] = StepKind.HA_WAIT
    node: ClassVar[None] = None
    via: ClassVar[Via] = Via.NONE


@dataclass(frozen=True, kw_only=True)
class HaRestoreStep(_StepBase):
    """Turn one group's HA flag back on (the plan only has this step for a group whose flag
    was on); a safety step."""

    kind: ClassVar[StepKind] = StepKind.HA_RESTORE
    node: ClassVar[None] = None
    turns_on: ClassVar[bool] = True
    group: str
    via: Via = Via.AXL

    def _json_fields(self) -> dict[str, Any]:
        return {"group": self.group, "via": self.via.value, "expect": "on"}


@dataclass(frozen=True, kw_only=True)
class RegenerateStep(_StepBase):
    """``set cert regen UNIT`` on one node; done when the node shows a serial other than
    ``replaces_serial`` (so it never regenerates twice)."""

    kind: ClassVar[StepKind] = StepKind.REGENERATE
    node: str
    unit: str
    replaces_serial: str
    via: Via = Via.SSH

    def _json_fields(self) -> dict[str, Any]:
        return {
            "node": self.node,
            "unit": self.unit,
            "via": self.via.value,
            "expect": self.replaces_serial,
        }


@dataclass(frozen=True, kw_only=True)
class _ServiceStepBase(_StepBase):
    """One service on one node, controlled through ``via`` (SOAP falls back to SSH)."""

    node: str
    service: str
    via: Via = Via.SOAP
    serves: tuple[str, ...] = ()

    def _json_fields(self) -> dict[str, Any]:
        return {
            "node": self.node,
            "service": self.service,
            "via": self.via.value,
            "serves": list(self.serves),
        }


@dataclass(frozen=True, kw_only=True)
class StopStep(_ServiceStepBase):
    """Stop one service before trust deletes; ``serves``: the stores it is stopped for."""

    kind: ClassVar[StepKind] = StepKind.STOP


@dataclass(frozen=True, kw_only=True)
class StartStep(_ServiceStepBase):
    """Start a service the run stopped (a safety step); ``serves``: the stores it loads."""

    kind: ClassVar[StepKind] = StepKind.START


@dataclass(frozen=True, kw_only=True)
class RestartStep(_ServiceStepBase):
    """Restart one service; ``serves``: the units (``other-node/unit`` for a DRF Master that
    serves another node's DRF cert) or stores whose change on the node it follows. Done when
    the service started after the latest of those changes (the regenerated cert's notBefore,
    node clock; a trust store's change has no date: restart)."""

    kind: ClassVar[StepKind] = StepKind.RESTART


@dataclass(frozen=True, kw_only=True)
class UploadRestartStep(RestartStep):
    """A restart after an upload, whose cert dates say nothing of when it happened: done when
    the service started after ``start_time_before`` (read before the upload, ISO 8601, node
    clock); None: the start time was unknown, so restart."""

    start_time_before: str | None

    def _json_fields(self) -> dict[str, Any]:
        return {**super()._json_fields(), "expect": self.start_time_before or ""}


@dataclass(frozen=True, kw_only=True)
class DeleteTrustStep(_StepBase):
    """Delete ``file`` from ``store`` on one node; done when no cert with ``serial`` and that
    file name is left there."""

    kind: ClassVar[StepKind] = StepKind.DELETE_TRUST
    node: str
    store: str
    file: str
    serial: str
    via: Via = Via.SSH

    def _json_fields(self) -> dict[str, Any]:
        return {
            "node": self.node,
            "store": self.store,
            "file": self.file,
            "via": self.via.value,
            "expect": self.serial,
        }


@dataclass(frozen=True, kw_only=True)
class ImportTrustStep(_StepBase):
    """Put ``source``'s current ``unit`` cert back into ``store`` on one node (the CUCM
    publisher's ipsec for the ipsec-trust repair). ``expected_serial``: the cert the plan saw
    there, None when the plan regenerates it first (the executor reads the current one)."""

    kind: ClassVar[StepKind] = StepKind.IMPORT_TRUST
    node: str
    store: str
    unit: str
    source: str
    expected_serial: str | None = None
    via: Via = Via.SSH

    def _json_fields(self) -> dict[str, Any]:
        return {
            "node": self.node,
            "unit": self.unit,
            "store": self.store,
            "via": self.via.value,
            "expect": self.expected_serial,
            "source": self.source,
        }


@dataclass(frozen=True, kw_only=True)
class VerifyNodeStep(_StepBase):
    """Each of ``units`` on one node has a new serial and five-year validity, and the wire
    shows the stored cert; after an upload, the node stores ``uploaded_serial``."""

    kind: ClassVar[StepKind] = StepKind.VERIFY
    via: ClassVar[Via] = Via.NONE
    node: str
    units: tuple[str, ...]
    uploaded_serial: str | None = None

    def _json_fields(self) -> dict[str, Any]:
        return {"node": self.node, "expect": self.uploaded_serial, "serves": list(self.units)}


@dataclass(frozen=True, kw_only=True)
class VerifyTrustsGoneStep(_StepBase):
    """After a prune: none of ``serials`` (nor a deleted file) is back in ``store``."""

    kind: ClassVar[StepKind] = StepKind.VERIFY
    via: ClassVar[Via] = Via.NONE
    node: str
    store: str
    serials: tuple[str, ...]

    def _json_fields(self) -> dict[str, Any]:
        return {"node": self.node, "store": self.store, "serves": list(self.serials)}


@dataclass(frozen=True, kw_only=True)
class VerifyClusterStep(_StepBase):
    """A fresh read of the whole cluster shows none of the finding ``codes`` on the nodes the
    plan touched (empty: those a regeneration can leave)."""

    kind: ClassVar[StepKind] = StepKind.VERIFY
    node: ClassVar[None] = None
    via: ClassVar[Via] = Via.NONE
    codes: tuple[str, ...] = ()

    def _json_fields(self) -> dict[str, Any]:
        return {"serves": list(self.codes)}


Step: TypeAlias = (
    PreflightStep
    | HaOffStep
    | HaWaitStep
    | RegenerateStep
    | StopStep
    | DeleteTrustStep
    | ImportTrustStep
    | RestartStep
    | StartStep
    | VerifyNodeStep
    | VerifyTrustsGoneStep
    | VerifyClusterStep
    | HaRestoreStep
)
"""One step of a plan: one frozen type per kind, each with exactly the fields it needs
(``UploadRestartStep`` is a ``RestartStep``)."""

ServiceStep: TypeAlias = StopStep | StartStep | RestartStep
HaStep: TypeAlias = HaOffStep | HaRestoreStep
S = TypeVar("S", bound=_StepBase)


@dataclass(frozen=True)
class PlanWarning:
    """Something outside the cluster the admin must be told (catalog ``warnings``), or a unit
    the plan leaves alone and why."""

    code: str
    message: str

    def to_json(self) -> dict[str, str]:
        return {"code": self.code, "message": self.message}


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

    def of_type(self, *types: type[S]) -> tuple[S, ...]:  # one type, or several of a union S
        """The steps of these types, in plan order (typed, unlike ``of_kind``)."""
        return tuple(s for s in self.steps if isinstance(s, types))

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


class _Raw:
    """One step of a plan document, read key by key; a missing key is a damaged plan."""

    def __init__(self, raw: Mapping[str, Any]) -> None:
        self.raw = raw
        self.id = str(raw["id"])

    def text(self, key: str) -> str:
        value = self.raw.get(key)
        if not isinstance(value, str):
            raise ValueError(f"step {self.id} has no {key}: the plan is damaged; plan again")
        return value

    def optional(self, key: str) -> str | None:
        value = self.raw.get(key)
        return value if isinstance(value, str) else None

    def strings(self, key: str) -> tuple[str, ...]:
        return tuple(str(v) for v in self.raw.get(key) or ())

    def via(self) -> Via:
        return Via(self.raw.get("via") or Via.NONE.value)


def _service_step(raw: _Raw, kind: StepKind) -> ServiceStep:
    common: dict[str, Any] = {
        "id": raw.id,
        "reason": raw.raw.get("reason", ""),
        "node": raw.text("node"),
        "service": raw.text("service"),
        "via": raw.via(),
        "serves": raw.strings("serves"),
    }
    if kind is StepKind.STOP:
        return StopStep(**common)
    if kind is StepKind.START:
        return StartStep(**common)
    expect = raw.optional("expect")
    if expect is None:
        return RestartStep(**common)
    return UploadRestartStep(**common, start_time_before=expect or None)


def _verify_step(raw: _Raw, reason: str) -> Step:
    node = raw.optional("node")
    if node is None:
        return VerifyClusterStep(id=raw.id, reason=reason, codes=raw.strings("serves"))
    store = raw.optional("store")
    if store is not None:
        return VerifyTrustsGoneStep(
            id=raw.id, reason=reason, node=node, store=store, serials=raw.strings("serves")
        )
    return VerifyNodeStep(
        id=raw.id,
        reason=reason,
        node=node,
        units=raw.strings("serves"),
        uploaded_serial=raw.optional("expect"),
    )


def step_from_json(document: Mapping[str, Any]) -> Step:
    """The typed step of one entry of a plan document (the inverse of ``to_json``)."""
    raw = _Raw(document)
    kind = StepKind(document["kind"])
    reason = str(document.get("reason", ""))
    match kind:
        case StepKind.PREFLIGHT:
            return PreflightStep(id=raw.id, reason=reason)
        case StepKind.HA_WAIT:
            return HaWaitStep(id=raw.id, reason=reason)
        case StepKind.HA_OFF | StepKind.HA_RESTORE:
            want = "off" if kind is StepKind.HA_OFF else "on"
            if raw.optional("expect") not in (want, None):
                raise ValueError(
                    f"step {raw.id} expects HA {raw.raw.get('expect')!r}: the plan is damaged;"
                    " plan again"
                )
            cls = HaOffStep if kind is StepKind.HA_OFF else HaRestoreStep
            return cls(id=raw.id, reason=reason, group=raw.text("group"), via=raw.via())
        case StepKind.REGENERATE:
            return RegenerateStep(
                id=raw.id,
                reason=reason,
                node=raw.text("node"),
                unit=raw.text("unit"),
                replaces_serial=raw.text("expect"),
                via=raw.via(),
            )
        case StepKind.DELETE_TRUST:
            return DeleteTrustStep(
                id=raw.id,
                reason=reason,
                node=raw.text("node"),
                store=raw.text("store"),
                file=raw.text("file"),
                serial=raw.text("expect"),
                via=raw.via(),
            )
        case StepKind.IMPORT_TRUST:
            return ImportTrustStep(
                id=raw.id,
                reason=reason,
                node=raw.text("node"),
                store=raw.text("store"),
                unit=raw.text("unit"),
                source=raw.text("source"),
                expected_serial=raw.optional("expect"),
                via=raw.via(),
            )
        case StepKind.VERIFY:
            return _verify_step(raw, reason)
        case StepKind.STOP | StepKind.START | StepKind.RESTART:
            return _service_step(raw, kind)
    raise ValueError(f"step {raw.id}: unknown kind {kind.value!r}")


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
        steps=tuple(step_from_json(s) for s in raw["steps"]),
        warnings=tuple(PlanWarning(w["code"], w["message"]) for w in raw.get("warnings", ())),
        timing=PlanTiming(**raw.get("timing", {})),
        literal=bool(raw.get("literal", False)),
    )
