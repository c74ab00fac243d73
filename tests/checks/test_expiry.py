"""Expired and expiring identity certs, expired trust certs."""

from __future__ import annotations

from datetime import timedelta

from hypothesis import given
from hypothesis import strategies as st

from builders import NOW, node_of, with_node
from uccert.checks import run_checks
from uccert.model import CertInfo, Severity

from .build import FQDNS, cert, healthy_cluster, trust


def with_tomcat(c: CertInfo, name: str = "imp-sub1") -> object:
    snap = healthy_cluster()
    others = tuple(i for i in node_of(snap, name).identities if i.unit != "tomcat")
    return with_node(snap, name, identities=(*others, c))


def codes(snapshot: object, warn_days: int = 30) -> list[str]:
    return [f.code for f in run_checks(snapshot, NOW, warn_days)]  # type: ignore[arg-type]


def test_expired_self_signed_tomcat_is_an_error_fixed_by_regen() -> None:
    old = cert("tomcat", FQDNS["imp-sub1"], serial=5, not_after=NOW - timedelta(days=1))
    [f] = run_checks(with_tomcat(old), NOW)  # type: ignore[arg-type]
    assert (f.code, f.severity, f.node, f.subject) == (
        "identity-expired",
        Severity.ERROR,
        "imp-sub1",
        "tomcat",
    )
    assert "tomcat.pem" in f.message and "imp-sub1" in f.message
    assert "`uccert regen apply --units tomcat`" in f.fix


def test_expiring_ca_signed_multi_server_cert_says_not_to_regenerate() -> None:
    san = cert(
        "tomcat",
        FQDNS["imp-sub1"],
        serial=6,
        issuer_cn="Corp CA",
        sans=(FQDNS["cucm-pub"], FQDNS["imp-sub1"]),
        not_after=NOW + timedelta(days=10),
    )
    [f] = run_checks(with_tomcat(san), NOW)  # type: ignore[arg-type]
    assert (f.code, f.severity) == ("identity-expiring", Severity.WARNING)
    assert "multi-server CSR" in f.fix and "do not regenerate" in f.fix


def test_expiring_ca_signed_single_node_cert_needs_a_csr_on_that_node() -> None:
    single = cert(
        "tomcat", FQDNS["imp-sub1"], serial=7, issuer_cn="Corp CA",
        not_after=NOW + timedelta(days=3),
    )  # fmt: skip
    [f] = run_checks(with_tomcat(single), NOW)  # type: ignore[arg-type]
    assert "CSR on imp-sub1" in f.fix


@given(st.integers(min_value=-10_000_000, max_value=10_000_000), st.integers(0, 90))
def test_expiry_boundaries(offset_seconds: int, warn_days: int) -> None:
    not_after = NOW + timedelta(seconds=offset_seconds)
    c = cert("tomcat", FQDNS["imp-sub1"], serial=8, not_after=not_after)
    found = codes(with_tomcat(c), warn_days)
    if offset_seconds < 0:
        assert found == ["identity-expired"]
    elif offset_seconds < warn_days * 86400:
        assert found == ["identity-expiring"]
    else:
        assert found == []


def test_a_cert_is_still_valid_at_its_not_after_second() -> None:
    c = cert("tomcat", FQDNS["imp-sub1"], serial=9, not_after=NOW)
    assert codes(with_tomcat(c), 0) == []
    assert codes(with_tomcat(c), 1) == ["identity-expiring"]


def test_expired_trust_cert_is_a_warning_fixed_by_prune() -> None:
    old = cert("x", "old-peer.example.net", serial=10, not_after=NOW - timedelta(seconds=1))
    snap = with_node(healthy_cluster(), "cucm-pub", trusts=(trust("tomcat-trust", old),))
    [f] = run_checks(snap, NOW)
    assert (f.code, f.severity, f.node) == ("trust-expired", Severity.WARNING, "cucm-pub")
    assert f.subject == "tomcat-trust/old-peer.pem"
    assert "`uccert trust prune --expired`" in f.fix


def test_an_expiring_trust_cert_is_not_reported() -> None:
    soon = cert("x", "peer.example.net", serial=11, not_after=NOW + timedelta(days=1))
    snap = with_node(healthy_cluster(), "cucm-pub", trusts=(trust("tomcat-trust", soon),))
    assert run_checks(snap, NOW) == ()
