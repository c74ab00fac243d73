"""Transports: the one place that opens connections to nodes (pinned keys, timeouts).

``ssh_cli.AdminCliSession`` is the admin CLI over SSH; ``pinning`` keeps the pinned SSH host
keys (``known_hosts`` under the state directory) and fetches the key a node presents
(``fetch_host_key``, for ``uccert pin``); ``errors`` holds the typed failures.
"""

from uccert.transport.axl_client import AxlClient, AxlVersionRefused
from uccert.transport.certmgr_client import CertMgrClient, CertMgrRefused
from uccert.transport.controlcenter_client import ControlCenterClient
from uccert.transport.errors import (
    AuthenticationFailed,
    CliCommandFailed,
    CliTimeout,
    ConnectFailed,
    HostKeyError,
    HostKeyMismatch,
    HostKeyUnknown,
    HttpStatusError,
    SessionDropped,
    SshTransportError,
    TlsPinError,
)
from uccert.transport.http import HttpTarget, http_client, node_timeout
from uccert.transport.pinning import (
    KnownHostsSource,
    KnownHostsStore,
    PinnedKey,
    fetch_host_key,
    fingerprint,
)
from uccert.transport.ssh_cli import AdminCliSession, SshTarget
from uccert.transport.tls_pins import TlsPinStore, cert_fingerprint, fetch_presented_cert, parse_pem
from uccert.transport.tls_probe import (
    HOST_UNKNOWN,
    ProbeError,
    ProbeKind,
    ProbeProtocolError,
    ProbeRefused,
    ProbeTarget,
    ProbeUntrusted,
    probe_presented,
)

__all__ = [
    "HOST_UNKNOWN",
    "AdminCliSession",
    "AuthenticationFailed",
    "AxlClient",
    "AxlVersionRefused",
    "CertMgrClient",
    "CertMgrRefused",
    "CliCommandFailed",
    "CliTimeout",
    "ConnectFailed",
    "ControlCenterClient",
    "HostKeyError",
    "HostKeyMismatch",
    "HostKeyUnknown",
    "HttpStatusError",
    "HttpTarget",
    "KnownHostsSource",
    "KnownHostsStore",
    "PinnedKey",
    "ProbeError",
    "ProbeKind",
    "ProbeProtocolError",
    "ProbeRefused",
    "ProbeTarget",
    "ProbeUntrusted",
    "SessionDropped",
    "SshTarget",
    "SshTransportError",
    "TlsPinError",
    "TlsPinStore",
    "cert_fingerprint",
    "fetch_host_key",
    "fetch_presented_cert",
    "fingerprint",
    "http_client",
    "node_timeout",
    "parse_pem",
    "probe_presented",
]
