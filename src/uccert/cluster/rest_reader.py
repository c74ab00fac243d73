"""Read one node's certificates over Certificate Management REST (14 and later).

``GET snapshot/server`` gives every identity (by service, e.g. ``tomcat``) and trust store (by
service, ``tomcat`` for ``tomcat-trust``; some releases say ``tomcat-trust`` [seen: issue 13],
both are read) with PEMs; each cert is described from its PEM, named
as the admin CLI names it: identity ``<unit>/<unit>.pem``, trust ``<service>-trust/<filename>``.
A cert that cannot be described (not a PEM, a key neither RSA nor EC) is left out with a
warning naming it; the node's other certs are read.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import lru_cache

import httpx
from cryptography import x509

from uccert.catalog import TRUST_SUFFIX
from uccert.model import CertInfo, TrustEntry
from uccert.protocols import CertMgrPayloadError, ServerSnapshot
from uccert.transport import CertMgrClient


def _cert(pem: str, where: str) -> x509.Certificate:
    try:
        return x509.load_pem_x509_certificate(pem.encode("ascii"))
    except (ValueError, UnicodeEncodeError) as exc:
        raise CertMgrPayloadError(f"snapshot/server: {where} is not a PEM certificate") from exc


# A cluster's trust stores hold the same certs on every node (each node's tomcat cert is in
# every tomcat-trust): describing each (PEM, store, file) once per process, not once per node,
# saves most of the client's CPU per node on a fleet read (CertInfo is frozen, so sharing is
# safe). 16384 entries cover some 150 clusters' distinct certs.
@lru_cache(maxsize=16384)
def _describe(
    pem: str, where: str, unit_or_store: str, file: str, fqdns: tuple[str, ...]
) -> CertInfo:
    return CertInfo.from_x509(_cert(pem, where), unit_or_store, file, fqdns)


def trust_store_name(service: str) -> str:
    """``tomcat`` or ``tomcat-trust`` (both forms occur) -> ``tomcat-trust``."""
    return service if service.lower().endswith(TRUST_SUFFIX) else f"{service}{TRUST_SUFFIX}"


def certs_from_snapshot_with_warnings(
    snap: ServerSnapshot, cluster_fqdns: Iterable[str]
) -> tuple[tuple[CertInfo, ...], tuple[TrustEntry, ...], tuple[str, ...]]:
    """The snapshot's identities and trusts, and one warning per cert that could not be read."""
    fqdns = tuple(cluster_fqdns)
    warnings: list[str] = []

    def describe(pem: str, where: str, unit_or_store: str, file: str) -> CertInfo | None:
        try:
            return _describe(pem, where, unit_or_store, file, fqdns)
        except (CertMgrPayloadError, ValueError) as exc:  # ValueError: cryptography, key type
            warnings.append(f"{where}: not read: {exc}")
            return None

    identities: list[CertInfo] = []
    for i in snap.identities:
        info = describe(i.certificate, i.service, i.service, f"{i.service}.pem")
        if info is not None:
            identities.append(info)
    trusts: list[TrustEntry] = []
    for store in snap.trusts:
        name = trust_store_name(store.service)
        for filename, pem in store.certificates:
            info = describe(pem, f"{name}/{filename}", name, filename)
            if info is not None:
                trusts.append(TrustEntry(name, filename, info))
    return tuple(identities), tuple(trusts), tuple(warnings)


def certs_from_snapshot(
    snap: ServerSnapshot, cluster_fqdns: Iterable[str]
) -> tuple[tuple[CertInfo, ...], tuple[TrustEntry, ...]]:
    """The snapshot's identities and trusts (certs that could not be read are left out)."""
    identities, trusts, _ = certs_from_snapshot_with_warnings(snap, cluster_fqdns)
    return identities, trusts


async def read_certs_rest_with_warnings(
    http: httpx.AsyncClient, cluster_fqdns: Iterable[str]
) -> tuple[tuple[CertInfo, ...], tuple[TrustEntry, ...], tuple[str, ...]]:
    """The node's identities and trusts, and what could not be read (one warning per cert);
    raises on an HTTP failure or a reply that is not a snapshot."""
    return certs_from_snapshot_with_warnings(await CertMgrClient(http).snapshot(), cluster_fqdns)


async def read_certs_rest(
    http: httpx.AsyncClient, cluster_fqdns: Iterable[str]
) -> tuple[tuple[CertInfo, ...], tuple[TrustEntry, ...]]:
    """The node's identities and trusts (certs that could not be read are left out)."""
    identities, trusts, _ = await read_certs_rest_with_warnings(http, cluster_fqdns)
    return identities, trusts
