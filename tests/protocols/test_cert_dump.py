"""``show cert own|trust``: the Java-style dump, cross-checked against its own PEM."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from cryptography import x509

from uccert.protocols import CertDump, CliCommandFailed, CliParseError, parse_cert_dump
from uccert.protocols.java_text import (
    JAVA_ZONE_OFFSETS,
    common_name,
    parse_java_date,
    split_name,
)

from .conftest import read_fixture
from .java_dump import make_certificate, render_java_dump

NOT_BEFORE = datetime(2026, 11, 30, 9, 12, 44, tzinfo=UTC)
NOT_AFTER = datetime(2031, 11, 29, 9, 12, 43, tzinfo=UTC)
DOC_NAME = "L=Tokyo, ST=Tokyo, CN=imp-pub.lab.example, OU=UC, O=Example, C=JP"


@pytest.fixture(scope="module")
def ec_cert() -> x509.Certificate:
    return make_certificate()


def test_documented_dump_without_pem_gives_every_field(line_end: str) -> None:
    dump = parse_cert_dump(read_fixture("cert_dump_doc_no_pem.txt", line_end))
    assert dump == CertDump(
        version=3,
        serial="6f1c0a3b9d2e4f5a6b7c8d9e0f1a2b3c",
        signature_algorithm="SHA256withRSA",
        signature_algorithm_oid="1.2.840.113549.1.1.11",
        issuer=DOC_NAME,
        issuer_cn="imp-pub.lab.example",
        subject=DOC_NAME,
        subject_cn="imp-pub.lab.example",
        not_before=NOT_BEFORE,
        not_after=NOT_AFTER,
        key_algorithm="RSA",
        key_algorithm_oid="1.2.840.113549.1.1.1",
        pem=None,
    )
    assert dump.self_signed
    assert dump.serial_number == 0x6F1C0A3B9D2E4F5A6B7C8D9E0F1A2B3C
    assert dump.not_before.tzinfo is UTC
    assert dump.certificate() is None


def test_documented_dump_with_elided_pem_is_refused_not_half_read(line_end: str) -> None:
    with pytest.raises(CliParseError, match=r"base64 line of the PEM block.*'\.\.\.'"):
        parse_cert_dump(read_fixture("cert_dump_doc.txt", line_end))


@pytest.mark.parametrize(
    "pem_on_bracket_line", [True, False], ids=["]-----BEGIN", "]\\n-----BEGIN"]
)
def test_rendered_real_certificate_parses_and_matches_its_pem(
    ec_cert: x509.Certificate, pem_on_bracket_line: bool, line_end: str
) -> None:
    text = render_java_dump(ec_cert, pem_on_bracket_line=pem_on_bracket_line)
    dump = parse_cert_dump(text.replace("\n", line_end))
    assert dump.serial == "791a41de2f3d66a9a4a560204d2feb5a"
    assert dump.subject_cn == dump.issuer_cn == "cucm14-pub.collabiz.ext"
    assert (dump.not_before, dump.not_after) == (NOT_BEFORE, NOT_AFTER)
    assert (dump.key_algorithm, dump.signature_algorithm) == ("EC", "SHA256withECDSA")
    assert dump.certificate() == ec_cert
    assert dump.pem is not None and "\r" not in dump.pem


def test_rsa_fixture_rendered_from_a_real_certificate(line_end: str) -> None:
    dump = parse_cert_dump(read_fixture("cert_dump_tomcat_rsa.txt", line_end))
    certificate = dump.certificate()
    assert certificate is not None
    assert certificate.serial_number == dump.serial_number == 0x6F1C0A3B9D2E4F5A6B7C8D9E0F1A2B3C
    assert dump.key_algorithm == "RSA"
    assert dump.subject == DOC_NAME.replace("imp-pub.lab.example", "cucm14-pub.collabiz.ext")


def test_ca_signed_certificate_names_its_issuer() -> None:
    certificate = make_certificate(cn="cucm-sub1.lab.example", issuer_cn="collabiz-ISSUING-CA")
    dump = parse_cert_dump(render_java_dump(certificate))
    assert dump.issuer_cn == "collabiz-ISSUING-CA"
    assert dump.subject_cn == "cucm-sub1.lab.example"
    assert not dump.self_signed


def test_quoted_organization_with_comma_keeps_the_cn() -> None:
    certificate = make_certificate(organization='Example, "Inc."')
    dump = parse_cert_dump(render_java_dump(certificate))
    assert 'O="Example, \\"Inc.\\""' in dump.subject
    assert split_name(dump.subject)[4] == ("O", 'Example, "Inc."')
    assert dump.subject_cn == "cucm14-pub.collabiz.ext"


def test_local_time_zone_is_converted_to_utc(ec_cert: x509.Certificate) -> None:
    text = render_java_dump(ec_cert, zone="JST", offset=timedelta(hours=9))
    assert "Mon Nov 30 18:12:44 JST 2026" in text
    dump = parse_cert_dump(text)
    assert dump.not_before == NOT_BEFORE


def test_gmt_offset_zone_is_read_without_a_table(ec_cert: x509.Certificate) -> None:
    text = render_java_dump(ec_cert, zone="GMT-05:30", offset=-timedelta(hours=5, minutes=30))
    assert parse_cert_dump(text).not_after == NOT_AFTER


def test_ambiguous_zone_without_pem_needs_the_node_zone(ec_cert: x509.Certificate) -> None:
    text = render_java_dump(ec_cert, zone="CST", offset=timedelta(hours=8), include_pem=False)
    with pytest.raises(CliParseError, match="'CST' is unknown or ambiguous"):
        parse_cert_dump(text)
    shanghai = {**JAVA_ZONE_OFFSETS, "CST": timedelta(hours=8)}
    assert parse_cert_dump(text, zones=shanghai).not_before == NOT_BEFORE
    assert parse_cert_dump(text, node_zone=ZoneInfo("Asia/Shanghai")).not_before == NOT_BEFORE
    with pytest.raises(CliParseError, match="not a name of the node's zone Europe/London"):
        parse_cert_dump(text, node_zone=ZoneInfo("Europe/London"))


def test_with_a_pem_the_dates_come_from_the_pem_whatever_the_text(
    ec_cert: x509.Certificate,
) -> None:
    text = render_java_dump(ec_cert, zone="CST", offset=timedelta(hours=8))
    dump = parse_cert_dump(text)  # CST unresolvable without the zone: a warning, not a failure
    assert (dump.not_before, dump.not_after) == (NOT_BEFORE, NOT_AFTER)
    assert "printed validity not read" in dump.warnings[0]
    chicago = {**JAVA_ZONE_OFFSETS, "CST": timedelta(hours=-6)}
    wrong = parse_cert_dump(text, zones=chicago)
    assert wrong.not_before == NOT_BEFORE and "differs from the PEM" in wrong.warnings[0]
    assert parse_cert_dump(text, node_zone=ZoneInfo("Asia/Shanghai")).warnings == ()


@pytest.mark.parametrize(
    ("zone", "when", "name"),
    [
        ("Europe/London", datetime(2026, 7, 1, 12, tzinfo=UTC), "BST"),
        ("Europe/London", datetime(2026, 12, 1, 12, tzinfo=UTC), "GMT"),
        ("Asia/Kolkata", datetime(2026, 7, 1, 12, tzinfo=UTC), "IST"),
        ("Europe/Dublin", datetime(2026, 7, 1, 12, tzinfo=UTC), "IST"),
        ("America/Chicago", datetime(2026, 7, 1, 12, tzinfo=UTC), "CDT"),
        ("America/Chicago", datetime(2026, 12, 1, 12, tzinfo=UTC), "CST"),
        ("America/Los_Angeles", datetime(2026, 7, 1, 12, tzinfo=UTC), "PDT"),
        ("America/Sao_Paulo", datetime(2026, 7, 1, 12, tzinfo=UTC), "BRT"),
        ("Asia/Dubai", datetime(2026, 7, 1, 12, tzinfo=UTC), "GST"),
        ("Europe/Paris", datetime(2026, 7, 1, 12, tzinfo=UTC), "CEST"),
        ("Asia/Tokyo", datetime(2026, 7, 1, 12, tzinfo=UTC), "JST"),
        ("Australia/Sydney", datetime(2026, 7, 1, 12, tzinfo=UTC), "AEST"),
        ("Australia/Sydney", datetime(2026, 12, 1, 12, tzinfo=UTC), "AEDT"),
    ],
)
def test_java_zone_names_resolve_with_the_node_zone_dst_included(
    zone: str, when: datetime, name: str
) -> None:
    local = when.astimezone(ZoneInfo(zone))
    text = local.strftime(f"%a %b %d %H:%M:%S {name} %Y")
    assert parse_java_date(text, node_zone=ZoneInfo(zone)) == when


def test_bst_capture_with_pem_reads_in_london() -> None:
    dump = parse_cert_dump(read_fixture("cert_dump_bst.txt"), node_zone=ZoneInfo("Europe/London"))
    certificate = dump.certificate()
    assert certificate is not None and dump.warnings == ()
    assert dump.not_before == certificate.not_valid_before_utc
    assert dump.not_before.tzinfo is UTC


def test_printed_serial_that_differs_from_the_pem_is_refused(ec_cert: x509.Certificate) -> None:
    text = render_java_dump(ec_cert, serial_text="791A41DE2F3D66A9A4A560204D2FEB5B")
    with pytest.raises(CliParseError, match=r"printed serial 791a.*5b differs from the PEM"):
        parse_cert_dump(text)


def test_serial_with_colons_and_leading_zero_is_normalised(ec_cert: x509.Certificate) -> None:
    text = render_java_dump(
        ec_cert, serial_text="00:79:1a:41:de:2f:3d:66:a9:a4:a5:60:20:4d:2f:eb:5a"
    )
    dump = parse_cert_dump(text)
    assert dump.serial == "00791a41de2f3d66a9a4a560204d2feb5a"
    assert dump.serial_number == ec_cert.serial_number


def test_wrong_weekday_is_refused() -> None:
    text = read_fixture("cert_dump_doc_no_pem.txt").replace("Mon Nov 30", "Tue Nov 30")
    with pytest.raises(CliParseError, match="is a Mon, not a Tue"):
        parse_cert_dump(text)


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ("  Serial Number: 6F1C0A3B9D2E4F5A6B7C8D9E0F1A2B3C\n", "", "'Serial Number:' line"),
        ("           To:   Sat Nov 29 09:12:43 UTC 2031\n", "", "'To: <date>' under"),
        ("  Version: V3\n", "  Version: V3\n  Version: V3\n", "'Version:' only once"),
        ("Version: V3", "Version: 3", "V1|V2|V3"),
        ("Serial Number: 6F1C", "Serial Number: XX6F1C", "Serial Number: <hex>"),
        ("UTC 2031", "UTC 31", "EEE MMM dd HH:mm:ss zzz yyyy"),
        ("Nov 29 09:12:43", "Nov 31 09:12:43", "day is out of range"),
        ("[\n  Version", "  Version", "'\\[' opening"),
    ],
)
def test_broken_dump_is_refused_naming_what_was_expected(old: str, new: str, message: str) -> None:
    text = read_fixture("cert_dump_doc_no_pem.txt")
    assert old in text
    with pytest.raises(CliParseError, match=message):
        parse_cert_dump(text.replace(old, new, 1))


def test_missing_closing_bracket_and_trailing_garbage_are_refused(
    ec_cert: x509.Certificate,
) -> None:
    text = read_fixture("cert_dump_doc_no_pem.txt")
    with pytest.raises(CliParseError, match="'\\]' closing"):
        parse_cert_dump(text.rstrip().removesuffix("]"))
    with pytest.raises(CliParseError, match="nothing after the PEM block"):
        parse_cert_dump(render_java_dump(ec_cert) + "admin:\n")
    with pytest.raises(CliParseError, match="END CERTIFICATE"):
        parse_cert_dump(render_java_dump(ec_cert).replace("-----END CERTIFICATE-----", ""))


def test_failure_line_is_a_command_failure() -> None:
    with pytest.raises(CliCommandFailed):
        parse_cert_dump("Executed command unsuccessfully\n")


def test_common_name_of_empty_name_is_none() -> None:
    assert common_name("") is None
    assert common_name("O=Example, C=JP") is None
    with pytest.raises(CliParseError):
        split_name('CN="open')
