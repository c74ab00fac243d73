"""Fixtures: a fast, distinct-key KeySource shared by the session, and lab builders."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime

import pytest
from cryptography.hazmat.primitives.asymmetric import ec, rsa

from uccert.lab.state import Lab, Topology, preset

START = datetime(2026, 3, 1, 9, 0, 0, tzinfo=UTC)


class RecombiningKeySource:
    """Test-only KeySource: every RSA key is a distinct pair of primes from a growing pool.

    Generating a 2048-bit key costs ~50 ms; combining two stored primes costs microseconds, and
    n primes give n(n-1)/2 distinct moduli. Keys that share primes are insecure: tests only.
    """

    def __init__(self) -> None:
        self._primes: list[int] = []
        self._pairs: Iterator[tuple[int, int]] = iter(())
        self.handed_out = 0

    def _grow(self) -> Iterator[tuple[int, int]]:
        while True:
            numbers = rsa.generate_private_key(65537, 2048).private_numbers()
            for new in (numbers.p, numbers.q):
                for old in list(self._primes):
                    yield old, new
                self._primes.append(new)

    def rsa(self, bits: int) -> rsa.RSAPrivateKey:
        assert bits == 2048, "the recombining source makes 2048-bit keys only"
        if not self._primes:
            self._pairs = self._grow()
        while True:
            p, q = next(self._pairs)
            n = p * q
            if n.bit_length() == 2048:
                break
        e = 65537
        d = pow(e, -1, (p - 1) * (q - 1))
        key = rsa.RSAPrivateNumbers(
            p,
            q,
            d,
            rsa.rsa_crt_dmp1(d, p),
            rsa.rsa_crt_dmq1(d, q),
            rsa.rsa_crt_iqmp(p, q),
            rsa.RSAPublicNumbers(e, n),
        ).private_key(unsafe_skip_rsa_key_validation=True)
        self.handed_out += 1
        return key

    def ec(self, curve_bits: int) -> ec.EllipticCurvePrivateKey:
        curves = {256: ec.SECP256R1(), 384: ec.SECP384R1(), 521: ec.SECP521R1()}
        return ec.generate_private_key(curves[curve_bits])


@pytest.fixture(scope="session")
def keys() -> RecombiningKeySource:
    return RecombiningKeySource()


LabFactory = Callable[..., Lab]


@pytest.fixture
def make_lab(keys: RecombiningKeySource) -> LabFactory:
    def build(
        which: str | Topology = "minimal", version: str | None = None, start: datetime = START
    ) -> Lab:
        topology = which if isinstance(which, Topology) else preset(which, version)  # type: ignore[arg-type]
        return Lab(topology, keys, start)

    return build


@pytest.fixture
def demo(make_lab: LabFactory) -> Lab:
    return make_lab("demo")


@pytest.fixture
def minimal(make_lab: LabFactory) -> Lab:
    return make_lab("minimal")
