"""TlsPinStore: the tls_pins.json file (0600, atomic), pin / replace / unpin."""

from __future__ import annotations

import datetime as dt
import stat
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import Encoding

from uccert.errors import ConfigError
from uccert.transport.tls_pins import TlsPinStore, cert_fingerprint


def self_signed(cn: str) -> x509.Certificate:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(x509.NameOID.COMMON_NAME, cn)])
    now = dt.datetime.now(dt.UTC)
    return (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now)
        .not_valid_after(now + dt.timedelta(days=1))
        .sign(key, hashes.SHA256())
    )


def test_pin_replace_unpin(tmp_path: Path) -> None:
    store = TlsPinStore(tmp_path / "state")
    assert store.pinned("a.example") is None
    first, second = self_signed("a"), self_signed("a")
    [fp] = store.pin("A.example", first.public_bytes(Encoding.PEM).decode())
    assert fp == cert_fingerprint(first) and fp.startswith("SHA256:")
    assert stat.S_IMODE(store.path.stat().st_mode) == 0o600
    store.pin("a.example", second.public_bytes(Encoding.PEM).decode())
    pem = store.pinned("a.EXAMPLE")
    assert pem is not None
    assert x509.load_pem_x509_certificates(pem.encode()) == [second]
    assert store.unpin("a.example") and not store.unpin("a.example")
    assert store.load() == {}


def test_bad_input_is_config_error(tmp_path: Path) -> None:
    store = TlsPinStore(tmp_path)
    with pytest.raises(ConfigError):
        store.pin("a.example", "not a pem")
    store.path.write_text("[1, 2]")
    with pytest.raises(ConfigError):
        store.load()
