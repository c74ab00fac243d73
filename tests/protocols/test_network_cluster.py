"""``show network cluster``: node lines up to the Server Table section."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from uccert.catalog import Product
from uccert.protocols import (
    CliCommandFailed,
    CliParseError,
    ClusterNodeLine,
    parse_network_cluster,
)

from .conftest import read_fixture


def test_cucm_publisher_view_stops_at_server_table(line_end: str) -> None:
    nodes = parse_network_cluster(read_fixture("network_cluster_pub.txt", line_end))
    assert [node.host for node in nodes] == ["cucm-pub", "cucm-sub1", "imp-pub", "imp-sub1"]
    publisher = nodes[0]
    assert publisher == ClusterNodeLine(
        "10.10.10.10", "cucm-pub.lab.example", "cucm-pub", True, Product.CUCM, True, None
    )
    assert publisher.is_local
    assert nodes[1].connected_since == "Mon Nov 30 09:12:44 2026"


def test_imp_database_publisher_reads_subscriber_cups_dbpub(line_end: str) -> None:
    nodes = parse_network_cluster(read_fixture("network_cluster_imp_sub.txt", line_end))
    imp_pub = next(node for node in nodes if node.host == "imp-pub")
    assert (imp_pub.publisher, imp_pub.product, imp_pub.db_publisher) == (
        False,
        Product.IMP,
        True,
    )
    assert [node.host for node in nodes if node.is_local] == ["imp-sub1"]
    assert [node.host for node in nodes if node.publisher] == ["cucm-pub"]


def test_dns_less_cluster_lines_have_no_fqdn_column(line_end: str) -> None:
    nodes = parse_network_cluster(read_fixture("network_cluster_no_dns.txt", line_end))
    assert [(n.host, n.fqdn, n.has_fqdn) for n in nodes] == [
        ("cucm-pub", "cucm-pub", False),
        ("cucm-sub1", "cucm-sub1", False),
        ("imp-pub", "imp-pub", False),
    ]
    assert nodes[0].publisher and nodes[0].is_local
    assert nodes[2].product is Product.IMP and nodes[2].db_publisher


@pytest.mark.parametrize(
    "line",
    [
        "10.10.10.30 x.lab.example x Subscriber unity DBSub authenticated",
        "10.10.10.300 x.lab.example x Subscriber cups DBSub authenticated",
        "10.10.10.30 x.lab.example x Subscriber cups DBSub",
        "10.10.10.30  x.lab.example x Subscriber cups DBSub authenticated",
        "cucm-pub.lab.example",
    ],
)
def test_undocumented_node_line_is_refused(line: str) -> None:
    text = read_fixture("network_cluster_pub.txt").replace("\n\nServer", f"\n{line}\n\nServer")
    with pytest.raises(CliParseError, match="line 5"):
        parse_network_cluster(text)


def test_failure_line_is_a_command_failure() -> None:
    with pytest.raises(CliCommandFailed):
        parse_network_cluster("Executed command unsuccessfully\n")


_HOST = st.from_regex(r"[a-z][a-z0-9\-]{0,14}", fullmatch=True)


@st.composite
def _node(draw: st.DrawFn) -> tuple[str, ClusterNodeLine]:
    ip = ".".join(str(draw(st.integers(0, 255))) for _ in range(4))
    host = draw(_HOST)
    fqdn = f"{host}.lab.example"
    publisher, product, db = (
        draw(st.booleans()),
        draw(st.sampled_from(list(Product))),
        draw(st.booleans()),
    )
    since = draw(st.sampled_from([None, "Mon Nov 30 09:12:44 2026", "Thu Jun 14 12:33:09 2018"]))
    line = " ".join(
        [
            ip,
            fqdn,
            host,
            "Publisher" if publisher else "Subscriber",
            "callmanager" if product is Product.CUCM else "cups",
            "DBPub" if db else "DBSub",
            "authenticated" + (f" using TCP since {since}" if since else ""),
        ]
    )
    return line, ClusterNodeLine(ip, fqdn, host, publisher, product, db, since)


@settings(max_examples=80, deadline=None)
@given(st.lists(_node(), max_size=8), st.sampled_from(["\n", "\r\n"]), st.booleans())
def test_rendered_nodes_parse_back_exactly(
    nodes: list[tuple[str, ClusterNodeLine]], line_end: str, server_table: bool
) -> None:
    lines = [line for line, _ in nodes]
    if server_table:
        lines += [
            "",
            "Server Table (processnode) Entries",
            "-" * 34,
            "anything at all",
            "Successful",
        ]
    assert parse_network_cluster(line_end.join(lines)) == tuple(node for _, node in nodes)
