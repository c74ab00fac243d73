"""Removing what a terminal adds: pager prompts and ANSI escape sequences.

Long output pauses at a pager prompt unless ``set cli pagination off`` was sent [doc]:
``options: q=quit, n=next, p=prev, b=begin, e=end (lines 1 - 24 of 80) :`` or, bold with
escape codes, ``Press <enter> for 1 line, <space> for one page, or <q> to quit`` [seen].
"""

from __future__ import annotations

import re
from typing import Final

# CSI (ESC [ ... final), OSC (ESC ] ... BEL or ESC \), and two-byte escapes (ESC + one char).
ANSI_ESCAPE_RE: Final = re.compile(
    r"\x1b\[[0-?]*[ -/]*[@-~]"
    r"|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)"
    r"|\x1b[@-_]"
    r"|\x9b[0-?]*[ -/]*[@-~]"
)

PAGER_PROMPT_RES: Final = (
    re.compile(
        r"options: q=quit, n=next, p=prev, b=begin, e=end \(lines [0-9]+ - [0-9]+ of [0-9]+\) :",
        re.IGNORECASE,
    ),
    re.compile(r"Press <enter> for 1 line, <space> for one page, or <q> to quit", re.IGNORECASE),
)
"""The pager prompts, without escape codes [doc] [seen]."""

_EMPTIED: Final = "\x00pager\x00"


def strip_pager(text: str) -> str:
    """Remove ANSI escapes and pager prompts; a line that held only a prompt disappears.

    Everything else, line ends included, is returned unchanged. Removal repeats until nothing
    is left to remove (taking one escape out can join the halves of another).
    """
    while True:
        stripped = _strip_once(text)
        if stripped == text:
            return text
        text = stripped


def _strip_once(text: str) -> str:
    text = ANSI_ESCAPE_RE.sub("", text)
    if not any(pattern.search(text) for pattern in PAGER_PROMPT_RES):
        return text
    text = text.replace(_EMPTIED, "")
    for pattern in PAGER_PROMPT_RES:
        text = pattern.sub(_EMPTIED, text)
    # A line made only of a prompt (plus blanks/CRs) goes, with its line end.
    text = re.sub(r"(?m)^[ \t\r]*" + re.escape(_EMPTIED) + r"[ \t\r]*(?:\n|\Z)", "", text)
    return text.replace(_EMPTIED, "")
