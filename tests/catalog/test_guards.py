"""What uccert never does: §1 never-delete lists and never-batch rule, §4 publisher ipsec."""
# § numbers in this module are sections of docs/design/procedure.md (§N.M: step M of §N).

from __future__ import annotations

import pytest

from uccert.catalog import GuardCode, Product, deletion_refusal
from uccert.catalog.guards import NEVER_DELETE

IMP, CUCM = Product.IMP, Product.CUCM


@pytest.mark.parametrize(
    "name", ["cup.pem", "cup-xmpp.pem", "cup-xmpp-s2s.pem", "ipsec.pem", "tomcat.pem"]
)
def test_the_five_imp_identity_certs_are_never_deleted(name: str) -> None:
    assert name in NEVER_DELETE[IMP]
    unit = name.removesuffix(".pem")
    refusal = deletion_refusal(IMP, unit, f"{unit}/{name}")
    assert refusal is not None and refusal.code is GuardCode.IDENTITY_CERT


@pytest.mark.parametrize(
    "name", ["CallManager.pem", "tomcat.pem", "ipsec.pem", "CAPF.pem", "TVS.pem"]
)
def test_cucm_never_delete_list(name: str) -> None:
    assert name in NEVER_DELETE[CUCM]


def test_never_delete_names_are_refused_even_in_a_trust_store() -> None:
    refusal = deletion_refusal(CUCM, "tomcat-trust", "tomcat-trust/CAPF.pem")
    assert refusal is not None and refusal.code is GuardCode.NEVER_DELETE


def test_any_identity_file_is_refused_even_off_the_list() -> None:
    refusal = deletion_refusal(CUCM, "ITLRecovery", "ITLRecovery.pem")
    assert refusal is not None and refusal.code is GuardCode.IDENTITY_CERT
    assert "regenerate" in refusal.reason


def test_an_ordinary_expired_trust_cert_may_be_deleted() -> None:
    assert deletion_refusal(IMP, "tomcat-trust", "tomcat-trust/old-ca_1a2b.pem") is None


@pytest.mark.parametrize(
    "file_name",
    ["ipsec-trust/cucm-pub.lab.example_791a41de.pem", "cucm-pub.pem", "cucm-pub.lab.example.pem"],
)
def test_cucm_publisher_ipsec_trust_is_never_deleted(file_name: str) -> None:
    refusal = deletion_refusal(
        IMP, "ipsec-trust", file_name, cucm_publisher_names=("cucm-pub", "cucm-pub.lab.example")
    )
    assert refusal is not None and refusal.code is GuardCode.PUBLISHER_IPSEC_TRUST
    assert "DRS" in refusal.reason


def test_other_ipsec_trust_files_are_not_mistaken_for_the_publishers() -> None:
    names = ("cucm-pub", "cucm-pub.lab.example")
    assert deletion_refusal(CUCM, "ipsec-trust", "cucm-pub2.pem", names) is None
    assert deletion_refusal(CUCM, "tomcat-trust", "cucm-pub.pem", names) is None
