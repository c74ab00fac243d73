"""The demo's seeded problems, as uccert's checks should find them."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta

from uccert.lab.state import Lab

from .conftest import START
from .test_certs import own


def test_every_imp_identity_cert_expires_within_30_days(demo: Lab) -> None:
    for node in ("imp-pub", "imp-sub1", "imp-sub2", "imp-sub3"):
        for cert in demo.own_certs(node):
            left = cert.cert.not_valid_after_utc - START
            assert timedelta(0) < left <= timedelta(days=30), (node, cert.unit)
            assert cert.cert.not_valid_after_utc - cert.cert.not_valid_before_utc == timedelta(
                days=1825, seconds=-1
            )
    for cert in demo.own_certs("cucm-pub"):
        assert cert.cert.not_valid_after_utc - START > timedelta(days=365)


def test_expired_trust_certs_sit_on_several_nodes(demo: Lab) -> None:
    expired = {
        node: [t.file for t in demo.trust_certs(node) if t.cert.not_valid_after_utc < START]
        for node in demo.node_names()
    }
    assert all(expired[n] for n in demo.node_names())
    ca = [f for f in expired["cucm-pub"] if "Example_Legacy_Root_CA" in f]
    assert ca and any("Example_Legacy_Root_CA" in f for f in expired["imp-pub"])
    assert not any("Example_Legacy_Root_CA" in f for f in expired["imp-sub3"])
    assert any(f.startswith("tomcat-trust/cucm-sub1.lab.example_") for f in expired["imp-sub3"])
    assert any(f.startswith("tomcat-trust/imp-sub1.lab.example_") for f in expired["imp-sub3"])


def test_one_trust_cert_is_there_twice_under_different_names(demo: Lab) -> None:
    for node in demo.node_names():
        counts = Counter(
            (t.store, t.cert.fingerprint(t.cert.signature_hash_algorithm))  # type: ignore[arg-type]
            for t in demo.trust_certs(node)
        )
        twice = [k for k, n in counts.items() if n > 1]
        assert len(twice) == (1 if node == "imp-pub" else 0), node
    tomcat = own(demo, "cucm-pub", "tomcat").cert
    assert sorted(t.file for t in demo.trust_certs("imp-pub") if t.cert == tomcat) == [
        "tomcat-trust/cucm-pub.lab.example_" + format(tomcat.serial_number, "x") + ".pem",
        "tomcat-trust/cucm-pub.pem",
    ]


def test_imp_sub2_holds_an_old_cucm_publisher_ipsec_cert(demo: Lab) -> None:
    current = own(demo, "cucm-pub", "ipsec").cert
    for node in demo.node_names():
        entries = [
            t.cert
            for t in demo.trust_certs(node)
            if t.store == "ipsec-trust" and t.cert.subject == current.subject
        ]
        if node == "imp-sub2":
            assert len(entries) == 1 and entries[0].serial_number != current.serial_number
            assert entries[0].not_valid_after_utc > START
        else:
            assert entries == [current]


def test_demo_services_are_all_up_and_the_log_is_empty(demo: Lab) -> None:
    assert demo.events == []
    assert all(
        s.state == "Started" for n in demo.node_names() for s in demo.services(n) if s.activated
    )
    assert demo.display_version("imp-pub") == "14.0.1.10000-16"


def test_set_datetime_moves_the_wall_clock_only(demo: Lab) -> None:
    demo.advance_to(60)
    assert demo.now_datetime() == START + timedelta(seconds=60)
    demo.set_datetime(START + timedelta(days=365))
    assert demo.now_datetime() == START + timedelta(days=365)
    demo.advance_to(70)
    assert demo.now_datetime() == START + timedelta(days=365, seconds=10)
    demo.regenerate("imp-pub", "tomcat", "ssh")
    assert own(demo, "imp-pub", "tomcat").cert.not_valid_before_utc == demo.now_datetime()
