"""Control Center's ``StartTime`` text (docs/design/interfaces.md §2) as an aware datetime.

Cisco's samples and the lab print ``Wed Jan 01 09:00:00 2025`` (C ``ctime`` layout, no zone)
[seen]; a zone name before the year (``Wed Jan 01 09:00:00 UTC 2025``, Java's layout) is
accepted too. The text carries no offset: it is the node's local time, read in the node's
platform time zone (``show timezone config``, :mod:`uccert.protocols.timezone`); UTC when not
given. An explicit UTC/GMT in the text wins; another abbreviation is taken as the node's own.
Names are matched without the C locale (strptime's ``%a``/``%b`` follow the process locale).
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, tzinfo
from typing import Final

from uccert.protocols.errors import CliParseError
from uccert.protocols.java_text import MONTHS

_MONTHS: Final = {m.lower(): i for i, m in enumerate(MONTHS, 1)}
_START_RE: Final = re.compile(
    r"(?:[A-Za-z]{3},?[ \t]+)?(?P<mon>[A-Za-z]{3})[ \t]+(?P<day>\d{1,2})[ \t]+"
    r"(?P<h>\d{1,2}):(?P<m>\d{2}):(?P<s>\d{2})[ \t]+(?:(?P<zone>[A-Za-z]{1,5})[ \t]+)?"
    r"(?P<year>\d{4})"
)
_UTC_NAMES: Final = frozenset({"utc", "gmt", "z"})


class StartTimeError(CliParseError):
    """A ``StartTime`` that is not a date uccert can read."""


def parse_start_time(text: str, zone: tzinfo = UTC) -> datetime:
    """``Wed Jan 01 09:00:00 2025`` -> 2025-01-01 09:00:00+00:00 (in UTC, from ``zone``)."""
    match = _START_RE.fullmatch(text.strip())
    if match is None:
        raise StartTimeError(f"StartTime {text!r} is not like 'Wed Jan 01 09:00:00 2025'")
    named = match.group("zone")
    if named is not None and named.lower() in _UTC_NAMES:
        zone = UTC
    elif named is not None and zone is UTC:
        raise StartTimeError(
            f"StartTime {text!r} is in zone {named}, and the node's time zone is not known"
        )
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
            tzinfo=zone,
        ).astimezone(UTC)
    except ValueError as exc:
        raise StartTimeError(f"StartTime {text!r} is not a real date ({exc})") from None
