"""Control Center's ``StartTime`` text (INTERFACES.md §2) as an aware datetime.

Cisco's samples and the lab print ``Wed Jan 01 09:00:00 2025`` (C ``ctime`` layout, no zone)
[seen]; a zone name before the year (``Wed Jan 01 09:00:00 UTC 2025``, Java's layout) is
accepted too. The text carries no offset, so it is read as UTC [guess: a node whose platform
time zone is not UTC prints its local time; uccert then compares a shifted time — set such
nodes' platform time zone to UTC or expect restart checks to be off by the offset].
Names are matched without the C locale (strptime's ``%a``/``%b`` follow the process locale).
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Final

from uccert.protocols.errors import CliParseError

_MONTHS: Final = {
    m: i
    for i, m in enumerate(
        ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"), 1
    )
}
_START_RE: Final = re.compile(
    r"(?:[A-Za-z]{3},?[ \t]+)?(?P<mon>[A-Za-z]{3})[ \t]+(?P<day>\d{1,2})[ \t]+"
    r"(?P<h>\d{1,2}):(?P<m>\d{2}):(?P<s>\d{2})[ \t]+(?:(?P<zone>[A-Za-z]{1,5})[ \t]+)?"
    r"(?P<year>\d{4})"
)
_UTC_NAMES: Final = frozenset({"utc", "gmt", "z"})


class StartTimeError(CliParseError):
    """A ``StartTime`` that is not a date uccert can read."""


def parse_start_time(text: str) -> datetime:
    """``Wed Jan 01 09:00:00 2025`` -> 2025-01-01 09:00:00+00:00."""
    match = _START_RE.fullmatch(text.strip())
    if match is None:
        raise StartTimeError(f"StartTime {text!r} is not like 'Wed Jan 01 09:00:00 2025'")
    zone = match.group("zone")
    if zone is not None and zone.lower() not in _UTC_NAMES:
        raise StartTimeError(f"StartTime {text!r} is in zone {zone}; uccert reads UTC only")
    month = _MONTHS.get(match.group("mon").lower())
    if month is None:
        raise StartTimeError(f"StartTime {text!r} has no month uccert knows")
    try:
        return datetime(
            int(match.group("year")),
            month,
            int(match.group("day")),
            int(match.group("h")),
            int(match.group("m")),
            int(match.group("s")),
            tzinfo=UTC,
        )
    except ValueError as exc:
        raise StartTimeError(f"StartTime {text!r} is not a real date ({exc})") from None
