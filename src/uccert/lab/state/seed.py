"""The demo's seeded problems (``Topology.seed_problems``), placed by role so any topology works.

1. Every IM/P identity cert expires within 30 days (its notBefore pushed into the past).
2. Expired trust certs: an old tomcat cert of the first CUCM subscriber (in every node's
   tomcat-trust) and of the first IM/P subscriber (in every IM/P node's tomcat-trust), both
   expired 60 days ago; an expired third-party root CA in the CUCM and IM/P publishers'
   tomcat-trust.
3. A duplicate: the CUCM publisher's tomcat cert twice in the IM/P publisher's tomcat-trust,
   the second time under the other naming scheme (a leftover of an upgrade).
4. The third IM/P node (imp-sub2 in the demo; else the last IM/P node) holds an OLD CUCM
   publisher ipsec cert in its ipsec-trust instead of the current one.
5. A valid partner root CA in the CUCM publisher's tomcat-trust, uploaded through the web page
   under a name with spaces and parentheses and with no description (`<file>:`), as real
   stores hold [seen: issue 13]: the CLI cannot name it, REST (14 and later) reads it.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from uccert.lab.state.tables import VALIDITY_DAYS
from uccert.lab.state.topology import NodeSpec, Topology

INSTALLED_DAYS_AGO = 400  # [guess] fresh certs were made when the cluster was installed
EXPIRING_FIRST_DAYS = 7  # IM/P node i's certs expire in 7 + 5 i days (all within 30)
OLD_CERT_EXPIRED_DAYS_AGO = 60
OLD_IPSEC_ISSUED_DAYS_AGO = 1500
CA_NAME = "Example Legacy Root CA"
PARTNER_CA_NAME = "Example Partner Root CA"
PARTNER_CA_FILE = "tomcat-trust/Example Partner Root CA (2019).pem"


def identity_not_before(
    topology: Topology, spec: NodeSpec, unit_index: int, start: datetime
) -> datetime:
    """When a node's identity cert was issued (seeded IM/P certs: close to expiry)."""
    if topology.seed_problems and spec.product == "imp":
        i = [n.name for n in topology.nodes if n.product == "imp"].index(spec.name)
        days_left = EXPIRING_FIRST_DAYS + 5 * i
        return start - timedelta(days=VALIDITY_DAYS - days_left) + timedelta(hours=unit_index)
    return start - timedelta(days=INSTALLED_DAYS_AGO)


def expired_not_before(start: datetime) -> datetime:
    return start - timedelta(days=VALIDITY_DAYS + OLD_CERT_EXPIRED_DAYS_AGO)


def first(topology: Topology, product: str, role: str) -> NodeSpec | None:
    for n in topology.nodes:
        if n.product == product and n.role == role:
            return n
    return None


def stale_ipsec_holder(topology: Topology) -> NodeSpec | None:
    imp = [n for n in topology.nodes if n.product == "imp"]
    if not imp:
        return None
    return imp[2] if len(imp) > 2 else imp[-1]
