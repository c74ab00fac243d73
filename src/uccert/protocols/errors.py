"""The errors a CLI parser raises: the node's text was not what docs/design/interfaces.md §1
documents.

Both are :class:`ValueError` (bad text in) and :class:`~uccert.errors.ClusterError` (a node did
something we did not expect, exit 1), so a caller may catch either family.
"""

from __future__ import annotations

from uccert.errors import ClusterError


class CliParseError(ClusterError, ValueError):
    """The output does not have the documented shape.

    The message names what was expected and quotes the offending line, so an operator can
    compare it with the node's own output and report a new format.
    """


class CliCommandFailed(CliParseError):
    """The node ended the command with ``Executed command unsuccessfully``.

    A subclass of :class:`CliParseError` because the output is not the one asked for; catch
    it first to tell "the node refused" from "the node said something unexpected".
    """
