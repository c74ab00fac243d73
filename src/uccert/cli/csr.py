"""`uccert csr`: the CA-signed route's first half (docs/design/procedure.md §2).

It checks the request (no wildcards, key at most 4096 bits, every node covered, cup-xmpp-s2s
naming every domain), generates the CSRs on the nodes and writes each with a JSON sidecar;
`uccert upload` (cli/upload.py) takes the signed certificate back.
"""

from __future__ import annotations

import json
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from uccert.config import DEFAULT_INVENTORY
from uccert.errors import ConfigError

from .common import ClusterOption, DomainOption, InventoryOption, Target, UnitOption, target

if TYPE_CHECKING:
    from uccert.ca import CsrPlan, KeySpec
    from uccert.cluster import NodeSessions
    from uccert.model import Distribution


def parse_distribution(text: str) -> Distribution:
    from uccert.model import Distribution

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
    from uccert.model import Distribution

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
    import asyncio

    from uccert.ca import parse_key_spec

    dist = parse_distribution(distribution)
    spec = parse_key_spec(key) if key is not None else None
    directory = _out_dir(out)
    where = target(inventory, cluster)
    names = (tuple(san or ()), tuple(domain or ()))
    asyncio.run(_read_and_generate(where, unit, dist, spec, names, directory))


async def _read_and_generate(
    where: Target,
    unit: str,
    dist: Distribution,
    spec: KeySpec | None,
    names: tuple[tuple[str, ...], tuple[str, ...]],
    directory: Path,
) -> None:
    """One event loop, one login per node: the read, then the CSRs over the same sessions."""
    from uccert.ca import plan_csr

    async with where.sessions() as sessions:
        snap = await where.read(sessions)
        plan = plan_csr(snap, unit, dist, spec, *names)
        await _generate(sessions, plan, directory)


async def _generate(sessions: NodeSessions, plan: CsrPlan, directory: Path) -> None:
    from cryptography import x509

    from uccert.ca import check_generated_csr, public_key_sha256, sidecar
    from uccert.cluster import CsrOperationFailed, generate_csr

    failures: list[str] = []
    written: list[Path] = []
    for node_target in plan.targets:
        made = await generate_csr(sessions, node_target, plan.unit, plan.distribution, plan.key)
        request = x509.load_pem_x509_csr(made.pem.encode("ascii"))
        problems, notes = check_generated_csr(request, node_target, plan.unit, plan.key)
        for note in notes:
            print(f"note: {note}", file=sys.stderr)
        if problems:
            failures += [f"{node_target.node}: {p}" for p in problems]
            continue
        name = csr_file_name(plan, node_target.node)
        path = directory / name
        path.write_text(made.pem, encoding="ascii")
        doc = sidecar(
            plan, node_target, request, via=made.via, generated_at=datetime.now(UTC), csr_file=name
        )
        path.with_name(name + ".json").write_text(json.dumps(doc, indent=2) + "\n")
        written.append(path)
        covers = ", ".join(node_target.covers)
        print(
            f"{node_target.node} {plan.unit} ({plan.distribution.value}, covers {covers}): {path}"
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
