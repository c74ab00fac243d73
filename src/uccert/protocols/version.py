"""``show version active``: ``Active Master Version: 14.0.1.10000-20``."""

from __future__ import annotations

import re
from typing import Final

from uccert.protocols._lines import raise_if_failed, split_lines
from uccert.protocols.errors import CliParseError

_WHAT: Final = "show version active"
_ACTIVE_RE: Final = re.compile(
    r"Active Master Version:[ \t]*(?P<version>[0-9]+(?:\.[0-9]+){1,4}(?:-[0-9]+)?)"
)


def parse_version_active(text: str) -> str:
    """The active version string, e.g. ``14.0.1.10000-20``. Raises CliParseError if absent."""
    lines = split_lines(text)
    raise_if_failed(lines, _WHAT)
    versions = [m.group("version") for line in lines if (m := _ACTIVE_RE.fullmatch(line.strip()))]
    if len(versions) != 1:
        found = "no" if not versions else f"{len(versions)}"
        raise CliParseError(
            f"{_WHAT}: expected one 'Active Master Version: <n.n.n.n-n>' line, found {found}"
        )
    return versions[0]
