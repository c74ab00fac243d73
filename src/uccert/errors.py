"""Typed errors: each maps to an exit code, and each message says what to do next.

As click's ``ClickException.exit_code``: an error class carries the code the command exits with,
and the CLI's top-level handler (``uccert.cli.main``) prints the message and returns that code.
``ExitCode`` names every code uccert exits with (README, "Exit codes").
"""

from __future__ import annotations

from enum import IntEnum


class ExitCode(IntEnum):
    """What `uccert` exits with, the same in every command."""

    OK = 0
    FAILED = 1  # a run or a node failed, or a node could not be read
    BAD_INPUT = 2  # bad input or a refusal before any change; nothing was changed
    PROBLEMS = 3  # `uccert check` found a warning or worse
    INTERRUPTED = 4  # Ctrl-C: a run stopped part way (resume it), or a read was abandoned


class UccertError(Exception):
    """Base of every error uccert reports to a user."""

    exit_code: ExitCode = ExitCode.FAILED


class ConfigError(UccertError):
    """Bad input: a flag, a file, a topology. Nothing was changed (exit 2)."""

    exit_code = ExitCode.BAD_INPUT


class ClusterError(UccertError):
    """A node did something we did not expect, or could not be reached (exit 1)."""

    exit_code = ExitCode.FAILED


class RunInterrupted(UccertError):
    """A durable run stopped by Ctrl-C: High Availability may still be off and services stopped,
    so the message names the run to resume (exit 4)."""

    exit_code = ExitCode.INTERRUPTED
