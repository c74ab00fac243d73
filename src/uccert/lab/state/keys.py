"""Where the lab's private keys come from.

RSA key generation costs tens of milliseconds per 2048-bit key, and a lab holds dozens, so the
lab never generates keys itself: it asks a `KeySource`. `InMemoryKeySource` generates on demand;
the servers layer provides a disk-cached pool. Every call must hand out a distinct key.
"""

from __future__ import annotations

from typing import Protocol

from cryptography.hazmat.primitives.asymmetric import ec, rsa

PrivateKey = rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey

_CURVES: dict[int, type[ec.EllipticCurve]] = {
    256: ec.SECP256R1,
    384: ec.SECP384R1,
    521: ec.SECP521R1,
}


def curve_for(curve_bits: int) -> ec.EllipticCurve:
    """The NIST curve of that size (256, 384 or 521)."""
    try:
        return _CURVES[curve_bits]()
    except KeyError:
        raise ValueError(f"no EC curve of {curve_bits} bits; use 256, 384 or 521") from None


class KeySource(Protocol):
    """Hands out private keys; each call returns a key never handed out before."""

    def rsa(self, bits: int) -> rsa.RSAPrivateKey: ...

    def ec(self, curve_bits: int) -> ec.EllipticCurvePrivateKey: ...


class InMemoryKeySource:
    """Generates a fresh key on every call (no cache, no files)."""

    def rsa(self, bits: int) -> rsa.RSAPrivateKey:
        return rsa.generate_private_key(public_exponent=65537, key_size=bits)

    def ec(self, curve_bits: int) -> ec.EllipticCurvePrivateKey:
        return ec.generate_private_key(curve_for(curve_bits))


def new_key_like(keys: KeySource, key: PrivateKey) -> PrivateKey:
    """A fresh key of the same type and size as ``key`` (what a regeneration does)."""
    if isinstance(key, rsa.RSAPrivateKey):
        return keys.rsa(key.key_size)
    return keys.ec(key.curve.key_size)
