"""``show timezone config``: the node's platform time zone, as an IANA name.

Control Center prints a service's ``StartTime`` in the node's local time without an offset
(docs/design/interfaces.md §2), so comparing it with a certificate's notBefore (UTC) needs the zone.
Transcripts [seen: Cisco TAC doc 118744 and a Cisco community article]::

    admin:show timezone config
    Current timezone: Central European Time (Europe/Warsaw)
    Timezone version: 2012j

(some releases print ``Current time zone:``). The IANA name is the one in parentheses.
"""

from __future__ import annotations

import re
from typing import Final

from uccert.protocols._lines import raise_if_failed, split_lines
from uccert.protocols.errors import CliParseError

_ZONE_RE: Final = re.compile(
    r"^\s*Current\s+time\s?zone\s*:\s*(?P<long>[^()\r\n]*?)\s*\((?P<zone>[A-Za-z0-9_+\-/]+)\)\s*$",
    re.IGNORECASE | re.MULTILINE,
)


def parse_timezone_config(text: str) -> str:
    """The IANA zone name, e.g. ``Europe/Warsaw``."""
    raise_if_failed(split_lines(text), "show timezone config")
    match = _ZONE_RE.search(text.replace("\r", ""))
    if match is None:
        raise CliParseError(
            "show timezone config printed no 'Current timezone: <name> (<Area/City>)' line"
        )
    return match.group("zone")
