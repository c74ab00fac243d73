"""Control Center's StartTime text, read as UTC."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from uccert.protocols.start_time import StartTimeError, parse_start_time


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Wed Jan 01 09:00:00 2025", datetime(2025, 1, 1, 9, 0, 0, tzinfo=UTC)),
        ("Thu Feb 27 12:43:28 2014", datetime(2014, 2, 27, 12, 43, 28, tzinfo=UTC)),
        ("Sat Nov  2 07:05:09 2024", datetime(2024, 11, 2, 7, 5, 9, tzinfo=UTC)),
        ("Mon Dec 30 23:59:59 UTC 2024", datetime(2024, 12, 30, 23, 59, 59, tzinfo=UTC)),
        ("  Tue Mar 04 00:00:00 2025 ", datetime(2025, 3, 4, tzinfo=UTC)),
    ],
)
def test_start_times_are_read_as_utc(text: str, expected: datetime) -> None:
    assert parse_start_time(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "",
        "yesterday",
        "Wed Foo 01 09:00:00 2025",
        "Wed Feb 30 09:00:00 2025",
        "Wed Jan 01 09:00:00 JST 2025",
        "2025-01-01T09:00:00Z",
    ],
)
def test_other_texts_are_refused_with_the_text_named(text: str) -> None:
    with pytest.raises(StartTimeError, match="StartTime"):
        parse_start_time(text)
