"""Control Center's StartTime text: the node's local time, read in its zone (UTC by default)."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

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


@pytest.mark.parametrize(
    ("text", "zone", "expected"),
    [
        # winter and summer in Warsaw (UTC+1, UTC+2), New York in winter (UTC-5)
        ("Wed Jan 01 09:00:00 2025", "Europe/Warsaw", datetime(2025, 1, 1, 8, tzinfo=UTC)),
        ("Tue Jul 01 09:00:00 2025", "Europe/Warsaw", datetime(2025, 7, 1, 7, tzinfo=UTC)),
        ("Wed Jan 01 09:00:00 EST 2025", "America/New_York", datetime(2025, 1, 1, 14, tzinfo=UTC)),
        ("Wed Jan 01 09:00:00 UTC 2025", "Asia/Tokyo", datetime(2025, 1, 1, 9, tzinfo=UTC)),
    ],
)
def test_a_start_time_is_the_nodes_local_time_in_its_zone(
    text: str, zone: str, expected: datetime
) -> None:
    assert parse_start_time(text, ZoneInfo(zone)) == expected
