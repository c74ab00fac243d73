"""TLS certificate pinning: ``tls_pins.json`` under the state directory.

A node's Cisco Tomcat (HTTPS) certificate is pinned by its FQDN: the file is one JSON object
mapping each node FQDN (lower case) to the PEM text of the certificate(s) pinned for it
(several concatenated during a re-pin). :func:`~uccert.transport.http.http_client` trusts exactly
those. The file is written atomically with mode 0600. Fingerprints are shown as
``SHA256:<hex pairs>``.
"""

from __future__ import annotations

import json
import os
import secrets
from pathlib import Path
from typing import Final

from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.serialization import Encoding

from uccert.errors import ClusterError, ConfigError
from uccert.transport.tls_probe import ProbeError, ProbeKind, ProbeTarget, probe_presented

TLS_PINS_FILE: Final = "tls_pins.json"


def cert_fingerprint(cert: x509.Certificate) -> str:
    """``SHA256:AA:BB:...`` of the DER certificate."""
    return "SHA256:" + cert.fingerprint(hashes.SHA256()).hex(":").upper()


def parse_pem(pem: str) -> list[x509.Certificate]:
    """The certificates of a PEM text; ConfigError if it holds none."""
    try:
        certs = x509.load_pem_x509_certificates(pem.encode("ascii"))
    except (ValueError, UnicodeEncodeError) as exc:
        raise ConfigError(f"not a PEM certificate ({exc}): give the node's tomcat cert") from exc
    return certs


class TlsPinStore:
    """The state directory's ``tls_pins.json``: read, pin (add or replace), unpin."""

    def __init__(self, state_dir: Path) -> None:
        self.path = state_dir / TLS_PINS_FILE

    def load(self) -> dict[str, str]:
        """FQDN -> pinned PEM (a missing file pins nothing)."""
        try:
            raw = self.path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return {}
        except OSError as exc:
            raise ConfigError(f"cannot read TLS pins file {self.path}: {exc}") from exc
        try:
            data = json.loads(raw)
        except ValueError as exc:
            raise ConfigError(
                f"{self.path} is not JSON ({exc}): fix it, or delete it and re-pin with"
                " `uccert pin`"
            ) from exc
        if not isinstance(data, dict) or not all(
            isinstance(k, str) and isinstance(v, str) for k, v in data.items()
        ):
            raise ConfigError(f"{self.path} must map node FQDNs to PEM text")
        return {k.lower(): v for k, v in data.items()}

    def pinned(self, fqdn: str) -> str | None:
        return self.load().get(fqdn.lower())

    def pin(self, fqdn: str, pem: str) -> tuple[str, ...]:
        """Pin ``pem`` (one or more certs) for ``fqdn``, replacing its pin; their fingerprints."""
        if not fqdn or any(c.isspace() for c in fqdn):
            raise ConfigError(f"{fqdn!r} is not a node FQDN that can be pinned")
        certs = parse_pem(pem)
        text = "".join(c.public_bytes(Encoding.PEM).decode("ascii") for c in certs)
        pins = self.load()
        pins[fqdn.lower()] = text
        self._write(pins)
        return tuple(cert_fingerprint(c) for c in certs)

    def unpin(self, fqdn: str) -> bool:
        pins = self.load()
        if pins.pop(fqdn.lower(), None) is None:
            return False
        self._write(pins)
        return True

    def _write(self, pins: dict[str, str]) -> None:
        directory = self.path.parent
        directory.mkdir(parents=True, exist_ok=True)
        tmp = directory / f".{TLS_PINS_FILE}.{secrets.token_hex(4)}.tmp"
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            os.write(fd, (json.dumps(pins, indent=2, sort_keys=True) + "\n").encode("utf-8"))
        finally:
            os.close(fd)
        os.replace(tmp, self.path)


async def fetch_presented_cert(
    address: str, port: int, server_name: str, *, timeout: float = 10.0
) -> x509.Certificate:
    """Pinned-fingerprint probe, used ONLY by ``uccert pin``: the certificate a node presents.

    The handshake trusts nothing (the read-only probe of ``tls_probe``), so the result proves
    nothing by itself: ``uccert pin`` shows its fingerprint for the admin to compare with the
    node's own (``show cert own tomcat``) before pinning it. Never use this to talk to a node.
    """
    target = ProbeTarget("tomcat", address, port, server_name, ProbeKind.TLS)
    try:
        return await probe_presented(target, timeout)
    except ProbeError as exc:
        raise ClusterError(
            f"cannot fetch the TLS certificate: {exc}; check the address, port and the node"
        ) from exc
