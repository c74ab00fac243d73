"""What to do with a unit, by the kind of cert it has now (§2), and what a regeneration yields.

Regenerating replaces any CA-signed cert with a self-signed one, so it is only the answer for
self-signed units.
"""
# § numbers in this module are sections of docs/design/procedure.md (§N.M: step M of §N).

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta
from enum import StrEnum
from types import MappingProxyType


class CertKind(StrEnum):
    SELF_SIGNED = "self-signed"
    CA_MULTI_SERVER = "CA-signed, multi-server (SAN) distribution"
    CA_SINGLE_NODE = "CA-signed, single-node distribution"  # distribution name = CN


class RenewAction(StrEnum):
    REGENERATE = "regenerate on each node, publisher first"
    MULTI_SERVER_CSR = "one multi-server CSR, sign, upload once; distributed to every node"
    CSR_PER_NODE = "a CSR per node, signed by the CA, uploaded per node"


# §2 step 2
RENEW_ACTION: Mapping[CertKind, RenewAction] = MappingProxyType(
    {
        CertKind.SELF_SIGNED: RenewAction.REGENERATE,
        CertKind.CA_MULTI_SERVER: RenewAction.MULTI_SERVER_CSR,
        CertKind.CA_SINGLE_NODE: RenewAction.CSR_PER_NODE,
    }
)

# §2 CLI: the new cert keeps key type and length, notAfter = notBefore + 1825 days - 1 s.
SELF_SIGNED_VALIDITY = timedelta(days=1825) - timedelta(seconds=1)
