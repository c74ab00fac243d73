"""What a check reports: one `Finding` per problem, each saying what to do about it."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Severity(StrEnum):
    ERROR = "error"
    WARNING = "warning"
    INFO = "info"

    @property
    def rank(self) -> int:
        """0 for the most severe: sort findings by it."""
        return _RANK[self]


_RANK = {Severity.ERROR: 0, Severity.WARNING: 1, Severity.INFO: 2}


@dataclass(frozen=True)
class Finding:
    """`node` is None for cluster-wide findings (an HA group); `subject` names the cert,
    store, service or group; `fix` is the next thing the admin should do."""

    code: str
    severity: Severity
    cluster: str
    node: str | None
    subject: str
    message: str
    fix: str

    def sort_key(self) -> tuple[int, str, str, str, str]:
        return (self.severity.rank, self.cluster, self.node or "", self.code, self.subject)
