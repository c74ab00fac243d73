"""The lab's own reading of the procedure, as tables (independent of ``uccert.catalog``).

Written from docs/design/procedure.md and docs/design/interfaces.md. A UC admin should be able to
check every row.
Facts not stated by the sources are marked ``[guess]``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

Product = Literal["cucm", "imp"]
Role = Literal["publisher", "subscriber"]
Version = tuple[int, int]

OLDEST: Version = (8, 6)
NEWEST: Version = (15, 99)


def parse_version(text: str) -> Version:
    """ "14.0" -> (14, 0), "15" -> (15, 0), "11.5.1.10000-6" -> (11, 5)."""
    parts = text.strip().split(".")
    try:
        major = int(parts[0])
        minor = int(parts[1]) if len(parts) > 1 else 0
    except ValueError:
        raise ValueError(f"not a version: {text!r} (expected e.g. 14.0, 12.5, 8.6, 15)") from None
    return (major, minor)


def is_supported(version: Version) -> bool:
    return OLDEST <= version <= NEWEST


# Full version strings shown by `show version active`, AXL getCCMVersion, ... [guess: build numbers]
DISPLAY_VERSIONS: dict[tuple[Product, Version], str] = {
    ("cucm", (8, 6)): "8.6.2.20000-2",
    ("imp", (8, 6)): "8.6.5.10000-12",
    ("cucm", (9, 1)): "9.1.2.10000-28",
    ("imp", (9, 1)): "9.1.1.10000-9",
    ("cucm", (10, 0)): "10.0.1.10000-24",
    ("imp", (10, 0)): "10.0.1.10000-26",
    ("cucm", (10, 5)): "10.5.2.10000-5",
    ("imp", (10, 5)): "10.5.2.21900-1",
    ("cucm", (11, 0)): "11.0.1.10000-10",
    ("imp", (11, 0)): "11.0.1.10000-6",
    ("cucm", (11, 5)): "11.5.1.10000-6",
    ("imp", (11, 5)): "11.5.1.10000-6",
    ("cucm", (12, 0)): "12.0.1.10000-10",
    ("imp", (12, 0)): "12.0.1.10000-12",
    ("cucm", (12, 5)): "12.5.1.10000-22",
    ("imp", (12, 5)): "12.5.1.10000-11",
    ("cucm", (14, 0)): "14.0.1.10000-20",
    ("imp", (14, 0)): "14.0.1.10000-16",
    ("cucm", (15, 0)): "15.0.1.10000-32",
    ("imp", (15, 0)): "15.0.1.10000-21",
}


def display_version(product: Product, version: Version) -> str:
    return DISPLAY_VERSIONS.get((product, version), f"{version[0]}.{version[1]}.1.10000-1")


# ---------------------------------------------------------------------------------------------
# Identity certificates ("units")
# ---------------------------------------------------------------------------------------------

ECDSA_SUFFIX = "-ECDSA"
ECDSA_FROM: Version = (11, 0)
RSA_BITS = 2048
EC_BITS = 384  # [guess] CUCM's default ECDSA key size is 384; the lab uses NIST P-384.
VALIDITY_DAYS = 1825  # notAfter = notBefore + 1825 days - 1 s

# (product, unit, first version that has it)
UNITS: tuple[tuple[Product, str, Version], ...] = (
    ("imp", "cup", OLDEST),
    ("imp", "cup-xmpp", OLDEST),
    ("imp", "cup-xmpp-s2s", OLDEST),
    ("imp", "ipsec", OLDEST),
    ("imp", "tomcat", OLDEST),
    ("imp", "cup-ECDSA", ECDSA_FROM),
    ("imp", "cup-xmpp-ECDSA", ECDSA_FROM),
    ("imp", "cup-xmpp-s2s-ECDSA", ECDSA_FROM),
    ("imp", "tomcat-ECDSA", ECDSA_FROM),
    ("cucm", "CallManager", OLDEST),
    ("cucm", "CAPF", OLDEST),
    ("cucm", "TVS", OLDEST),
    ("cucm", "ITLRecovery", (11, 0)),  # [guess] the version ITLRecovery appeared
    ("cucm", "tomcat", OLDEST),
    ("cucm", "ipsec", OLDEST),
    ("cucm", "CallManager-ECDSA", ECDSA_FROM),
    ("cucm", "tomcat-ECDSA", ECDSA_FROM),
)


def units_for(product: Product, version: Version) -> tuple[str, ...]:
    return tuple(u for p, u, since in UNITS if p == product and version >= since)


def is_ecdsa(unit: str) -> bool:
    return unit.endswith(ECDSA_SUFFIX)


def base_unit(unit: str) -> str:
    """The RSA unit an ECDSA twin follows ("tomcat-ECDSA" -> "tomcat")."""
    return unit[: -len(ECDSA_SUFFIX)] if is_ecdsa(unit) else unit


def own_file(unit: str) -> str:
    return f"{unit}/{unit}.pem"


def common_name(unit: str, host: str, domain: str) -> str:
    """CN of a self-signed cert: the FQDN; ECDSA twins use ``<host>-EC.<domain>``."""
    return f"{host}-EC.{domain}" if is_ecdsa(unit) else f"{host}.{domain}"


S2S_SHARES_XMPP_TRUST_FROM: Version = (10, 0)

# Units whose trust store is not "<unit>-trust".
_NO_TRUST_STORE = frozenset({"ITLRecovery", "TVS"})  # [guess]


def trust_store_for(unit: str, version: Version) -> str | None:
    """The trust store holding peers' copies of ``unit`` (ECDSA twins share their RSA unit's)."""
    base = base_unit(unit)
    if base in _NO_TRUST_STORE:
        return None
    if base == "cup-xmpp-s2s" and version >= S2S_SHARES_XMPP_TRUST_FROM:
        return "cup-xmpp-trust"
    return f"{base}-trust"


def trust_stores_for(product: Product, version: Version) -> tuple[str, ...]:
    stores: list[str] = []
    for unit in units_for(product, version):
        store = trust_store_for(unit, version)
        if store is not None and store not in stores:
            stores.append(store)
    return tuple(stores)


HASHED_TRUST_NAMES_FROM: Version = (11, 5)  # [guess] when "<CN>_<serial>.pem" replaced "<host>.pem"


_FILE_UNSAFE_RE = re.compile(r"[^A-Za-z0-9._-]")


def trust_file(store: str, cn: str, serial_hex: str, version: Version) -> str:
    """``<store>/<CN>_<serial>.pem`` in current releases, ``<store>/<host>.pem`` before.

    Spaces in a CN become underscores, as in the stock ``Cisco_Root_CA_2048.pem``: a file name
    is one word on the admin CLI (``show cert trust <store>/<file>``). [guess] Any other
    character outside letters, digits, ``.``, ``_`` and ``-`` (control characters included)
    becomes an underscore too; names with spaces or parentheses reach a store only through an
    import from the web page, under the name the admin gave the file.
    """
    name = _FILE_UNSAFE_RE.sub("_", cn)
    if version >= HASHED_TRUST_NAMES_FROM:
        return f"{store}/{name}_{serial_hex}.pem"
    return f"{store}/{name.split('.')[0]}.pem"


# Who receives a node's self-signed cert through Certificate Change Notification.
#   "all":        every node's store (own included)
#   "same-product": every node of the owner's product (own included)
#   "cucm-publisher": the CUCM publisher's cert goes to every node; any other node's cert
#                   only to its own store [guess: own ipsec in own ipsec-trust]
#   "self":       the owner's own store only [guess]
Scope = Literal["all", "same-product", "cucm-publisher", "self", "none"]

DISTRIBUTION: dict[str, Scope] = {
    "tomcat": "all",
    "cup": "same-product",
    "cup-xmpp": "same-product",
    "cup-xmpp-s2s": "same-product",
    "ipsec": "cucm-publisher",
    "CallManager": "same-product",
    "CAPF": "self",
    "TVS": "none",
    "ITLRecovery": "none",
}

# ---------------------------------------------------------------------------------------------
# Versions' behaviour
# ---------------------------------------------------------------------------------------------

DELETE_PROPAGATES_FROM: Version = (11, 0)  # before: CCN puts a deleted trust cert back
IMP_DRF_MASTER_UNTIL: Version = (10, 0)  # IM/P publisher runs its own DRF Master before 10.0
# Cisco TAC 215534 rev 3.0 (Feb 2024), https://www.cisco.com/c/en/us/support/docs/unified-
# communications/unified-communications-manager-callmanager/215534-create-windows-ca-certificate
# -templates.html: "ipsec certificate is not related to Cisco DRF Primary and Cisco DRF Local
# since 14, in newer versions, Tomcat certificate is used instead" (12.5 and earlier: ipsec).
DRF_USES_TOMCAT_FROM: Version = (14, 0)
DRF_SERVICES = frozenset({"Cisco DRF Master", "Cisco DRF Local"})


def drf_unit(version: Version) -> str:
    """The identity cert the DRF services load on a node of ``version``."""
    return "tomcat" if version >= DRF_USES_TOMCAT_FROM else "ipsec"


def drf_master_product(product: Product, version: Version) -> Product:
    """Whose publisher runs the DRF Master that backs up a node: the IM/P publisher for IM/P
    before 10.0, else the CUCM publisher (docs/design/procedure.md §1)."""
    return "imp" if product == "imp" and version < IMP_DRF_MASTER_UNTIL else "cucm"


DRF_LOADED_PREFIX = "drf:"  # DRF Master's copy of a served node's DRF cert: "drf:<node>"


SSOSP_TOMCAT_FROM: Version = (11, 5)  # [guess]

HA_SYNC_SECONDS = 120.0  # the guides: wait at least two minutes for the HA flag to sync
CRITICAL_DOWN_SECONDS = 90.0  # Server Recovery Manager's critical-service-down delay
INITIAL_UPTIME_SECONDS = 86400.0  # [guess] services started a day before the lab's clock starts


# ---------------------------------------------------------------------------------------------
# Services
# ---------------------------------------------------------------------------------------------

When = Literal["always", "sip-federation", "xmpp-federation", "never"]
Where = Literal["any", "drf-master", "ssosp"]


@dataclass(frozen=True)
class ServiceDef:
    """One service: where it runs, whether it is activated, how long it takes, what it loads."""

    name: str
    products: tuple[Product, ...]
    activated: When = "always"
    stop_s: float = 10.0
    start_s: float = 30.0
    loads: tuple[str, ...] = ()  # units (their ECDSA twins are loaded with them)
    loads_trust: tuple[str, ...] = ()  # unit names whose trust store is loaded
    platform: bool = False  # printed in the top part of `utils service list`
    critical: bool = False  # watched by the Server Recovery Manager (IM/P HA)
    xcp: bool = False  # restarted/stopped with Cisco XCP Router
    present: Where = "any"  # on which nodes of its products it exists


XCP_ROUTER = "Cisco XCP Router"
CCN = "Cisco Certificate Change Notification"
BOTH: tuple[Product, ...] = ("cucm", "imp")
IMP: tuple[Product, ...] = ("imp",)
CUCM: tuple[Product, ...] = ("cucm",)

SERVICES: tuple[ServiceDef, ...] = (
    ServiceDef("System NTP", BOTH, stop_s=5, start_s=10, platform=True),
    ServiceDef("System SSH", BOTH, stop_s=5, start_s=10, platform=True),
    ServiceDef("Cluster Manager", BOTH, stop_s=5, start_s=10, platform=True),
    ServiceDef("Cisco DB", BOTH, stop_s=20, start_s=40),
    ServiceDef("Cisco DB Replicator", BOTH, stop_s=10, start_s=30),
    ServiceDef(
        "Cisco Tomcat", BOTH, stop_s=30, start_s=210, loads=("tomcat",), loads_trust=("tomcat",)
    ),
    ServiceDef("Cisco AXL Web Service", BOTH),
    ServiceDef(
        "Cisco DRF Master",
        BOTH,
        stop_s=5,
        start_s=10,
        loads=("ipsec",),
        loads_trust=("ipsec",),
        present="drf-master",
    ),
    ServiceDef(
        "Cisco DRF Local", BOTH, stop_s=5, start_s=10, loads=("ipsec",), loads_trust=("ipsec",)
    ),
    ServiceDef(CCN, BOTH, stop_s=5, start_s=15),
    ServiceDef("Cisco Certificate Expiry Monitor", BOTH, stop_s=5, start_s=15),
    ServiceDef("SNMP Master Agent", BOTH, stop_s=5, start_s=10),
    # IM and Presence
    ServiceDef(
        "Cisco SIP Proxy",
        IMP,
        stop_s=15,
        start_s=30,
        loads=("cup",),
        loads_trust=("cup",),
        critical=True,
    ),
    ServiceDef(
        "Cisco Presence Engine",
        IMP,
        stop_s=30,
        start_s=120,
        loads=("cup",),
        loads_trust=("cup",),
        critical=True,
    ),
    ServiceDef(
        XCP_ROUTER,
        IMP,
        stop_s=20,
        start_s=100,
        loads=("cup-xmpp", "cup-xmpp-s2s"),
        loads_trust=("cup-xmpp", "cup-xmpp-s2s"),
        critical=True,
    ),
    # The XCP services a router restart takes down come back one by one after the router, each
    # at its own pace, so a client that moves on when the router alone is Started is caught.
    # [guess] the seconds: no Cisco document gives start times; the order of magnitude is what
    # admins see in Control Center on a small node (connection managers slowest).
    ServiceDef(
        "Cisco XCP Connection Manager",
        IMP,
        start_s=45,
        loads=("cup-xmpp",),
        loads_trust=("cup-xmpp",),
        critical=True,
        xcp=True,
    ),
    ServiceDef("Cisco XCP Authentication Service", IMP, start_s=20, critical=True, xcp=True),
    ServiceDef("Cisco XCP Text Conference Manager", IMP, start_s=35, xcp=True),
    ServiceDef(
        "Cisco XCP SIP Federation Connection Manager",
        IMP,
        activated="sip-federation",
        start_s=50,
        loads=("cup",),
        loads_trust=("cup",),
        xcp=True,
    ),
    ServiceDef(
        "Cisco XCP XMPP Federation Connection Manager",
        IMP,
        activated="xmpp-federation",
        start_s=60,
        loads=("cup-xmpp-s2s",),
        loads_trust=("cup-xmpp-s2s",),
        xcp=True,
    ),
    ServiceDef("Cisco Server Recovery Manager", IMP, start_s=20),
    ServiceDef("Cisco Client Profile Agent", IMP, critical=True),
    ServiceDef("Cisco Intercluster Sync Agent", IMP),
    ServiceDef("Platform Administrative Web Service", IMP, start_s=20),
    # Unified CM
    ServiceDef(
        "Cisco CallManager",
        CUCM,
        stop_s=20,
        start_s=40,
        loads=("CallManager",),
        loads_trust=("CallManager",),
    ),
    ServiceDef("Cisco TFTP", CUCM),
    ServiceDef("Cisco CTIManager", CUCM),
    ServiceDef("Cisco Trust Verification Service", CUCM, start_s=20, loads=("TVS",)),
    ServiceDef(
        "Cisco Certificate Authority Proxy Function",
        CUCM,
        activated="never",
        start_s=20,
        loads=("CAPF",),
        loads_trust=("CAPF",),
    ),
    ServiceDef("Cisco SSOSP Tomcat", CUCM, present="ssosp", stop_s=20, start_s=40),
)

# Which service's loaded copy a TLS listener presents (ECDSA twins: same service).
PRESENTING_SERVICE: dict[str, str] = {
    "tomcat": "Cisco Tomcat",
    "cup": "Cisco SIP Proxy",
    "cup-xmpp": "Cisco XCP Connection Manager",
    "cup-xmpp-s2s": "Cisco XCP XMPP Federation Connection Manager",
    "CallManager": "Cisco CallManager",
    "ipsec": "Cisco DRF Local",
    "TVS": "Cisco Trust Verification Service",
    "CAPF": "Cisco Certificate Authority Proxy Function",
}


def service_present(sdef: ServiceDef, product: Product, role: Role, version: Version) -> bool:
    """Whether the service exists on such a node at all (listed by `utils service list`)."""
    if product not in sdef.products:
        return False
    if sdef.present == "drf-master":
        if product == "cucm":
            return role == "publisher"
        return role == "publisher" and version < IMP_DRF_MASTER_UNTIL
    if sdef.present == "ssosp":
        return version >= SSOSP_TOMCAT_FROM
    return True


def service_activated(sdef: ServiceDef, *, sip_federation: bool, xmpp_federation: bool) -> bool:
    if sdef.activated == "sip-federation":
        return sip_federation
    if sdef.activated == "xmpp-federation":
        return xmpp_federation
    return sdef.activated != "never"


# Services Cisco renamed, and from which release the new name is listed. The Administration
# Guide for CUCM Release 14 and SUs still lists "Cisco DRF Master" and "SNMP Master Agent"
# [doc: https://www.cisco.com/c/en/us/td/docs/voice_ip_comm/cucm/admin/14SU2/adminGd/
# cucm_b_administration-guide-14su2/cucm_b_test-adminguide_chapter_010111.html]; 15.0's
# `utils service list` on the same platform prints "Cisco DRF Primary[STARTED]" and "SNMP
# Primary Agent[STARTED]" [doc: Cisco Finesse Installation and Upgrade Guide 15.0(1),
# https://www.cisco.com/c/en/us/td/docs/voice_ip_comm/cust_contact/contact_center/finesse/
# finesse_1501/installation/guide/cfin_b_1501_cisco-installation-and-upgrade-guide-15_0/
# network_and_system_services_used_for_cisco_finesse.html]. [guess] no 14 SU renamed them.
RENAMED: dict[str, tuple[Version, str]] = {
    "Cisco DRF Master": ((15, 0), "Cisco DRF Primary"),
    "SNMP Master Agent": ((15, 0), "SNMP Primary Agent"),
}


def service_name(sdef: ServiceDef, version: Version) -> str:
    """The name a node of ``version`` lists the service under."""
    renamed = RENAMED.get(sdef.name)
    return renamed[1] if renamed is not None and version >= renamed[0] else sdef.name
