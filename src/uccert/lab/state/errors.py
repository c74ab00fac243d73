"""The lab's typed errors: a bad topology, and a command the simulated cluster refuses."""

from __future__ import annotations


class TopologyError(ValueError):
    """A topology (preset or TOML file) that cannot describe a cluster.

    The message names the source, the problem and the fix.
    """


class LabCommandError(Exception):
    """A command the simulated cluster refuses (unknown unit or service, identity delete, ...).

    The servers layer turns it into the node's own failure output
    (``Executed command unsuccessfully``, a SOAP reason code, an HTTP 4xx).
    """
