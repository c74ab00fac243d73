"""Transports: the one place that opens connections to nodes (pinned keys, timeouts).

``ssh_cli.AdminCliSession`` is the admin CLI over SSH; ``pinning`` keeps the pinned SSH host
keys (``known_hosts`` under the state directory) and fetches the key a node presents
(``fetch_host_key``, for ``uccert pin``); ``errors`` holds the typed failures.
"""

from uccert.transport.errors import (
    AuthenticationFailed,
    CliCommandFailed,
    CliTimeout,
    ConnectFailed,
    HostKeyError,
    HostKeyMismatch,
    HostKeyUnknown,
    SessionDropped,
    SshTransportError,
)
from uccert.transport.pinning import KnownHostsSource, KnownHostsStore, PinnedKey, fingerprint
from uccert.transport.ssh_cli import AdminCliSession, SshTarget

__all__ = [
    "AdminCliSession",
    "AuthenticationFailed",
    "CliCommandFailed",
    "CliTimeout",
    "ConnectFailed",
    "HostKeyError",
    "HostKeyMismatch",
    "HostKeyUnknown",
    "KnownHostsSource",
    "KnownHostsStore",
    "PinnedKey",
    "SessionDropped",
    "SshTarget",
    "SshTransportError",
    "fingerprint",
]
