"""What the catalog needs to know about a node: its product, its role, the features in use.

The one definition of these words in uccert (the catalog imports nothing): `model.Node` and
the parsers use them as they are.
"""
# § numbers in this module are sections of docs/design/procedure.md (§N.M: step M of §N).

from __future__ import annotations

from enum import StrEnum


class Product(StrEnum):
    CUCM = "cucm"  # Unified Communications Manager
    IMP = "imp"  # IM and Presence (formerly CUP)


class Role(StrEnum):
    """Publisher = the CUCM publisher, or the IM/P database publisher."""

    PUBLISHER = "publisher"
    SUBSCRIBER = "subscriber"


class Feature(StrEnum):
    """Cluster features that change which services are restarted or which warnings apply."""

    SIP_FEDERATION = "sip-federation"  # §1: Cisco XCP SIP Federation Connection Manager
    XMPP_FEDERATION = "xmpp-federation"  # §1: Cisco XCP XMPP Federation Connection Manager
    SSO = "sso"  # §6: SAML SSO / OAuth uses the tomcat cert


# §2.1, §2.4: publisher first, then each subscriber in turn.
NODE_ORDER: tuple[Role, ...] = (Role.PUBLISHER, Role.SUBSCRIBER)
