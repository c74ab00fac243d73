"""Typed errors of the catalog: each message names the problem and what to do about it."""

from __future__ import annotations


class VersionError(ValueError):
    """A version string that is not a CUCM/IM and Presence release number."""


class UnknownNameError(LookupError):
    """A unit, trust store or service name the catalog does not know."""

    def __str__(self) -> str:  # LookupError would repr() the message
        return str(self.args[0]) if self.args else ""


class NotInProcedureError(LookupError):
    """A question docs/design/procedure.md has no answer to (e.g. restarts for CallManager)."""

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else ""
