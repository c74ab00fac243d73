"""Certificate Management REST (docs/design/interfaces.md §4, nodes at 14 and later), sans-IO:
paths and
the parser of ``GET /snapshot/server`` into plain typed values.

The parser takes the decoded JSON (any object) and checks every field it uses; anything else
raises :class:`CertMgrPayloadError` naming the field.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Final

from uccert.errors import ClusterError

BASE_PATH: Final = "/platformcom/api/v1/certmgr/config"
SNAPSHOT_PATH: Final = f"{BASE_PATH}/snapshot/server"


class CertMgrPayloadError(ClusterError, ValueError):
    """The REST reply does not have the documented shape."""


@dataclass(frozen=True)
class Identity:
    """An identity (own) certificate: ``service`` (unit), its PEM, the pending CSR if any."""

    service: str
    certificate: str
    csr: str | None


@dataclass(frozen=True)
class TrustStore:
    """A trust store by service name (``tomcat`` for ``tomcat-trust``): (filename, PEM) pairs."""

    service: str
    certificates: tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class ServerSnapshot:
    server: str
    identities: tuple[Identity, ...]
    trusts: tuple[TrustStore, ...]


def _str(obj: dict[str, Any], name: str, where: str) -> str:
    value = obj.get(name)
    if not isinstance(value, str):
        raise CertMgrPayloadError(f"{where}: {name} is not a string ({type(value).__name__})")
    return value


def _objects(obj: dict[str, Any], name: str, where: str) -> list[dict[str, Any]]:
    value = obj.get(name, [])
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
        raise CertMgrPayloadError(f"{where}: {name} is not a list of objects")
    return value


def parse_snapshot(payload: Any) -> ServerSnapshot:
    """``GET /snapshot/server`` (decoded JSON) -> :class:`ServerSnapshot`."""
    if not isinstance(payload, dict):
        raise CertMgrPayloadError("snapshot/server: the reply is not a JSON object")
    identities = []
    for i, item in enumerate(_objects(payload, "identities", "snapshot")):
        where = f"identities[{i}]"
        csr = item.get("csr")
        if csr is not None and not isinstance(csr, str):
            raise CertMgrPayloadError(f"{where}: csr is not a string")
        identities.append(
            Identity(_str(item, "service", where), _str(item, "certificate", where), csr or None)
        )
    trusts = []
    for i, item in enumerate(_objects(payload, "trusts", "snapshot")):
        where = f"trusts[{i}]"
        files = tuple(
            (_str(f, "filename", f"{where}.certificate_data[{j}]"), _str(f, "certificate", where))
            for j, f in enumerate(_objects(item, "certificate_data", where))
        )
        trusts.append(TrustStore(_str(item, "service", where), files))
    return ServerSnapshot(_str(payload, "server", "snapshot"), tuple(identities), tuple(trusts))
