"""Every parser, fed random text or a mutated fixture, returns a consistent result or raises
CliParseError: never another exception, never an answer the text does not support."""

from __future__ import annotations

import os
from collections.abc import Callable
from functools import cache

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from uccert.protocols import (
    CertDump,
    CliParseError,
    parse_cert_dump,
    parse_cert_list,
    parse_network_cluster,
    parse_regen_result,
    parse_service_control,
    parse_service_list,
    parse_version_active,
)

from .conftest import read_fixture

# UCCERT_FUZZ_EXAMPLES=5000 for a deep run; the default keeps the suite fast.
FUZZ = settings(
    max_examples=int(os.environ.get("UCCERT_FUZZ_EXAMPLES", "60")),
    deadline=None,
    suppress_health_check=list(HealthCheck),
)

_FIELD_TEXT = st.sampled_from(
    [
        "admin:", "[", "]", "Executed command unsuccessfully", "Cisco Tomcat[STARTED]",
        "  Version: V3", "To:", ".pem: ", "/", "-----BEGIN CERTIFICATE-----", "\r", "\n",
        "-----END CERTIFICATE-----", "Command successful", "authenticated", " ", "\t", "\x1b[0m",
        "Successfully Regenerated Certificate for tomcat.", "Active Master Version: 1.2", "0",
    ]
)  # fmt: skip
_NOISE = st.one_of(st.text(max_size=12), _FIELD_TEXT)


@st.composite
def _mutated(draw: st.DrawFn, fixture: str) -> str:
    text = read_fixture(fixture, draw(st.sampled_from(["\n", "\r\n"])))
    for _ in range(draw(st.integers(1, 4))):
        lines = text.split("\n")
        kind = draw(
            st.sampled_from(["insert", "delete", "replace", "dup_line", "drop_line", "cut"])
        )
        at = draw(st.integers(0, len(text)))
        if kind == "insert":
            text = text[:at] + draw(_NOISE) + text[at:]
        elif kind == "delete":
            text = text[:at] + text[at + draw(st.integers(1, 8)) :]
        elif kind == "replace":
            text = text[:at] + draw(_NOISE) + text[at + 1 :]
        elif kind == "cut":
            text = text[:at]
        else:
            index = draw(st.integers(0, len(lines) - 1))
            lines[index : index + 1] = [lines[index]] * (2 if kind == "dup_line" else 0)
            text = "\n".join(lines)
    return text


def _check_cert_list(text: str) -> None:
    entries = parse_cert_list(text)
    rendered = "".join(f"{e.path}: {e.description}\n" for e in entries)
    assert parse_cert_list(rendered) == entries
    assert len(entries) == sum(1 for line in text.replace("\r", "\n").split("\n") if line.strip())


def _check_cert_dump(text: str) -> None:
    dump: CertDump = parse_cert_dump(text)
    assert dump.serial and all(c in "0123456789abcdef" for c in dump.serial)
    assert dump.not_before.utcoffset() is not None
    certificate = dump.certificate()
    if certificate is not None:
        assert certificate.serial_number == dump.serial_number
        assert certificate.not_valid_before_utc == dump.not_before
        assert certificate.not_valid_after_utc == dump.not_after


def _check_service_list(text: str) -> None:
    listing = parse_service_list(text)
    for entry in listing.services:
        assert entry.name == entry.name.strip() and "[" not in entry.name
        assert entry.name in text


def _check_service_control(text: str) -> None:
    result = parse_service_control(text, "Cisco Tomcat")
    assert len(result.states) == text.count("Cisco Tomcat[")


def _check_network_cluster(text: str) -> None:
    for node in parse_network_cluster(text):
        shown = f" {node.fqdn} {node.host} " if node.has_fqdn else f" {node.host} "
        assert shown in text


def _check_regen(text: str) -> None:
    verdict = parse_regen_result(text, "tomcat")
    if verdict:
        assert "successfully regenerated certificate for tomcat" in " ".join(text.lower().split())
    else:
        assert "executed command unsuccessfully" in text.lower()


def _check_version(text: str) -> None:
    assert parse_version_active(text) in text


CASES: dict[str, tuple[Callable[[str], None], tuple[str, ...]]] = {
    "cert_list": (_check_cert_list, ("cert_list_own.txt", "cert_list_trust.txt")),
    "cert_dump": (_check_cert_dump, ("cert_dump_tomcat_rsa.txt", "cert_dump_doc_no_pem.txt")),
    "service_list": (_check_service_list, ("service_list.txt",)),
    "service_control": (_check_service_control, ("service_restart_tomcat.txt",)),
    "network_cluster": (
        _check_network_cluster,
        ("network_cluster_pub.txt", "network_cluster_imp_sub.txt"),
    ),
    "regen": (_check_regen, ("regen_tomcat.txt", "regen_tomcat_failed.txt")),
    "version": (_check_version, ("version_active.txt",)),
}


@cache
def _strategy(name: str) -> st.SearchStrategy[str]:
    return st.one_of(*(_mutated(fixture) for fixture in CASES[name][1]))


def _run(check: Callable[[str], None], text: str) -> None:
    try:
        check(text)
    except CliParseError:
        event("refused")
    else:
        event("accepted")


@pytest.mark.parametrize("name", sorted(CASES))
def test_unmutated_fixtures_pass_their_own_check(name: str) -> None:
    check, fixtures = CASES[name]
    for fixture in fixtures:
        for line_end in ("\n", "\r\n"):
            check(read_fixture(fixture, line_end))


@pytest.mark.parametrize("name", sorted(CASES))
@FUZZ
@given(data=st.data())
def test_mutated_fixture_gives_a_consistent_result_or_cli_parse_error(
    name: str, data: st.DataObject
) -> None:
    _run(CASES[name][0], data.draw(_strategy(name)))


@pytest.mark.parametrize("name", sorted(CASES))
@FUZZ
@given(text=st.text(max_size=400))
def test_random_text_gives_a_consistent_result_or_cli_parse_error(name: str, text: str) -> None:
    _run(CASES[name][0], text)
