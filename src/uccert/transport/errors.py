"""The SSH transport's typed errors; every message is one line that says what to do next.

Two families, chosen by who has to act:

- :class:`HostKeyError` (``HostKeyUnknown``, ``HostKeyMismatch``) are
  :class:`~uccert.errors.ConfigError` (exit 2): the node was not trusted, so nothing was sent
  to it, and the fix is a local one (verify the fingerprint, then ``uccert pin``).
- :class:`SshTransportError` and its subclasses are :class:`~uccert.errors.ClusterError`
  (exit 1): the node could not be reached, refused the login, timed out or dropped the session.

The HTTPS side (SOAP, REST) uses the same split: :class:`TlsPinError` (``TlsPinUnknown``,
``TlsPinMismatch``) is a ConfigError raised before anything is sent; :class:`HttpTransportError`
(``HttpConnectFailed``, ``HttpTimeout``, ``HttpStatusError``) is a ClusterError; HTTP 401 raises
:class:`AuthenticationFailed`, as a refused SSH login does.

A node that ends a command with ``Executed command unsuccessfully`` raises the protocol layer's
:class:`~uccert.protocols.CliCommandFailed` (also a ClusterError), re-exported here.
"""

from __future__ import annotations

from uccert.errors import ClusterError, ConfigError
from uccert.protocols import CliCommandFailed

__all__ = [
    "AuthenticationFailed",
    "CliCommandFailed",
    "CliTimeout",
    "ConnectFailed",
    "HostKeyError",
    "HostKeyMismatch",
    "HostKeyUnknown",
    "HttpConnectFailed",
    "HttpStatusError",
    "HttpTimeout",
    "HttpTransportError",
    "OutputTooLarge",
    "SessionDropped",
    "SshTransportError",
    "TlsPinError",
    "TlsPinMismatch",
    "TlsPinUnknown",
]


class SshTransportError(ClusterError):
    """Base of the transport's cluster-side failures."""


class ConnectFailed(SshTransportError):
    """No SSH session could be set up (refused, reset, closed before login)."""


class AuthenticationFailed(SshTransportError):
    """The node refused the username/password (the password is never in the message)."""


class CliTimeout(SshTransportError, TimeoutError):
    """No ``admin:`` prompt (or expected line) arrived in time; the session is closed."""


class SessionDropped(SshTransportError, ConnectionError):
    """The connection went away; ``ensure_connected()`` opens a new one.

    A command that was running when it dropped may or may not have taken effect.
    """


class HostKeyError(ConfigError):
    """The node's SSH host key is not the pinned one; nothing was sent to it.

    ``presented`` and ``pinned`` are ``SHA256:...`` fingerprints.
    """

    def __init__(self, message: str, *, presented: str | None, pinned: tuple[str, ...]) -> None:
        super().__init__(message)
        self.presented = presented
        self.pinned = pinned


class HostKeyUnknown(HostKeyError):
    """No key is pinned for this host and port."""


class HostKeyMismatch(HostKeyError):
    """A key is pinned for this host and port, and the node presented a different one."""


class TlsPinError(ConfigError):
    """The node's TLS certificate is not one pinned for it; nothing was sent to it."""


class TlsPinUnknown(TlsPinError):
    """No TLS certificate is pinned for this node."""


class TlsPinMismatch(TlsPinError):
    """The node presented a certificate that is not pinned for it (or not for its FQDN)."""


class OutputTooLarge(ClusterError):
    """A node sent more than ``MAX_OUTPUT_BYTES`` for one command or one HTTP reply; the
    connection was closed and what came was dropped (no real answer is that large)."""


# One command's output or one HTTP reply body; more is a broken or hostile node (README).
MAX_OUTPUT_BYTES = 16 * 2**20


class HttpTransportError(ClusterError):
    """Base of the HTTPS transport's cluster-side failures."""


class HttpConnectFailed(HttpTransportError, ConnectionError):
    """No HTTPS connection (refused, reset, closed mid-request)."""


class HttpTimeout(HttpTransportError, TimeoutError):
    """Connecting, sending or waiting for the reply took longer than the timeout."""


class HttpStatusError(HttpTransportError):
    """The node answered with an HTTP status the interface does not expect."""

    def __init__(self, message: str, *, status: int) -> None:
        super().__init__(message)
        self.status = status
