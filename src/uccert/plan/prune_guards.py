"""What a prune never deletes, whatever it is asked (§1, §4, §5; docs/design/architecture.md,
"Security model").

No flag lifts these:

- an identity cert, or a file on the catalog's never-delete list (`catalog.deletion_refusal`);
- a trust cert from a store the procedure names no restarts for (`catalog` has no §5.4 row);
- the CUCM publisher's current ipsec cert in an ipsec-trust (§4: DRS breaks without it);
- any cluster node's current identity cert, from its own or its peers' stores: peers trust
  the node through it. An extra copy may go, since one stays.

``--force`` lifts one: a CA that anchors a CA-signed identity cert present in the cluster
(its issuer, or a CA above that issuer). Without that CA in the store, peers cannot validate
the identity; the admin may know the CA is being replaced.

A CA anchors a cert when its subject is the cert's issuer and its key verifies the cert's
signature; certs whose PEM cannot be parsed fall back to comparing common names.
"""
# § numbers in this module are sections of docs/design/procedure.md (§N.M: step M of §N).

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cache
from types import MappingProxyType
from typing import Final

from cryptography import x509

from uccert import catalog
from uccert.ca import is_self_signed, signed_by
from uccert.catalog import (
    PUBLISHER_IPSEC_STORE,
    GuardCode,
    NotInProcedureError,
    Refusal,
    UnknownNameError,
)
from uccert.checks import IPSEC_UNIT
from uccert.model import CertInfo, NodeSnapshot
from uccert.plan.prune_select import Candidate
from uccert.plan.scope import NodeFacts

MAX_CHAIN: Final = 8


@cache
def _x509(pem: str) -> x509.Certificate | None:
    try:
        return x509.load_pem_x509_certificate(pem.encode("ascii"))
    except ValueError:
        return None


def _issued(parent: CertInfo, child: CertInfo) -> bool:
    """`parent` issued `child` (signature when both parse, else common names)."""
    p, c = _x509(parent.pem), _x509(child.pem)
    if p is not None and c is not None:
        return p.subject == c.issuer and signed_by(c, p)
    return bool(parent.subject_cn) and parent.subject_cn == child.issuer_cn


def _root(cert: CertInfo) -> bool:
    parsed = _x509(cert.pem)
    return is_self_signed(parsed) if parsed is not None else cert.self_signed


def anchors(nodes: Iterable[NodeSnapshot]) -> Mapping[str, str]:
    """SHA-256 of every trust cert on a chain above a present CA-signed identity -> which
    identity it anchors ("the CA-signed tomcat of cucm-pub")."""
    nodes = tuple(nodes)
    trusted = {t.cert.sha256: t.cert for n in nodes for t in n.trusts}.values()
    found: dict[str, str] = {}
    for node in nodes:
        for identity in node.identities:
            if identity.self_signed:
                continue
            what = f"the CA-signed {identity.unit} of {node.node.name}"
            frontier, depth = [identity], 0
            while frontier and depth < MAX_CHAIN:
                depth += 1
                above = [t for c in frontier for t in trusted if _issued(t, c)]
                for t in above:
                    found.setdefault(t.sha256, what)
                frontier = [t for t in above if not _root(t)]
    return MappingProxyType(found)


@dataclass(frozen=True)
class Guards:
    """The cluster facts the guards look at, gathered once per plan."""

    publisher_ipsec: str | None  # SHA-256 of the CUCM publisher's current ipsec cert
    owners: Mapping[str, tuple[str, str]]  # identity SHA-256 -> (node, unit)
    anchored: Mapping[str, str]
    features: frozenset[catalog.Feature]

    @classmethod
    def of(
        cls,
        nodes: Iterable[NodeFacts],
        publisher: NodeSnapshot,
        features: frozenset[catalog.Feature],
    ) -> Guards:
        snaps = tuple(n.snap for n in nodes)
        ipsec = publisher.identity(IPSEC_UNIT)
        owners = {c.sha256: (s.node.name, c.unit) for s in snaps for c in s.identities}
        return cls(
            ipsec.sha256 if ipsec is not None else None,
            MappingProxyType(owners),
            anchors(snaps),
            features,
        )

    def refusal(self, candidate: Candidate) -> Refusal | None:
        """Why `candidate` must stay, or None. A liftable refusal is returned even with
        ``--force``: the caller decides (and warns)."""
        h = candidate.holding
        n = h.node
        found = catalog.deletion_refusal(n.product, h.store, h.entry.file)
        if found is not None:
            return found
        try:
            catalog.restarts_after_trust_delete(
                h.store, n.product, n.role, n.version, self.features
            )
        except (NotInProcedureError, UnknownNameError) as exc:
            return Refusal(
                GuardCode.NOT_IN_PROCEDURE, f"{exc} (on {n.name}, {n.product.value} {n.version})"
            )
        if candidate.kept is not None:  # an extra copy: the cert stays in the store
            return None
        sha = h.cert.sha256
        if h.store == PUBLISHER_IPSEC_STORE and sha == self.publisher_ipsec:
            return Refusal(
                GuardCode.PUBLISHER_IPSEC_TRUST,
                f"{h.label} is the CUCM publisher's current ipsec cert: without it in "
                "ipsec-trust DRS backups fail; if it is expired, regenerate ipsec on the "
                "publisher (`uccert regen apply --units ipsec --nodes cucm`) instead",
            )
        owner = self.owners.get(sha)
        if owner is not None:
            node, unit = owner
            return Refusal(
                GuardCode.CURRENT_IDENTITY,
                f"{h.label} is {node}'s current {unit} cert: the cluster trusts {node} through "
                f"it; regenerate {unit} on {node} first (`uccert regen apply --units {unit} "
                f"--nodes {node}`), then prune the old cert",
            )
        anchored = self.anchored.get(sha)
        if anchored is not None:
            return Refusal(
                GuardCode.ANCHORS_IDENTITY,
                f"{h.label} (CN {h.cert.subject_cn}) is a CA that anchors {anchored}: peers "
                "could no longer validate it; --force deletes it anyway",
                liftable=True,
            )
        return None
