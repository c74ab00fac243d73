"""`uccert inventory`: every identity and trust cert of every node, as a table or JSON."""

from __future__ import annotations

import csv
import io
import sys
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Annotated

import typer
from rich.text import Text

from uccert.config import DEFAULT_INVENTORY
from uccert.errors import ConfigError, ExitCode

from .common import (
    ClusterOption,
    InventoryOption,
    JsonOption,
    console,
    read_snapshots,
    report_unreadable,
    unreadable,
)
from .output import (
    Cell,
    Column,
    clean,
    column_widths,
    fit_columns,
    fit_line,
    fits,
    paged,
    record_lines,
)

if TYPE_CHECKING:  # uccert.model imports cryptography: not for --help
    from uccert.model import CertInfo, Snapshot, TrustEntry

# --- the table ------------------------------------------------------------------------------

WARN_DAYS = 30  # days left shown in yellow below this (the inventory's default warn_days)

_NODE = Column("NODE")
_UNIT = Column("UNIT", shrink=1, minimum=12)
_STORE = Column("STORE / CN")  # the trust blocks' header: a store line, then its CNs
_CN = Column("CN", shrink=3, minimum=12)
_SIGNED = Column("SIGNED")
_NOT_AFTER = Column("NOT AFTER")
_DAYS = Column("DAYS", right=True)  # days left
_WIDE_EXTRA = (
    Column("FILE", shrink=4, minimum=10),
    Column("ISSUER", shrink=2, minimum=10),
    Column("DISTRIBUTION"),
    Column("KEY"),
    Column("SERIAL", shrink=1, minimum=12),
)


def _signed(cert: CertInfo) -> str:
    return "self" if cert.self_signed else "CA"


def _days(cert: CertInfo, now: datetime, warn_days: int) -> Text:
    days = (cert.not_after - now).days
    style = "bold red" if days < 0 else "yellow" if days < warn_days else ""
    return Text(str(days), style=style)


def _cert_cells(cert: CertInfo, now: datetime, warn_days: int, wide: bool) -> list[Cell]:
    """CN, [file, issuer, distribution, key, serial,] signed, not after, days left."""
    extra: list[Cell] = []
    if wide:
        extra = [
            clean(cert.file),
            clean(cert.issuer_cn),
            cert.distribution.value,
            f"{cert.key_type.value} {cert.key_bits}",
            cert.serial,
        ]
    return [
        clean(cert.subject_cn),
        *extra,
        _signed(cert),
        cert.not_after.strftime("%Y-%m-%d"),
        _days(cert, now, warn_days),
    ]


def _cert_columns(wide: bool, cn: Column = _CN) -> list[Column]:
    extra = list(_WIDE_EXTRA) if wide else []
    return [cn, *extra, _SIGNED, _NOT_AFTER, _DAYS]


def node_lines(snap: Snapshot, width: int) -> list[Text]:
    """One line per node: name, FQDN, product, role, version (or why it was not read)."""
    columns = [
        Column("NODE"),
        Column("FQDN", shrink=1, minimum=12),
        Column("PRODUCT"),
        Column("ROLE"),
        Column("VERSION", shrink=2, minimum=12),
    ]
    rows: list[list[Cell]] = [
        [
            clean(n.node.name),
            clean(n.node.fqdn),
            n.node.product.value,
            n.node.role.value,
            Text(f"not read: {clean(n.error)}", style="bold red") if n.error else n.node.version,
        ]
        for n in snap.nodes
    ]
    return fit_columns(columns, rows, width)


def identity_lines(
    snap: Snapshot,
    now: datetime,
    width: int,
    *,
    wide: bool = False,
    warn_days: int = WARN_DAYS,
) -> list[Text]:
    """The identity certificates of one cluster's readable nodes, one line each."""
    nodes = [n for n in snap.nodes if n.error is None]
    count = sum(len(n.identities) for n in nodes)
    columns = [_NODE, _UNIT, *_cert_columns(wide)]
    rows: list[list[Cell]] = []
    for n in nodes:
        for i, c in enumerate(n.identities):
            name = clean(n.node.name) if i == 0 else ""
            rows.append([name, clean(c.unit), *_cert_cells(c, now, warn_days, wide)])
    title = Text(f"Identity certificates: {count} on {len(nodes)} nodes", style="bold")
    if fits(columns, rows, width):
        return [title, *fit_columns(columns, rows, width)]
    # Too narrow for every column (--wide on a small terminal): one block per certificate.
    lines = [title]
    for n in nodes:
        for c in n.identities:
            lines.append(Text(f"{clean(n.node.name)}  {clean(c.unit)}", style="bold"))
            lines += record_lines(columns[2:], _cert_cells(c, now, warn_days, wide), width, 2)
    return lines


def _trust_summary(entries: list[TrustEntry], stores: int, now: datetime) -> str:
    expired = sum(1 for e in entries if e.cert.is_expired(now))
    return f"{len(entries)} certs in {stores} stores" + (f", {expired} expired" if expired else "")


def _store_summary(entries: list[TrustEntry], now: datetime) -> str:
    expired = sum(1 for e in entries if e.cert.is_expired(now))
    return f"{len(entries)} cert{'s' if len(entries) != 1 else ''}" + (
        f", {expired} expired" if expired else ""
    )


def trust_lines(
    snap: Snapshot,
    now: datetime,
    width: int,
    *,
    wide: bool = False,
    warn_days: int = WARN_DAYS,
) -> list[Text]:
    """Trust certificates per node, grouped per store with counts, one line per cert."""
    nodes = [n for n in snap.nodes if n.error is None]
    total = sum(len(n.trusts) for n in nodes)
    expired = sum(1 for n in nodes for t in n.trusts if t.cert.is_expired(now))
    lines = [
        Text(
            f"Trust certificates: {total} on {len(nodes)} nodes"
            + (f", {expired} expired" if expired else ""),
            style="bold",
        )
    ]
    columns = _cert_columns(wide)
    # Rows of every node share the column widths, so the blocks line up; the certs stand
    # indented under their store's line.
    rows = [_cert_cells(t.cert, now, warn_days, wide) for n in nodes for t in n.trusts]
    table = fits(columns, rows, width, indent=4)
    widths = column_widths(columns, rows, width, indent=4)
    header = Text("  ") + fit_line(
        [Text(c.header if i else _STORE.header, style="bold") for i, c in enumerate(columns)],
        columns,
        [widths[0] + 2, *widths[1:]],
    )
    for n in nodes:
        stores: dict[str, list[TrustEntry]] = {}
        for t in n.trusts:
            stores.setdefault(t.store, []).append(t)
        lines.append(Text(""))
        lines.append(
            Text(clean(n.node.name), style="bold")
            + Text(f"  {_trust_summary(list(n.trusts), len(stores), now)}")
        )
        if table:
            lines.append(header)
        for store, entries in stores.items():
            lines.append(Text(f"  {clean(store)} ({_store_summary(entries, now)})"))
            for e in entries:
                cells = _cert_cells(e.cert, now, warn_days, wide)
                if table:
                    lines.append(Text("    ") + fit_line(cells, columns, widths))
                else:  # too narrow for every column: one block per certificate
                    lines += record_lines(columns[:1], cells[:1], width, 4)
                    lines += record_lines(columns[1:], cells[1:], width, 6)
    for line in lines:
        line.rstrip()
    return lines


def render_lines(
    snapshots: tuple[Snapshot, ...],
    now: datetime,
    width: int,
    *,
    wide: bool = False,
    warn_days: int = WARN_DAYS,
) -> list[Text]:
    """Everything `uccert inventory` prints, one list of lines per run (pure)."""
    lines: list[Text] = []
    for snap in snapshots:
        if lines:
            lines.append(Text(""))
        lines.append(Text(f"Cluster {clean(snap.cluster)}", style="bold"))
        lines += node_lines(snap, width)
        lines.append(Text(""))
        lines += identity_lines(snap, now, width, wide=wide, warn_days=warn_days)
        lines.append(Text(""))
        lines += trust_lines(snap, now, width, wide=wide, warn_days=warn_days)
    return lines


def render(snapshots: tuple[Snapshot, ...], now: datetime, wide: bool = False) -> None:
    out = console()
    with paged(out):
        for line in render_lines(snapshots, now, out.width, wide=wide):
            out.print(line, soft_wrap=True)


# --- CSV ------------------------------------------------------------------------------------

CSV_COLUMNS = (
    "cluster",
    "node",
    "kind",
    "unit_or_store",
    "file",
    "subject_cn",
    "issuer_cn",
    "self_signed",
    "distribution",
    "key_type",
    "key_bits",
    "serial",
    "not_before",
    "not_after",
    "sha256",
)


def _csv_row(cluster: str, node: str, kind: str, where: str, c: CertInfo) -> list[str]:
    from uccert.model import iso_utc

    values = [
        cluster,
        node,
        kind,
        where,
        c.file,
        c.subject_cn,
        c.issuer_cn,
        "true" if c.self_signed else "false",
        c.distribution.value,
        c.key_type.value,
        str(c.key_bits),
        c.serial,
        iso_utc(c.not_before),
        iso_utc(c.not_after),
        c.sha256,
    ]
    return [clean(v) for v in values]


def to_csv(snapshots: tuple[Snapshot, ...]) -> str:
    """One row per identity and trust cert, the JSON's facts (times ISO 8601 UTC)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for snap in snapshots:
        for n in snap.nodes:
            name = n.node.name
            for c in n.identities:
                writer.writerow(_csv_row(snap.cluster, name, "identity", c.unit, c))
            for t in n.trusts:
                writer.writerow(_csv_row(snap.cluster, name, "trust", t.store, t.cert))
    return buffer.getvalue()


def inventory(
    inventory: InventoryOption = DEFAULT_INVENTORY,
    cluster: ClusterOption = None,
    json_out: JsonOption = False,
    csv_out: Annotated[
        bool, typer.Option("--csv", help="CSV, one row per certificate (the JSON's facts).")
    ] = False,
    wide: Annotated[
        bool,
        typer.Option(
            "--wide", "-w", help="Also file, issuer, distribution, key and serial columns."
        ),
    ] = False,
) -> None:
    """Every identity and trust certificate of every node.

    Columns: node, unit or store, CN, signed (self or CA), not after, days left; --wide adds
    the rest. Trust certificates are grouped per node and store, with counts."""
    if json_out and csv_out:
        raise ConfigError("--json and --csv contradict each other: give one of them")
    _, snapshots = read_snapshots(inventory, cluster)
    if json_out:
        from uccert.model import dumps, to_json

        sys.stdout.write(dumps(to_json(snapshots)))
    elif csv_out:
        sys.stdout.write(to_csv(snapshots))
    else:
        render(snapshots, datetime.now(UTC), wide)
    report_unreadable(snapshots)
    if unreadable(snapshots):
        raise typer.Exit(ExitCode.FAILED)
