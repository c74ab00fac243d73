"""Build and check a certificate chain: leaf, intermediates, root, in that order.

Theory of operation: starting from the leaf, the issuer of each cert is looked for among the
certs the admin supplied (``--chain``, or after the leaf in ``--cert``), then among the
anchors (certs already in the node's trust store). A candidate counts only when its subject is
the issuer's name *and* its key verifies the signature. The walk ends at a self-signed root;
when no issuer is found, the chain is incomplete and the problem names the missing issuer.

Each CA on the path must be a CA (basicConstraints cA, keyCertSign when keyUsage is present),
respect its pathLenConstraint, and be valid now. The order the admin gave the certs in does
not matter; :attr:`Chain.certs` is always leaf first.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Final

from cryptography import x509
from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes
from cryptography.x509.oid import NameOID

from uccert.ca.problems import Problem

MAX_DEPTH: Final = 8


def fingerprint(cert: x509.Certificate) -> str:
    """Lowercase hex SHA-256 of the DER certificate (how trust stores are compared)."""
    return cert.fingerprint(hashes.SHA256()).hex()


def common_name(name: x509.Name) -> str:
    values = name.get_attributes_for_oid(NameOID.COMMON_NAME)
    if values:
        value = values[0].value
        return value if isinstance(value, str) else value.decode("utf-8", "replace")
    return name.rfc4514_string() or "(empty name)"


def signed_by(cert: x509.Certificate, issuer: x509.Certificate) -> bool:
    """``issuer``'s name and key issued ``cert``."""
    try:
        cert.verify_directly_issued_by(issuer)
    except (InvalidSignature, UnsupportedAlgorithm, ValueError, TypeError):
        return False
    return True


def is_self_signed(cert: x509.Certificate) -> bool:
    return cert.subject == cert.issuer and signed_by(cert, cert)


def is_ca(cert: x509.Certificate) -> bool:
    try:
        bc = cert.extensions.get_extension_for_class(x509.BasicConstraints).value
    except x509.ExtensionNotFound:
        return False
    return bc.ca


def _path_length(cert: x509.Certificate) -> int | None:
    try:
        return cert.extensions.get_extension_for_class(x509.BasicConstraints).value.path_length
    except x509.ExtensionNotFound:
        return None


def _may_sign_certs(cert: x509.Certificate) -> bool:
    try:
        ku = cert.extensions.get_extension_for_class(x509.KeyUsage).value
    except x509.ExtensionNotFound:
        return True
    return ku.key_cert_sign


@dataclass(frozen=True)
class Chain:
    """``certs``: leaf first; the last is a self-signed root when ``complete``.
    ``from_store``: fingerprints of the certs found among the anchors, not supplied."""

    certs: tuple[x509.Certificate, ...]
    complete: bool
    from_store: frozenset[str] = frozenset()

    @property
    def leaf(self) -> x509.Certificate:
        return self.certs[0]

    @property
    def root(self) -> x509.Certificate | None:
        return self.certs[-1] if self.complete and len(self.certs) > 1 else None

    @property
    def intermediates(self) -> tuple[x509.Certificate, ...]:
        end = -1 if self.complete else len(self.certs)
        return self.certs[1:end]

    @property
    def ca_certs(self) -> tuple[x509.Certificate, ...]:
        """Root first, then each intermediate down to the leaf's issuer: the order a trust
        store must receive them in (each one's issuer is already there)."""
        return tuple(reversed(self.certs[1:]))


def _unique(certs: Iterable[x509.Certificate]) -> list[x509.Certificate]:
    seen: set[str] = set()
    out: list[x509.Certificate] = []
    for cert in certs:
        fp = fingerprint(cert)
        if fp not in seen:
            seen.add(fp)
            out.append(cert)
    return out


def _validity_problem(cert: x509.Certificate, now: datetime, what: str) -> Problem | None:
    if now > cert.not_valid_after_utc:
        return Problem(
            "ca-expired",
            f"{what} {common_name(cert.subject)!r} expired on {cert.not_valid_after_utc:%Y-%m-%d}",
            "get the CA's current certificate and give it in --chain",
        )
    if now < cert.not_valid_before_utc:
        return Problem(
            "ca-not-yet-valid",
            f"{what} {common_name(cert.subject)!r} is valid only from "
            f"{cert.not_valid_before_utc:%Y-%m-%d %H:%M} UTC",
            "check the clocks, or wait until then",
        )
    return None


def build_chain(
    leaf: x509.Certificate,
    supplied: Sequence[x509.Certificate],
    anchors: Sequence[x509.Certificate] = (),
    now: datetime | None = None,
) -> tuple[Chain, list[Problem]]:
    """Chain ``leaf`` up to a self-signed root from ``supplied`` then ``anchors``.

    The problems list is empty when the chain is complete and every CA on it is fit to sign
    (and valid at ``now``, when given).
    """
    leaf_fp = fingerprint(leaf)
    supplied_u = [c for c in _unique(supplied) if fingerprint(c) != leaf_fp]
    supplied_fps = {fingerprint(c) for c in supplied_u}
    pool = _unique([*supplied_u, *anchors])
    path = [leaf]
    used = {leaf_fp}
    from_store: set[str] = set()
    problems: list[Problem] = []
    current = leaf
    complete = False
    while len(path) <= MAX_DEPTH:
        if current is not leaf and current.subject == current.issuer:
            complete = signed_by(current, current)
            if not complete:
                problems.append(
                    Problem(
                        "bad-signature",
                        f"the root {common_name(current.subject)!r} is not validly self-signed",
                        "get the CA's root certificate again",
                    )
                )
            break
        if current is leaf and is_self_signed(leaf):
            complete = True  # a self-signed leaf is its own chain; the caller refuses it
            break
        named = [c for c in pool if c.subject == current.issuer and fingerprint(c) not in used]
        issuer = next((c for c in named if signed_by(current, c)), None)
        if issuer is None:
            who = common_name(current.issuer)
            if named:
                problems.append(
                    Problem(
                        "bad-signature",
                        f"{common_name(current.subject)!r} is not signed by the key of the "
                        f"{who!r} certificate given",
                        f"give the {who!r} certificate that actually issued it",
                    )
                )
            else:
                problems.append(
                    Problem(
                        "chain-incomplete",
                        f"the chain does not build: no certificate of {who!r}, the issuer of "
                        f"{common_name(current.subject)!r}",
                        f"add the {who!r} CA certificate (and any above it) to --chain",
                    )
                )
            break
        fp = fingerprint(issuer)
        used.add(fp)
        if fp not in supplied_fps:
            from_store.add(fp)
        path.append(issuer)
        current = issuer
    else:
        problems.append(
            Problem(
                "chain-too-long",
                f"the chain is longer than {MAX_DEPTH} certificates",
                "give only the leaf's own CA path",
            )
        )
    problems += _ca_problems(path[1:], now)
    return Chain(tuple(path), complete, frozenset(from_store)), problems


def _ca_problems(cas: Sequence[x509.Certificate], now: datetime | None) -> list[Problem]:
    problems: list[Problem] = []
    for depth, ca in enumerate(cas):
        name = common_name(ca.subject)
        root = ca.subject == ca.issuer
        what = "the root" if root else "the intermediate"
        if not is_ca(ca) and not (root and _has_no_basic_constraints(ca)):
            problems.append(
                Problem(
                    "not-a-ca",
                    f"{what} {name!r} is not a CA certificate (basicConstraints cA is not set)",
                    "have the CA give its CA certificate, not another leaf",
                )
            )
        elif not _may_sign_certs(ca):
            problems.append(
                Problem(
                    "not-a-ca",
                    f"{what} {name!r} may not sign certificates (keyUsage lacks keyCertSign)",
                    "have the CA give its CA certificate",
                )
            )
        limit = _path_length(ca)
        below = sum(1 for c in cas[:depth] if c.subject != c.issuer)
        if limit is not None and below > limit:
            problems.append(
                Problem(
                    "path-length",
                    f"{what} {name!r} allows {limit} intermediate(s) below it, the chain has "
                    f"{below}",
                    "ask the CA for a certificate issued within its path length",
                )
            )
        if now is not None:
            found = _validity_problem(ca, now, what)
            if found is not None:
                problems.append(found)
    return problems


def _has_no_basic_constraints(cert: x509.Certificate) -> bool:
    """An old v1 root has no extensions at all; it is accepted as a root (not as an
    intermediate), as TLS stacks do."""
    return cert.version is x509.Version.v1
