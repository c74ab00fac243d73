"""`uccert csr` and `uccert upload`: the CA-signed route of PROCEDURE.md §2.

``csr`` checks the request (no wildcards, key at most 4096 bits, every node covered,
cup-xmpp-s2s naming every domain), generates the CSRs on the nodes and writes each with a JSON
sidecar. ``upload`` checks the signed leaf and its chain against the cluster before touching
it (exit 2 and nothing changed when anything is wrong), then uploads the CA certs the trust
stores lack and the identity, reads it back, and says which services must restart.
"""

from __future__ import annotations

import asyncio
import getpass
import json
import sys
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import typer
from cryptography import x509

from uccert.ca import (
    UploadChange,
    plan_csr,
    plan_upload,
    restarts_after_upload,
    upload_plan_inputs,
)
from uccert.ca.after_upload import client_bundle_hint, upload_warnings
from uccert.ca.chain import common_name, fingerprint
from uccert.ca.csr_request import CsrPlan, check_generated_csr, sidecar
from uccert.ca.keys import parse_key_spec, public_key_sha256
from uccert.ca.upload_checks import UploadPlan
from uccert.cluster import ClusterClient, NodeTargets
from uccert.cluster.csr import (
    AppliedUpload,
    CsrOperationFailed,
    apply_upload,
    generate_csr,
    read_pending_csrs,
)
from uccert.config import (
    DEFAULT_INVENTORY,
    ClusterConfig,
    ClusterCredentials,
    load_inventory,
    resolve_credentials,
    select_clusters,
)
from uccert.errors import ConfigError
from uccert.model import Distribution, Node, Snapshot

from .inventory import ClusterOption, InventoryOption

UnitOption = Annotated[
    str, typer.Option("--unit", help="The unit, e.g. tomcat, cup-xmpp, cup-xmpp-s2s.")
]
DomainOption = Annotated[
    list[str] | None,
    typer.Option(
        "--domain",
        help="cup-xmpp-s2s: an e-mail or group-chat alias domain to name (repeatable); the "
        "IM/P nodes' own domain is always named.",
    ),
]


@dataclass(frozen=True)
class ClusterTarget:
    """One inventory cluster, ready to talk to."""

    config: ClusterConfig
    credentials: ClusterCredentials
    pins_dir: Path

    @property
    def targets(self) -> NodeTargets:
        return NodeTargets(self.config, self.credentials, self.pins_dir)

    def snapshot(self) -> Snapshot:
        client = ClusterClient(self.config, self.credentials, self.pins_dir)
        return asyncio.run(client.snapshot())


def cluster_target(inventory: Path, cluster: str | None) -> ClusterTarget:
    """The one cluster a change is made on (ConfigError before anything connects)."""
    inv = load_inventory(inventory)
    clusters = select_clusters(inv, cluster)
    if len(clusters) != 1:
        names = ", ".join(c.name for c in clusters)
        raise ConfigError(
            f"{inv.path} has clusters {names}: changes are made one cluster at a time —"
            " pick one with --cluster"
        )
    config = clusters[0]
    prompt = getpass.getpass if sys.stdin.isatty() else None
    creds = resolve_credentials(config.credentials, cluster=config.name, prompt=prompt)
    return ClusterTarget(config, creds, inv.path.resolve().parent)


def confirm(question: str, yes: bool) -> None:
    """Ask, unless ``--yes``; refuse without a terminal to ask on."""
    if yes:
        return
    if not sys.stdin.isatty():
        raise ConfigError(f"{question} — no terminal to ask on: pass --yes to confirm")
    if not typer.confirm(question, default=False):
        raise ConfigError("not confirmed — nothing was changed")


def parse_distribution(text: str) -> Distribution:
    try:
        return Distribution(text.strip().lower())
    except ValueError:
        raise ConfigError(
            f"--distribution {text!r} — use single (one CSR per node) or multi (one "
            "multi-server CSR for every node)"
        ) from None


def _out_dir(path: Path) -> Path:
    if path.exists() and not path.is_dir():
        raise ConfigError(f"--out {str(path)!r} is not a directory — give a directory")
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ConfigError(
            f"cannot create --out {str(path)!r} ({exc.strerror or exc}) — pick a writable path"
        ) from None
    return path


def csr_file_name(plan: CsrPlan, node: str) -> str:
    if plan.distribution is Distribution.MULTI:
        return f"{plan.unit}-multi-{node}.csr"
    return f"{plan.unit}-{node}.csr"


def csr(
    unit: UnitOption,
    out: Annotated[Path, typer.Option("--out", help="Directory for the CSRs and sidecars.")],
    distribution: Annotated[
        str, typer.Option("--distribution", help="single (per node) or multi (multi-server).")
    ] = "single",
    san: Annotated[
        list[str] | None,
        typer.Option("--san", help="An extra DNS name for the SAN (repeatable; 14 and later)."),
    ] = None,
    domain: DomainOption = None,
    key: Annotated[
        str | None,
        typer.Option("--key", help="rsa2048|rsa3072|rsa4096|ec256|ec384 (14 and later)."),
    ] = None,
    inventory: InventoryOption = DEFAULT_INVENTORY,
    cluster: ClusterOption = None,
) -> None:
    """Generate CSRs on the nodes (checked first) and write them with JSON sidecars."""
    dist = parse_distribution(distribution)
    spec = parse_key_spec(key) if key is not None else None
    directory = _out_dir(out)
    where = cluster_target(inventory, cluster)
    snap = where.snapshot()
    plan = plan_csr(snap, unit, dist, spec, tuple(san or ()), tuple(domain or ()))
    asyncio.run(_generate(where, plan, directory))


async def _generate(where: ClusterTarget, plan: CsrPlan, directory: Path) -> None:
    targets = where.targets
    failures: list[str] = []
    written: list[Path] = []
    for target in plan.targets:
        made = await generate_csr(targets, target, plan.unit, plan.distribution, plan.key)
        request = x509.load_pem_x509_csr(made.pem.encode("ascii"))
        problems, notes = check_generated_csr(request, target, plan.unit, plan.key)
        for note in notes:
            print(f"note: {note}", file=sys.stderr)
        if problems:
            failures += [f"{target.node}: {p}" for p in problems]
            continue
        name = csr_file_name(plan, target.node)
        path = directory / name
        path.write_text(made.pem, encoding="ascii")
        doc = sidecar(
            plan, target, request, via=made.via, generated_at=datetime.now(UTC), csr_file=name
        )
        path.with_name(name + ".json").write_text(json.dumps(doc, indent=2) + "\n")
        written.append(path)
        covers = ", ".join(target.covers)
        print(
            f"{target.node} {plan.unit} ({plan.distribution.value}, covers {covers}): {path}"
            f"  key {doc['key']} SHA-256 {public_key_sha256(request.public_key())[:16]}..."
        )
    if failures:
        raise CsrOperationFailed(
            "the node(s) returned CSRs uccert will not use: " + "; ".join(failures)
        )
    print(
        f"next: have your CA sign {'each CSR' if len(written) > 1 else 'the CSR'} (server and "
        f"client authentication), then `uccert upload --unit {plan.unit} --cert SIGNED.pem "
        "--chain CA-CHAIN.pem`"
    )


# ---------------------------------------------------------------- upload


def _read_certs(path: Path, option: str) -> list[x509.Certificate]:
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ConfigError(
            f"cannot read {option} {str(path)!r} ({exc.strerror or exc}) — check the path"
        ) from None
    try:
        certs = x509.load_pem_x509_certificates(data)
    except ValueError:
        certs = []
    if not certs:
        raise ConfigError(f"{option} {str(path)!r} holds no PEM certificate — give a PEM file")
    return certs


def _describe(plan: UploadPlan) -> list[str]:
    leaf = plan.leaf
    lines = [
        f"certificate: {common_name(leaf.subject)} issued by {common_name(leaf.issuer)}, "
        f"serial {format(leaf.serial_number, 'x')}, valid until "
        f"{leaf.not_valid_after_utc:%Y-%m-%d}",
        f"distribution: {plan.distribution.value}; uploaded on {plan.install_on}; serves "
        f"{', '.join(plan.covers)}",
        "chain: " + " <- ".join(common_name(c.subject) for c in plan.chain.certs),
    ]
    if plan.trust_uploads:
        for u in plan.trust_uploads:
            lines.append(f"  add to {u.node} {u.store}: {common_name(u.cert.subject)}")
    else:
        lines.append("  the trust stores already hold every CA cert")
    return lines


def upload(
    unit: UnitOption,
    cert: Annotated[
        Path, typer.Option("--cert", help="The signed leaf (PEM; CA certs may follow it).")
    ],
    chain: Annotated[
        Path | None, typer.Option("--chain", help="The CA certs: intermediates and root (PEM).")
    ] = None,
    domain: DomainOption = None,
    yes: Annotated[bool, typer.Option("--yes", help="Do not ask for confirmation.")] = False,
    inventory: InventoryOption = DEFAULT_INVENTORY,
    cluster: ClusterOption = None,
) -> None:
    """Check a CA-signed cert against the cluster, then upload its CAs and it."""
    certs = _read_certs(cert, "--cert")
    leaf, supplied = certs[0], certs[1:]
    if chain is not None:
        supplied += _read_certs(chain, "--chain")
    where = cluster_target(inventory, cluster)
    snap = where.snapshot()
    nodes = {n.node.name: n.node for n in snap.nodes}
    holders = [n.node for n in snap.nodes if n.error is None and n.identity(unit) is not None]
    pending = asyncio.run(read_pending_csrs(where.targets, holders, unit))
    plan = plan_upload(snap, unit, leaf, supplied, pending, datetime.now(UTC), tuple(domain or ()))
    for line in _describe(plan):
        print(line)
    confirm(f"upload {unit} to {plan.install_on} on cluster {snap.cluster}?", yes)
    applied = asyncio.run(_apply(where, plan, nodes))
    change = upload_plan_inputs(plan, snap, applied.trust_done, applied.stored_on)
    print(f"stored on: {', '.join(applied.stored_on)} (SHA-256 {fingerprint(leaf)[:16]}...)")
    _print_followup(change, snap)
    if applied.not_stored:
        raise CsrOperationFailed(
            f"{', '.join(applied.not_stored)} still store(s) another {unit} cert after the upload"
            f" on {plan.install_on} — upload it there too (Certificate Management), then check"
            " with `uccert inventory`"
        )


async def _apply(where: ClusterTarget, plan: UploadPlan, nodes: dict[str, Node]) -> AppliedUpload:
    return await apply_upload(where.targets, plan, nodes, progress=print)


def _print_followup(change: UploadChange, snap: Snapshot) -> None:
    needed = restarts_after_upload(change, snap)
    print("the new certificate is stored but not in use until these services restart")
    print("(HA off first on IM/P; publisher first, each one done before the next):")
    for node in needed:
        for r in node.restarts:
            print(f"  {node.node}: {r.service} — `{r.cli_command}` ({r.reason})")
    if not needed:
        print("  (the procedure names none for this unit: see Cisco's security guide)")
    for w in upload_warnings(change):
        print(f"warning: {w.message} — {w.action}")
    hint = client_bundle_hint(change)
    if hint is not None:
        print(f"warning: {hint}")
