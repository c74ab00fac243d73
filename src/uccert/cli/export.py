"""`uccert export --client-bundle DIR`: what Jabber devices must trust (docs/design/procedure.md
§6).

Reads every node fresh, then writes ``uccert-client-bundle.pem``, ``uccert-client-bundle.p7b``
(PKCS#7, for group policy and MDM) and ``README.txt`` (where each cert goes) to DIR — or to
DIR/<cluster>/ when several clusters are exported. Nothing is written for a cluster with a
node that could not be read (a partial bundle would leave devices prompting).
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from uccert.config import DEFAULT_INVENTORY
from uccert.errors import ClusterError, ConfigError

from .common import ClusterOption, InventoryOption, read_snapshots
from .output import clean


def _directory(path: Path) -> Path:
    if path.exists() and not path.is_dir():
        raise ConfigError(f"--client-bundle {str(path)!r} is not a directory — give a directory")
    return path


def export(
    client_bundle_dir: Annotated[
        Path,
        typer.Option(
            "--client-bundle",
            help="Write the certs Jabber devices must trust (PEM, PKCS#7, README) here.",
        ),
    ],
    inventory: InventoryOption = DEFAULT_INVENTORY,
    cluster: ClusterOption = None,
) -> None:
    """Write the client trust bundle: self-signed tomcat/cup-xmpp certs, or their CA chain."""
    # cryptography: imported when the command runs, not for --help
    from uccert.ca import (
        P7B_FILE,
        PEM_FILE,
        README_FILE,
        bundle_pem,
        bundle_pkcs7,
        bundle_readme,
        client_bundle,
        common_name,
    )

    root = _directory(client_bundle_dir)
    _, snapshots = read_snapshots(inventory, cluster)
    unread = [
        f"{s.cluster}/{n.node.name}: {n.error}" for s in snapshots for n in s.nodes if n.error
    ]
    if unread:
        raise ClusterError(
            "not every node could be read, so no bundle was written: "
            + "; ".join(unread)
            + " — make them reachable and export again"
        )
    for snap in snapshots:
        bundle = client_bundle(snap)
        where = root if len(snapshots) == 1 else root / snap.cluster
        try:
            where.mkdir(parents=True, exist_ok=True)
            (where / PEM_FILE).write_text(bundle_pem(bundle), encoding="ascii")
            (where / P7B_FILE).write_bytes(bundle_pkcs7(bundle))
            (where / README_FILE).write_text(bundle_readme(bundle), encoding="utf-8")
        except OSError as exc:
            raise ConfigError(
                f"cannot write the bundle to {where} ({exc.strerror or exc}) — pick a writable "
                "directory"
            ) from None
        print(f"cluster {snap.cluster}: {len(bundle.entries)} certificate(s) in {where}")
        for e in bundle.entries:
            name = clean(common_name(e.cert.subject))
            print(f"  {e.kind.value}: {name} — for {', '.join(e.used_by)}")
        for p in bundle.problems:
            print(f"warning: {snap.cluster}: {clean(p)}", file=sys.stderr)
