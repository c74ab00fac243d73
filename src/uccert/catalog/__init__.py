"""The procedure (docs/design/procedure.md) as data.

Theory of operation
===================

The catalog is what uccert knows about CUCM and IM and Presence certificates. It does no I/O,
keeps no state and imports nothing else of uccert: everything is a frozen dataclass in a tuple
or a read-only mapping, and the few functions here only look rows up. A UC admin should be
able to check it against Cisco's documents by reading the tables:

- ``units``        identity certs ("units"): products, key, CN rule, SAN, own file (§1)
- ``trust``        the trust store each unit validates peers with, per version (§1)
- ``services``     Control Center area, SOAP vs CLI-only, HA-critical, XCP Router cascade
- ``restarts``     ordered restarts after a unit changes (§1) or a trust store loses a cert
                   (§5.4), with conditions (federation, DRF Master host) as data; which
                   cert DRF uses per version (ipsec before 14, tomcat from 14: TAC 215534)
- ``prune``        pre-stops and delete scope when deleting trust certs, per version (§5)
- ``guards``       what is never done: delete identity certs, the CUCM publisher's ipsec in trust
- ``ha``           HA off around IM/P restarts; SRM delay and sync wait (§3); settled states
- ``replication``  database replication must be good (state 2) before certificate work
- ``warnings``     consequences outside the cluster the admin must be told about (§6)
- ``regeneration`` self-signed vs CA-signed: regenerate, or CSR (§2)

Versions. Every version rule is a ``VersionRange`` (``[since, before)``) on a row, and a row
applies when the node's ``Version`` is in it: ``before("10.0")`` for the IM/P DRF Master and
cup-xmpp-s2s-trust, ``since("11.0")`` for ECDSA twins and delete propagation, ``before("12.0")``
for the prune pre-stops. Versions compare numerically ("14" == "14.0" < "14.0.1.10000-20").

ECDSA twins carry ``rsa_twin``; every rule is looked up by ``Unit.rules_from``, so a twin
follows its RSA unit without rows of its own. Where the tech note and Cisco's guides differ,
the row records both (e.g. ``PreStop.guides_note``) and the version decides.

Asking for something the procedure does not cover (restarts after renewing CallManager, a unit
on a product or version that lacks it) raises ``NotInProcedureError`` rather than guessing.

Its names load on first use (PEP 562 ``__getattr__``): config reads its timing defaults here,
and the whole catalog is more than a command's ``--help`` needs (tests/cli/test_lazy_imports.py).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from uccert.lazy_exports import lazy_exports

if TYPE_CHECKING:
    from uccert.catalog.errors import NotInProcedureError, UnknownNameError, VersionError
    from uccert.catalog.guards import (
        NEVER_DELETE,
        PUBLISHER_IPSEC_STORE,
        GuardCode,
        Refusal,
        deletion_refusal,
    )
    from uccert.catalog.ha import (
        HA_FALLBACK_FIX,
        HA_STATE_NORMAL,
        HA_SYNC_WAIT_DEFAULT,
        ServiceAction,
        ha_state_settled,
        needs_ha_off,
    )
    from uccert.catalog.prune import PRE_STOPS, DeleteScope, delete_scope, pre_stops_for
    from uccert.catalog.regeneration import (
        RENEW_ACTION,
        SELF_SIGNED_VALIDITY,
        CertKind,
        RenewAction,
    )
    from uccert.catalog.replication import REPLICATION_FIX, REPLICATION_GOOD, replication_meaning
    from uccert.catalog.restarts import (
        AFTER_UNIT_CHANGE,
        DRF_CERTIFICATE,
        Condition,
        Placement,
        ServiceRestart,
        drf_certificate,
        drf_master_host,
        restarts_after_trust_delete,
        restarts_for,
        rules_for_unit,
        runs_drf_master,
    )
    from uccert.catalog.services import (
        CLI_ONLY_SERVICES,
        DRF_MASTER_NAMES,
        FEATURE_SERVICES,
        SERVICES,
        Area,
        ControlPath,
        Service,
        cascade_of,
        features_in_use,
        names_of,
        names_over_versions,
        service,
    )
    from uccert.catalog.timing import REAL_CLUSTER_TIMING, PlanTiming
    from uccert.catalog.topology import NODE_ORDER, Feature, Product, Role
    from uccert.catalog.trust import (
        TRUST_STORES,
        TRUST_SUFFIX,
        is_trust_store,
        stores_on,
        trust_store_for,
    )
    from uccert.catalog.units import (
        CLIENT_FACING,
        UNITS,
        WIRE_UNITS,
        CommonNameRule,
        Endpoint,
        KeyAlgorithm,
        TlsMode,
        Unit,
        unit,
        units_on,
    )
    from uccert.catalog.versions import REST_FROM_MAJOR, Version, VersionRange
    from uccert.catalog.warnings import WARNINGS, ClientWarning, Event, WarningCode, warnings_for

# name -> the module that defines it
_HOME: dict[str, str] = {
    "AFTER_UNIT_CHANGE": "uccert.catalog.restarts",
    "Area": "uccert.catalog.services",
    "CLIENT_FACING": "uccert.catalog.units",
    "CLI_ONLY_SERVICES": "uccert.catalog.services",
    "CertKind": "uccert.catalog.regeneration",
    "ClientWarning": "uccert.catalog.warnings",
    "CommonNameRule": "uccert.catalog.units",
    "Condition": "uccert.catalog.restarts",
    "ControlPath": "uccert.catalog.services",
    "DRF_CERTIFICATE": "uccert.catalog.restarts",
    "DRF_MASTER_NAMES": "uccert.catalog.services",
    "DeleteScope": "uccert.catalog.prune",
    "Endpoint": "uccert.catalog.units",
    "Event": "uccert.catalog.warnings",
    "FEATURE_SERVICES": "uccert.catalog.services",
    "Feature": "uccert.catalog.topology",
    "GuardCode": "uccert.catalog.guards",
    "HA_FALLBACK_FIX": "uccert.catalog.ha",
    "HA_STATE_NORMAL": "uccert.catalog.ha",
    "HA_SYNC_WAIT_DEFAULT": "uccert.catalog.ha",
    "KeyAlgorithm": "uccert.catalog.units",
    "NEVER_DELETE": "uccert.catalog.guards",
    "NODE_ORDER": "uccert.catalog.topology",
    "NotInProcedureError": "uccert.catalog.errors",
    "PRE_STOPS": "uccert.catalog.prune",
    "PUBLISHER_IPSEC_STORE": "uccert.catalog.guards",
    "Placement": "uccert.catalog.restarts",
    "PlanTiming": "uccert.catalog.timing",
    "Product": "uccert.catalog.topology",
    "REAL_CLUSTER_TIMING": "uccert.catalog.timing",
    "RENEW_ACTION": "uccert.catalog.regeneration",
    "REPLICATION_FIX": "uccert.catalog.replication",
    "REPLICATION_GOOD": "uccert.catalog.replication",
    "REST_FROM_MAJOR": "uccert.catalog.versions",
    "Refusal": "uccert.catalog.guards",
    "RenewAction": "uccert.catalog.regeneration",
    "Role": "uccert.catalog.topology",
    "SELF_SIGNED_VALIDITY": "uccert.catalog.regeneration",
    "SERVICES": "uccert.catalog.services",
    "Service": "uccert.catalog.services",
    "ServiceAction": "uccert.catalog.ha",
    "ServiceRestart": "uccert.catalog.restarts",
    "TRUST_STORES": "uccert.catalog.trust",
    "TRUST_SUFFIX": "uccert.catalog.trust",
    "TlsMode": "uccert.catalog.units",
    "UNITS": "uccert.catalog.units",
    "Unit": "uccert.catalog.units",
    "UnknownNameError": "uccert.catalog.errors",
    "Version": "uccert.catalog.versions",
    "VersionError": "uccert.catalog.errors",
    "VersionRange": "uccert.catalog.versions",
    "WARNINGS": "uccert.catalog.warnings",
    "WIRE_UNITS": "uccert.catalog.units",
    "WarningCode": "uccert.catalog.warnings",
    "cascade_of": "uccert.catalog.services",
    "delete_scope": "uccert.catalog.prune",
    "deletion_refusal": "uccert.catalog.guards",
    "drf_certificate": "uccert.catalog.restarts",
    "drf_master_host": "uccert.catalog.restarts",
    "features_in_use": "uccert.catalog.services",
    "ha_state_settled": "uccert.catalog.ha",
    "is_trust_store": "uccert.catalog.trust",
    "names_of": "uccert.catalog.services",
    "names_over_versions": "uccert.catalog.services",
    "needs_ha_off": "uccert.catalog.ha",
    "pre_stops_for": "uccert.catalog.prune",
    "replication_meaning": "uccert.catalog.replication",
    "restarts_after_trust_delete": "uccert.catalog.restarts",
    "restarts_for": "uccert.catalog.restarts",
    "rules_for_unit": "uccert.catalog.restarts",
    "runs_drf_master": "uccert.catalog.restarts",
    "service": "uccert.catalog.services",
    "stores_on": "uccert.catalog.trust",
    "trust_store_for": "uccert.catalog.trust",
    "unit": "uccert.catalog.units",
    "units_on": "uccert.catalog.units",
    "warnings_for": "uccert.catalog.warnings",
}

__all__ = [
    "AFTER_UNIT_CHANGE",
    "CLIENT_FACING",
    "CLI_ONLY_SERVICES",
    "DRF_CERTIFICATE",
    "DRF_MASTER_NAMES",
    "FEATURE_SERVICES",
    "HA_FALLBACK_FIX",
    "HA_STATE_NORMAL",
    "HA_SYNC_WAIT_DEFAULT",
    "NEVER_DELETE",
    "NODE_ORDER",
    "PRE_STOPS",
    "PUBLISHER_IPSEC_STORE",
    "REAL_CLUSTER_TIMING",
    "RENEW_ACTION",
    "REPLICATION_FIX",
    "REPLICATION_GOOD",
    "REST_FROM_MAJOR",
    "SELF_SIGNED_VALIDITY",
    "SERVICES",
    "TRUST_STORES",
    "TRUST_SUFFIX",
    "UNITS",
    "WARNINGS",
    "WIRE_UNITS",
    "Area",
    "CertKind",
    "ClientWarning",
    "CommonNameRule",
    "Condition",
    "ControlPath",
    "DeleteScope",
    "Endpoint",
    "Event",
    "Feature",
    "GuardCode",
    "KeyAlgorithm",
    "NotInProcedureError",
    "Placement",
    "PlanTiming",
    "Product",
    "Refusal",
    "RenewAction",
    "Role",
    "Service",
    "ServiceAction",
    "ServiceRestart",
    "TlsMode",
    "Unit",
    "UnknownNameError",
    "Version",
    "VersionError",
    "VersionRange",
    "WarningCode",
    "cascade_of",
    "delete_scope",
    "deletion_refusal",
    "drf_certificate",
    "drf_master_host",
    "features_in_use",
    "ha_state_settled",
    "is_trust_store",
    "names_of",
    "names_over_versions",
    "needs_ha_off",
    "pre_stops_for",
    "replication_meaning",
    "restarts_after_trust_delete",
    "restarts_for",
    "rules_for_unit",
    "runs_drf_master",
    "service",
    "stores_on",
    "trust_store_for",
    "unit",
    "units_on",
    "warnings_for",
]


__getattr__ = lazy_exports(__name__, _HOME)
