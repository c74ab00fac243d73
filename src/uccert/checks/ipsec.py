"""§4: the CUCM publisher's ipsec.pem must be in the ipsec-trust of every other node.

Every CUCM and IM/P node other than the CUCM publisher (the IM/P publisher included) must hold,
in `ipsec-trust`, an entry with the publisher ipsec cert's subject CN *and* serial. No entry
with that CN at all is `ipsec-trust-missing` (e.g. `hostname.pem` deleted by hand: DRS is
broken); entries with that CN but other serials are `ipsec-trust-mismatch` (the subscriber
still trusts an old publisher cert, e.g. after a regeneration that did not propagate).
"""
# § numbers in this module are sections of docs/design/procedure.md (§N.M: step M of §N).

from __future__ import annotations

from collections.abc import Iterator

from uccert.checks.context import CheckContext
from uccert.model import Finding, Product, Severity

IPSEC_UNIT = "ipsec"
IPSEC_TRUST = "ipsec-trust"
_REIMPORT = (
    "re-import the CUCM publisher's ipsec.pem ({pub}) into ipsec-trust on {node} "
    "(Certificate Management > Upload, purpose ipsec-trust), then restart Cisco DRF Local there"
)


def check(ctx: CheckContext) -> Iterator[Finding]:
    publisher = ctx.snapshot.publisher(Product.CUCM)
    if publisher is None or not publisher.reachable:
        return  # nothing to compare with; node-unreachable already reports an unread publisher
    pub_name = publisher.node.name
    pub_cert = publisher.identity(IPSEC_UNIT)
    if pub_cert is None:
        yield ctx.finding(
            "ipsec-publisher-missing",
            Severity.WARNING,
            pub_name,
            IPSEC_UNIT,
            f"{pub_name}: the CUCM publisher's ipsec cert was not in the snapshot, so the "
            "ipsec-trust of the subscribers could not be checked for it",
            f"check `show cert own ipsec/ipsec.pem` on {pub_name}, then run `uccert check` again",
        )
        return
    cn, serial = pub_cert.subject_cn, pub_cert.serial
    for snap in ctx.reachable():
        if snap is publisher:
            continue
        name = snap.node.name
        same_cn = [t for t in snap.trusts_in(IPSEC_TRUST) if t.cert.subject_cn == cn]
        if any(t.cert.serial == serial for t in same_cn):
            continue
        fix = _REIMPORT.format(pub=pub_name, node=name)
        if not same_cn:
            yield ctx.finding(
                "ipsec-trust-missing",
                Severity.ERROR,
                name,
                IPSEC_TRUST,
                f"{name}: ipsec-trust has no entry for the CUCM publisher {pub_name} "
                f"(CN {cn}, serial {serial}); DRS backups to this node fail",
                fix,
            )
        else:
            held = ", ".join(f"{t.file} serial {t.cert.serial}" for t in same_cn)
            yield ctx.finding(
                "ipsec-trust-mismatch",
                Severity.ERROR,
                name,
                IPSEC_TRUST,
                f"{name}: ipsec-trust holds the CUCM publisher {pub_name}'s cert (CN {cn}) "
                f"with another serial ({held}); the publisher's ipsec.pem has serial {serial}",
                fix + "; delete the old entry once the new one is in",
            )
