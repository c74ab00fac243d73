"""Typed errors: each maps to an exit code, and each message says what to do next."""

from __future__ import annotations


class UccertError(Exception):
    """Base of every error uccert reports to a user."""

    exit_code = 1


class ConfigError(UccertError):
    """Bad input: a flag, a file, a topology. Nothing was changed (exit 2)."""

    exit_code = 2


class ClusterError(UccertError):
    """A node did something we did not expect, or could not be reached (exit 1)."""

    exit_code = 1
