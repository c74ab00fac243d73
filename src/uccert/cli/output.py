"""How text reaches a person: width, colour, pager, and text from nodes made harmless.

Every command that prints for a person gets its console from :func:`console`: on a terminal it
uses the terminal's width, elsewhere ``$COLUMNS`` or a wide default (so a pipe or a file gets
whole lines). Colour follows ``--color auto|always|never`` and ``NO_COLOR``
(https://no-color.org). Long output goes through ``$PAGER`` (``less -FRX`` by default, which
quits at once when the text fits on one screen) when stdout is a terminal, unless
``--no-pager``.

Text that came from a node (a CN, a file name, an error a node sent) may carry terminal control
sequences: :func:`clean` shows them as ``\\x1b``-style escapes before anything prints them, so a
hostile certificate cannot clear the screen or set the window title.

:func:`fit_columns` lays rows out kubectl-style (no borders, two spaces between columns), each
row on exactly one line: a value too long for its column is cut with an ellipsis, never wrapped.
"""

from __future__ import annotations

import contextlib
import os
import sys
import threading
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Final, Literal

from rich.cells import cell_len
from rich.console import Console
from rich.text import Text

from uccert.report import clean

__all__ = ["clean"]  # re-exported: every renderer escapes node text with it

ColorMode = Literal["auto", "always", "never"]

WIDE: Final = 220  # width when stdout is not a terminal and $COLUMNS is unset
GAP: Final = "  "
ELLIPSIS: Final = "…"


@dataclass
class Settings:
    """Set once per process by the root command's options."""

    color: ColorMode = "auto"
    pager: bool = True


SETTINGS = Settings()


def _color_system(mode: ColorMode) -> tuple[bool | None, bool]:
    """(force_terminal, no_color) for rich."""
    if mode == "never" or (mode == "auto" and os.environ.get("NO_COLOR")):
        return None, True
    if mode == "always":
        return True, False
    return None, False


def console(*, stderr: bool = False, width: int | None = None) -> Console:
    """A console for a person: the terminal's width (or ``width``), colour per the settings."""
    force_terminal, no_color = _color_system(SETTINGS.color)
    out = Console(
        stderr=stderr,
        force_terminal=force_terminal,
        no_color=no_color,
        highlight=False,
        width=width,
    )
    if width is None and not (sys.stderr if stderr else sys.stdout).isatty():
        columns = os.environ.get("COLUMNS", "")
        out = Console(
            stderr=stderr,
            force_terminal=force_terminal,
            no_color=no_color,
            highlight=False,
            width=int(columns) if columns.isdigit() and int(columns) > 0 else WIDE,
        )
    return out


@contextlib.contextmanager
def paged(out: Console) -> Iterator[None]:
    """Send what ``out`` prints in the block through the pager when stdout is a terminal."""
    if not SETTINGS.pager or not out.is_terminal or not sys.stdout.isatty():
        yield
        return
    os.environ.setdefault("LESS", "FRX")  # quit when it fits, keep colours, leave it on screen
    with out.pager(styles=out.color_system is not None):
        yield


SLOW: Final = 10.0  # seconds before a wait off a terminal is logged


@contextlib.contextmanager
def progress(what: str) -> Iterator[None]:
    """``what`` (e.g. reading a fleet) as a transient progress line on a terminal (stderr).
    Elsewhere a wait longer than ``SLOW`` seconds is logged as timestamped lines on stderr
    (when it started, when it ended); a quick one prints nothing, so a script's stderr holds
    only what went wrong."""
    err = console(stderr=True)
    if err.is_terminal:
        with err.status(what):
            yield
        return
    started = datetime.now()

    def log() -> None:
        print(f"{started:%H:%M:%S} {what}", file=sys.stderr, flush=True)

    timer = threading.Timer(SLOW, log)
    timer.daemon = True
    timer.start()
    try:
        yield
    finally:
        timer.cancel()
        if datetime.now() - started >= timedelta(seconds=SLOW):
            took = (datetime.now() - started).total_seconds()
            print(f"{datetime.now():%H:%M:%S} done in {took:.1f} s", file=sys.stderr)


# --- columns -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Column:
    """``shrink``: how willing the column is to give up width (0 never; higher first);
    ``minimum``: the width it keeps when it shrinks."""

    header: str
    right: bool = False
    shrink: int = 0
    minimum: int = 8


Cell = str | Text


def _text(cell: Cell) -> Text:
    return cell.copy() if isinstance(cell, Text) else Text(cell)


def column_widths(
    columns: Sequence[Column], rows: Sequence[Sequence[Cell]], width: int, indent: int = 0
) -> list[int]:
    """Each column's width: as wide as its widest value, shrunk (most willing first) so the
    row fits ``width``."""
    widths = [cell_len(c.header) for c in columns]
    for row in rows:
        for i, cell in enumerate(row):
            widths[i] = max(widths[i], _text(cell).cell_len)
    excess = indent + sum(widths) + len(GAP) * (len(columns) - 1) - width
    for i in sorted(range(len(columns)), key=lambda i: -columns[i].shrink):
        if excess <= 0 or columns[i].shrink == 0:
            break
        floor = min(widths[i], max(columns[i].minimum, 1))
        give = min(excess, widths[i] - floor)
        widths[i] -= give
        excess -= give
    return widths


def fit_line(cells: Sequence[Cell], columns: Sequence[Column], widths: Sequence[int]) -> Text:
    """One row on one line: each value padded to its column, or cut with an ellipsis."""
    line = Text()
    last = len(cells) - 1
    for i, cell in enumerate(cells):
        text = _text(cell)
        if text.cell_len > widths[i]:
            text.truncate(widths[i], overflow="ellipsis")
        if i < last:
            pad = widths[i] - text.cell_len
            text = Text(" " * pad) + text if columns[i].right else text + " " * pad
            line.append_text(text)
            line.append(GAP)
        elif columns[i].right:
            line.append(" " * (widths[i] - text.cell_len))
            line.append_text(text)
        else:
            line.append_text(text)
    return line


def fit_columns(
    columns: Sequence[Column],
    rows: Sequence[Sequence[Cell]],
    width: int,
    *,
    indent: int = 0,
    headers: bool = True,
) -> list[Text]:
    """The header line (bold) and one line per row, each within ``width``."""
    widths = column_widths(columns, rows, width, indent)
    lines: list[Text] = []
    pad = " " * indent
    if headers:
        head = fit_line([Text(c.header, style="bold") for c in columns], columns, widths)
        lines.append(Text(pad) + head)
    lines += [Text(pad) + fit_line(row, columns, widths) for row in rows]
    for line in lines:
        line.rstrip()
    return lines


def shorten(text: str, width: int) -> str:
    """``text`` cut to ``width`` cells with an ellipsis (a one-line value in prose)."""
    line = Text(text)
    if line.cell_len > width:
        line.truncate(width, overflow="ellipsis")
    return line.plain


def fits(
    columns: Sequence[Column], rows: Sequence[Sequence[Cell]], width: int, indent: int = 0
) -> bool:
    """Whether the rows fit ``width`` as a table once the columns have shrunk."""
    widths = column_widths(columns, rows, width, indent)
    return indent + sum(widths) + len(GAP) * (len(columns) - 1) <= width


def record_lines(
    columns: Sequence[Column], row: Sequence[Cell], width: int, indent: int = 0
) -> list[Text]:
    """One row as ``label value`` pairs flowed over as few lines as ``width`` allows (for a
    terminal too narrow for the table); a pair is never split, a value too long for a whole
    line is cut with an ellipsis."""
    lines: list[Text] = []
    line = Text(" " * indent)
    for column, cell in zip(columns, row, strict=True):
        pair = Text(column.header.lower(), style="dim") + Text(" ") + _text(cell)
        if pair.cell_len > width - indent:
            pair.truncate(width - indent, overflow="ellipsis")
        if line.cell_len > indent and line.cell_len + len(GAP) + pair.cell_len > width:
            lines.append(line)
            line = Text(" " * indent)
        if line.cell_len > indent:
            line.append(GAP)
        line.append_text(pair)
    if line.cell_len > indent:
        lines.append(line)
    return lines
