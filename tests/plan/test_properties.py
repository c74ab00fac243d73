"""Properties over random requests and clusters: whatever is asked, every regenerated cert gets
the restarts §1 names for it, nothing restarts for no reason, and HA comes back as it was."""
# Steps are read off the Step union; a step of the wrong kind fails the test.
# mypy: disable-error-code="union-attr"
# § numbers in this module are sections of docs/design/procedure.md (§N.M: step M of §N).

from __future__ import annotations

from collections import Counter

from hypothesis import given, settings
from hypothesis import strategies as st

from builders import node_of
from uccert.model import HaStep, Plan, Product, Snapshot, StepKind, plan_from_json
from uccert.plan import PlanError, RegenRequest, plan_regen

from .build import (
    ALL_UNITS,
    DRF_LOCAL,
    DRF_MASTER,
    GROUPS,
    NODES,
    ca_signed,
    demo,
    dependents,
    drf_master_node,
    has_unit,
    with_ha,
)

SCOPES = st.one_of(
    st.sampled_from(["imp", "cucm", "all"]),
    st.lists(st.sampled_from(NODES), min_size=1, max_size=4, unique=True).map(tuple),
)
FEATURES = st.frozensets(st.sampled_from(["sip_federation", "xmpp_federation", "sso"]))


@st.composite
def cases(draw: st.DrawFn) -> tuple[Snapshot, RegenRequest]:
    version = draw(st.sampled_from(["14.0", "12.5", "11.5", "10.5", "9.1"]))
    snap = demo(version, draw(FEATURES))
    snap = with_ha(snap, prg_a=draw(st.booleans()), prg_b=draw(st.booleans()))
    for name, unit in draw(
        st.lists(st.tuples(st.sampled_from(NODES), st.sampled_from(ALL_UNITS)), max_size=4)
    ):
        if node_of(snap, name).identity(unit) is not None:
            snap = ca_signed(snap, name, unit)
    units = tuple(draw(st.lists(st.sampled_from(ALL_UNITS), min_size=1, unique=True)))
    request = RegenRequest(units, draw(SCOPES), draw(st.booleans()), draw(st.booleans()))
    return snap, request


def in_scope(snap: Snapshot, scope: tuple[str, ...] | str) -> list[str]:
    if scope == "all":
        return list(NODES)
    if isinstance(scope, str):
        return [n.node.name for n in snap.nodes if n.node.product.value == scope]
    return list(scope)


def expected_regenerations(snap: Snapshot, request: RegenRequest) -> set[tuple[str, str]]:
    out = set()
    for name in in_scope(snap, request.nodes):
        n = node_of(snap, name)
        for unit in request.units:
            cert = n.identity(unit)
            if not has_unit(n.node, unit) or cert is None:
                continue
            if cert.self_signed or request.force_self_signed:
                out.add((name, unit))
    return out


def plan_or_refusal(snap: Snapshot, request: RegenRequest) -> Plan | None:
    nodes = [node_of(snap, n).node for n in in_scope(snap, request.nodes)]
    exists = any(has_unit(n, u) for n in nodes for u in request.units)
    try:
        plan = plan_regen(snap, request)
    except PlanError as err:
        assert not exists, f"refused although a unit exists in scope: {err}"
        return None
    assert exists, "planned although no unit exists in scope"
    return plan


@settings(max_examples=200, deadline=None)
@given(cases())
def test_every_regeneration_gets_its_restarts_and_every_restart_serves_one(
    case: tuple[Snapshot, RegenRequest],
) -> None:
    snap, request = case
    plan = plan_or_refusal(snap, request)
    if plan is None:
        return
    steps = enumerate(plan.steps)
    regens = {(s.node, s.unit): i for i, s in steps if s.kind is StepKind.REGENERATE}
    assert set(regens) == expected_regenerations(snap, request)
    restarts = [(i, s) for i, s in enumerate(plan.steps) if s.kind is StepKind.RESTART]
    # every regenerated (node, unit) has each §1 service restarted after it, serving it
    for (name, unit), at in regens.items():
        assert name is not None and unit is not None
        node = node_of(snap, name).node
        for service in dependents(unit, node, snap.features):
            assert any(
                s.node == name and s.service == service and unit in s.serves and i > at
                for i, s in restarts
            ), f"{name}: {service} not restarted after {unit}"
        # DRF Master on the node serving it, after the change and before any DRF Local
        host = drf_master_node(unit, node)
        if host is not None:
            masters = [
                i
                for i, s in restarts
                if s.node == host and s.service == DRF_MASTER and f"{name}/{unit}" in s.serves
            ]
            assert masters and all(i > at for i in masters), f"{host}: no DRF Master for {name}"
            if not request.literal:
                assert all(i > masters[0] for i, s in restarts if s.service == DRF_LOCAL)
    # no restart without a regeneration that needs it
    for _, s in restarts:
        assert s.serves
        for entry in s.serves:
            owner, _, unit = entry.rpartition("/")
            if owner:
                assert (owner, unit) in regens, f"{s.id} serves {entry}, not regenerated"
                assert s.service == DRF_MASTER
                assert s.node == drf_master_node(unit, node_of(snap, owner).node)
                continue
            assert (s.node, unit) in regens, f"{s.id} serves {unit}, not regenerated there"
            node = node_of(snap, s.node or "").node
            assert s.service in dependents(unit, node, snap.features)


@settings(max_examples=100, deadline=None)
@given(cases())
def test_restart_counts_merged_once_literal_once_per_unit(
    case: tuple[Snapshot, RegenRequest],
) -> None:
    snap, request = case
    plan = plan_or_refusal(snap, request)
    if plan is None:
        return
    counts = Counter((s.node, s.service) for s in plan.of_kind(StepKind.RESTART))
    if not request.literal:
        assert all(n == 1 for n in counts.values())
        return
    needed: Counter[tuple[str | None, str | None]] = Counter()
    masters: set[tuple[str, str]] = set()  # (unit round, host): one DRF Master restart each
    for s in plan.of_kind(StepKind.REGENERATE):
        node = node_of(snap, s.node or "").node
        for service in dependents(s.unit or "", node, snap.features):
            needed[(s.node, service)] += 1
        host = drf_master_node(s.unit or "", node)
        if host is not None:
            masters.add((s.unit or "", host))
    for _, host in masters:
        needed[(host, DRF_MASTER)] += 1
    assert counts == needed


@settings(max_examples=100, deadline=None)
@given(cases())
def test_ha_is_off_exactly_where_it_was_on_around_imp_restarts_and_restored(
    case: tuple[Snapshot, RegenRequest],
) -> None:
    snap, request = case
    plan = plan_or_refusal(snap, request)
    if plan is None:
        return
    restarted = {
        s.node
        for s in plan.of_kind(StepKind.RESTART)
        if node_of(snap, s.node or "").node.product is Product.IMP
    }
    wanted = {g.name for g in snap.groups if g.ha_enabled and restarted & set(GROUPS[g.name])}
    offs = [s.group for s in plan.of_kind(StepKind.HA_OFF)]
    restores = [s.group for s in plan.of_kind(StepKind.HA_RESTORE)]
    assert set(offs) == wanted and set(restores) == wanted
    assert Counter(offs) == Counter(restores)
    # every restart on an IM/P node of a group with HA on happens while HA is off
    steps = list(plan.steps)
    for i, s in enumerate(steps):
        if s.kind is not StepKind.RESTART or s.node not in restarted:
            continue
        for g in snap.groups:
            if g.ha_enabled and s.node in GROUPS[g.name]:
                before = [x for x in steps[:i] if isinstance(x, HaStep) and x.group == g.name]
                assert before and before[-1].kind is StepKind.HA_OFF, s.id
                waits = [x for x in steps[:i] if x.kind is StepKind.HA_WAIT]
                assert waits and steps.index(waits[-1]) > steps.index(before[-1])


@settings(max_examples=100, deadline=None)
@given(cases())
def test_publisher_first_per_service_and_the_plan_round_trips_through_json(
    case: tuple[Snapshot, RegenRequest],
) -> None:
    snap, request = case
    plan = plan_or_refusal(snap, request)
    if plan is None:
        return
    order = {n: i for i, n in enumerate(NODES)}  # the demo lists nodes in procedure order
    rounds: dict[tuple[str | None, str], list[str]] = {}
    for s in plan.of_kind(StepKind.RESTART):
        key = (s.service, s.id.split(":")[3] if plan.literal else "")
        rounds.setdefault(key, []).append(s.node or "")
    for nodes in rounds.values():
        assert nodes == sorted(nodes, key=order.__getitem__)
    assert plan_from_json(plan.to_json()) == plan
