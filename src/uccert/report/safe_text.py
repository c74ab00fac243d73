"""Text from a node, made harmless to print.

A CN, a file name or an error a node sent may carry terminal control sequences (clear the
screen, set the window title, an 8-bit CSI) or Unicode characters that reorder what is shown.
:func:`clean` writes each as a visible escape (``\\x1b``) so the terminal, a log or a report
shows the text without obeying it.
"""

from __future__ import annotations

import re
from typing import Final

# C0 controls but tab and newline, DEL, C1 controls, and the Unicode format characters that
# reorder or hide text (bidirectional overrides and isolates, line/paragraph separators).
_CONTROL: Final = re.compile(
    "[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069\u200e\u200f]"
)
_CONTROL_OR_NEWLINE: Final = re.compile(_CONTROL.pattern[:-1] + "\n\t]")


def _escape(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def clean(text: object, *, newlines: bool = False) -> str:
    """``text`` with every control character shown as an escape (``\\x1b``), safe to print.

    Tabs and newlines are escaped too unless ``newlines`` (a multi-line message)."""
    pattern = _CONTROL if newlines else _CONTROL_OR_NEWLINE
    return pattern.sub(_escape, str(text))
