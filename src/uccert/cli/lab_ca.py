"""`uccert lab ca init|sign`: the lab's test CA, so the CA-signed route runs without a real CA.

``init`` writes a root and an intermediate (keys 0600) to ``--dir``; ``sign CSR`` issues a
leaf for a CSR (as `uccert csr` writes them) and says how to upload it.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from uccert.errors import ConfigError

if TYPE_CHECKING:
    from uccert.lab import LabCaError

app = typer.Typer(help="A test CA (root + intermediate) for the lab.", no_args_is_help=True)

DEFAULT_DIR = Path("uccert-lab-ca")

DirOption = Annotated[Path, typer.Option("--dir", help="Where the CA's certs and keys live.")]


def _config_error(exc: LabCaError) -> ConfigError:
    problem, sep, fix = str(exc).partition(": ")
    return ConfigError(f"{problem} — {fix}" if sep else str(exc))


@app.command("init")
def init(
    directory: DirOption = DEFAULT_DIR,
    force: Annotated[bool, typer.Option("--force", help="Replace an existing CA.")] = False,
) -> None:
    """Create the lab CA: a root and an issuing intermediate."""
    from cryptography.hazmat.primitives import hashes

    from uccert.lab import LabCaError, init_ca

    try:
        ca = init_ca(directory, force=force)
    except LabCaError as exc:
        raise _config_error(exc) from None
    fp = ca.root.fingerprint(hashes.SHA256()).hex(":").upper()
    print(f"lab CA created in {directory}")
    print(f"  root: {ca.root_path} (SHA-256 {fp})")
    print(f"  chain for uploads: {ca.chain_path}")


def default_out(csr: Path) -> Path:
    return csr.with_suffix(".pem") if csr.suffix == ".csr" else csr.with_name(csr.name + ".pem")


@app.command("sign")
def sign(
    csr: Annotated[Path, typer.Argument(help="The CSR (PEM), e.g. as `uccert csr` wrote it.")],
    directory: DirOption = DEFAULT_DIR,
    out: Annotated[
        Path | None,
        typer.Option("--out", help="Where to write the signed cert (default: CSR name .pem)."),
    ] = None,
    days: Annotated[
        int | None,
        typer.Option("--days", min=1, help="Validity in days (default: a year, the lab's leaves)."),
    ] = None,
) -> None:
    """Sign a CSR with the lab CA's intermediate."""
    # The lab is imported when a command runs, not for --help.
    from uccert.lab import LEAF_DAYS, LabCaError, load_ca, load_csr, sign_csr, write_cert

    try:
        ca = load_ca(directory)
        try:
            data = csr.read_bytes()
        except OSError as exc:
            raise LabCaError(f"cannot read {csr} ({exc.strerror or exc}): check the path") from None
        leaf = sign_csr(ca, load_csr(data, str(csr)), days=LEAF_DAYS if days is None else days)
    except LabCaError as exc:
        raise _config_error(exc) from None
    target = out or default_out(csr)
    write_cert(target, leaf)
    print(f"signed {leaf.subject.rfc4514_string()} -> {target}")
    print(f"  chain: {ca.chain_path}")
    unit = _unit_from_sidecar(csr)
    if unit is not None:
        print(f"  upload: uccert upload --unit {unit} --cert {target} --chain {ca.chain_path}")


def _unit_from_sidecar(csr: Path) -> str | None:
    """The unit recorded in `uccert csr`'s JSON sidecar next to the CSR, if there is one."""
    try:
        doc = json.loads(csr.with_name(csr.name + ".json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    unit = doc.get("unit") if isinstance(doc, dict) else None
    return unit if isinstance(unit, str) else None
