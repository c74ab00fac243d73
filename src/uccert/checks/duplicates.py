"""The same cert (same SHA-256) twice in one trust store of one node."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator

from uccert.checks.context import CheckContext
from uccert.model import Finding, Severity, TrustEntry


def check(ctx: CheckContext) -> Iterator[Finding]:
    for snap in ctx.reachable():
        name = snap.node.name
        groups: dict[tuple[str, str], list[TrustEntry]] = defaultdict(list)
        for entry in snap.trusts:
            groups[(entry.store, entry.cert.sha256)].append(entry)
        for (store, sha256), entries in groups.items():
            if len(entries) < 2:
                continue
            files = ", ".join(e.file for e in entries)
            keep = entries[0].file
            yield ctx.finding(
                "trust-duplicate",
                Severity.WARNING,
                name,
                f"{store}/{keep}",
                f"{name}: {store} holds the same cert (CN {entries[0].cert.subject_cn}, "
                f"SHA-256 {sha256[:16]}...) {len(entries)} times: {files}",
                f"keep {keep} and delete the other copies from {store} with "
                "`uccert trust prune --duplicates` (it also restarts the services that read the "
                "store)",
            )
