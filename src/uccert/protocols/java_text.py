"""How Java prints dates and X.500 names, as CUCM's certificate dump shows them.

* Dates: ``EEE MMM dd HH:mm:ss zzz yyyy`` (``java.util.Date.toString``), e.g.
  ``Mon Nov 30 09:12:44 UTC 2026``. The zone is a short name; a node set to a local time
  zone prints that zone's name, following daylight saving (real captures show BST and
  PST/PDT [seen]). Short names are ambiguous in general (CST is both Chicago and Shanghai,
  IST both Kolkata and Dublin): without the node's zone only the unambiguous names of
  ``JAVA_ZONE_OFFSETS`` are read, plus ``GMT+hh:mm``. With the node's IANA zone (``show
  timezone config``) a name is read when that zone, at that local time, has one of the
  offsets the name can stand for (``JAVA_ZONE_NAMES``); Java keeps names that the tz
  database replaced by numbers (``BRT`` for America/Sao_Paulo, ``GST`` for Asia/Dubai), so
  the name table is Java's, not the tz database's.
* Names: printed most specific first (reverse of the encoding), ``, `` between attributes,
  values with special characters in double quotes or with backslash escapes.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta, timezone, tzinfo
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

_H = timedelta(hours=1)
JAVA_ZONE_NAMES: Final[Mapping[str, frozenset[timedelta]]] = {
    **{name: frozenset({offset}) for name, offset in JAVA_ZONE_OFFSETS.items()},
    "CST": frozenset({-6 * _H, 8 * _H, -5 * _H}),  # Chicago, Shanghai/Taipei, Havana
    "IST": frozenset({5.5 * _H, 1 * _H, 2 * _H}),  # Kolkata, Dublin (summer), Jerusalem
    "BST": frozenset({1 * _H, 6 * _H}),  # London (summer), Dhaka
    "BRT": frozenset({-3 * _H}),  # America/Sao_Paulo (tz database: -03)
    "GST": frozenset({4 * _H}),  # Asia/Dubai (tz database: +04)
    "WET": frozenset({0 * _H}),
    "WEST": frozenset({1 * _H}),
    "AST": frozenset({-4 * _H, 3 * _H}),  # Atlantic, Arabia
    "ACST": frozenset({9.5 * _H}),
    "ACDT": frozenset({10.5 * _H}),
    "AWST": frozenset({8 * _H}),
    "NZST": frozenset({12 * _H}),
    "NZDT": frozenset({13 * _H}),
    "MSK": frozenset({3 * _H}),
    "SAST": frozenset({2 * _H}),
    "ICT": frozenset({7 * _H}),
    "PHT": frozenset({8 * _H}),
    "WIB": frozenset({7 * _H}),
    "HST": frozenset({-10 * _H}),
    "AKST": frozenset({-9 * _H}),
    "AKDT": frozenset({-8 * _H}),
    "ART": frozenset({-3 * _H}),
}
"""Java's zone short names -> every UTC offset each can stand for (with the node's zone
the offset that zone has at that moment picks one) [doc: the tz database; Java's own names
from its TimeZoneNames]."""

_DAYS: Final = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
# English month abbreviations, as Java's Date.toString and Control Center print them.
MONTHS: Final = (
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


def _zone_offset(
    zone: str, zones: Mapping[str, timedelta], node_zone: tzinfo | None = None
) -> timedelta:
    if zone in zones:
        return zones[zone]
    match = _GMT_OFFSET_RE.fullmatch(zone)
    if match is not None:
        hours, minutes = int(match.group("h")), int(match.group("m") or "0")
        if hours <= 18 and minutes < 60:
            offset = timedelta(hours=hours, minutes=minutes)
            return -offset if match.group("sign") == "-" else offset
    if node_zone is not None:
        raise CliParseError(
            f"certificate date: time zone {zone!r} is not a name of the node's zone "
            f"{node_zone} at that time (show timezone config)"
        )
    raise CliParseError(
        f"certificate date: time zone {zone!r} is unknown or ambiguous without the node's "
        f"zone; expected one of {', '.join(sorted(zones))} or GMT+hh:mm"
    )


def _in_node_zone(local: datetime, name: str, node_zone: tzinfo) -> datetime | None:
    """``local`` (naive) in ``node_zone`` when the zone, then, is called ``name`` or has an
    offset ``name`` can stand for; both sides of a daylight-saving fold are tried."""
    for fold in (0, 1):
        candidate = local.replace(tzinfo=node_zone, fold=fold)
        offset = candidate.utcoffset()
        if candidate.tzname() == name or (
            offset is not None and offset in JAVA_ZONE_NAMES.get(name, frozenset())
        ):
            return candidate
    return None


def parse_java_date(
    text: str,
    zones: Mapping[str, timedelta] = JAVA_ZONE_OFFSETS,
    node_zone: tzinfo | None = None,
) -> datetime:
    """``Mon Nov 30 09:12:44 UTC 2026`` -> aware UTC datetime; the weekday must agree.

    ``node_zone`` (the node's platform zone) resolves names that are ambiguous on their own
    (``CST``, ``IST``, ``BST``) and those only Java uses (``BRT``, ``GST``), DST included.
    """
    match = _DATE_RE.fullmatch(text.strip())
    if match is None:
        raise CliParseError(
            f"certificate date: expected 'EEE MMM dd HH:mm:ss zzz yyyy', got {text.strip()!r}"
        )
    if match.group("mon") not in MONTHS or match.group("dow") not in _DAYS:
        raise CliParseError(f"certificate date: unknown day or month name in {text.strip()!r}")
    try:
        wall = datetime(
            int(match.group("year")),
            MONTHS.index(match.group("mon")) + 1,
            int(match.group("day")),
            int(match.group("h")),
            int(match.group("m")),
            int(match.group("s")),
        )
    except ValueError as error:
        raise CliParseError(f"certificate date: {error}: {text.strip()!r}") from error
    zone_name = match.group("zone")
    in_zone = None if node_zone is None else _in_node_zone(wall, zone_name, node_zone)
    if in_zone is not None:
        local = in_zone
    else:
        local = wall.replace(tzinfo=timezone(_zone_offset(zone_name, zones, node_zone)))
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
