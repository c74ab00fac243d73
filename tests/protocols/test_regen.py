"""``set cert regen <unit>``: success, failure, and anything else refused."""

from __future__ import annotations

import re

import pytest

from uccert.protocols import CliParseError, parse_regen_result

from .conftest import read_fixture


def test_documented_transcript_is_success(line_end: str) -> None:
    assert parse_regen_result(read_fixture("regen_tomcat.txt", line_end), "tomcat") is True


def test_lower_case_success_of_newer_versions_is_success(line_end: str) -> None:
    assert parse_regen_result(read_fixture("regen_ipsec_lowercase.txt", line_end), "ipsec") is True


@pytest.mark.parametrize(
    "line",
    [
        "Successfully  Regenerated  Certificate  for  tomcat.",
        "SUCCESSFULLY REGENERATED CERTIFICATE FOR TOMCAT.",
        "Successfully regenerated certificate for tomcat",
    ],
)
def test_case_and_spacing_do_not_matter(line: str) -> None:
    assert parse_regen_result(line + "\r\n", "tomcat") is True


def test_failure_line_is_failure(line_end: str) -> None:
    assert parse_regen_result(read_fixture("regen_tomcat_failed.txt", line_end), "tomcat") is False
    assert parse_regen_result("Executed command unsuccessfully.\n", "tomcat") is False


def test_success_for_another_unit_is_refused() -> None:
    text = read_fixture("regen_tomcat.txt")
    with pytest.raises(CliParseError, match="regenerating 'tomcat', not 'tomcat-ECDSA'"):
        parse_regen_result(text, "tomcat-ECDSA")


def test_output_without_a_verdict_is_refused() -> None:
    text = "\n".join(read_fixture("regen_tomcat.txt").splitlines()[:3])
    expected = re.escape("expected 'Successfully Regenerated Certificate for tomcat.'")
    with pytest.raises(CliParseError, match=expected):
        parse_regen_result(text, "tomcat")


def test_success_and_failure_together_is_refused() -> None:
    text = read_fixture("regen_tomcat.txt") + "Executed command unsuccessfully\n"
    with pytest.raises(CliParseError, match="both success and failure"):
        parse_regen_result(text, "tomcat")
