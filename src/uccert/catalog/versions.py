"""Release numbers and version ranges: every version rule in the catalog is a `VersionRange`.

Versions are compared numerically with trailing zeros ignored, so "14" == "14.0" and
"14.0.1.10000-20" > "14.0". The text is kept for display only.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from uccert.catalog.errors import VersionError

_VERSION = re.compile(r"\d+(?:\.\d+)*(?:-\d+)?")
_EXAMPLES = "'12.5', '14', '14.0' or '14.0.1.10000-20' (as 'show version active' prints it)"


@dataclass(frozen=True, order=True)
class Version:
    """A CUCM / IM and Presence release: dotted numbers, optionally `-<build>`."""

    key: tuple[int, ...]
    text: str = field(compare=False)

    @classmethod
    def parse(cls, text: str) -> Version:
        if not isinstance(text, str):
            raise VersionError(f"version must be a string like {_EXAMPLES}, got {text!r}")
        cleaned = text.strip()
        if not cleaned:
            raise VersionError(f"empty version: write it as dotted numbers, e.g. {_EXAMPLES}")
        if not _VERSION.fullmatch(cleaned):
            raise VersionError(
                f"invalid version {text!r}: only digits, dots and one '-<build>' suffix are "
                f"allowed; write it as dotted numbers, e.g. {_EXAMPLES}"
            )
        numbers = [int(part) for part in re.split(r"[.-]", cleaned)]
        while len(numbers) > 1 and numbers[-1] == 0:
            numbers.pop()
        return cls(key=tuple(numbers), text=cleaned)

    @property
    def major(self) -> int:
        return self.key[0]

    @property
    def minor(self) -> int:
        return self.key[1] if len(self.key) > 1 else 0

    def __str__(self) -> str:
        return self.text


def v(text: str) -> Version:
    """Short form for tables: `v("10.0")`."""
    return Version.parse(text)


@dataclass(frozen=True)
class VersionRange:
    """Half-open range `[since, before)`; `None` means unbounded on that side."""

    since: Version | None = None
    before: Version | None = None

    def __contains__(self, version: object) -> bool:
        if not isinstance(version, Version):
            return False
        if self.since is not None and version < self.since:
            return False
        return not (self.before is not None and version >= self.before)

    def __and__(self, other: VersionRange) -> VersionRange:
        """The versions in both ranges (maybe none: see `is_empty`)."""
        lows = [x for x in (self.since, other.since) if x is not None]
        highs = [x for x in (self.before, other.before) if x is not None]
        return VersionRange(max(lows) if lows else None, min(highs) if highs else None)

    @property
    def is_empty(self) -> bool:
        return self.since is not None and self.before is not None and self.since >= self.before

    def __str__(self) -> str:
        if self.since is None and self.before is None:
            return "all versions"
        if self.since is None:
            return f"before {self.before}"
        if self.before is None:
            return f"{self.since} and later"
        return f"{self.since} up to (not including) {self.before}"


ALL_VERSIONS = VersionRange()

# The first major release with the Certificate Management REST API (docs/design/interfaces.md
# §4): uccert reads certs and asks for CSRs over it there, over the admin CLI before.
REST_FROM_MAJOR = 14


def since(text: str) -> VersionRange:
    return VersionRange(since=v(text))


def before(text: str) -> VersionRange:
    return VersionRange(before=v(text))
