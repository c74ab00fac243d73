"""What a node showed only in part: certs that could not be read, and trust files that only
the web page can delete (their names carry spaces or punctuation the admin CLI cannot take).

A real store holds such names when a cert was uploaded through Cisco Unified OS
Administration; on 14 and later REST reads them, before 14 the CLI cannot even show them.
"""

from __future__ import annotations

from collections.abc import Iterator

from uccert.checks.context import CheckContext
from uccert.model import Finding, Severity
from uccert.protocols import is_cli_file_name

WEB_PAGE = "Cisco Unified OS Administration > Security > Certificate Management"


def check(ctx: CheckContext) -> Iterator[Finding]:
    for snap in ctx.reachable():
        name = snap.node.name
        for warning in snap.warnings:
            subject = warning.split(": ", 1)[0]
            yield ctx.finding(
                "read-warning",
                Severity.WARNING,
                name,
                subject,
                f"{name}: {warning}",
                f"look at {subject} on {name} in {WEB_PAGE}; "
                "attach `uccert inventory --json` when you report it",
            )
        for entry in snap.trusts:
            bare = entry.file.rsplit("/", 1)[-1]  # readers give it bare, or store-prefixed
            if is_cli_file_name(bare):
                continue
            yield ctx.finding(
                "web-only-delete",
                Severity.INFO,
                name,
                f"{entry.store}/{bare}",
                f"{entry.store}/{bare} (CN {entry.cert.subject_cn}) has a file name the "
                "admin CLI cannot take: uccert lists it but never deletes it",
                f"if it must go, delete it from {WEB_PAGE} on {name}",
            )
