"""Node-side CSR and certificate-upload calls: REST on 14 and later, the admin CLI before.

Theory of operation: each function talks to one node through the command's
:class:`NodeSessions` (pinned TLS, pinned SSH host keys, credentials never in argv or logs; one
login per node for the whole command) and picks the interface by the node's version (``show
version active``, from the snapshot); the REST calls are
:class:`~uccert.transport.certmgr_client.CertMgrClient`'s:

- :func:`generate_csr` — ``POST csr`` / ``set csr gen`` + ``show csr own``;
- :func:`read_pending_csr` — ``GET csr`` / ``show csr own`` (None when none is pending);
- :func:`upload_trust` — ``POST trust/certificates`` / ``set cert import trust``, one cert at
  a time, in the order given (root first: each cert's issuer is already there);
- :func:`upload_identity` — ``POST identity/certificates`` / ``set cert import own``;
- :func:`read_identity` — the stored identity cert, to confirm an upload took;
- :func:`apply_upload` — a checked :class:`~uccert.ca.UploadPlan`: trust stores first, then
  the identity once on its node, then a read-back of every node it covers.

None of this restarts anything: a service presents a new cert only after its restart, which
the restart planner does (see :func:`uccert.ca.upload_plan_inputs`).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Final

from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding

from uccert.ca import CsrTarget, KeySpec, TrustUpload, UploadPlan, fingerprint, rest_capable
from uccert.cluster.sessions import NodeSessions
from uccert.errors import ClusterError
from uccert.model import Distribution, Node
from uccert.protocols import (
    CertListKind,
    CertMgrPayloadError,
    CliCommandFailed,
    parse_cert_dump,
    set_cert_import,
    set_csr_gen,
    show_cert_own,
)
from uccert.protocols import csr as wire
from uccert.transport import CertMgrClient, CertMgrRefused

VIA_REST: Final = "rest"
VIA_CLI: Final = "ssh"
READ_CONCURRENCY: Final = 8

Progress = Callable[[str], None]


class CsrOperationFailed(ClusterError):
    """A node refused or garbled a CSR or upload call (exit 1)."""


@dataclass(frozen=True)
class GeneratedCsr:
    pem: str
    via: str


@dataclass(frozen=True)
class AppliedUpload:
    """What :func:`apply_upload` did: the trust uploads made, and how the identity went."""

    trust_done: tuple[TrustUpload, ...]
    identity_via: str
    stored_on: tuple[str, ...]  # nodes whose stored identity is now the leaf
    not_stored: tuple[str, ...]  # covered nodes that still store another cert


def _pem(cert: x509.Certificate) -> str:
    return cert.public_bytes(Encoding.PEM).decode("ascii")


@contextlib.contextmanager
def _rest_call(node: str) -> Iterator[None]:
    """A refused or garbled REST call as this module's error, naming the node."""
    try:
        yield
    except CertMgrRefused as exc:
        raise CsrOperationFailed(
            f"{node}: {exc} — nothing further was sent; fix what the node says and run the"
            " command again"
        ) from exc
    except CertMgrPayloadError as exc:
        raise CsrOperationFailed(f"{node}: {exc}") from exc


# ---------------------------------------------------------------- CSRs


async def generate_csr(
    sessions: NodeSessions,
    target: CsrTarget,
    unit: str,
    distribution: Distribution,
    key: KeySpec | None,
) -> GeneratedCsr:
    """Generate the CSR on ``target.node``; its PEM (the node keeps the new key pending)."""
    if target.via_rest:
        body = wire.csr_body(
            unit,
            multi_server=distribution is Distribution.MULTI,
            common_name=target.common_name,
            key_type=key.algorithm.token if key is not None else None,
            key_length=key.bits if key is not None else None,
            alt_names=target.alt_names,
        )
        with _rest_call(target.node):
            pem = await _rest(sessions, target.node, target.fqdn).generate_csr(body)
        return GeneratedCsr(pem, VIA_REST)
    session = await sessions.cli(target.node, target.fqdn)
    out = await session.run_confirm(set_csr_gen(unit), "yes")
    if not wire.parse_csr_generated(out, unit):
        raise CsrOperationFailed(f"{target.node}: set csr gen {unit} failed: {out.strip()}")
    found = wire.extract_csr_pem(await session.run(wire.show_csr_own(unit)))
    if found is None:
        raise CsrOperationFailed(
            f"{target.node}: show csr own {unit} printed no CSR after set csr gen — look at the "
            "node's Certificate Management page"
        )
    return GeneratedCsr(found, VIA_CLI)


def _rest(sessions: NodeSessions, name: str, fqdn: str) -> CertMgrClient:
    return CertMgrClient(sessions.rest(name, fqdn))


async def read_pending_csr(sessions: NodeSessions, node: Node, unit: str) -> str | None:
    """The CSR of ``unit`` waiting on ``node`` for its signed cert, None if there is none."""
    if rest_capable(node.version):
        with _rest_call(node.name):
            return await _rest(sessions, node.name, node.fqdn).pending_csr(unit)
    session = await sessions.cli(node.name, node.fqdn)
    try:
        out = await session.run(wire.show_csr_own(unit))
    except CliCommandFailed:
        return None  # the node has no CSR for the unit
    return wire.extract_csr_pem(out)


async def read_pending_csrs(
    sessions: NodeSessions, nodes: Iterable[Node], unit: str
) -> dict[str, str | None]:
    """:func:`read_pending_csr` on several nodes at once (bounded)."""
    bound = asyncio.Semaphore(READ_CONCURRENCY)
    listed = list(nodes)

    async def one(node: Node) -> str | None:
        async with bound:
            return await read_pending_csr(sessions, node, unit)

    found = await asyncio.gather(*(one(n) for n in listed))
    return {n.name: pem for n, pem in zip(listed, found, strict=True)}


# ---------------------------------------------------------------- uploads


async def upload_trust(
    sessions: NodeSessions,
    node: Node,
    store: str,
    certs: Sequence[x509.Certificate],
    *,
    description: str = wire.TRUST_DESCRIPTION,
) -> None:
    """Put ``certs`` into ``store`` on ``node``, one at a time, in the order given."""
    if not certs:
        return
    if rest_capable(node.version):
        client = _rest(sessions, node.name, node.fqdn)
        with _rest_call(node.name):
            for cert in certs:
                await client.add_trust(store, _pem(cert), description)
        return
    unit = wire.trust_service(store)
    session = await sessions.cli(node.name, node.fqdn)
    for cert in certs:
        out = await session.run_paste(set_cert_import(CertListKind.TRUST, unit), _pem(cert))
        if not wire.parse_import_result(out, unit):
            raise CsrOperationFailed(f"{node.name}: set cert import trust {unit} failed")


async def upload_identity(
    sessions: NodeSessions, node: Node, unit: str, leaf: x509.Certificate
) -> str:
    """Install the signed ``leaf`` for the CSR pending on ``node`` (its CAs must already be in
    the unit's trust store); returns the interface used."""
    if rest_capable(node.version):
        with _rest_call(node.name):
            await _rest(sessions, node.name, node.fqdn).add_identity(unit, _pem(leaf))
        return VIA_REST
    session = await sessions.cli(node.name, node.fqdn)
    out = await session.run_paste(set_cert_import(CertListKind.OWN, unit), _pem(leaf))
    if not wire.parse_import_result(out, unit):
        raise CsrOperationFailed(f"{node.name}: set cert import own {unit} failed")
    return VIA_CLI


async def read_identity(sessions: NodeSessions, node: Node, unit: str) -> x509.Certificate:
    """The ``unit`` certificate ``node`` stores now."""
    if rest_capable(node.version):
        snap = await _rest(sessions, node.name, node.fqdn).snapshot()
        found = next((i.certificate for i in snap.identities if i.service == unit), None)
        if found is None:
            raise CsrOperationFailed(f"{node.name}: snapshot/server lists no {unit}")
        return x509.load_pem_x509_certificate(found.encode("ascii"))
    session = await sessions.cli(node.name, node.fqdn)
    dump = parse_cert_dump(await session.run(show_cert_own(unit)))
    cert = dump.certificate()
    if cert is None:
        raise CsrOperationFailed(f"{node.name}: show cert own {unit} printed no PEM")
    return cert


def _by_node(uploads: Iterable[TrustUpload]) -> dict[tuple[str, str], list[TrustUpload]]:
    grouped: dict[tuple[str, str], list[TrustUpload]] = {}
    for u in uploads:
        grouped.setdefault((u.node, u.store), []).append(u)
    return grouped


async def apply_upload(
    sessions: NodeSessions,
    plan: UploadPlan,
    nodes: Mapping[str, Node],
    progress: Progress | None = None,
) -> AppliedUpload:
    """Trust stores, then the identity, then read back every covered node.

    On a failure the error says what was already uploaded; running ``uccert upload`` again is
    safe (CA certs already present are skipped)."""
    say = progress or (lambda _line: None)
    done: list[TrustUpload] = []
    try:
        for (name, store), uploads in _by_node(plan.trust_uploads).items():
            await upload_trust(sessions, nodes[name], store, [u.cert for u in uploads])
            done += uploads
            say(f"{name}: {len(uploads)} CA cert(s) added to {store}")
        via = await upload_identity(sessions, nodes[plan.install_on], plan.unit, plan.leaf)
    except ClusterError as exc:
        made = ", ".join(f"{u.node} {u.store}" for u in done) or "nothing"
        raise CsrOperationFailed(
            f"{exc} (already uploaded: {made}; the identity was not installed — run "
            "`uccert upload` again when fixed: CA certs already there are skipped)"
        ) from exc
    say(f"{plan.install_on}: {plan.unit} installed ({via})")
    want = fingerprint(plan.leaf)
    stored: list[str] = []
    other: list[str] = []
    for name in plan.covers:
        cert = await read_identity(sessions, nodes[name], plan.unit)
        (stored if fingerprint(cert) == want else other).append(name)
    return AppliedUpload(tuple(done), via, tuple(stored), tuple(other))
