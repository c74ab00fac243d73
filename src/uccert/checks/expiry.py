"""Identity certs that expired or expire within `warn_days`; trust certs that expired (§5).

A cert is valid through its notAfter (RFC 5280): expired once `now` is past it, expiring when
`now <= notAfter < now + warn_days`.
"""
# § numbers in this module are sections of docs/design/procedure.md (§N.M: step M of §N).

from __future__ import annotations

from collections.abc import Iterator

from uccert.checks.context import CheckContext
from uccert.model import CertInfo, Distribution, Finding, Severity, iso_utc


def renew_fix(cert: CertInfo, node: str) -> str:
    """§2 step 2: regenerate a self-signed cert; a CA-signed one needs a CSR."""
    if cert.self_signed:
        return (
            f"regenerate {cert.unit} on {node} with `uccert regen apply --units {cert.unit}` "
            "(publisher first, then restart its services)"
        )
    if cert.distribution is Distribution.MULTI:
        return (
            f"renew the CA-signed multi-server {cert.unit} cert: one multi-server CSR, have it "
            "signed, upload it once (do not regenerate: that replaces it with a self-signed cert)"
        )
    return (
        f"renew the CA-signed {cert.unit} cert of {node}: generate a CSR on {node}, have it "
        "signed, upload it (do not regenerate: that replaces it with a self-signed cert)"
    )


def check(ctx: CheckContext) -> Iterator[Finding]:
    now = ctx.now
    for snap in ctx.reachable():
        name = snap.node.name
        for cert in snap.identities:
            until = iso_utc(cert.not_after)
            what = f"{cert.unit} cert {cert.file} (CN {cert.subject_cn}, serial {cert.serial})"
            if cert.is_expired(now):
                yield ctx.finding(
                    "identity-expired",
                    Severity.ERROR,
                    name,
                    cert.unit,
                    f"{name}: {what} expired at {until}",
                    renew_fix(cert, name),
                )
            elif cert.not_after < now + ctx.warn_window:
                days = (cert.not_after - now).days
                yield ctx.finding(
                    "identity-expiring",
                    Severity.WARNING,
                    name,
                    cert.unit,
                    f"{name}: {what} expires at {until} (in {days} days, "
                    f"within the {ctx.warn_days}-day warning window)",
                    renew_fix(cert, name),
                )
        for entry in snap.trusts:
            if entry.cert.is_expired(now):
                yield ctx.finding(
                    "trust-expired",
                    Severity.WARNING,
                    name,
                    f"{entry.store}/{entry.file}",
                    f"{name}: trust cert {entry.file} in {entry.store} "
                    f"(CN {entry.cert.subject_cn}) expired at {iso_utc(entry.cert.not_after)}",
                    f"delete with `uccert trust prune --expired` (HA off and the "
                    f"restarts {entry.store} needs are part of the plan)",
                )
