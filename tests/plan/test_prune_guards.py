"""What a prune never deletes (no flag lifts it), and the one guard ``--force`` lifts: a CA that
anchors a CA-signed identity cert present in the cluster. Anchoring is checked with real
certificates: a CA anchors a cert when its key signed it, not merely when the names match."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta
from functools import cache
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from builders import NOW, node_of, with_identity, with_node
from uccert.model import CertInfo, Plan, Snapshot, StepKind, TrustEntry
from uccert.plan import PruneRequest, plan_prune

from .build import NODES, demo
from .test_prune import EXPIRED, adding, deletes, entry, everywhere, messages


@cache
def key(label: str) -> ec.EllipticCurvePrivateKey:
    return ec.generate_private_key(ec.SECP256R1())


def x509_cert(
    cn: str,
    serial: int,
    signer: tuple[str, str] | None = None,
    *,
    key_label: str | None = None,
    not_after: datetime = NOW + timedelta(days=700),
    ca: bool = False,
) -> x509.Certificate:
    """Self-signed with `key_label`'s key (default: the CN), or signed by ``signer`` =
    (issuer CN, issuer key label)."""
    own = key(key_label or cn)
    issuer_cn, issuer_key = signer if signer else (cn, key_label or cn)
    builder = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)]))
        .issuer_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, issuer_cn)]))
        .public_key(own.public_key())
        .serial_number(serial)
        .not_valid_before(not_after - timedelta(days=1825))
        .not_valid_after(not_after)
    )
    if ca:
        builder = builder.add_extension(x509.BasicConstraints(ca=True, path_length=None), True)
    return builder.sign(key(issuer_key), hashes.SHA256())


def trust_of(cert: x509.Certificate, store: str = "tomcat-trust") -> TrustEntry:
    cn = cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value
    file = f"{store}/{str(cn).replace(' ', '_')}_{cert.serial_number:x}.pem"
    return TrustEntry(store, file, CertInfo.from_x509(cert, store, file))


def prune(snapshot: Snapshot, **request: Any) -> Plan:
    return plan_prune(snapshot, PruneRequest(**request))


# ------------------------------------------------------------------------------------------
# Guards no flag lifts
# ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("force", [False, True])
def test_a_file_on_the_never_delete_list_stays(force: bool) -> None:
    odd = entry("tomcat-trust", "odd", 0xA001, expired=True, file="tomcat-trust/tomcat.pem")
    plan = prune(adding(demo("14.0"), "imp-sub1", odd), force=force)
    assert not plan.changes_anything
    assert "never-delete" in messages(plan, "refused")


@pytest.mark.parametrize("force", [False, True])
def test_the_publishers_current_ipsec_stays_in_every_ipsec_trust(force: bool) -> None:
    snap = demo("14.0")
    pub = node_of(snap, "cucm-pub").identity("ipsec")
    assert pub is not None
    expired = replace(pub, not_after=EXPIRED)
    snap = with_identity(snap, "cucm-pub", expired)
    for name in NODES[1:]:
        trusts = tuple(
            replace(t, cert=replace(expired, unit="ipsec-trust")) if t.store == "ipsec-trust" else t
            for t in node_of(snap, name).trusts
        )
        snap = with_node(snap, name, trusts=trusts)
    plan = prune(snap, force=force)
    assert not plan.changes_anything
    refused = messages(plan, "refused")
    assert "CUCM publisher's current ipsec cert" in refused
    assert all(n in refused for n in NODES[1:])


@pytest.mark.parametrize("force", [False, True])
def test_a_nodes_current_cert_stays_in_its_peers_stores(force: bool) -> None:
    snap = demo("10.5")
    tomcat = node_of(snap, "imp-sub1").identity("tomcat")
    assert tomcat is not None
    expired = replace(tomcat, not_after=EXPIRED)
    snap = with_identity(snap, "imp-sub1", expired)
    copy = replace(expired, unit="tomcat-trust", file="tomcat-trust/imp-sub1.pem")
    snap = everywhere(snap, TrustEntry("tomcat-trust", copy.file, copy))
    plan = prune(snap, force=force)
    assert not plan.changes_anything
    assert "imp-sub1's current tomcat cert" in messages(plan, "refused")
    assert "uccert regen apply --units tomcat --nodes imp-sub1" in messages(plan, "refused")


def test_a_store_the_procedure_names_no_restarts_for_is_left_alone() -> None:
    old = entry("CallManager-trust", "old-cm", 0xA002, expired=True)
    plan = prune(adding(demo("14.0"), "cucm-sub1", old))
    assert not plan.changes_anything
    assert "CallManager-trust" in messages(plan, "refused")


def test_a_refusal_on_one_node_keeps_a_propagated_delete_off_every_node() -> None:
    """From 11.0 one delete removes the cert everywhere: if it must stay on one node, it stays
    on all, and the plan says why."""
    odd = entry("tomcat-trust", "odd", 0xA003, expired=True, file="tomcat-trust/tomcat.pem")
    plan = prune(everywhere(demo("14.0"), odd, nodes=("cucm-pub", "imp-pub")))
    assert not plan.changes_anything
    assert "never-delete" in messages(plan, "refused")


# ------------------------------------------------------------------------------------------
# The CA anchor guard (--force lifts it)
# ------------------------------------------------------------------------------------------


def corp(snapshot: Snapshot, *extra: TrustEntry) -> Snapshot:
    """cucm-pub's tomcat signed by Corp Issuing CA, signed by Corp Root CA; both CAs expired
    in every tomcat-trust, plus `extra`."""
    root = x509_cert("Corp Root CA", 0xB001, not_after=EXPIRED, ca=True)
    issuing = x509_cert(
        "Corp Issuing CA", 0xB002, ("Corp Root CA", "Corp Root CA"), not_after=EXPIRED, ca=True
    )
    leaf = x509_cert("cucm-pub.example.com", 0xB003, ("Corp Issuing CA", "Corp Issuing CA"))
    ident = CertInfo.from_x509(leaf, "tomcat", "tomcat.pem")
    snap = with_identity(snapshot, "cucm-pub", ident)
    return everywhere(snap, trust_of(root), trust_of(issuing), *extra)


def test_a_ca_anchoring_a_ca_signed_identity_stays_unless_forced() -> None:
    plan = prune(corp(demo("14.0")))
    assert not plan.changes_anything
    refused = messages(plan, "refused")
    assert "Corp Root CA" in refused and "Corp Issuing CA" in refused
    assert "anchors the CA-signed tomcat of cucm-pub" in refused and "--force" in refused
    forced = prune(corp(demo("14.0")), force=True)
    assert {f for _, f, _ in deletes(forced)} == {
        "tomcat-trust/Corp_Root_CA_b001.pem",
        "tomcat-trust/Corp_Issuing_CA_b002.pem",
    }
    assert "Corp Root CA" in messages(forced, "forced")


def test_an_old_ca_with_the_same_name_but_another_key_anchors_nothing() -> None:
    old_root = x509_cert("Corp Root CA", 0xB0FF, key_label="old root", not_after=EXPIRED, ca=True)
    plan = prune(corp(demo("14.0"), trust_of(old_root)))
    assert {f for _, f, _ in deletes(plan)} == {"tomcat-trust/Corp_Root_CA_b0ff.pem"}


def test_without_a_ca_signed_identity_an_expired_ca_goes() -> None:
    root = x509_cert("Lonely Root CA", 0xB101, not_after=EXPIRED, ca=True)
    plan = prune(everywhere(demo("14.0"), trust_of(root), nodes=("cucm-pub", "imp-pub")))
    assert deletes(plan) == [("cucm-pub", "tomcat-trust/Lonely_Root_CA_b101.pem", "b101")]
    assert plan.of_kind(StepKind.DELETE_TRUST)[0].reason.startswith("tomcat-trust/Lonely")
