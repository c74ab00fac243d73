"""Why a CSR request or an upload is refused: typed problems, one line each, each with its fix.

Every check in :mod:`uccert.ca` returns a list of :class:`Problem` instead of raising on the
first one, so that an admin sees everything wrong with a certificate in one go. The shell turns
a non-empty list into :class:`Refused` (a ConfigError: exit 2, nothing was changed).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from uccert.errors import ConfigError


@dataclass(frozen=True)
class Problem:
    """``code`` is stable (tests and JSON); ``message`` says what is wrong, ``fix`` what to do."""

    code: str
    message: str
    fix: str

    def __str__(self) -> str:
        return f"{self.message} — {self.fix}"


class Refused(ConfigError):
    """The request or the certificate fails a check; nothing was sent to the cluster."""

    def __init__(self, what: str, problems: Iterable[Problem]) -> None:
        self.problems = tuple(problems)
        if not self.problems:
            raise ValueError("Refused needs at least one problem")
        text = "; ".join(str(p) for p in self.problems)
        super().__init__(f"{what} refused, nothing was changed: {text}")

    @property
    def codes(self) -> tuple[str, ...]:
        return tuple(p.code for p in self.problems)
