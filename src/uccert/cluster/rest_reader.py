"""Read one node's certificates over Certificate Management REST (14 and later).

``GET snapshot/server`` gives every identity (by service, e.g. ``tomcat``) and trust store (by
service, ``tomcat`` for ``tomcat-trust``; some releases say ``tomcat-trust`` [seen: issue 13],
both are read) with PEMs; each cert is described from its PEM, named
as the admin CLI names it: identity ``<unit>/<unit>.pem``, trust ``<service>-trust/<filename>``.
"""

from __future__ import annotations

from collections.abc import Iterable

import httpx
from cryptography import x509

from uccert.catalog.trust import TRUST_SUFFIX
from uccert.model import CertInfo, TrustEntry
from uccert.protocols.certmgr import CertMgrPayloadError, ServerSnapshot
from uccert.transport.certmgr_client import CertMgrClient


def _cert(pem: str, where: str) -> x509.Certificate:
    try:
        return x509.load_pem_x509_certificate(pem.encode("ascii"))
    except (ValueError, UnicodeEncodeError) as exc:
        raise CertMgrPayloadError(f"snapshot/server: {where} is not a PEM certificate") from exc


def trust_store_name(service: str) -> str:
    """``tomcat`` or ``tomcat-trust`` (both forms occur) -> ``tomcat-trust``."""
    return service if service.lower().endswith(TRUST_SUFFIX) else f"{service}{TRUST_SUFFIX}"


def certs_from_snapshot(
    snap: ServerSnapshot, cluster_fqdns: Iterable[str]
) -> tuple[tuple[CertInfo, ...], tuple[TrustEntry, ...]]:
    fqdns = tuple(cluster_fqdns)
    identities = tuple(
        CertInfo.from_x509(_cert(i.certificate, i.service), i.service, f"{i.service}.pem", fqdns)
        for i in snap.identities
    )
    trusts: list[TrustEntry] = []
    for store in snap.trusts:
        name = trust_store_name(store.service)
        for filename, pem in store.certificates:
            info = CertInfo.from_x509(_cert(pem, f"{name}/{filename}"), name, filename, fqdns)
            trusts.append(TrustEntry(name, filename, info))
    return identities, tuple(trusts)


async def read_certs_rest(
    http: httpx.AsyncClient, cluster_fqdns: Iterable[str]
) -> tuple[tuple[CertInfo, ...], tuple[TrustEntry, ...]]:
    """The node's identities and trusts (raises on any HTTP or payload failure)."""
    return certs_from_snapshot(await CertMgrClient(http).snapshot(), cluster_fqdns)
