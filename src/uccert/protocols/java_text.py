"""How Java prints dates and X.500 names, as CUCM's certificate dump shows them.

* Dates: ``EEE MMM dd HH:mm:ss zzz yyyy`` (``java.util.Date.toString``), e.g.
  ``Mon Nov 30 09:12:44 UTC 2026``. The zone is a short name; a node set to a local time
  zone prints that zone's name. Short names are ambiguous in general (CST is both Chicago
  and Shanghai, IST both Kolkata and Dublin), so only the unambiguous names below are
  read, plus ``GMT+hh:mm``; a caller can pass its own table [guess: which names occur].
* Names: printed most specific first (reverse of the encoding), ``, `` between attributes,
  values with special characters in double quotes or with backslash escapes.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta, timezone
from typing import Final

from uccert.protocols.errors import CliParseError

JAVA_ZONE_OFFSETS: Final[Mapping[str, timedelta]] = {
    "UTC": timedelta(0),
    "GMT": timedelta(0),
    "UT": timedelta(0),
    "Z": timedelta(0),
    "EST": timedelta(hours=-5),
    "EDT": timedelta(hours=-4),
    "CDT": timedelta(hours=-5),
    "MST": timedelta(hours=-7),
    "MDT": timedelta(hours=-6),
    "PST": timedelta(hours=-8),
    "PDT": timedelta(hours=-7),
    "CET": timedelta(hours=1),
    "CEST": timedelta(hours=2),
    "EET": timedelta(hours=2),
    "EEST": timedelta(hours=3),
    "JST": timedelta(hours=9),
    "KST": timedelta(hours=9),
    "HKT": timedelta(hours=8),
    "SGT": timedelta(hours=8),
    "AEST": timedelta(hours=10),
    "AEDT": timedelta(hours=11),
}
"""Zone short names read without a hint [guess]; ambiguous ones (CST, IST, BST) are absent."""

_DAYS: Final = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_MONTHS: Final = (
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
)  # fmt: skip
_DATE_RE: Final = re.compile(
    r"(?P<dow>[A-Za-z]{3})[ \t]+(?P<mon>[A-Za-z]{3})[ \t]+(?P<day>[0-9]{1,2})[ \t]+"
    r"(?P<h>[0-9]{2}):(?P<m>[0-9]{2}):(?P<s>[0-9]{2})[ \t]+"
    r"(?P<zone>[A-Za-z]{1,6}(?:[+-][0-9]{1,2}(?::?[0-9]{2})?)?)[ \t]+(?P<year>[0-9]{4})"
)
_GMT_OFFSET_RE: Final = re.compile(
    r"(?:GMT|UTC)(?P<sign>[+-])(?P<h>[0-9]{1,2})(?::?(?P<m>[0-9]{2}))?"
)


def _zone_offset(zone: str, zones: Mapping[str, timedelta]) -> timedelta:
    if zone in zones:
        return zones[zone]
    match = _GMT_OFFSET_RE.fullmatch(zone)
    if match is not None:
        hours, minutes = int(match.group("h")), int(match.group("m") or "0")
        if hours <= 18 and minutes < 60:
            offset = timedelta(hours=hours, minutes=minutes)
            return -offset if match.group("sign") == "-" else offset
    raise CliParseError(
        f"certificate date: time zone {zone!r} is unknown or ambiguous; expected one of "
        f"{', '.join(sorted(zones))} or GMT+hh:mm (pass a zone table, or set the node to UTC)"
    )


def parse_java_date(text: str, zones: Mapping[str, timedelta] = JAVA_ZONE_OFFSETS) -> datetime:
    """``Mon Nov 30 09:12:44 UTC 2026`` -> aware UTC datetime; the weekday must agree."""
    match = _DATE_RE.fullmatch(text.strip())
    if match is None:
        raise CliParseError(
            f"certificate date: expected 'EEE MMM dd HH:mm:ss zzz yyyy', got {text.strip()!r}"
        )
    if match.group("mon") not in _MONTHS or match.group("dow") not in _DAYS:
        raise CliParseError(f"certificate date: unknown day or month name in {text.strip()!r}")
    offset = _zone_offset(match.group("zone"), zones)
    try:
        local = datetime(
            int(match.group("year")),
            _MONTHS.index(match.group("mon")) + 1,
            int(match.group("day")),
            int(match.group("h")),
            int(match.group("m")),
            int(match.group("s")),
            tzinfo=timezone(offset),
        )
    except ValueError as error:
        raise CliParseError(f"certificate date: {error}: {text.strip()!r}") from error
    if _DAYS[local.weekday()] != match.group("dow"):
        raise CliParseError(
            f"certificate date: {text.strip()!r} is a {_DAYS[local.weekday()]}, not a "
            f"{match.group('dow')}"
        )
    return local.astimezone(UTC)


def split_name(name: str) -> list[tuple[str, str]]:
    """``L=Tokyo, CN=a, O="X, Inc."`` -> ``[("L", "Tokyo"), ("CN", "a"), ("O", "X, Inc.")]``.

    Attributes are separated by unquoted, unescaped ``,`` (or ``+`` in a multi-valued RDN);
    quotes are removed and backslash escapes resolved. Raises CliParseError when a part has
    no ``=`` or a quote is left open.
    """
    parts: list[tuple[str, str]] = []
    if not name.strip():
        return parts
    current: list[str] = []
    quoted = False
    escaped = False

    def flush() -> None:
        part = "".join(current)
        key, sep, value = part.partition("=")
        if not sep or not key.strip():
            raise CliParseError(f"certificate name: expected 'KEY=value', got {part!r}")
        parts.append((key.strip(), value.strip()))
        current.clear()

    for char in name:
        if escaped:
            current.append(char)
            escaped = False
        elif char == "\\":
            escaped = True
        elif char == '"':
            quoted = not quoted
        elif char in ",+" and not quoted:
            flush()
        else:
            current.append(char)
    if quoted or escaped:
        raise CliParseError(f"certificate name: unterminated quote or escape in {name!r}")
    flush()
    return parts


def common_name(name: str) -> str | None:
    """The first ``CN`` as printed (the most specific one), or ``None``."""
    for key, value in split_name(name):
        if key.upper() == "CN":
            return value
    return None
