"""A disk-cached pool of private keys, so a lab with dozens of certificates starts in seconds.

RSA key generation costs 0.1-0.5 s per 2048-bit key (docs/design/architecture.md, pitfalls). The
pool keeps
generated RSA keys under ``$XDG_CACHE_HOME/uccert/lab-keys`` (else ``~/.cache/uccert/lab-keys``),
one PEM file per key, mode 0600. A lab run hands out each cached key at most once (the state's
``KeySource`` contract: a distinct key each call); two labs running at once may share keys, which
is harmless for a simulator. Missing keys are generated in worker processes before the lab is
built (``prefill``); a key asked for beyond the pool is generated on the spot. EC keys are cheap
and never cached.

These keys are test material for a simulator on loopback: never use them for anything else.
"""

from __future__ import annotations

import asyncio
import json
import multiprocessing
import os
import secrets
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa

_CURVES: dict[int, type[ec.EllipticCurve]] = {
    256: ec.SECP256R1,
    384: ec.SECP384R1,
    521: ec.SECP521R1,
}
# Beyond this many keys of one size the pool stops writing new keys to disk.
MAX_CACHED_PER_SIZE = 256


def default_cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "uccert" / "lab-keys"


def _generate_rsa_pem(bits: int) -> bytes:
    key = rsa.generate_private_key(public_exponent=65537, key_size=bits)
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )


def _write_private(path: Path, data: bytes) -> None:
    """Write atomically with mode 0600 (never readable by others, never half-written)."""
    tmp = path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        os.write(fd, data)
    finally:
        os.close(fd)
    os.replace(tmp, path)


class CachedKeySource:
    """Implements ``uccert.lab.state.KeySource`` from a disk cache of RSA keys."""

    def __init__(self, cache_dir: Path | None = None) -> None:
        self.cache_dir = cache_dir or default_cache_dir()
        self._used: dict[int, int] = {}  # bits -> how many keys of that size this run took
        self.generated_on_demand = 0

    # -- KeySource ---------------------------------------------------------------------------

    def rsa(self, bits: int) -> rsa.RSAPrivateKey:
        index = self._used.get(bits, 0)
        self._used[bits] = index + 1
        path = self._path(bits, index)
        try:
            # Our own keys, written 0600 by this module: skip the slow (~50 ms) RSA checks.
            key = serialization.load_pem_private_key(
                path.read_bytes(), password=None, unsafe_skip_rsa_key_validation=True
            )
        except (OSError, ValueError):
            key = None
        if isinstance(key, rsa.RSAPrivateKey) and key.key_size == bits:
            return key
        self.generated_on_demand += 1
        pem = _generate_rsa_pem(bits)
        if index < MAX_CACHED_PER_SIZE:
            self._store(path, pem)
        loaded = serialization.load_pem_private_key(pem, password=None)
        assert isinstance(loaded, rsa.RSAPrivateKey)
        return loaded

    def ec(self, curve_bits: int) -> ec.EllipticCurvePrivateKey:
        curve = _CURVES.get(curve_bits)
        if curve is None:
            raise ValueError(f"no EC curve of {curve_bits} bits (known: {sorted(_CURVES)})")
        return ec.generate_private_key(curve())

    # -- pool management ---------------------------------------------------------------------

    def used(self) -> dict[int, int]:
        return dict(self._used)

    def expected_demand(self) -> dict[int, int]:
        """How many RSA keys of each size the last run took (recorded by ``record_demand``)."""
        try:
            raw = json.loads((self.cache_dir / "demand.json").read_text())
            return {int(k): int(v) for k, v in raw.items()}
        except (OSError, ValueError, AttributeError):
            return {}

    def record_demand(self) -> None:
        if not self._used:
            return
        demand = self.expected_demand()
        for bits, n in self._used.items():
            demand[bits] = max(demand.get(bits, 0), n)
        try:
            self._ensure_dir()
            _write_private(
                self.cache_dir / "demand.json",
                json.dumps({str(k): v for k, v in demand.items()}).encode(),
            )
        except OSError:
            pass  # the cache is an optimisation only

    async def prefill(self, wanted: dict[int, int]) -> int:
        """Generate, in worker processes, the cached keys missing from indexes 0..wanted-1."""
        missing = [
            (bits, i)
            for bits, n in wanted.items()
            for i in range(min(n, MAX_CACHED_PER_SIZE))
            if not self._path(bits, i).exists()
        ]
        if not missing:
            return 0
        loop = asyncio.get_running_loop()
        workers = max(1, min(len(missing), os.cpu_count() or 1))
        # spawn, not fork: the caller runs an event loop and maybe threads.
        context = multiprocessing.get_context("spawn")
        with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
            pems = await asyncio.gather(
                *(loop.run_in_executor(pool, _generate_rsa_pem, bits) for bits, _ in missing)
            )
        for (bits, i), pem in zip(missing, pems, strict=True):
            self._store(self._path(bits, i), pem)
        return len(missing)

    def _path(self, bits: int, index: int) -> Path:
        return self.cache_dir / f"rsa-{bits}-{index:04d}.pem"

    def _ensure_dir(self) -> None:
        self.cache_dir.mkdir(parents=True, exist_ok=True, mode=0o700)

    def _store(self, path: Path, pem: bytes) -> None:
        try:
            self._ensure_dir()
            _write_private(path, pem)
        except OSError:
            pass  # a read-only home still runs the lab, only slower
