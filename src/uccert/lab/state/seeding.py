"""The problems the demo lab seeds (`seed_problems`), and a hostile trust CA on request.

Kept apart from `certops` so the cert operations read without the demo's set-up; the what and
why of each seeded problem is in `seed`.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from uccert.lab.state import seed
from uccert.lab.state.certs import ca_cert
from uccert.lab.state.tables import HASHED_TRUST_NAMES_FROM, RSA_BITS, VALIDITY_DAYS, parse_version
from uccert.lab.state.topology import Topology

if TYPE_CHECKING:
    from uccert.lab.state.certops import CertOps


def seed_problems(ops: CertOps, topology: Topology, start: datetime) -> None:
    """What admins meet (see `seed`): expired and duplicate trust certs, a partner CA the CLI
    cannot name, a stale CUCM publisher ipsec cert in an IM/P node's ipsec-trust."""
    cucm_pub = seed.first(topology, "cucm", "publisher")
    imp_pub = seed.first(topology, "imp", "publisher")
    assert cucm_pub is not None
    imp_nodes = [n for n in topology.nodes if n.product == "imp"]
    # 2. expired old tomcat certs of peers, an expired third-party CA
    old_start = seed.expired_not_before(start)
    for owner, receivers in (
        (seed.first(topology, "cucm", "subscriber"), list(topology.nodes)),
        (seed.first(topology, "imp", "subscriber"), imp_nodes),
    ):
        if owner is None:
            continue
        old = ops._node_cert(owner, "tomcat", ops._keys.rsa(RSA_BITS), old_start)
        for receiver in receivers:
            ops._add_trust(receiver, "tomcat-trust", old)
    ca = ca_cert(ops._keys.rsa(RSA_BITS), seed.CA_NAME, old_start, VALIDITY_DAYS)
    for publisher in (cucm_pub, imp_pub):
        if publisher is not None:
            ops._add_trust(publisher, "tomcat-trust", ca)
    # 3. the CUCM publisher's tomcat twice in the IM/P publisher's tomcat-trust
    if imp_pub is not None:
        tomcat = ops._own[cucm_pub.name]["tomcat"].cert
        version = parse_version(imp_pub.version)
        if version >= HASHED_TRUST_NAMES_FROM:  # the pre-upgrade "<host>.pem" name
            dup = f"tomcat-trust/{cucm_pub.name}.pem"
        else:  # [guess] a copy imported by hand under its FQDN
            dup = f"tomcat-trust/{cucm_pub.fqdn}.pem"
        ops._add_trust(imp_pub, "tomcat-trust", tomcat, file=dup)
    # 5. a partner CA uploaded from the web page: a name the CLI cannot take, no description
    partner = ca_cert(ops._keys.rsa(RSA_BITS), seed.PARTNER_CA_NAME, start, VALIDITY_DAYS)
    ops._add_trust(cucm_pub, "tomcat-trust", partner, file=seed.PARTNER_CA_FILE, description="")
    # 4. an old CUCM publisher ipsec cert instead of the current one
    holder = seed.stale_ipsec_holder(topology)
    if holder is not None:
        current = ops._own[cucm_pub.name]["ipsec"].cert
        store = ops._trust[holder.name]["ipsec-trust"]
        for name, entry in list(store.items()):
            if entry.cert == current:
                del store[name]
        issued = start - timedelta(days=seed.OLD_IPSEC_ISSUED_DAYS_AGO)
        old_ipsec = ops._node_cert(cucm_pub, "ipsec", ops._keys.rsa(RSA_BITS), issued)
        ops._add_trust(holder, "ipsec-trust", old_ipsec)


def seed_hostile_ca(ops: CertOps, cn: str, start: datetime) -> None:
    """[guess] models no Cisco behaviour: a CA whose subject carries whatever the topology says
    (terminal escapes), imported into every tomcat-trust and expired, so `check` and `trust
    prune` name it too; it tests that clients print node text harmlessly."""
    hostile = ca_cert(ops._keys.rsa(RSA_BITS), cn, seed.expired_not_before(start), VALIDITY_DAYS)
    for spec in ops.topology.nodes:
        if "tomcat-trust" in ops._trust[spec.name]:
            ops._add_trust(spec, "tomcat-trust", hostile)
