"""`plan_prune` read the way an admin reads §5: what is stopped, deleted, restarted and started,
where, in which order, and what each version spares.

The expectations are this file's own reading of docs/design/procedure.md §3 and §5 (the tables
below), not
the catalog's. Clusters come from `build.demo` (CUCM pub + sub, IM/P pub + three subs in two HA
groups) with trust entries added here.
"""
# Steps are read off the Step union; a step of the wrong kind fails the test.
# mypy: disable-error-code="union-attr"

from __future__ import annotations

from collections import Counter
from dataclasses import replace
from datetime import timedelta
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from builders import NOW, node_of, with_node
from uccert.model import (
    CertInfo,
    DeleteTrustStep,
    Plan,
    ReplicationState,
    RunState,
    ServiceState,
    Snapshot,
    Step,
    StepKind,
    TrustEntry,
    VerifyTrustsGoneStep,
    plan_from_json,
)
from uccert.plan import PlanError, PruneRequest, plan_prune

from .build import CUCM_NODES, IMP_NODES, NODES, demo, info, with_ha

CEM = "Cisco Certificate Expiry Monitor"
ICSA = "Cisco Intercluster Sync Agent"
CCN = "Cisco Certificate Change Notification"
TOMCAT = "Cisco Tomcat"
# §5.1 by version: (IM/P pre-stops, CUCM pre-stops when tomcat-trust loses a cert)
PRE_STOPS = {
    "10.5": ((CEM, ICSA, CCN), (CEM, CCN)),
    "11.5": ((CEM, ICSA), (CEM, CCN)),
    "12.5": ((), ()),
    "14.0": ((), ()),
}
# §5.4
AFTER = {
    "tomcat-trust": (TOMCAT,),
    "cup-trust": ("Cisco SIP Proxy", "Cisco Presence Engine"),
    "cup-xmpp-trust": ("Cisco XCP Router",),
}
OLD = 0x9001  # an old cucm-sub1 tomcat cert, expired, in every node's tomcat-trust
EXPIRED = NOW - timedelta(days=60)


def cert(store: str, cn: str, serial: int, *, expired: bool = False) -> CertInfo:
    c = replace(info(store, cn, serial), file=f"{store}/{cn}_{serial:x}.pem")
    return replace(c, not_after=EXPIRED) if expired else c


def entry(store: str, cn: str, serial: int, *, expired: bool = False, file: str = "") -> TrustEntry:
    c = cert(store, cn, serial, expired=expired)
    return TrustEntry(store, file or c.file, c)


def adding(snapshot: Snapshot, node: str, *entries: TrustEntry) -> Snapshot:
    return with_node(snapshot, node, trusts=(*node_of(snapshot, node).trusts, *entries))


def everywhere(
    snapshot: Snapshot, *entries: TrustEntry, nodes: tuple[str, ...] = NODES
) -> Snapshot:
    for name in nodes:
        snapshot = adding(snapshot, name, *entries)
    return snapshot


def cluster(version: str = "14.0", **ha: bool) -> Snapshot:
    """The demo with the old cucm-sub1 tomcat cert expired in every node's tomcat-trust."""
    snap = everywhere(
        demo(version), entry("tomcat-trust", "cucm-sub1.example.com", OLD, expired=True)
    )
    return with_ha(snap, **ha) if ha else snap


def prune(snapshot: Snapshot, **request: Any) -> Plan:
    return plan_prune(snapshot, PruneRequest(command="uccert trust prune", **request))


def of(plan: Plan, kind: StepKind) -> list[tuple[str | None, str | None]]:
    return [(s.node, s.service or s.store) for s in plan.of_kind(kind)]


def deletes(plan: Plan) -> list[tuple[str | None, str | None, str | None]]:
    return [(s.node, s.file, s.serial) for s in plan.of_type(DeleteTrustStep)]


def codes(plan: Plan) -> Counter[str]:
    return Counter(w.code for w in plan.warnings)


def messages(plan: Plan, code: str) -> str:
    return "\n".join(w.message for w in plan.warnings if w.code == code)


def expected_stops(version: str, stores: set[str]) -> list[tuple[str, str]]:
    imp, cucm = PRE_STOPS[version]
    out = [(n, s) for n in IMP_NODES for s in imp]
    if "tomcat-trust" in stores:
        out += [(n, s) for n in CUCM_NODES for s in cucm]
    elif version == "10.5":  # CCN everywhere before 11.0, whatever the store
        out += [(n, CCN) for n in CUCM_NODES]
    return out


# ------------------------------------------------------------------------------------------
# The version rules
# ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("version", list(PRE_STOPS))
def test_each_version_stops_what_it_needs_and_starts_it_again_in_reverse(version: str) -> None:
    plan = prune(cluster(version))
    stops = of(plan, StepKind.STOP)
    assert stops == expected_stops(version, {"tomcat-trust"})
    assert of(plan, StepKind.START) == stops[::-1]
    assert all(s.safety for s in plan.of_kind(StepKind.START))


@pytest.mark.parametrize("version", ["11.5", "12.5", "14.0"])
def test_from_11_0_a_cert_is_deleted_once_on_the_publisher(version: str) -> None:
    plan = prune(cluster(version))
    file = f"tomcat-trust/cucm-sub1.example.com_{OLD:x}.pem"
    assert deletes(plan) == [("cucm-pub", file, f"{OLD:x}")]
    spared = messages(plan, "skipped-by-version")
    assert "deleted once, on cucm-pub" in spared
    assert all(n in spared for n in NODES[1:])


def test_before_11_0_a_cert_is_deleted_on_every_node_holding_it() -> None:
    plan = prune(cluster("10.5"))
    assert [n for n, _, _ in deletes(plan)] == list(NODES)
    assert "deleted once" not in messages(plan, "skipped-by-version")


def test_from_12_0_no_pre_stop_and_the_skip_is_said() -> None:
    plan = prune(cluster("14.0"))
    assert plan.of_kind(StepKind.STOP) == ()
    spared = messages(plan, "skipped-by-version")
    for service in (CEM, ICSA, CCN):
        assert service in spared
    assert "IM/P" in spared and "CUCM" in spared


def test_11_5_says_ccn_is_spared_only_where_it_is_not_stopped_anyway() -> None:
    plan = prune(cluster("11.5"))
    spared = messages(plan, "skipped-by-version")
    cucm = [line for line in spared.splitlines() if "CUCM" in line]
    assert cucm == [], "11.5 stops CCN on CUCM for tomcat-trust: nothing skipped there"
    assert CCN in spared  # IM/P before 11.0 only


def test_ccn_on_cucm_stops_only_when_tomcat_trust_loses_a_cert() -> None:
    snap = everywhere(
        demo("11.5"), entry("cup-trust", "old-imp", 0x9100, expired=True), nodes=IMP_NODES
    )
    plan = prune(snap)
    assert of(plan, StepKind.STOP) == expected_stops("11.5", {"cup-trust"})
    assert not [n for n, _ in of(plan, StepKind.STOP) if n in CUCM_NODES]


@pytest.mark.parametrize("version", list(PRE_STOPS))
def test_every_node_that_lost_a_cert_restarts_what_the_store_needs_once(version: str) -> None:
    snap = cluster(version)
    for store, serial in (("cup-trust", 0x9100), ("cup-xmpp-trust", 0x9200)):
        snap = everywhere(snap, entry(store, "old-imp", serial, expired=True), nodes=IMP_NODES)
    snap = everywhere(snap, entry("tomcat-trust", "old-two", 0x9300, expired=True))
    plan = prune(snap)
    restarts = of(plan, StepKind.RESTART)
    assert Counter(restarts).most_common(1)[0][1] == 1, "a service restarted twice on a node"
    want = {(n, TOMCAT) for n in NODES}
    want |= {(n, s) for n in IMP_NODES for st in ("cup-trust", "cup-xmpp-trust") for s in AFTER[st]}
    assert set(restarts) == want
    # service by service, publisher first
    for service in {s for _, s in restarts}:
        nodes = [n for n, s in restarts if s == service]
        assert nodes == [n for n in NODES if n in nodes]


# ------------------------------------------------------------------------------------------
# Order, ids, HA, JSON
# ------------------------------------------------------------------------------------------

ORDER = [
    StepKind.PREFLIGHT,
    StepKind.HA_OFF,
    StepKind.HA_WAIT,
    StepKind.STOP,
    StepKind.DELETE_TRUST,
    StepKind.RESTART,
    StepKind.START,
    StepKind.VERIFY,
    StepKind.HA_RESTORE,
]


@pytest.mark.parametrize("version", list(PRE_STOPS))
def test_steps_come_in_the_procedures_order(version: str) -> None:
    plan = prune(cluster(version))
    ranks = [ORDER.index(s.kind) for s in plan.steps]
    assert ranks == sorted(ranks)
    assert plan.steps[0].id == "preflight"
    assert [s.id for s in plan.of_kind(StepKind.VERIFY)][-1] == "verify:cluster"


def test_ids_name_what_they_do() -> None:
    plan = prune(cluster("10.5"))
    ids = {s.id for s in plan.steps}
    assert f"delete-trust:imp-sub2:tomcat-trust:{OLD:x}" in ids
    assert "stop:imp-pub:Cisco Certificate Expiry Monitor" in ids
    assert "start:cucm-sub1:Cisco Certificate Change Notification" in ids
    assert "restart:imp-sub3:Cisco Tomcat" in ids
    assert "verify:cucm-pub:tomcat-trust" in ids
    assert len(ids) == len(plan.steps)


def test_ha_goes_off_around_the_work_and_back_exactly_where_it_was_on() -> None:
    plan = prune(cluster("11.5", prg_b=False))
    assert [s.group for s in plan.of_kind(StepKind.HA_OFF)] == ["prg-a"]
    assert [s.group for s in plan.of_kind(StepKind.HA_RESTORE)] == ["prg-a"]
    assert plan.steps[-1].kind is StepKind.HA_RESTORE


def test_no_ha_change_when_no_imp_node_stops_or_restarts() -> None:
    old = entry("ipsec-trust", "old-peer", 0x9400, expired=True)
    plan = prune(adding(demo("14.0"), "cucm-sub1", old))
    assert deletes(plan) == [("cucm-sub1", old.file, f"{0x9400:x}")]
    assert not plan.of_kind(StepKind.HA_OFF) and not plan.of_kind(StepKind.HA_WAIT)


def test_verify_steps_check_each_store_that_lost_a_cert_on_every_node() -> None:
    plan = prune(cluster("14.0"))
    verifies = {s.node: s for s in plan.of_type(VerifyTrustsGoneStep)}
    assert set(verifies) == set(NODES)
    assert all(v.store == "tomcat-trust" and v.serials == (f"{OLD:x}",) for v in verifies.values())


@pytest.mark.parametrize("version", list(PRE_STOPS))
def test_the_plan_survives_its_json_document(version: str) -> None:
    plan = prune(cluster(version), duplicates=True)
    assert plan_from_json(plan.to_json()) == plan


def test_nothing_to_delete_is_a_plan_of_the_preflight_alone() -> None:
    plan = prune(demo("14.0"))
    assert [s.kind for s in plan.steps] == [StepKind.PREFLIGHT]
    assert not plan.changes_anything


# ------------------------------------------------------------------------------------------
# Selection
# ------------------------------------------------------------------------------------------


def test_expired_is_judged_at_now_the_snapshots_time_by_default() -> None:
    soon = replace(cert("cup-trust", "soon", 0x9500), not_after=NOW + timedelta(days=3))
    snap = adding(demo("14.0"), "imp-pub", TrustEntry("cup-trust", soon.file, soon))
    assert not prune(snap).changes_anything
    later = plan_prune(snap, PruneRequest(), now=NOW + timedelta(days=4))
    assert deletes(later) == [("imp-pub", soon.file, f"{0x9500:x}")]


def test_store_and_subject_narrow_the_selection() -> None:
    file = f"Legacy_CA_{0x9600:x}.pem"  # the node writes the CN's spaces as '_'
    snap = everywhere(
        cluster("10.5"),
        entry("cup-trust", "Legacy CA", 0x9600, expired=True, file=f"cup-trust/{file}"),
        nodes=IMP_NODES,
    )
    by_store = prune(snap, store="cup-trust")
    assert {f for _, f, _ in deletes(by_store)} == {f"cup-trust/{file}"}
    by_subject = prune(snap, subject="^legacy")  # case-insensitive search in the CN
    assert {f for _, f, _ in deletes(by_subject)} == {f"cup-trust/{file}"}
    assert not prune(snap, subject="nothing-like-this").changes_anything


def test_a_file_the_cli_cannot_name_is_never_deleted() -> None:
    name = "cup-trust/Legacy CA (old).pem"
    odd = entry("cup-trust", "Legacy CA", 0x9601, expired=True, file=name)
    snap = everywhere(cluster("10.5"), odd, nodes=IMP_NODES)
    assert not prune(snap, store="cup-trust").changes_anything


def test_nodes_narrow_the_deletes_but_not_the_pre_stops_before_11_0() -> None:
    plan = prune(cluster("10.5"), nodes="imp")
    assert [n for n, _, _ in deletes(plan)] == list(IMP_NODES)
    assert of(plan, StepKind.STOP) == expected_stops("10.5", {"tomcat-trust"})


def test_from_11_0_a_delete_that_would_reach_outside_nodes_is_refused() -> None:
    plan = prune(cluster("14.0"), nodes="imp")
    assert not plan.changes_anything
    refused = messages(plan, "refused")
    assert "outside --nodes" in refused and "cucm-pub" in refused


def test_duplicates_keep_the_copy_the_cluster_knows_and_delete_the_other() -> None:
    snap = demo("14.0")
    pub_tomcat = node_of(snap, "cucm-pub").identity("tomcat")
    assert pub_tomcat is not None
    common = replace(pub_tomcat, unit="tomcat-trust", file="tomcat-trust/cucm-pub_1.pem")
    snap = everywhere(snap, TrustEntry("tomcat-trust", common.file, common))
    legacy = TrustEntry("tomcat-trust", "tomcat-trust/cucm-pub.pem", replace(common, file="x"))
    snap = with_node(snap, "imp-pub", trusts=(legacy, *node_of(snap, "imp-pub").trusts))
    plan = prune(snap, expired=False, duplicates=True)
    assert deletes(plan) == [("imp-pub", "tomcat-trust/cucm-pub.pem", pub_tomcat.serial)]
    (verify,) = plan.of_type(VerifyTrustsGoneStep)
    assert verify.serials == (), "the cert stays in the store: no serial is gone"


def test_the_kept_copy_is_the_name_other_nodes_use_wherever_it_is_listed() -> None:
    old = entry("tomcat-trust", "peer", 0x9700)
    snap = everywhere(demo("14.0"), old)  # one copy everywhere ...
    other = TrustEntry("tomcat-trust", "tomcat-trust/peer-other.pem", old.cert)
    last = adding(snap, "imp-pub", other)  # ... and a second name on imp-pub
    first = with_node(snap, "imp-pub", trusts=(other, *node_of(snap, "imp-pub").trusts))
    for variant in (last, first):
        plan = prune(variant, expired=False, duplicates=True)
        assert deletes(plan) == [("imp-pub", other.file, old.cert.serial)]


def test_from_11_0_an_extra_copy_is_refused_where_its_delete_reaches_a_sole_copy() -> None:
    """imp-pub holds the cert as a.pem and b.pem; cucm-pub has only a.pem, imp-sub1 only b.pem.
    Whichever copy goes, 14.0 propagates the delete to a node where it is the only one."""
    c = cert("tomcat-trust", "peer", 0x9710)
    a, b = (TrustEntry("tomcat-trust", f"tomcat-trust/{n}.pem", c) for n in ("a", "b"))
    snap = adding(adding(adding(demo("14.0"), "imp-pub", a, b), "cucm-pub", a), "imp-sub1", b)
    plan = prune(snap, expired=False, duplicates=True)
    assert not plan.changes_anything
    refused = messages(plan, "refused")
    assert "tomcat-trust/b.pem" in refused and "imp-sub1" in refused
    # before 11.0 the delete stays on imp-pub: nothing else loses it
    old = prune(
        adding(adding(adding(demo("10.5"), "imp-pub", a, b), "cucm-pub", a), "imp-sub1", b),
        expired=False,
        duplicates=True,
    )
    assert deletes(old) == [("imp-pub", b.file, c.serial)]


def test_expired_and_duplicates_together_delete_every_copy_of_an_expired_cert() -> None:
    old = entry("cup-trust", "old", 0x9800, expired=True)
    twin = TrustEntry("cup-trust", "cup-trust/old.pem", old.cert)
    snap = adding(demo("10.5"), "imp-pub", old, twin)
    plan = prune(snap, duplicates=True)
    assert [f for _, f, _ in deletes(plan)] == [old.file, twin.file]
    assert len({s.id for s in plan.of_kind(StepKind.DELETE_TRUST)}) == 2


# ------------------------------------------------------------------------------------------
# Pre-stop services that do not run, bad requests, unread nodes
# ------------------------------------------------------------------------------------------


def test_a_pre_stop_service_already_stopped_is_left_as_it_was() -> None:
    snap = cluster("11.5")
    services = (*node_of(snap, "imp-sub1").services, ServiceState(ICSA, RunState.STOPPED))
    snap = with_node(snap, "imp-sub1", services=services)
    plan = prune(snap)
    assert ("imp-sub1", ICSA) not in of(plan, StepKind.STOP)
    assert ("imp-sub1", ICSA) not in of(plan, StepKind.START)
    assert "Cisco Intercluster Sync Agent on imp-sub1 (Stopped)" in messages(
        plan, "pre-stop-not-running"
    )


@pytest.mark.parametrize(
    ("request_", "words"),
    [
        (PruneRequest(expired=False, duplicates=False), "--expired"),
        (PruneRequest(store="Phone-trust"), "--store"),
        (PruneRequest(subject="(unclosed"), "--subject"),
        (PruneRequest(nodes=("imp-sub9",)), "imp-sub9"),
    ],
)
def test_bad_requests_stop_before_planning(request_: PruneRequest, words: str) -> None:
    with pytest.raises(PlanError, match=words):
        plan_prune(cluster(), request_)


def test_every_node_must_be_read() -> None:
    snap = with_node(cluster(), "imp-sub3", error="SSH timed out", trusts=(), identities=())
    with pytest.raises(PlanError, match=r"imp-sub3 .* could not be read"):
        prune(snap, nodes="cucm")


def _plan_steps(plan: Plan, kind: StepKind) -> list[Step]:
    return list(plan.of_kind(kind))


def test_stop_and_start_steps_use_control_center_and_name_the_stores() -> None:
    plan = prune(cluster("11.5"))
    for step in (*_plan_steps(plan, StepKind.STOP), *_plan_steps(plan, StepKind.START)):
        assert step.via.value == "soap"
        assert step.serves == ("tomcat-trust",)


# ------------------------------------------------------------------------------------------
# Properties over random clusters and requests
# ------------------------------------------------------------------------------------------

POOL = [  # (store, CN, serial, expired): what random clusters hold
    ("tomcat-trust", "old-a", 0xC001, True),
    ("tomcat-trust", "peer-b", 0xC002, False),
    ("cup-trust", "old-c", 0xC003, True),
    ("cup-xmpp-trust", "peer-d", 0xC004, False),
    ("ipsec-trust", "old-e", 0xC005, True),
]


@st.composite
def random_cases(draw: st.DrawFn) -> tuple[Snapshot, PruneRequest]:
    snap = demo(draw(st.sampled_from(list(PRE_STOPS))))
    snap = with_ha(snap, prg_a=draw(st.booleans()), prg_b=draw(st.booleans()))
    for store, cn, serial, old in draw(st.lists(st.sampled_from(POOL), max_size=4, unique=True)):
        e = entry(store, cn, serial, expired=old)
        holders = draw(st.lists(st.sampled_from(NODES), min_size=1, max_size=6, unique=True))
        for name in holders:
            if store in ("cup-trust", "cup-xmpp-trust") and name in CUCM_NODES:
                continue
            copies = [e]
            if draw(st.booleans()):
                copies.append(TrustEntry(store, f"{store}/{cn}-copy.pem", e.cert))
            snap = adding(snap, name, *copies)
    scopes: list[str | tuple[str, ...]] = ["all", "imp", "cucm", ("imp-pub", "imp-sub2")]
    scope = draw(st.sampled_from(scopes))
    expired, duplicates = draw(st.sampled_from([(True, False), (False, True), (True, True)]))
    return snap, PruneRequest(expired=expired, duplicates=duplicates, nodes=scope)


def _scope(request: PruneRequest) -> set[str]:
    if isinstance(request.nodes, tuple):
        return set(request.nodes)
    return {n for n in NODES if request.nodes == "all" or n.startswith(request.nodes)}


@settings(max_examples=80, deadline=None)
@given(random_cases())
def test_whatever_is_asked_the_plan_keeps_the_procedures_shape(
    case: tuple[Snapshot, PruneRequest],
) -> None:
    snap, request = case
    plan = plan_prune(snap, request)
    ranks = [ORDER.index(s.kind) for s in plan.steps]
    assert ranks == sorted(ranks)
    assert max(Counter(of(plan, StepKind.RESTART)).values(), default=0) <= 1
    assert of(plan, StepKind.START) == of(plan, StepKind.STOP)[::-1]
    assert {s.node for s in plan.of_kind(StepKind.DELETE_TRUST)} <= _scope(request)
    assert [s.group for s in plan.of_kind(StepKind.HA_OFF)] == [
        s.group for s in plan.of_kind(StepKind.HA_RESTORE)
    ]
    on = {g.name for g in snap.groups if g.ha_enabled}
    assert {s.group for s in plan.of_kind(StepKind.HA_OFF)} <= on
    owned = {c.serial for n in snap.nodes for c in n.identities}
    for s in plan.of_type(DeleteTrustStep):
        held = [t for t in node_of(snap, s.node).trusts_in(s.store)]
        if s.serial in owned:  # only an extra copy of a node's current cert may go
            assert sum(t.cert.serial == s.serial for t in held) > 1
    if not request.expired:
        for s in plan.of_type(DeleteTrustStep):
            copies = node_of(snap, s.node).trusts_in(s.store)
            assert sum(t.cert.serial == s.serial for t in copies) > 1, "a sole copy went"
        gone = [v for v in plan.of_type(VerifyTrustsGoneStep) if v.serials]
        assert gone == [], "duplicates alone must leave one copy on every node, peers included"
    assert plan_from_json(plan.to_json()) == plan


def test_a_prune_is_refused_on_broken_replication_unless_forced() -> None:
    """Deletes propagate through database replication (from 11.0): a node whose replication is
    not good refuses the prune with the repair, as a regeneration does."""
    states = (
        ReplicationState("cucm-pub", 2, "Setup Completed"),
        ReplicationState("cucm-sub1", 3, ""),
    )
    snap = with_node(demo(), "cucm-pub", replication=states)
    with pytest.raises(PlanError, match=r"cucm-sub1 is \(3\).*--force-replication"):
        plan_prune(snap, PruneRequest(expired=True))
    forced = plan_prune(snap, PruneRequest(expired=True, force_replication=True))
    assert [w for w in forced.warnings if w.code == "replication-forced"]
    assert forced.steps == plan_prune(demo(), PruneRequest(expired=True)).steps
