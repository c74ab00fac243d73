"""§6: self-signed tomcat and cup-xmpp of one IM/P node with the same CN.

Real nodes generate them like that, and only Expressway (Mobile and Remote Access) rejects the
pair: info by default, a warning when the snapshot says MRA is in use. ECDSA twins follow
their RSA units (§1).
"""
# § numbers in this module are sections of docs/design/procedure.md (§N.M: step M of §N).

from __future__ import annotations

from collections.abc import Iterator

from uccert.checks.context import MRA, CheckContext
from uccert.model import Finding, Product, Severity

CLASHING_PAIRS: tuple[tuple[str, str], ...] = (
    ("tomcat", "cup-xmpp"),
    ("tomcat-ECDSA", "cup-xmpp-ECDSA"),
)


def check(ctx: CheckContext) -> Iterator[Finding]:
    mra = ctx.has_feature(MRA)
    severity = Severity.WARNING if mra else Severity.INFO
    why = (
        "Expressway MRA is in use and rejects them"
        if mra
        else "this matters only if Expressway MRA is (or will be) used"
    )
    for snap in ctx.reachable():
        if snap.node.product is not Product.IMP:
            continue
        name = snap.node.name
        for first, second in CLASHING_PAIRS:
            a, b = snap.identity(first), snap.identity(second)
            if a is None or b is None or not (a.self_signed and b.self_signed):
                continue
            if a.subject_cn.lower() != b.subject_cn.lower():
                continue
            yield ctx.finding(
                "cn-clash",
                severity,
                name,
                f"{first}+{second}",
                f"{name}: self-signed {first} and {second} certs share the CN "
                f"{a.subject_cn}; {why}",
                # Regeneration keeps the CN (docs/design/procedure.md §2): only a cert with its own
                # CN helps.
                f"give {second} its own CN with a CA-signed cert (`uccert csr --unit {second}`); "
                "regenerating keeps the CN",
            )
