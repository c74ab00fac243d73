"""Warnings uccert must give about what happens outside the cluster (§6, §3).

Each warning says when it applies (an `Event`, and optionally units, products, roles and a
feature) and what the admin has to do. `warnings_for` selects the rows for one event.
"""
# § numbers in this module are sections of docs/design/procedure.md (§N.M: step M of §N).

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from uccert.catalog.topology import Feature, Product, Role
from uccert.catalog.units import unit


class Event(StrEnum):
    REGENERATED_SELF_SIGNED = "unit regenerated self-signed"
    SAME_CN = "tomcat and cup-xmpp of one IM/P node share a CN"
    DOMAINS_CHANGED = "local, e-mail or group-chat alias domains changed"
    CA_CERTS_UPLOADED = "CA certs uploaded to a trust store"
    SERVICES_RESTARTED = "services will be restarted"


# Events about one unit: a warning's `units` filter applies to these only.
UNIT_EVENTS: frozenset[Event] = frozenset({Event.REGENERATED_SELF_SIGNED})


class WarningCode(StrEnum):
    JABBER_TRUST_PROMPT = "jabber-trust-prompt"
    SSO_RECONFIGURE = "sso-reconfigure"
    EXPRESSWAY_CN_CLASH = "expressway-cn-clash"
    S2S_DOMAIN_LIST = "s2s-domain-list"
    ISA_AFTER_CA_UPLOAD = "isa-after-ca-upload"
    OUTSIDE_PRODUCTION_HOURS = "outside-production-hours"


@dataclass(frozen=True)
class ClientWarning:
    code: WarningCode
    events: frozenset[Event]
    message: str
    action: str
    section: str
    units: frozenset[str] | None = None  # RSA unit names; twins match their RSA unit
    products: frozenset[Product] = frozenset({Product.CUCM, Product.IMP})
    roles: frozenset[Role] | None = None
    feature: Feature | None = None


_IMP = frozenset({Product.IMP})

WARNINGS: tuple[ClientWarning, ...] = (
    ClientWarning(
        WarningCode.JABBER_TRUST_PROMPT,
        frozenset({Event.REGENERATED_SELF_SIGNED}),
        "Jabber validates tomcat and cup-xmpp: devices without the new self-signed cert "
        "will show an untrusted-certificate prompt",
        "push the new certs to devices (group policy, MDM, e-mail)",
        "§6",
        units=frozenset({"tomcat", "cup-xmpp"}),
    ),
    ClientWarning(
        WarningCode.SSO_RECONFIGURE,
        frozenset({Event.REGENERATED_SELF_SIGNED}),
        "SAML SSO uses the tomcat cert: SSO breaks until configured with the new cert",
        "configure SSO again (new SP metadata to the IdP) and restart Cisco SSOSP Tomcat on "
        "CUCM where SSO/OAuth is used",
        "§6",
        units=frozenset({"tomcat"}),
        feature=Feature.SSO,
    ),
    ClientWarning(
        WarningCode.EXPRESSWAY_CN_CLASH,
        frozenset({Event.SAME_CN}),
        "self-signed tomcat and cup-xmpp of one IM/P node have the same CN: Expressway "
        "rejects them",
        "give them different CNs",
        "§6",
        products=_IMP,
    ),
    ClientWarning(
        WarningCode.S2S_DOMAIN_LIST,
        frozenset({Event.DOMAINS_CHANGED, Event.REGENERATED_SELF_SIGNED}),
        "cup-xmpp-s2s must name every local, e-mail and group-chat alias domain",
        "regenerate cup-xmpp-s2s whenever that domain list changes",
        "§6",
        units=frozenset({"cup-xmpp-s2s"}),
        products=_IMP,
    ),
    ClientWarning(
        WarningCode.ISA_AFTER_CA_UPLOAD,
        frozenset({Event.CA_CERTS_UPLOADED}),
        "CA certs uploaded on the IM/P publisher reach peer clusters only after a restart",
        "restart Cisco Intercluster Sync Agent on the IM/P publisher",
        "§6",
        products=_IMP,
        roles=frozenset({Role.PUBLISHER}),
    ),
    ClientWarning(
        WarningCode.OUTSIDE_PRODUCTION_HOURS,
        frozenset({Event.SERVICES_RESTARTED}),
        "restarts interrupt service (the note: IM/P is briefly unavailable)",
        "do this outside production hours",
        "§3",
    ),
)


def warnings_for(
    event: Event,
    product: Product,
    role: Role = Role.SUBSCRIBER,
    unit_name: str | None = None,
    features: frozenset[Feature] = frozenset(),
) -> tuple[ClientWarning, ...]:
    """The warnings to give when `event` happens on a `product` node (for `unit_name`)."""
    if event in UNIT_EVENTS and unit_name is None:
        raise ValueError(f"event {event.value!r} concerns a unit: pass unit_name")
    rsa = unit(unit_name).rules_from if unit_name is not None else None
    return tuple(
        w
        for w in WARNINGS
        if event in w.events
        and product in w.products
        and (w.roles is None or role in w.roles)
        and (w.feature is None or w.feature in features)
        and (w.units is None or event not in UNIT_EVENTS or rsa in w.units)
    )
