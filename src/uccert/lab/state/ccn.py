"""Certificate Change Notification: which nodes' trust stores get a copy of a node's cert.

Read from `tables.DISTRIBUTION`:

- tomcat: every node's tomcat-trust (the owner's own included);
- IM/P cup, cup-xmpp, cup-xmpp-s2s: every IM/P node's corresponding trust store;
- CUCM CallManager: every CUCM node's CallManager-trust;
- ipsec: the CUCM publisher's goes to every node's ipsec-trust; a subscriber's only to its own
  [guess] (subscribers' ipsec certs are not in the publisher's ipsec-trust);
- CAPF: its own CAPF-trust [guess]; TVS, ITLRecovery: nowhere.

ECDSA twins go where their RSA unit goes. Nodes whose version has no such store get nothing.
"""

from __future__ import annotations

from uccert.lab.state.tables import (
    DISTRIBUTION,
    base_unit,
    parse_version,
    trust_store_for,
    trust_stores_for,
)
from uccert.lab.state.topology import NodeSpec, Topology


def targets(topology: Topology, owner: NodeSpec, unit: str) -> list[tuple[str, str]]:
    """(node, trust store) pairs that receive ``owner``'s ``unit`` cert."""
    scope = DISTRIBUTION.get(base_unit(unit), "none")
    if scope == "none":
        return []
    if scope == "all":
        receivers = list(topology.nodes)
    elif scope == "same-product":
        receivers = [n for n in topology.nodes if n.product == owner.product]
    elif scope == "cucm-publisher" and owner.product == "cucm" and owner.role == "publisher":
        receivers = list(topology.nodes)
    else:
        receivers = [owner]
    result: list[tuple[str, str]] = []
    for node in receivers:
        version = parse_version(node.version)
        store = trust_store_for(unit, version)
        if store is not None and store in trust_stores_for(node.product, version):
            result.append((node.name, store))
    return result
