"""Everything `uccert upload` checks before it touches the cluster, and the upload it plans.

Theory of operation: :func:`plan_upload` takes a fresh snapshot, the CSRs pending on the
unit's nodes, the leaf and the CA certs the admin supplied, and returns an :class:`UploadPlan`
or raises :class:`~uccert.ca.problems.Refused` listing every problem (exit 2, nothing sent):

- the leaf's public key matches a CSR pending on a node (that node receives the upload); a
  leaf whose CSR names several nodes of the cluster is a multi-server cert, uploaded once on
  the scope's publisher and distributed to every node of the scope (§2);
- the chain builds from the leaf to a self-signed root (supplied certs first, then the unit's
  trust store on the receiving node), every CA on it fit to sign and valid now;
- the leaf is valid now, has no wildcard, a key of the unit's type and at most 4096 bits,
  serverAuth and clientAuth, and names every node it will serve (and, for cup-xmpp-s2s, every
  domain);
- what the trust stores lack: the root and intermediates, root first, on every node the cert
  will serve, skipping certs already there (by SHA-256 fingerprint).
"""
# § numbers in this module are sections of docs/design/procedure.md (§N.M: step M of §N).

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from cryptography import x509

from uccert.ca.chain import Chain, build_chain, common_name, fingerprint, is_self_signed
from uccert.ca.csr_request import (
    MULTI_SERVER_SCOPE,
    S2S_UNITS,
    model_products,
    reported_domains,
    rest_capable,
)
from uccert.ca.keys import key_problems, public_key_sha256
from uccert.ca.names import dns_names, missing_names, unique, wildcard_problems
from uccert.ca.problems import Problem, Refused
from uccert.ca.usage import usage_problems
from uccert.catalog import UnknownNameError, Version, VersionError, trust_store_for, unit
from uccert.model import Distribution, NodeSnapshot, Snapshot


@dataclass(frozen=True)
class TrustUpload:
    """One CA cert into one node's trust store."""

    node: str
    store: str
    cert: x509.Certificate
    via_rest: bool


@dataclass(frozen=True)
class UploadPlan:
    cluster: str
    unit: str
    distribution: Distribution
    install_on: str  # the node the identity is uploaded to (once, for multi-server)
    install_via_rest: bool
    covers: tuple[str, ...]  # every node that will hold the cert (install_on first)
    covers_fqdns: tuple[str, ...]
    chain: Chain
    trust_uploads: tuple[TrustUpload, ...]

    @property
    def leaf(self) -> x509.Certificate:
        return self.chain.leaf


def check_validity(cert: x509.Certificate, now: datetime) -> list[Problem]:
    if now > cert.not_valid_after_utc:
        return [
            Problem(
                "expired",
                f"the certificate expired on {cert.not_valid_after_utc:%Y-%m-%d %H:%M} UTC",
                "have the CA sign the CSR again",
            )
        ]
    if now < cert.not_valid_before_utc:
        return [
            Problem(
                "not-yet-valid",
                f"the certificate is valid only from "
                f"{cert.not_valid_before_utc:%Y-%m-%d %H:%M} UTC",
                "check the CA's and the nodes' clocks, or wait until then",
            )
        ]
    return []


def check_leaf(
    leaf: x509.Certificate, unit_name: str, must_name: Sequence[str], now: datetime
) -> list[Problem]:
    """The leaf alone: validity, names, key, usages (not the chain, not the CSR)."""
    problems = check_validity(leaf, now)
    names = dns_names(leaf)
    cn = common_name(leaf.subject)
    problems += wildcard_problems([*names, *([cn] if "*" in cn else [])], "the certificate")
    problems += key_problems(leaf.public_key(), unit_name, "the certificate")
    problems += usage_problems(leaf, unit_name)
    missing = missing_names(must_name, names)
    if missing:
        where = "its subjectAltName" if names else "it (it has no subjectAltName)"
        problems.append(
            Problem(
                "names-missing",
                f"the certificate does not name {', '.join(missing)} in {where}",
                "sign the CSR uccert generated (it names every node) without dropping names",
            )
        )
    return problems


def csr_public_key_sha256(pem: str) -> str | None:
    try:
        return public_key_sha256(x509.load_pem_x509_csr(pem.encode("ascii")).public_key())
    except (ValueError, UnicodeEncodeError):
        return None


def _csr_names(pem: str) -> tuple[str, ...]:
    try:
        return dns_names(x509.load_pem_x509_csr(pem.encode("ascii")))
    except (ValueError, UnicodeEncodeError):
        return ()


def _version(node: NodeSnapshot) -> Version | None:
    try:
        return Version.parse(node.node.version)
    except VersionError:
        return None


def _store_of(node: NodeSnapshot, unit_name: str) -> str | None:
    version = _version(node)
    return trust_store_for(unit_name, version) if version is not None else None


def _store_certs(node: NodeSnapshot, store: str | None) -> list[x509.Certificate]:
    certs: list[x509.Certificate] = []
    for entry in node.trusts_in(store) if store else ():
        try:
            certs.append(x509.load_pem_x509_certificate(entry.cert.pem.encode("ascii")))
        except (ValueError, UnicodeEncodeError):
            continue
    return certs


def _matching_nodes(leaf_key: str, pending: Mapping[str, str | None]) -> list[str]:
    return [n for n, pem in pending.items() if pem and csr_public_key_sha256(pem) == leaf_key]


def plan_upload(
    snapshot: Snapshot,
    unit_name: str,
    leaf: x509.Certificate,
    supplied: Sequence[x509.Certificate],
    pending: Mapping[str, str | None],
    now: datetime,
    domains: Sequence[str] = (),
) -> UploadPlan:
    """Check everything and plan the upload; :class:`Refused` lists every problem."""
    try:
        u = unit(unit_name)
    except UnknownNameError as exc:
        raise Refused("upload", [Problem("unknown-unit", str(exc), "pass one of them")]) from None
    by_name = {n.node.name: n for n in snapshot.nodes}
    problems: list[Problem] = []
    if is_self_signed(leaf):
        problems.append(
            Problem(
                "self-signed",
                f"the certificate {common_name(leaf.subject)!r} is self-signed",
                "upload the CA-signed certificate; to renew a self-signed one use `uccert regen`",
            )
        )
    products = model_products(unit_name)
    unread = [n for n in snapshot.nodes if n.error is not None and n.node.product in products]
    for n in unread:
        problems.append(
            Problem(
                "node-unread",
                f"{n.node.name} could not be read ({n.error})",
                "make the node reachable and run the command again",
            )
        )
    leaf_key = public_key_sha256(leaf.public_key())
    matched = _matching_nodes(leaf_key, pending)
    if not matched:
        waiting = sorted(n for n, pem in pending.items() if pem)
        on = f" (CSRs pending on {', '.join(waiting)})" if waiting else " (none is pending)"
        problems.append(
            Problem(
                "key-mismatch",
                f"the certificate's key (SHA-256 {leaf_key[:16]}...) matches no CSR pending "
                f"for {unit_name}{on}",
                "sign the CSR `uccert csr` wrote for that node (its .json sidecar records the "
                "key), or generate a new CSR",
            )
        )
        raise Refused("upload", problems + check_leaf(leaf, unit_name, (), now))
    install = by_name[matched[0]]
    cluster_fqdns = {n.node.fqdn.lower() for n in snapshot.nodes}
    csr_names = {name.lower() for name in _csr_names(pending[install.node.name] or "")}
    scope = MULTI_SERVER_SCOPE.get(u.rules_from)
    # a multi-server CSR names several nodes; a single-node CSR with extra --san names stays
    # single unless the unit has a multi-server distribution at all
    multi = u.multi_server and scope is not None and len(csr_names & cluster_fqdns) > 1
    covers: list[NodeSnapshot]
    if multi and scope is not None:
        products = scope.products
        covers = [install] + [
            n
            for n in snapshot.nodes
            if n is not install
            and n.error is None
            and n.node.product in products
            and n.identity(unit_name) is not None
        ]
        if not rest_capable(install.node.version):
            problems.append(
                Problem(
                    "needs-rest",
                    f"{install.node.name} runs {install.node.version}: uploading a multi-server "
                    "certificate once for every node needs Certificate Management REST (14+)",
                    "upload it in Cisco Unified OS Administration > Certificate Management",
                )
            )
    else:
        covers = [install]
    covers_fqdns = tuple(n.node.fqdn for n in covers)
    must_name = list(covers_fqdns)
    if u.rules_from in S2S_UNITS:
        must_name += unique([*reported_domains(snapshot), *domains])
    problems += check_leaf(leaf, unit_name, must_name, now)
    store = _store_of(install, unit_name)
    chain, chain_problems = build_chain(leaf, supplied, _store_certs(install, store), now)
    problems += chain_problems
    if problems:
        raise Refused("upload", problems)
    uploads = _trust_uploads(covers, unit_name, chain)
    return UploadPlan(
        cluster=snapshot.cluster,
        unit=unit_name,
        distribution=Distribution.MULTI if multi else Distribution.SINGLE,
        install_on=install.node.name,
        install_via_rest=rest_capable(install.node.version),
        covers=tuple(n.node.name for n in covers),
        covers_fqdns=covers_fqdns,
        chain=chain,
        trust_uploads=uploads,
    )


def _trust_uploads(
    nodes: Sequence[NodeSnapshot], unit_name: str, chain: Chain
) -> tuple[TrustUpload, ...]:
    """Root first, then intermediates, on each node (install node first), minus what its
    store already holds (by fingerprint)."""
    uploads: list[TrustUpload] = []
    for n in nodes:
        store = _store_of(n, unit_name)
        if store is None:
            continue
        held = {t.cert.sha256 for t in n.trusts_in(store)}
        for ca in chain.ca_certs:
            if fingerprint(ca) not in held:
                uploads.append(TrustUpload(n.node.name, store, ca, rest_capable(n.node.version)))
    return tuple(uploads)
