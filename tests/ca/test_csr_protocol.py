"""The CSR and import exchanges as nodes print and answer them (docs/design/interfaces.md §1,
§4)."""

from __future__ import annotations

import pytest

from uccert.protocols import csr as wire
from uccert.protocols.certmgr import CertMgrPayloadError
from uccert.protocols.errors import CliParseError

from .pki import csr_pem, rsa_key

PEM = csr_pem(rsa_key("p"), ["imp-pub.example.com"])


def test_the_csr_pem_is_cut_out_of_whatever_surrounds_it() -> None:
    crlf = "some header\r\n" + PEM.replace("\n", "\r\n") + "\r\nadmin:"
    assert wire.extract_csr_pem(crlf) == PEM
    assert wire.extract_csr_pem("Executed command unsuccessfully") is None


def test_csr_generated_matches_case_and_spacing_seen_on_nodes() -> None:
    assert wire.parse_csr_generated("Successfully Generated CSR  for tomcat", "tomcat")
    assert wire.parse_csr_generated("successfully generated csr for tomcat.", "tomcat")
    assert not wire.parse_csr_generated("Executed command unsuccessfully", "tomcat")
    with pytest.raises(CliParseError, match="not 'tomcat'"):
        wire.parse_csr_generated("Successfully Generated CSR for cup.", "tomcat")
    with pytest.raises(CliParseError, match="expected"):
        wire.parse_csr_generated("Include OU in CSR (yes|no)? yes", "tomcat")


def test_import_result() -> None:
    assert wire.parse_import_result("Successfully imported certificate for tomcat.", "tomcat")
    assert not wire.parse_import_result("Executed command unsuccessfully.", "tomcat")


def test_csr_body_leaves_out_what_the_node_should_choose() -> None:
    body = wire.csr_body(
        "tomcat",
        multi_server=False,
        common_name="imp-pub.example.com",
        key_type=None,
        key_length=None,
        alt_names=["imp-pub.example.com"],
    )
    assert body == {
        "service": "tomcat",
        "distribution": "this-server",
        "commonName": "imp-pub.example.com",
        "hashAlgorithm": "sha256",
        "altNames": ["imp-pub.example.com"],
    }
    multi = wire.csr_body(
        "cup-xmpp", multi_server=True, common_name="x", key_type="rsa", key_length=4096,
        alt_names=[],
    )  # fmt: skip
    assert multi["distribution"] == "multi-server" and multi["keyLength"] == 4096


def test_trust_bodies_name_the_store_by_its_service() -> None:
    body = wire.trust_body("cup-xmpp-trust", ["PEM"], "d")
    assert body == {"service": ["cup-xmpp"], "certificates": ["PEM"], "description": "d"}


def test_csr_reply_parsing() -> None:
    assert wire.parse_csr_reply({"csr": PEM}, "POST csr") == PEM
    with pytest.raises(CertMgrPayloadError):
        wire.parse_csr_reply({"csr": "nope"}, "POST csr")
    with pytest.raises(CertMgrPayloadError):
        wire.parse_csr_reply([], "POST csr")


def test_show_csr_own_refuses_a_second_command() -> None:
    assert wire.show_csr_own("cup-xmpp-s2s") == "show csr own cup-xmpp-s2s"
    with pytest.raises(ValueError):
        wire.show_csr_own("tomcat\nset cert regen tomcat")
