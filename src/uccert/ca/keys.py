"""Key types and sizes a unit may have, and the public-key fingerprint that ties a CSR, its
pending key on the node and the signed leaf together.

CUCM and IM/P refuse RSA keys over 4096 bits; RSA units take RSA keys and ECDSA twins
(``tomcat-ECDSA``, ...) EC keys. The fingerprint is SHA-256 over the DER SubjectPublicKeyInfo,
so it is the same whether read from a CSR, a certificate or a sidecar file.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Final

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.asymmetric.types import PublicKeyTypes

from uccert.ca.problems import Problem
from uccert.catalog import KeyAlgorithm, UnknownNameError, unit
from uccert.errors import ConfigError

MAX_RSA_BITS: Final = 4096  # CUCM rejects larger keys
EC_CURVE_BITS: Final = frozenset({256, 384, 521})


@dataclass(frozen=True)
class KeySpec:
    """A key type and size: ``rsa2048``, ``ec384``."""

    algorithm: KeyAlgorithm
    bits: int

    @property
    def name(self) -> str:
        return f"{self.algorithm.token}{self.bits}"

    def __str__(self) -> str:
        return self.name


# What `uccert csr --key` offers (the sizes CUCM's CSR page offers).
KEY_SPECS: Mapping[str, KeySpec] = MappingProxyType(
    {
        s.name: s
        for s in (
            KeySpec(KeyAlgorithm.RSA, 2048),
            KeySpec(KeyAlgorithm.RSA, 3072),
            KeySpec(KeyAlgorithm.RSA, 4096),
            KeySpec(KeyAlgorithm.EC, 256),
            KeySpec(KeyAlgorithm.EC, 384),
        )
    }
)
DEFAULT_RSA: Final = KEY_SPECS["rsa2048"]
DEFAULT_EC: Final = KEY_SPECS["ec384"]  # CUCM's default ECDSA size


def parse_key_spec(text: str) -> KeySpec:
    """``--key`` text -> KeySpec (ConfigError naming the choices)."""
    found = KEY_SPECS.get(text.strip().lower())
    if found is None:
        raise ConfigError(f"unknown key {text!r} — use one of {', '.join(KEY_SPECS)}")
    return found


def unit_algorithm(unit_name: str) -> KeyAlgorithm:
    """RSA for the RSA units, EC for the ECDSA twins (ConfigError for an unknown unit)."""
    try:
        found = unit(unit_name)
    except UnknownNameError as exc:
        raise ConfigError(f"{exc} — pass --unit with one of those names") from None
    return found.key


def default_key(unit_name: str) -> KeySpec:
    return DEFAULT_EC if unit_algorithm(unit_name) is KeyAlgorithm.EC else DEFAULT_RSA


def key_spec_of(key: PublicKeyTypes) -> KeySpec | None:
    """The spec of a public key; None for a key type CUCM does not use (DSA, Ed25519, ...)."""
    if isinstance(key, rsa.RSAPublicKey):
        return KeySpec(KeyAlgorithm.RSA, key.key_size)
    if isinstance(key, ec.EllipticCurvePublicKey):
        return KeySpec(KeyAlgorithm.EC, key.curve.key_size)
    return None


def public_key_sha256(key: PublicKeyTypes) -> str:
    """Lowercase hex SHA-256 of the DER SubjectPublicKeyInfo."""
    der = key.public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return hashlib.sha256(der).hexdigest()


def key_problems(key: PublicKeyTypes | KeySpec, unit_name: str, what: str) -> list[Problem]:
    """The key fits the unit: RSA for RSA units, EC for twins, RSA at most 4096 bits."""
    spec = key if isinstance(key, KeySpec) else key_spec_of(key)
    wanted = unit_algorithm(unit_name)
    if spec is None:
        return [
            Problem(
                "key-type",
                f"{what} has a {type(key).__name__} key, which CUCM does not use",
                f"use an {wanted.value.upper()} key for {unit_name}",
            )
        ]
    problems: list[Problem] = []
    if spec.algorithm is not wanted:
        problems.append(
            Problem(
                "key-type",
                f"{what} has an {spec.algorithm.value.upper()} key but {unit_name} takes "
                f"{wanted.value.upper()}",
                f"use an {wanted.value.upper()} key"
                + (" (or the unit's ECDSA twin)" if wanted is KeyAlgorithm.RSA else ""),
            )
        )
    if spec.algorithm is KeyAlgorithm.RSA and spec.bits > MAX_RSA_BITS:
        problems.append(
            Problem(
                "key-too-large",
                f"{what} has a {spec.bits}-bit RSA key; CUCM refuses keys over {MAX_RSA_BITS}",
                f"use a key of at most {MAX_RSA_BITS} bits",
            )
        )
    if spec.algorithm is KeyAlgorithm.EC and spec.bits not in EC_CURVE_BITS:
        problems.append(
            Problem(
                "key-curve",
                f"{what} has a {spec.bits}-bit EC key; CUCM uses P-256, P-384 or P-521",
                "use one of those curves",
            )
        )
    return problems
