"""Identity certificates ("units"): who owns them, how they are keyed and named (§1, §7).

One row per unit. ECDSA twins carry `rsa_twin`: every rule written for the RSA unit (trust
store, restarts, warnings) applies to the twin too (§1: "follow the same rules").
"""
# § numbers in this module are sections of docs/design/procedure.md (§N.M: step M of §N).

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from types import MappingProxyType

from uccert.catalog.errors import UnknownNameError
from uccert.catalog.topology import Product
from uccert.catalog.versions import ALL_VERSIONS, Version, VersionRange, since


class KeyAlgorithm(StrEnum):
    """A key's algorithm, as uccert's inventory prints it; ``token`` is the spelling of
    ``uccert csr --key`` (``rsa2048``) and of the certificate-management REST ``keyType``."""

    RSA = "RSA"
    EC = "EC"

    @property
    def token(self) -> str:
        return self.value.lower()


class CommonNameRule(StrEnum):
    """Template of a self-signed cert's CN (§1)."""

    FQDN = "<fqdn>"
    EC_HOST = "<host>-EC.<domain>"


class TlsMode(StrEnum):
    DIRECT = "direct TLS"
    STARTTLS_C2S = "STARTTLS (XMPP c2s)"  # inside a jabber:client stream (RFC 6120 §5)
    STARTTLS_S2S = "STARTTLS (XMPP s2s)"  # inside a jabber:server stream


@dataclass(frozen=True)
class Endpoint:
    """Where a node presents the unit's cert on the wire (§7), and the service that owns the
    port: while that service is not running (or not activated, as XMPP federation often is)
    nothing presents the cert there."""

    port: int
    tls: TlsMode
    service: str


@dataclass(frozen=True)
class Unit:
    name: str
    used_for: str
    products: frozenset[Product]
    key: KeyAlgorithm
    multi_server: bool  # a multi-server (SAN) CSR is possible
    in_note_scope: bool  # one of the five units the IM/P tech note walks through
    versions: VersionRange = ALL_VERSIONS
    rsa_twin: str | None = None  # set on ECDSA twins
    endpoints: tuple[Endpoint, ...] = ()

    @property
    def own_file(self) -> str:
        """Path as printed by `show cert list own`, e.g. `tomcat/tomcat.pem`."""
        return f"{self.name}/{self.name}.pem"

    @property
    def file_name(self) -> str:
        return f"{self.name}.pem"

    @property
    def cn_rule(self) -> CommonNameRule:
        return CommonNameRule.EC_HOST if self.key is KeyAlgorithm.EC else CommonNameRule.FQDN

    @property
    def rules_from(self) -> str:
        """The unit whose rules this one follows: itself, or the RSA unit of a twin."""
        return self.rsa_twin or self.name

    def common_name(self, host: str, domain: str) -> str:
        return f"{host}-EC.{domain}" if self.key is KeyAlgorithm.EC else f"{host}.{domain}"

    def exists_on(self, product: Product, version: Version) -> bool:
        return product in self.products and version in self.versions


_IMP = frozenset({Product.IMP})
_CUCM = frozenset({Product.CUCM})
_BOTH = frozenset({Product.CUCM, Product.IMP})
_ECDSA_SINCE = since("11.0")  # §1: ECDSA twins, CUCM 11.0 and later

_TOMCAT = "Cisco Tomcat"
_TOMCAT_PORTS = (Endpoint(8443, TlsMode.DIRECT, _TOMCAT), Endpoint(443, TlsMode.DIRECT, _TOMCAT))
_CUP_PORTS = (Endpoint(5061, TlsMode.DIRECT, "Cisco SIP Proxy"),)
_XMPP_PORTS = (Endpoint(5222, TlsMode.STARTTLS_C2S, "Cisco XCP Connection Manager"),)
_S2S_PORTS = (Endpoint(5269, TlsMode.STARTTLS_S2S, "Cisco XCP XMPP Federation Connection Manager"),)

_RSA = KeyAlgorithm.RSA
_EC = KeyAlgorithm.EC

# fmt: off
_TABLE: tuple[Unit, ...] = (
    # §1 table: the five units of the IM/P note
    Unit("cup", "secure SIP federation, Microsoft RCC, CUCM<->IM/P SIP TLS",
         _IMP, _RSA, multi_server=False, in_note_scope=True, endpoints=_CUP_PORTS),
    Unit("cup-xmpp", "XMPP client (Jabber) TLS",
         _IMP, _RSA, multi_server=True, in_note_scope=True, endpoints=_XMPP_PORTS),
    Unit("cup-xmpp-s2s", "XMPP inter-domain federation TLS",
         _IMP, _RSA, multi_server=True, in_note_scope=True, endpoints=_S2S_PORTS),
    Unit("ipsec", "DRS/DRF backup channel, IPsec tunnels between cluster nodes",
         _BOTH, _RSA, multi_server=False, in_note_scope=True),
    Unit("tomcat", "web (admin pages, Jabber UDS/login), SAML SSO, inter-cluster peers",
         _BOTH, _RSA, multi_server=True, in_note_scope=True, endpoints=_TOMCAT_PORTS),
    # §1: CUCM-only units, out of the note's scope (known for inventory and guards)
    Unit("CallManager", "SIP/SCCP TLS to phones and trunks",
         _CUCM, _RSA, multi_server=True, in_note_scope=False),
    Unit("CAPF", "Certificate Authority Proxy Function (phone LSCs)",
         _CUCM, _RSA, multi_server=False, in_note_scope=False),
    Unit("TVS", "Trust Verification Service",
         _CUCM, _RSA, multi_server=False, in_note_scope=False),
    Unit("ITLRecovery", "signs the ITL file recovery",
         _CUCM, _RSA, multi_server=False, in_note_scope=False),
    # §1: ECDSA twins, 11.0 and later, same rules as their RSA unit
    Unit("cup-ECDSA", "ECDSA twin of cup", _IMP, _EC, multi_server=False,
         in_note_scope=False, versions=_ECDSA_SINCE, rsa_twin="cup", endpoints=_CUP_PORTS),
    Unit("cup-xmpp-ECDSA", "ECDSA twin of cup-xmpp", _IMP, _EC, multi_server=True,
         in_note_scope=False, versions=_ECDSA_SINCE, rsa_twin="cup-xmpp",
         endpoints=_XMPP_PORTS),
    Unit("cup-xmpp-s2s-ECDSA", "ECDSA twin of cup-xmpp-s2s", _IMP, _EC, multi_server=True,
         in_note_scope=False, versions=_ECDSA_SINCE, rsa_twin="cup-xmpp-s2s",
         endpoints=_S2S_PORTS),
    Unit("tomcat-ECDSA", "ECDSA twin of tomcat", _BOTH, _EC, multi_server=True,
         in_note_scope=False, versions=_ECDSA_SINCE, rsa_twin="tomcat",
         endpoints=_TOMCAT_PORTS),
    Unit("CallManager-ECDSA", "ECDSA twin of CallManager", _CUCM, _EC, multi_server=True,
         in_note_scope=False, versions=_ECDSA_SINCE, rsa_twin="CallManager"),
)
# fmt: on

UNITS: Mapping[str, Unit] = MappingProxyType({u.name: u for u in _TABLE})

# RSA units a node presents on the wire (§7); their ECDSA twins share the listeners.
WIRE_UNITS: tuple[str, ...] = tuple(u.name for u in _TABLE if u.endpoints and not u.rsa_twin)

# The units whose certs clients validate: Jabber checks tomcat and cup-xmpp (§6).
CLIENT_FACING: frozenset[str] = frozenset({"tomcat", "cup-xmpp"})


def unit(name: str) -> Unit:
    """The unit called `name` (case-sensitive, as `show cert list own` prints it)."""
    try:
        return UNITS[name]
    except KeyError:
        raise UnknownNameError(
            f"unknown certificate unit {name!r}: expected one of {', '.join(UNITS)}"
        ) from None


def units_on(product: Product, version: Version) -> tuple[Unit, ...]:
    """Every unit a node of `product` at `version` owns, in table order."""
    return tuple(u for u in _TABLE if u.exists_on(product, version))
