"""The exporter's pure core: a read's effect on a cluster's state, and the samples served."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from builders import NOW, node_of, with_node
from checks.build import FQDNS, cert, healthy_cluster, trust
from uccert.exporter.samples import (
    FAMILIES,
    FINDINGS,
    HA_ENABLED,
    LAST_RUN_END,
    LAST_RUN_START,
    LAST_RUN_STATUS,
    LAST_SUCCESS,
    NODE_READ,
    NODE_WARNINGS,
    NOT_AFTER,
    NOT_BEFORE,
    READ_DURATION,
    READ_SUCCESS,
    ClusterState,
    Family,
    ReadResult,
    Sample,
    advance,
    last_runs,
    samples,
)
from uccert.model import Snapshot
from uccert.run.records import RunStatus, RunSummary

pytestmark = pytest.mark.pure  # in `make check`: needs no lab and no network

LATER = NOW + timedelta(minutes=15)


def good(snap: Snapshot, at: object = NOW, duration: float = 2.5) -> ReadResult:
    return ReadResult(snap.cluster, snap, None, duration, at)  # type: ignore[arg-type]


def failed(error: str = "connection refused", at: object = LATER) -> ReadResult:
    return ReadResult("lab", None, error, 30.0, at)  # type: ignore[arg-type]


def table(found: tuple[Sample, ...], family: Family) -> dict[tuple[str, ...], float]:
    rows = [s for s in found if s.family is family]
    out = {s.labels: s.value for s in rows}
    assert len(out) == len(rows), f"{family.name}: the same series twice"
    return out


def labelled(row: tuple[str, ...], family: Family) -> dict[str, str]:
    return dict(zip(family.labels, row, strict=True))


def test_every_identity_and_trust_cert_is_a_not_after_and_not_before_series() -> None:
    snap = healthy_cluster()
    found = samples([advance(None, good(snap), 30)])
    after, before = table(found, NOT_AFTER), table(found, NOT_BEFORE)
    certs = [
        (n.node.name, c) for n in snap.nodes for c in (*n.identities, *(t.cert for t in n.trusts))
    ]
    assert len(after) == len(before) == len(certs)
    tomcat = node_of(snap, "imp-sub1").identity("tomcat")
    assert tomcat is not None
    key: tuple[str, ...] = ("lab", "imp-sub1", "identity", "tomcat", "", "tomcat.pem")
    key += (tomcat.subject_cn, tomcat.issuer_cn, "self")
    assert after[key] == tomcat.not_after.timestamp()
    assert before[key] == tomcat.not_before.timestamp()
    ipsec_trust = [labelled(k, NOT_AFTER) for k in after if k[2] == "trust"]
    assert {t["store"] for t in ipsec_trust} == {"ipsec-trust"}
    assert all(t["unit"] == "" and t["subject_CN"] == FQDNS["cucm-pub"] for t in ipsec_trust)


def test_a_ca_signed_cert_is_labelled_ca_with_its_issuer() -> None:
    signed = cert("tomcat", FQDNS["imp-pub"], serial=9, issuer_cn="Corp Issuing CA")
    snap = with_node(
        healthy_cluster(),
        "imp-pub",
        identities=tuple(
            signed if c.unit == "tomcat" else c
            for c in node_of(healthy_cluster(), "imp-pub").identities
        ),
    )
    after = table(samples([advance(None, good(snap), 30)]), NOT_AFTER)
    row = next(labelled(k, NOT_AFTER) for k in after if k[1] == "imp-pub" and k[3] == "tomcat")
    assert (row["signed"], row["issuer_CN"]) == ("ca", "Corp Issuing CA")


def test_no_label_holds_a_serial_or_fingerprint() -> None:
    snap = healthy_cluster()
    found = samples([advance(None, good(snap), 30)])
    secrets_of_identity = {c.serial for n in snap.nodes for c in n.identities}
    secrets_of_identity |= {c.sha256 for n in snap.nodes for c in n.identities}
    assert not {v for s in found for v in s.labels} & secrets_of_identity
    assert all("serial" not in f.labels for f in FAMILIES)


def test_a_regenerated_cert_replaces_its_series_instead_of_adding_one() -> None:
    snap = healthy_cluster()
    state = advance(None, good(snap), 30)
    new = cert("cup", FQDNS["imp-sub1"], serial=0xBEEF, not_after=NOW + timedelta(days=700))
    ids = tuple(new if c.unit == "cup" else c for c in node_of(snap, "imp-sub1").identities)
    state = advance(state, good(with_node(snap, "imp-sub1", identities=ids), LATER), 30)
    after = table(samples([state]), NOT_AFTER)
    cups = [v for k, v in after.items() if k[1] == "imp-sub1" and k[3] == "cup"]
    assert cups == [new.not_after.timestamp()]


def test_two_certs_with_the_same_labels_give_one_series_the_earliest_expiry() -> None:
    snap = healthy_cluster()
    pub_ipsec = node_of(snap, "cucm-pub").identity("ipsec")
    assert pub_ipsec is not None
    older = replace(pub_ipsec, not_after=NOW + timedelta(days=3), serial="77")
    twice = (*node_of(snap, "imp-pub").trusts, trust("ipsec-trust", older, "cucm-pub.pem"))
    snap = with_node(snap, "imp-pub", trusts=twice)
    after = table(samples([advance(None, good(snap), 30)]), NOT_AFTER)
    mine = [v for k, v in after.items() if k[1] == "imp-pub" and k[2] == "trust"]
    assert mine == [older.not_after.timestamp()]


def test_findings_are_counted_by_node_code_and_severity() -> None:
    snap = healthy_cluster()
    soon = NOW + timedelta(days=5)
    ids = tuple(
        replace(c, not_after=soon) if c.unit in ("cup", "cup-xmpp") else c
        for c in node_of(snap, "imp-sub1").identities
    )
    snap = with_node(snap, "imp-sub1", identities=ids)
    snap = replace(snap, groups=(replace(snap.groups[0], ha_enabled=False),))
    state = advance(None, good(snap), 30)
    assert table(samples([state]), FINDINGS) == {
        ("lab", "imp-sub1", "identity-expiring", "warning"): 2.0,
        ("lab", "", "ha-disabled", "warning"): 1.0,
    }
    assert table(samples([state]), HA_ENABLED) == {("lab", "prg1"): 0.0}


def test_the_warn_window_is_the_one_given() -> None:
    snap = healthy_cluster()
    in_40_days = NOW + timedelta(days=40)
    ids = tuple(
        replace(c, not_after=in_40_days) if c.unit == "tomcat" else c
        for c in node_of(snap, "imp-pub").identities
    )
    snap = with_node(snap, "imp-pub", identities=ids)
    assert not table(samples([advance(None, good(snap), 30)]), FINDINGS)
    assert table(samples([advance(None, good(snap), 60)]), FINDINGS)


def test_a_good_read_reports_success_duration_and_when() -> None:
    state = advance(None, good(healthy_cluster(), duration=4.25), 30)
    found = samples([state])
    assert table(found, READ_SUCCESS) == {("lab",): 1.0}
    assert table(found, READ_DURATION) == {("lab",): 4.25}
    assert table(found, LAST_SUCCESS) == {("lab",): NOW.timestamp()}
    assert set(table(found, NODE_READ).values()) == {1.0}
    assert len(table(found, NODE_READ)) == len(FQDNS)
    assert set(table(found, NODE_WARNINGS).values()) == {0.0}


def test_a_failed_read_keeps_the_last_good_values_and_sets_success_to_0() -> None:
    first = advance(None, good(healthy_cluster()), 30)
    second = advance(first, failed(), 30)
    before, after = samples([first]), samples([second])
    for family in (NOT_AFTER, NOT_BEFORE, FINDINGS, HA_ENABLED, LAST_SUCCESS, NODE_WARNINGS):
        assert table(after, family) == table(before, family), family.name
    assert table(after, READ_SUCCESS) == {("lab",): 0.0}
    assert table(after, READ_DURATION) == {("lab",): 30.0}
    assert set(table(after, NODE_READ).values()) == {0.0}
    assert second.error == "connection refused"


def test_a_failed_first_read_has_only_the_read_metrics() -> None:
    found = samples([advance(None, failed(), 30)])
    assert {s.family for s in found} == {READ_SUCCESS, READ_DURATION}
    assert table(found, READ_SUCCESS) == {("lab",): 0.0}


def test_a_cluster_whose_publisher_cannot_list_its_nodes_is_a_failed_read() -> None:
    first = advance(None, good(healthy_cluster()), 30)
    only_pub = replace(
        healthy_cluster(),
        nodes=(replace(node_of(healthy_cluster(), "cucm-pub"), error="cannot list nodes: EOF"),),
        taken_at=LATER,
    )
    state = advance(first, good(only_pub, LATER), 30)
    assert not state.success and state.error == "cannot list nodes: EOF"
    assert table(samples([state]), NOT_AFTER) == table(samples([first]), NOT_AFTER)


def test_an_unreachable_node_keeps_its_last_certs_and_reads_as_0() -> None:
    snap = healthy_cluster()
    first = advance(None, good(snap), 30)
    down = with_node(snap, "imp-sub1", identities=(), trusts=(), services=(), error="refused")
    second = advance(first, good(down, LATER), 30)
    found = samples([second])
    assert table(found, NOT_AFTER) == table(samples([first]), NOT_AFTER)
    reads = table(found, NODE_READ)
    assert reads[("lab", "imp-sub1")] == 0.0
    assert reads[("lab", "imp-pub")] == 1.0
    assert table(found, READ_SUCCESS) == {("lab",): 1.0}
    assert table(found, FINDINGS)[("lab", "imp-sub1", "node-unreachable", "error")] == 1.0
    # and once it is read again, it counts as read
    third = advance(second, good(snap, LATER + timedelta(minutes=15)), 30)
    assert table(samples([third]), NODE_READ)[("lab", "imp-sub1")] == 1.0


def test_a_node_never_read_has_no_certs_but_a_failed_node_read() -> None:
    down = with_node(healthy_cluster(), "imp-sub1", identities=(), trusts=(), error="refused")
    found = samples([advance(None, good(down), 30)])
    assert not [k for k in table(found, NOT_AFTER) if k[1] == "imp-sub1"]
    assert table(found, NODE_READ)[("lab", "imp-sub1")] == 0.0


def test_read_warnings_are_counted_per_node() -> None:
    snap = with_node(healthy_cluster(), "imp-pub", warnings=("a.pem: unreadable", "line 3"))
    found = table(samples([advance(None, good(snap), 30)]), NODE_WARNINGS)
    assert found[("lab", "imp-pub")] == 2.0 and found[("lab", "imp-sub1")] == 0.0


def run(cluster: str, status: RunStatus, minutes: int, took: int | None = None) -> RunSummary:
    started = NOW + timedelta(minutes=minutes)
    ended = None if took is None else started + timedelta(minutes=took)
    return RunSummary(f"r{minutes}", status, started, "regen apply", cluster, 1, "", ended)


def test_the_last_run_of_each_cluster_is_its_latest() -> None:
    runs = [
        run("lab", RunStatus.SUCCEEDED, 0),
        run("lab", RunStatus.FAILED, 30),
        run("east", RunStatus.INTERRUPTED, 10),
    ]
    latest = last_runs(runs)
    assert {c: r.id for c, r in latest.items()} == {"lab": "r30", "east": "r10"}


def test_the_last_run_is_one_series_per_status_and_a_start_time() -> None:
    state = advance(None, good(healthy_cluster()), 30)
    other = advance(None, ReadResult("west", None, "refused", 1.0, NOW), 30)
    runs = last_runs(
        [run("lab", RunStatus.FAILED, 30, took=5), run("gone", RunStatus.SUCCEEDED, 1, took=2)]
    )
    found = samples([state, other], runs)
    status = table(found, LAST_RUN_STATUS)
    assert status == {("lab", s.value): float(s is RunStatus.FAILED) for s in RunStatus}
    assert table(found, LAST_RUN_START) == {("lab",): (NOW + timedelta(minutes=30)).timestamp()}
    assert table(found, LAST_RUN_END) == {("lab",): (NOW + timedelta(minutes=35)).timestamp()}


def test_a_run_not_ended_has_no_end_time_series() -> None:
    state = advance(None, good(healthy_cluster()), 30)
    found = samples([state], last_runs([run("lab", RunStatus.INTERRUPTED, 0)]))
    assert table(found, LAST_RUN_START) and not table(found, LAST_RUN_END)


def test_a_sample_with_the_wrong_number_of_labels_is_refused() -> None:
    with pytest.raises(ValueError, match="takes 1 label values, got 2"):
        Sample(READ_SUCCESS, ("lab", "extra"), 1.0)


def test_families_are_unique_gauges_named_in_prometheus_style() -> None:
    names = [f.name for f in FAMILIES]
    assert len(set(names)) == len(names)
    assert all(n.startswith("uccert_") and n == n.lower() for n in names)
    assert all(not n.endswith("_total") for n in names), "gauges, not counters"


@given(
    st.lists(st.one_of(st.none(), st.integers(min_value=0, max_value=3)), min_size=1, max_size=12)
)
def test_any_sequence_of_reads_serves_the_last_good_certs(reads: list[int | None]) -> None:
    """Each read is a failure (None) or a good read where the cluster's certs were renewed
    N times; whatever the sequence, the certs served are those of the last good read, and
    read-success says whether the very last read was good."""
    base = healthy_cluster()
    state: ClusterState | None = None
    last_good: Snapshot | None = None
    for i, renewed in enumerate(reads):
        at = NOW + timedelta(minutes=15 * i)
        if renewed is None:
            state = advance(state, failed(at=at), 30)
            continue
        snap = with_node(
            base,
            "imp-pub",
            identities=tuple(
                replace(c, not_after=c.not_after + timedelta(days=renewed))
                for c in node_of(base, "imp-pub").identities
            ),
        )
        state = advance(state, good(snap, at), 30)
        last_good = snap
    assert state is not None
    found = samples([state])
    assert table(found, READ_SUCCESS) == {("lab",): float(reads[-1] is not None)}
    if last_good is None:
        assert not table(found, NOT_AFTER)
    else:
        expected = table(samples([advance(None, good(last_good), 30)]), NOT_AFTER)
        assert table(found, NOT_AFTER) == expected
