"""A node that could not be read: nothing else can be checked on it. A node whose SSH host
key or TLS cert is not the pinned one is ``pin-mismatch`` (the fix is `uccert pin`, not
"check that it is up")."""

from __future__ import annotations

from collections.abc import Iterator

from uccert.checks.context import CheckContext
from uccert.model import Finding, Severity


def check(ctx: CheckContext) -> Iterator[Finding]:
    for snap in ctx.snapshot.nodes:
        if snap.error is None:
            continue
        name = snap.node.name
        if snap.pin_error:
            yield ctx.finding(
                "pin-mismatch",
                Severity.ERROR,
                name,
                snap.node.fqdn,
                f"{name} ({snap.node.fqdn}) was not read: {snap.error}",
                "if the node's SSH host key or tomcat cert changed on purpose (a regeneration, "
                "a rebuild), look at what it presents and record it with `uccert pin`; "
                "otherwise find out who answers at that address",
            )
            continue
        yield ctx.finding(
            "node-unreachable",
            Severity.ERROR,
            name,
            snap.node.fqdn,
            f"{name} ({snap.node.fqdn}) could not be read: {snap.error}; "
            "its certificates and services were not checked",
            f"check that {snap.node.fqdn} is up and reachable over SSH (22) and HTTPS (8443) "
            "with the configured credentials, then run `uccert check` again",
        )
