"""``show timezone config``: the node's IANA zone name, from the documented transcripts."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from uccert.protocols import CliCommandFailed, CliParseError
from uccert.protocols.timezone import parse_timezone_config

from .conftest import read_fixture


@pytest.mark.parametrize(
    ("fixture", "zone"),
    [("timezone_config.txt", "Europe/Warsaw"), ("timezone_config_spaced.txt", "Asia/Kolkata")],
)
def test_the_zone_is_the_name_in_parentheses(fixture: str, zone: str, line_end: str) -> None:
    assert parse_timezone_config(read_fixture(fixture, line_end)) == zone


def test_the_failure_line_is_a_failed_command() -> None:
    with pytest.raises(CliCommandFailed):
        parse_timezone_config("Executed command unsuccessfully\n")


@given(st.text(max_size=200))
def test_garbage_is_a_parse_error_or_a_zone_named_in_it(text: str) -> None:
    try:
        zone = parse_timezone_config(text)
    except CliParseError:
        return
    assert f"({zone})" in text.replace("\r", "")
