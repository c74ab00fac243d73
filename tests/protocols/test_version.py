"""``show version active``."""

from __future__ import annotations

import pytest

from uccert.protocols import CliCommandFailed, CliParseError, parse_version_active

from .conftest import read_fixture


def test_active_master_version_is_read(line_end: str) -> None:
    assert parse_version_active(read_fixture("version_active.txt", line_end)) == "14.0.1.10000-20"


@pytest.mark.parametrize(
    "text",
    [
        "",
        "Active Master Version:\n",
        "Active Master Version: fourteen\n",
        "Active Master Version: 14.0.1.10000-20\nActive Master Version: 12.5.1.10000-22\n",
    ],
)
def test_missing_or_ambiguous_version_is_refused(text: str) -> None:
    with pytest.raises(CliParseError, match="Active Master Version"):
        parse_version_active(text)


def test_failure_line_is_a_command_failure() -> None:
    with pytest.raises(CliCommandFailed):
        parse_version_active("Executed command unsuccessfully\n")
