"""Reading a TOML file and reporting what is wrong with it on one line.

Every error says ``<file>:<line>: <problem> — <fix>``. tomllib reports the line of a syntax
error; for a semantic error (unknown key, wrong type, missing key) the line is found by a simple
scan of the text for the table header and the key. Messages name keys and types, never values: a
value may be a password typed in the wrong place.
"""

from __future__ import annotations

import difflib
import json
import re
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

from uccert.errors import ConfigError


class InventoryError(ConfigError):
    """An inventory or credentials file uccert cannot use; the message is one line (exit 2)."""


def one_line(text: str) -> str:
    return " ".join(text.split())


def fail(path: Path, line: int | None, problem: str, fix: str) -> InventoryError:
    where = f"{path}:{line}" if line is not None else f"{path}"
    return InventoryError(one_line(f"{where}: {problem} — {fix}"))


def quote(name: str) -> str:
    """A key as the user would write it (safe on one line)."""
    return name if re.fullmatch(r"[A-Za-z0-9_-]+", name) else json.dumps(name)


def dotted(table: tuple[str, ...]) -> str:
    return ".".join(quote(p) for p in table)


_TOKEN = re.compile(r"\s*(\"(?:[^\"\\]|\\.)*\"|'[^']*'|[A-Za-z0-9_-]+)\s*(\.|$)")


def _split_key(text: str) -> tuple[str, ...] | None:
    """``clusters."lab".nodes.a`` -> ("clusters", "lab", "nodes", "a"); None if unparsable."""
    parts: list[str] = []
    pos = 0
    while pos < len(text):
        m = _TOKEN.match(text, pos)
        if m is None:
            return None
        token = m.group(1)
        if token.startswith('"'):
            try:
                parts.append(json.loads(token))
            except ValueError:
                return None
        elif token.startswith("'"):
            parts.append(token[1:-1])
        else:
            parts.append(token)
        pos = m.end()
        if m.group(2) == "":
            break
    return tuple(parts) if pos >= len(text) else None


_HEADER = re.compile(r"^\s*\[(?!\[)(.*)\]\s*(#.*)?$")
_PART = r"(?:\"(?:[^\"\\]|\\.)*\"|'[^']*'|[A-Za-z0-9_-]+)"
_KEY = re.compile(rf"^\s*({_PART}(?:\s*\.\s*{_PART})*)\s*=")


@dataclass(frozen=True)
class Source:
    """The text of a TOML file, to find the line of a table or a key in it."""

    path: Path
    text: str

    def _lines(self) -> Iterable[tuple[int, tuple[str, ...] | None, str]]:
        """(line number, table the line is in, line) for every line."""
        table: tuple[str, ...] | None = ()
        for number, line in enumerate(self.text.splitlines(), start=1):
            header = _HEADER.match(line)
            if header is not None:
                table = _split_key(header.group(1).strip())
            yield number, table, line

    def line_of(self, table: tuple[str, ...], key: str | None = None) -> int:
        """Line of ``key`` in ``table``, else of the table's header, else 1."""
        header_line: int | None = None
        first_inside: int | None = None
        for number, current, line in self._lines():
            if current is None:
                continue
            if _HEADER.match(line):
                if current == table and header_line is None:
                    header_line = number
                if current[: len(table)] == table and first_inside is None:
                    first_inside = number
                continue
            m = _KEY.match(line)
            parts = _split_key(m.group(1).strip()) if m is not None else None
            if parts is None:
                continue
            full = current + parts
            if key is not None and full == (*table, key):
                return number
            if full[: len(table)] == table and len(full) > len(table) and first_inside is None:
                first_inside = number
        return header_line or first_inside or 1

    def fail(
        self, table: tuple[str, ...], key: str | None, problem: str, fix: str
    ) -> InventoryError:
        return fail(self.path, self.line_of(table, key), problem, fix)


MAX_FILE_BYTES: Final = 4 * 2**20  # inventory and credentials files (docs/inventory.md)


def parse(path: Path, text: str, what: str) -> dict[str, Any]:
    """tomllib.loads with its error turned into one line with the file's line number."""
    try:
        return tomllib.loads(text)
    except RecursionError:  # arrays or inline tables nested thousands deep
        raise fail(
            path,
            1,
            f"{what} nests arrays or tables too deeply to read",
            "write it as the flat tables of docs/inventory.md",
        ) from None
    except tomllib.TOMLDecodeError as exc:
        message = str(exc)
        line = getattr(exc, "lineno", None)
        m = re.search(r"\(at line (\d+), column (\d+)\)", message)
        if line is None and m is not None:
            line = int(m.group(1))
        if line is None and "end of document" in message:
            line = max(1, text.count("\n") + (0 if text.endswith("\n") else 1))
        problem = re.sub(r"\s*\(at (line \d+, column \d+|end of document)\)", "", message)
        raise fail(
            path,
            line or 1,
            f"{what} is not valid TOML ({problem})",
            "fix the syntax there (quote strings, write tables as [clusters.NAME])",
        ) from None


def read_text(path: Path, what: str, missing_fix: str) -> str:
    """The file as text; refused (one line) when missing, unreadable, not UTF-8 or larger than
    ``MAX_FILE_BYTES`` (read no further than that: a huge file is a mistake, not an inventory)."""
    try:
        with path.open("rb") as handle:
            data = handle.read(MAX_FILE_BYTES + 1)
    except FileNotFoundError:
        raise InventoryError(one_line(f"{path}: no such {what} — {missing_fix}")) from None
    except IsADirectoryError:
        raise InventoryError(
            one_line(f"{path}: is a directory, not a {what} — pass the path of the file itself")
        ) from None
    except OSError as exc:
        raise InventoryError(
            one_line(f"{path}: cannot read the {what} ({exc.strerror}) — check its permissions")
        ) from None
    if len(data) > MAX_FILE_BYTES:
        raise InventoryError(
            one_line(
                f"{path}: the {what} is larger than {MAX_FILE_BYTES // 2**20} MiB — pass the"
                " right file (an inventory of hundreds of nodes is a few hundred kB)"
            )
        )
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise InventoryError(
            one_line(f"{path}:{line}: the {what} is not UTF-8 text — save it as UTF-8")
        ) from None


def check_keys(
    src: Source,
    table: tuple[str, ...],
    values: Mapping[str, Any],
    allowed: Iterable[str],
    hints: Mapping[str, str] | None = None,
) -> None:
    """Refuse a key that is not in ``allowed`` (a typo must not be silently ignored)."""
    allowed = tuple(allowed)
    for key in values:
        if key in allowed:
            continue
        where = f"[{dotted(table)}]" if table else "the top level"
        fix = (hints or {}).get(key)
        if fix is None:
            close = difflib.get_close_matches(key, allowed, n=1)
            known = ", ".join(allowed)
            fix = f"did you mean {quote(close[0])}? " if close else ""
            fix += f"keys allowed there: {known}"
        raise src.fail(table, key, f"unknown key {quote(key)} in {where}", fix)
