"""``set cert regen <unit>``: did the node regenerate the certificate? [doc] [seen]

Success reads ``Successfully Regenerated Certificate for tomcat.``; case and spacing vary by
version (``Successfully regenerated certificate for tomcat.``), so the match ignores both.
Failure reads ``Executed command unsuccessfully``.
"""

from __future__ import annotations

import re
from typing import Final

from uccert.protocols._lines import is_failure_line, quote, split_lines
from uccert.protocols.errors import CliParseError

_WHAT: Final = "set cert regen"
_SUCCESS_RE: Final = re.compile(
    r"Successfully[ \t]+Regenerated[ \t]+Certificate[ \t]+for[ \t]+(?P<unit>\S+?)\.?",
    re.IGNORECASE,
)


def parse_regen_result(text: str, unit: str) -> bool:
    """True on the success line for ``unit``, False on the failure line.

    Raises CliParseError when neither appears, when both do, or when the success line names
    another unit.
    """
    lines = [line.strip() for line in split_lines(text)]
    failed = any(is_failure_line(line) for line in lines)
    succeeded_units = [
        match.group("unit") for line in lines if (match := _SUCCESS_RE.fullmatch(line))
    ]
    if failed and succeeded_units:
        raise CliParseError(f"{_WHAT} {unit}: the output reports both success and failure")
    if failed:
        return False
    if not succeeded_units:
        last = next((line for line in reversed(lines) if line), "")
        raise CliParseError(
            f"{_WHAT} {unit}: expected 'Successfully Regenerated Certificate for {unit}.' or "
            f"'Executed command unsuccessfully', last line was {quote(last)}"
        )
    others = [name for name in succeeded_units if name.casefold() != unit.casefold()]
    if others:
        raise CliParseError(
            f"{_WHAT} {unit}: the node reports regenerating {others[0]!r}, not {unit!r}"
        )
    return True
