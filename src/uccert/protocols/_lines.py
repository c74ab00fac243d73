"""Line handling shared by the parsers: CRLF/LF/CR line ends, failure line, quoting."""

from __future__ import annotations

import re
from typing import Final

from uccert.protocols.errors import CliCommandFailed, CliParseError

# [seen] a failed or unknown command ends with this line, sometimes with a period.
FAILURE_LINE_RE: Final = re.compile(r"^\s*Executed command unsuccessfully\.?\s*$", re.IGNORECASE)


def split_lines(text: str) -> list[str]:
    """Split on CRLF, LF or a lone CR (a pty may send ``\\r\\r\\n``: that gives a blank line)."""
    return text.replace("\r\n", "\n").replace("\r", "\n").split("\n")


def is_failure_line(line: str) -> bool:
    """True for ``Executed command unsuccessfully`` (any case, optional period)."""
    return FAILURE_LINE_RE.match(line) is not None


def raise_if_failed(lines: list[str], what: str) -> None:
    """Raise :class:`CliCommandFailed` if the node printed its failure line."""
    for line in lines:
        if is_failure_line(line):
            raise CliCommandFailed(f"{what}: the node reported failure: {quote(line)}")


def quote(line: str, limit: int = 200) -> str:
    """The offending line, repr-quoted and shortened, for an error message."""
    shown = line if len(line) <= limit else line[:limit] + "..."
    return repr(shown)


def unexpected(what: str, expected: str, line: str, number: int | None = None) -> CliParseError:
    """An error naming what was expected and the offending line."""
    where = f" (line {number})" if number is not None else ""
    return CliParseError(f"{what}: expected {expected}{where}, got {quote(line)}")
