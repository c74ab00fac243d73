"""Inventory overrides on a DNS-less cluster: nodes are known by host name only."""

from __future__ import annotations

from pathlib import Path
from types import MappingProxyType

from uccert.cluster.discovery import nodes_from_lines
from uccert.cluster.targets import NodeTargets
from uccert.config import ClusterConfig, ClusterCredentials, NodeOverride
from uccert.config.credentials import Account, Secret
from uccert.model import Role
from uccert.protocols import parse_network_cluster

LINES = (
    "10.0.0.10 cucm-pub Publisher callmanager DBPub authenticated\n"
    "10.0.0.20 imp-pub Subscriber cups DBPub authenticated using TCP since "
    "Mon Nov 30 09:20:01 2026\n"
)


def _targets(nodes: dict[str, NodeOverride]) -> NodeTargets:
    account = Account("admin", Secret("x"), "test")
    config = ClusterConfig("c", "10.0.0.10", MappingProxyType(nodes))
    return NodeTargets(config, ClusterCredentials(account, account), Path("."))


def test_dns_less_discovery_names_nodes_by_host() -> None:
    nodes = nodes_from_lines(parse_network_cluster(LINES))
    assert [(n.name, n.fqdn, n.role) for n in nodes] == [
        ("cucm-pub", "cucm-pub", Role.PUBLISHER),
        ("imp-pub", "imp-pub", Role.PUBLISHER),
    ]


def test_override_keyed_by_fqdn_or_host_matches_a_node_known_by_host() -> None:
    by_fqdn = _targets({"imp-pub.lab.example": NodeOverride(address="127.0.0.1", ssh_port=2201)})
    assert by_fqdn.ssh_target("imp-pub", "imp-pub").port == 2201
    assert by_fqdn.ssh_target("imp-sub", "imp-sub").port == 22
    by_host = _targets({"IMP-PUB": NodeOverride(ssh_port=2202)})
    assert by_host.ssh_target("imp-pub", "imp-pub.lab.example").port == 2202
    assert by_host.ssh_target("imp-pub2", "imp-pub2.lab.example").port == 22
