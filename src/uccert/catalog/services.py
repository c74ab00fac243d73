"""Services: where they live in Control Center, how they may be controlled, and what a restart
of them does (§1, §3, docs/design/interfaces.md §2).

Control Center SOAP refuses Cisco Tomcat and Cisco DB (it runs inside Tomcat): those are
restarted from the node's CLI only. Cisco XCP Router is the one service with a cascade.
"""
# § numbers in this module are sections of docs/design/procedure.md (§N.M: step M of §N).

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from types import MappingProxyType

from uccert.catalog.errors import UnknownNameError
from uccert.catalog.topology import Feature, Product
from uccert.catalog.versions import ALL_VERSIONS, VersionRange, before, since


class Area(StrEnum):
    """Cisco Unified Serviceability > Tools > Control Center - <area>."""

    FEATURE = "Feature Services"
    NETWORK = "Network Services"


class ControlPath(StrEnum):
    SOAP_OR_CLI = "soap-or-cli"
    CLI_ONLY = "cli-only"


@dataclass(frozen=True)
class Service:
    name: str
    area: Area
    products: frozenset[Product]
    control: ControlPath = ControlPath.SOAP_OR_CLI
    critical_for_ha: bool = False  # IM/P: its failure makes a PRG with HA fail over (§3)
    restart_cascades_to: str | None = None  # name prefix of the services a restart restarts
    never_stop_start: bool = False  # always *restart* (§1, XCP Router)

    def cli(self, action: str) -> str:
        """`utils service <action> <name>` (docs/design/interfaces.md §1)."""
        return f"utils service {action} {self.name}"


_IMP = frozenset({Product.IMP})
_CUCM = frozenset({Product.CUCM})
_BOTH = frozenset({Product.CUCM, Product.IMP})
_F, _N = Area.FEATURE, Area.NETWORK
_CLI = ControlPath.CLI_ONLY

# fmt: off
_TABLE: tuple[Service, ...] = (
    # §1: cup
    Service("Cisco SIP Proxy", _F, _IMP, critical_for_ha=True),
    Service("Cisco Presence Engine", _F, _IMP, critical_for_ha=True),
    Service("Cisco XCP SIP Federation Connection Manager", _F, _IMP),
    # §1: cup-xmpp, cup-xmpp-s2s. "Restarting Cisco XCP Router restarts every active XCP
    # service on that node. Stopping it stops them and starting it does not bring them back."
    Service("Cisco XCP Router", _N, _IMP, critical_for_ha=True,
            restart_cascades_to="Cisco XCP ", never_stop_start=True),
    Service("Cisco XCP XMPP Federation Connection Manager", _F, _IMP),
    Service("Cisco XCP Connection Manager", _F, _IMP, critical_for_ha=True),
    Service("Cisco XCP Authentication Service", _F, _IMP, critical_for_ha=True),
    # ipsec (DRF Master: "DRF Primary" in the note; the service's name from 15, RENAMES)
    Service("Cisco DRF Master", _N, _BOTH),
    Service("Cisco DRF Primary", _N, _BOTH),
    Service("Cisco DRF Local", _N, _BOTH),
    # §1: tomcat; docs/design/interfaces.md §2: SOAP refuses Tomcat and DB
    Service("Cisco Tomcat", _N, _BOTH, control=_CLI),
    Service("Cisco DB", _N, _BOTH, control=_CLI, critical_for_ha=True),
    # §5 step 1 pre-stops, §6 follow-ups
    Service("Cisco Certificate Expiry Monitor", _N, _BOTH),
    Service("Cisco Intercluster Sync Agent", _N, _IMP),
    Service("Cisco Certificate Change Notification", _N, _BOTH),
    Service("Platform Administrative Web Service", _N, _BOTH),
    Service("Cisco SSOSP Tomcat", _N, _CUCM),
    # §3: watches the critical services of an IM/P node
    Service("Cisco Server Recovery Manager", _N, _IMP),
)
# fmt: on

SERVICES: Mapping[str, Service] = MappingProxyType({s.name: s for s in _TABLE})
# Controlled from the node's CLI only: Control Center SOAP refuses them.
CLI_ONLY_SERVICES: frozenset[str] = frozenset(
    s.name for s in _TABLE if s.control is ControlPath.CLI_ONLY
)


@dataclass(frozen=True)
class Rename:
    """A service Cisco renamed: nodes of ``since`` and later list it as ``new``."""

    old: str
    new: str
    since: str
    source: str


# The Administration Guide for CUCM Release 14 and SUs (Services chapter) still names "Cisco
# DRF Master" and "SNMP Master Agent"; 15.0(1)'s `utils service list` on the same platform
# prints "Cisco DRF Primary" and "SNMP Primary Agent" (Finesse 15.0(1) installation guide);
# TAC doc 215534 (2024) names "Cisco DRF Primary". No 14 SU is documented with the new names.
RENAMES: tuple[Rename, ...] = (
    Rename(
        "Cisco DRF Master",
        "Cisco DRF Primary",
        "15.0",
        "https://www.cisco.com/c/en/us/td/docs/voice_ip_comm/cust_contact/contact_center/"
        "finesse/finesse_1501/installation/guide/cfin_b_1501_cisco-installation-and-upgrade-"
        "guide-15_0/network_and_system_services_used_for_cisco_finesse.html",
    ),
    Rename(
        "SNMP Master Agent",
        "SNMP Primary Agent",
        "15.0",
        "https://www.cisco.com/c/en/us/td/docs/voice_ip_comm/cucm/admin/14SU2/adminGd/"
        "cucm_b_administration-guide-14su2/cucm_b_test-adminguide_chapter_010111.html",
    ),
)

# A federation is in use where its connection manager is activated on an IM/P node (§1): only
# then does a cup or cup-xmpp-s2s change restart it.
FEATURE_SERVICES: Mapping[Feature, str] = MappingProxyType(
    {
        Feature.SIP_FEDERATION: "Cisco XCP SIP Federation Connection Manager",
        Feature.XMPP_FEDERATION: "Cisco XCP XMPP Federation Connection Manager",
    }
)


def features_in_use(activated: Iterable[str]) -> frozenset[Feature]:
    """The features whose service is among the ``activated`` service names of a cluster."""
    names = set(activated)
    return frozenset(f for f, name in FEATURE_SERVICES.items() if name in names)


XCP_ROUTER = SERVICES["Cisco XCP Router"]
TOMCAT = SERVICES["Cisco Tomcat"]


def service(name: str) -> Service:
    try:
        return SERVICES[name]
    except KeyError:
        raise UnknownNameError(
            f"unknown service {name!r}: use the exact Cisco name, e.g. 'Cisco XCP Router'"
        ) from None


def cascade_of(name: str, started: Iterable[str]) -> tuple[str, ...]:
    """Services that restart along with `name`, given the services started on the node."""
    prefix = service(name).restart_cascades_to
    if prefix is None:
        return ()
    return tuple(s for s in started if s != name and s.startswith(prefix))


def names_over_versions(name: str) -> tuple[tuple[str, VersionRange], ...]:
    """The name nodes list a service under, in each range of versions (`RENAMES`): e.g. Cisco
    DRF Master before 15.0, Cisco DRF Primary from 15.0. Any name of the service is accepted."""
    for r in RENAMES:
        if name in (r.old, r.new):
            return ((r.old, before(r.since)), (r.new, since(r.since)))
    return ((name, ALL_VERSIONS),)


def names_of(name: str) -> frozenset[str]:
    """Every name a service has had (`RENAMES`), to find it in a node's service list."""
    return frozenset(n for n, _ in names_over_versions(name))


# Every name of the DRF Master service (Cisco DRF Primary from 15.0), to find it in a service list.
DRF_MASTER_NAMES: frozenset[str] = names_of("Cisco DRF Master")
