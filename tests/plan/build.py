"""A demo-like cluster for planner tests, built by hand: CUCM publisher and subscriber, IM/P
publisher and three subscribers in two Presence Redundancy Groups, both with HA on, every
identity self-signed and every service running.

The tables here are this test suite's own reading of docs/design/procedure.md §1 (not the
catalog's), so a
wrong catalog row shows up as a failing test. Certs are `CertInfo` values built directly (no
keys), which keeps property tests fast.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from datetime import timedelta

from builders import DOMAIN, NOW, make_node, node_of, started, with_identity
from uccert.catalog import KeyAlgorithm
from uccert.model import (
    CertInfo,
    Distribution,
    Node,
    NodeSnapshot,
    Product,
    RedundancyGroup,
    Role,
    ServiceState,
    Snapshot,
    TrustEntry,
)

CUCM_NODES = ("cucm-pub", "cucm-sub1")
IMP_NODES = ("imp-pub", "imp-sub1", "imp-sub2", "imp-sub3")
NODES = (*CUCM_NODES, *IMP_NODES)
GROUPS = {"prg-a": ("imp-pub", "imp-sub1"), "prg-b": ("imp-sub2", "imp-sub3")}
VERSIONS = ("14.0", "12.5", "11.5", "10.5")

NOTE_UNITS = ("cup", "cup-xmpp", "cup-xmpp-s2s", "ipsec", "tomcat")
TWINS = {
    "cup-ECDSA": "cup",
    "cup-xmpp-ECDSA": "cup-xmpp",
    "cup-xmpp-s2s-ECDSA": "cup-xmpp-s2s",
    "tomcat-ECDSA": "tomcat",
}
ALL_UNITS = (*NOTE_UNITS, *TWINS)
IMP_ONLY = ("cup", "cup-xmpp", "cup-xmpp-s2s", "cup-ECDSA", "cup-xmpp-ECDSA", "cup-xmpp-s2s-ECDSA")
CUCM_EXTRA = ("CallManager", "CAPF", "TVS", "ITLRecovery")

SIP_PROXY = "Cisco SIP Proxy"
PRESENCE = "Cisco Presence Engine"
SIP_FED = "Cisco XCP SIP Federation Connection Manager"
ROUTER = "Cisco XCP Router"
XMPP_FED = "Cisco XCP XMPP Federation Connection Manager"
DRF_MASTER = "Cisco DRF Master"
DRF_LOCAL = "Cisco DRF Local"
TOMCAT = "Cisco Tomcat"


def _major(node: Node) -> float:
    return float(".".join(node.version.split(".")[:2]))


def drf_unit(node: Node) -> str:
    """TAC 215534 (2024): DRF uses ipsec up to 12.5 and tomcat from 14."""
    return "tomcat" if _major(node) >= 14 else "ipsec"


def dependents(unit: str, node: Node, features: Iterable[str] = ()) -> tuple[str, ...]:
    """§1 table, services to restart on `node` itself after `unit` changed there, in order
    (DRF Master restarts on the node that serves it: `drf_master_node`)."""
    rsa = TWINS.get(unit, unit)
    feats = {f.replace("-", "_") for f in features}
    drf = (DRF_LOCAL,) if drf_unit(node) == rsa else ()
    table = {
        "cup": (SIP_PROXY, PRESENCE, *((SIP_FED,) if "sip_federation" in feats else ())),
        "cup-xmpp": (ROUTER,),
        "cup-xmpp-s2s": (ROUTER, *((XMPP_FED,) if "xmpp_federation" in feats else ())),
        "ipsec": drf,
        "tomcat": (TOMCAT, *drf),
    }
    return table[rsa]


def drf_master_node(unit: str, node: Node) -> str | None:
    """§1: where DRF Master restarts after `unit` changed on `node` (None: it does not): the
    IM/P publisher for IM/P nodes before 10.0, else the CUCM publisher."""
    if drf_unit(node) != TWINS.get(unit, unit):
        return None
    return "imp-pub" if node.product is Product.IMP and _major(node) < 10 else "cucm-pub"


def has_unit(node: Node, unit: str) -> bool:
    """Which node owns which unit (§1): cup* on IM/P only; ECDSA twins from 11.0."""
    major = float(".".join(node.version.split(".")[:2]))
    if unit in TWINS and major < 11:
        return False
    return not (unit in IMP_ONLY and node.product is Product.CUCM)


def info(
    unit: str,
    cn: str,
    serial: int,
    *,
    issuer_cn: str | None = None,
    distribution: Distribution = Distribution.SINGLE,
) -> CertInfo:
    """A cert description; self-signed unless `issuer_cn` is given."""
    return CertInfo(
        unit=unit,
        file=f"{unit}.pem",
        subject_cn=cn,
        issuer_cn=issuer_cn or cn,
        self_signed=issuer_cn is None,
        distribution=distribution,
        key_type=KeyAlgorithm.EC if unit.endswith("-ECDSA") else KeyAlgorithm.RSA,
        key_bits=256 if unit.endswith("-ECDSA") else 2048,
        serial=format(serial, "x"),
        not_before=NOW - timedelta(days=1000),
        not_after=NOW + timedelta(days=825),
        sha256=format(serial, "064x"),
        pem="-----BEGIN CERTIFICATE-----\n-----END CERTIFICATE-----\n",
    )


def serial_of(node: str, unit: str) -> int:
    """Distinct, predictable serials: node index in the high bits, unit index below."""
    units = (*ALL_UNITS, *CUCM_EXTRA)
    return 0x1000 * (NODES.index(node) + 1) + units.index(unit) + 1


def _cn(node: Node, unit: str) -> str:
    # cup-xmpp gets a CN of its own: that keeps the Expressway clash (§6) out of most tests
    host = f"{node.name}-xmpp" if unit.startswith("cup-xmpp") else node.name
    return f"{host}-EC.{DOMAIN}" if unit.endswith("-ECDSA") else f"{host}.{DOMAIN}"


def _services(node: Node, features: frozenset[str]) -> tuple[ServiceState, ...]:
    if node.product is Product.CUCM:
        names: tuple[str, ...] = (DRF_LOCAL, TOMCAT)
        if node.role is Role.PUBLISHER:
            names = (DRF_MASTER, *names)
    else:
        names = (
            SIP_PROXY,
            PRESENCE,
            ROUTER,
            "Cisco XCP Connection Manager",
            "Cisco XCP Authentication Service",
            DRF_LOCAL,
            TOMCAT,
        )
        if "sip_federation" in features:
            names += (SIP_FED,)
        if "xmpp_federation" in features:
            names += (XMPP_FED,)
    return started(names)


def node_snapshot(name: str, version: str, features: frozenset[str]) -> NodeSnapshot:
    node = make_node(name, version)
    units = [u for u in ALL_UNITS if has_unit(node, u)]
    if node.product is Product.CUCM:
        units += CUCM_EXTRA
    identities = tuple(info(u, _cn(node, u), serial_of(name, u)) for u in units)
    pub_ipsec = info("ipsec", f"cucm-pub.{DOMAIN}", serial_of("cucm-pub", "ipsec"))
    trusts = (
        ()
        if name == "cucm-pub"
        else (TrustEntry("ipsec-trust", "cucm-pub.pem", replace(pub_ipsec, unit="ipsec-trust")),)
    )
    return NodeSnapshot(
        node, identities=identities, trusts=trusts, services=_services(node, features)
    )


def demo(
    version: str = "14.0",
    features: Iterable[str] = (),
    versions: dict[str, str] | None = None,
) -> Snapshot:
    """The demo cluster at `version` (or per-node `versions`), HA on in both groups."""
    feats = frozenset(features)
    nodes = tuple(node_snapshot(n, (versions or {}).get(n, version), feats) for n in NODES)
    groups = tuple(RedundancyGroup(g, a, b, ha_enabled=True) for g, (a, b) in GROUPS.items())
    return Snapshot("demo", NOW, nodes, groups, feats)


def ca_signed(
    snapshot: Snapshot,
    name: str,
    unit: str,
    distribution: Distribution = Distribution.SINGLE,
) -> Snapshot:
    """`snapshot` with the node's `unit` cert signed by "Corp CA" (same CN and serial)."""
    old = node_of(snapshot, name).identity(unit)
    assert old is not None
    serial = int(old.serial, 16)
    cert = info(unit, old.subject_cn, serial, issuer_cn="Corp CA", distribution=distribution)
    return with_identity(snapshot, name, cert)


def with_ha(snapshot: Snapshot, **enabled: bool) -> Snapshot:
    groups = tuple(
        replace(g, ha_enabled=enabled.get(g.name.replace("-", "_"), g.ha_enabled))
        for g in snapshot.groups
    )
    return replace(snapshot, groups=groups)
