"""Which services to restart, in which order, after a unit changes (§1) or a trust store loses
a cert (§5 step 4).

Rows are `RestartRule`s: a service plus the condition under which it applies. Conditions are
data (`Condition`), evaluated by `restarts_for` / `restarts_after_trust_delete` for one node.
Across nodes (§2.4, and the note's wording for every unit): each service on the publisher,
wait until done, then on each subscriber in turn, before the next service (`SWEEP`).
"""
# § numbers in this module are sections of docs/design/procedure.md (§N.M: step M of §N).

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from types import MappingProxyType

from uccert.catalog.errors import NotInProcedureError, UnknownNameError
from uccert.catalog.services import ControlPath, names_over_versions, service
from uccert.catalog.topology import Feature, Product, Role
from uccert.catalog.trust import trust_store
from uccert.catalog.units import unit
from uccert.catalog.versions import ALL_VERSIONS, Version, VersionRange, before, since


class Condition(StrEnum):
    ALWAYS = "always"
    SIP_FEDERATION = "where SIP federation is configured"
    XMPP_FEDERATION = "where XMPP federation is configured"
    RUNS_DRF_MASTER = "on the node that runs Cisco DRF Master"
    # The restart happens on another node: the one whose DRF Master backs this node up (§1).
    SERVED_BY_DRF_MASTER = "on the node whose Cisco DRF Master serves this node"


class Placement(StrEnum):
    """Where a restart the catalog asks for after a change on a node takes place."""

    THIS_NODE = "this node"
    DRF_MASTER_HOST = "the node running the DRF Master that serves this node"


@dataclass(frozen=True)
class RestartRule:
    service: str
    only: Condition = Condition.ALWAYS
    versions: VersionRange = ALL_VERSIONS


@dataclass(frozen=True)
class ServiceRestart:
    """One restart on one node; `via` is CLI_ONLY for Cisco Tomcat."""

    service: str
    via: ControlPath
    reason: str
    placement: Placement = Placement.THIS_NODE

    @property
    def cli_command(self) -> str:
        return service(self.service).cli("restart")


@dataclass(frozen=True)
class DrfMasterHost:
    """§1: DRF Master runs on the CUCM publisher; in 8.x/9.x the IM/P publisher had its own."""

    product: Product
    role: Role
    versions: VersionRange


DRF_MASTER_HOSTS: tuple[DrfMasterHost, ...] = (
    DrfMasterHost(Product.CUCM, Role.PUBLISHER, ALL_VERSIONS),
    DrfMasterHost(Product.IMP, Role.PUBLISHER, before("10.0")),
)


@dataclass(frozen=True)
class DrfCertificate:
    """The identity cert DRF Master and DRF Local load (and whose change they must follow)."""

    unit: str
    versions: VersionRange
    source: str


# Cisco TAC document 215534, "Create Windows CA Certificate Templates for CUCM", revision 3.0
# (21 Feb 2024), https://www.cisco.com/c/en/us/support/docs/unified-communications/
# unified-communications-manager-callmanager/215534-create-windows-ca-certificate-templates.html:
# "ipsec certificate is not related to Cisco DRF Primary and Cisco DRF Local since 14, in newer
# versions, Tomcat certificate is used instead. There is no plan to add this change to 12.5 or
# earlier versions." (there is no 13: 12.5 is followed by 14). The note (8.x era) says ipsec.
DRF_CERTIFICATE: tuple[DrfCertificate, ...] = (
    DrfCertificate("ipsec", before("14.0"), "the note; TAC 215534: unchanged in 12.5 and earlier"),
    DrfCertificate("tomcat", since("14.0"), "TAC 215534 (2024): tomcat instead of ipsec from 14"),
)


def drf_certificate(version: Version) -> str:
    """The unit DRF uses on a node of ``version``."""
    return next(d.unit for d in DRF_CERTIFICATE if version in d.versions)


def drf_master_host(product: Product, version: Version) -> tuple[Product, Role]:
    """Which node's DRF Master serves a node of ``product`` at ``version``: its own product's
    publisher where that runs one (IM/P before 10.0), else the CUCM publisher (§1)."""
    if runs_drf_master(product, Role.PUBLISHER, version):
        return product, Role.PUBLISHER
    return Product.CUCM, Role.PUBLISHER


_R = RestartRule
_SIP_FED = Condition.SIP_FEDERATION
_XMPP_FED = Condition.XMPP_FEDERATION

_CUP = (
    _R("Cisco SIP Proxy"),
    _R("Cisco Presence Engine"),
    _R("Cisco XCP SIP Federation Connection Manager", _SIP_FED),
)
_CUP_XMPP = (_R("Cisco XCP Router"),)
_CUP_XMPP_S2S = (
    _R("Cisco XCP Router"),
    _R("Cisco XCP XMPP Federation Connection Manager", _XMPP_FED),
)
# The DRF Master service is listed as "Cisco DRF Primary" from 15.0 (services.RENAMES); a
# wrong name is not an error on the node (Control Center reports it Stopped), so each
# version gets the name its nodes list.
_IPSEC = (
    *(
        _R(name, Condition.RUNS_DRF_MASTER, versions)
        for name, versions in names_over_versions("Cisco DRF Master")
    ),
    _R("Cisco DRF Local"),
)
_TOMCAT = (_R("Cisco Tomcat"),)  # CLI only: utils service restart Cisco Tomcat


def _drf_rows(unit_name: str) -> tuple[RestartRule, ...]:
    """§1, ipsec row, for the versions where DRF uses ``unit_name`` (`DRF_CERTIFICATE`): DRF
    Master first, on the node that runs it for the changed node (the CUCM publisher from 10.0,
    whatever the nodes whose certs change), then DRF Local on the changed node."""
    rows: list[RestartRule] = []
    for d in DRF_CERTIFICATE:
        if d.unit != unit_name:
            continue
        for name, named in names_over_versions("Cisco DRF Master"):
            if not (versions := d.versions & named).is_empty:
                rows.append(_R(name, Condition.SERVED_BY_DRF_MASTER, versions))
        rows.append(_R("Cisco DRF Local", Condition.ALWAYS, d.versions))
    return tuple(rows)


# §1 table, "services to restart" column. ECDSA twins: their RSA unit's row.
AFTER_UNIT_CHANGE: Mapping[str, tuple[RestartRule, ...]] = MappingProxyType(
    {
        "cup": _CUP,
        "cup-xmpp": _CUP_XMPP,
        "cup-xmpp-s2s": _CUP_XMPP_S2S,
        "ipsec": _drf_rows("ipsec"),
        "tomcat": (*_TOMCAT, *_drf_rows("tomcat")),
    }
)

# §5 step 4. cup-xmpp-trust also feeds cup-xmpp-s2s from 10.0 (§1 trust column), so from
# 10.0 it also restarts the XMPP Federation Connection Manager (our reading; the note, written
# for 8.x, lists only Cisco XCP Router).
AFTER_TRUST_DELETE: Mapping[str, tuple[RestartRule, ...]] = MappingProxyType(
    {
        "cup-trust": _CUP,
        "cup-xmpp-trust": (
            _R("Cisco XCP Router"),
            _R("Cisco XCP XMPP Federation Connection Manager", _XMPP_FED, since("10.0")),
        ),
        "cup-xmpp-s2s-trust": _CUP_XMPP_S2S,
        "ipsec-trust": _IPSEC,
        "tomcat-trust": _TOMCAT,
    }
)


def runs_drf_master(product: Product, role: Role, version: Version) -> bool:
    return any(
        h.product is product and h.role is role and version in h.versions for h in DRF_MASTER_HOSTS
    )


def _holds(
    rule: RestartRule,
    product: Product,
    role: Role,
    version: Version,
    features: frozenset[Feature],
) -> bool:
    if version not in rule.versions:
        return False
    if (
        rule.only is not Condition.SERVED_BY_DRF_MASTER
        and product not in service(rule.service).products
    ):
        return False
    match rule.only:
        case Condition.ALWAYS:
            return True
        case Condition.SIP_FEDERATION:
            return Feature.SIP_FEDERATION in features
        case Condition.XMPP_FEDERATION:
            return Feature.XMPP_FEDERATION in features
        case Condition.RUNS_DRF_MASTER:
            return runs_drf_master(product, role, version)
        case Condition.SERVED_BY_DRF_MASTER:
            return True


def _placement(rule: RestartRule) -> Placement:
    if rule.only is Condition.SERVED_BY_DRF_MASTER:
        return Placement.DRF_MASTER_HOST
    return Placement.THIS_NODE


def _evaluate(
    rules: tuple[RestartRule, ...],
    reason: str,
    product: Product,
    role: Role,
    version: Version,
    features: frozenset[Feature],
) -> tuple[ServiceRestart, ...]:
    return tuple(
        ServiceRestart(r.service, service(r.service).control, reason, _placement(r))
        for r in rules
        if _holds(r, product, role, version, features)
    )


def restarts_for(
    unit_name: str,
    node_product: Product,
    node_role: Role,
    version: Version,
    features: frozenset[Feature] = frozenset(),
) -> tuple[ServiceRestart, ...]:
    """Ordered restarts after `unit_name` changed on a node (§1, §2.4): on that node, except
    those whose `placement` names the node running the DRF Master that serves it."""
    u = unit(unit_name)
    if not u.exists_on(node_product, version):
        raise NotInProcedureError(
            f"{unit_name} does not exist on {node_product} {version} "
            f"(it exists on {', '.join(sorted(u.products))}, {u.versions}): nothing to restart"
        )
    rules = AFTER_UNIT_CHANGE.get(u.rules_from)
    if rules is None:
        raise NotInProcedureError(
            f"the procedure has no restart table for {unit_name} (outside the IM/P note): "
            "renew it by Cisco's CUCM security guide, one unit at a time"
        )
    return _evaluate(rules, f"{unit_name} changed", node_product, node_role, version, features)


def restarts_after_trust_delete(
    store: str,
    node_product: Product,
    node_role: Role,
    version: Version,
    features: frozenset[Feature] = frozenset(),
) -> tuple[ServiceRestart, ...]:
    """Ordered restarts on one node after `store` lost a cert there (§5 step 4)."""
    ts = trust_store(store)
    if not ts.exists_on(node_product, version):
        raise NotInProcedureError(f"{store} does not exist on {node_product} {version}")
    rules = AFTER_TRUST_DELETE.get(store)
    if rules is None:
        raise NotInProcedureError(
            f"the procedure names no restarts after deleting from {store}: "
            "check Cisco's security guide before deleting from it"
        )
    return _evaluate(rules, f"{store} lost a cert", node_product, node_role, version, features)


def rules_for_unit(unit_name: str) -> tuple[RestartRule, ...]:
    """The raw §1 rows for a unit (twins resolve to their RSA unit)."""
    try:
        return AFTER_UNIT_CHANGE[unit(unit_name).rules_from]
    except KeyError:
        raise UnknownNameError(f"no restart rows for {unit_name}") from None
