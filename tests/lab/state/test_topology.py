"""Presets and TOML topologies."""

from __future__ import annotations

import pytest

from uccert.lab.state import TopologyError, load_topology, preset, without_dns


def test_demo_preset_is_two_cucm_and_four_imp_nodes_in_two_ha_groups() -> None:
    topo = preset("demo")
    assert [(n.name, n.product, n.role) for n in topo.nodes] == [
        ("cucm-pub", "cucm", "publisher"),
        ("cucm-sub1", "cucm", "subscriber"),
        ("imp-pub", "imp", "publisher"),
        ("imp-sub1", "imp", "subscriber"),
        ("imp-sub2", "imp", "subscriber"),
        ("imp-sub3", "imp", "subscriber"),
    ]
    assert all(n.fqdn == f"{n.name}.lab.example" and n.version == "14.0" for n in topo.nodes)
    assert [(g.name, g.server1, g.server2, g.ha_enabled) for g in topo.groups] == [
        ("DefaultCUPSubcluster", "imp-pub", "imp-sub1", True),
        ("Subcluster2", "imp-sub2", "imp-sub3", True),
    ]
    assert (topo.sip_federation, topo.xmpp_federation, topo.sso, topo.seed_problems) == (
        True,
        True,
        False,
        True,
    )


def test_minimal_preset_has_three_nodes_one_ha_group_and_no_seeded_problems() -> None:
    topo = preset("minimal")
    assert [n.name for n in topo.nodes] == ["cucm-pub", "imp-pub", "imp-sub1"]
    assert [(g.server1, g.server2, g.ha_enabled) for g in topo.groups] == [
        ("imp-pub", "imp-sub1", True)
    ]
    assert not topo.seed_problems


def test_version_overrides_every_node() -> None:
    assert {n.version for n in preset("demo", "10.5").nodes} == {"10.5"}


@pytest.mark.parametrize("version", ["8.5", "16.0", "fourteen"])
def test_unsupported_versions_are_refused(version: str) -> None:
    with pytest.raises(TopologyError, match="Fix:"):
        preset("minimal", version)


GOOD = """
name = "two-node"
domain = "corp.example"
version = "12.5"
xmpp_federation = false

[[nodes]]
name = "cm1"
product = "cucm"
role = "publisher"

[[nodes]]
name = "im1"
product = "imp"
role = "publisher"
version = "11.5"

[[nodes]]
name = "im2"
product = "imp"
role = "subscriber"

[[groups]]
name = "G1"
server1 = "im1"
server2 = "im2"
ha_enabled = false
"""


def test_toml_topology_fills_defaults_from_the_top_level() -> None:
    topo = load_topology(GOOD, "lab.toml")
    assert topo.name == "two-node"
    assert [(n.name, n.fqdn, n.version) for n in topo.nodes] == [
        ("cm1", "cm1.corp.example", "12.5"),
        ("im1", "im1.corp.example", "11.5"),
        ("im2", "im2.corp.example", "12.5"),
    ]
    assert topo.groups[0].ha_enabled is False
    assert topo.sip_federation and not topo.xmpp_federation and not topo.seed_problems


def test_toml_can_start_from_a_preset() -> None:
    topo = load_topology('preset = "demo"\nversion = "11.5"\nseed_problems = false\n', "x.toml")
    assert len(topo.nodes) == 6 and {n.version for n in topo.nodes} == {"11.5"}
    assert not topo.seed_problems


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("nodes = [", "not valid TOML"),
        ('name = "x"\n', "no [[nodes]]"),
        ('colour = "red"\n[[nodes]]\nname="a"\nproduct="cucm"\nrole="publisher"\n', "colour"),
        ('[[nodes]]\nname="a"\nproduct="cucm"\n', "'role' is missing"),
        ('[[nodes]]\nname="a"\nproduct="cucx"\nrole="publisher"\n', "product 'cucx'"),
        ('[[nodes]]\nname="a"\nproduct="cucm"\nrole="publisher"\nversion=14.0\n', "quote it"),
        ('[[nodes]]\nname="a"\nproduct="cucm"\nrole="subscriber"\n', "0 cucm publishers"),
        (
            '[[nodes]]\nname="a"\nproduct="cucm"\nrole="publisher"\n'
            '[[groups]]\nname="g"\nserver1="a"\nserver2="b"\n',
            "not an IM/P node",
        ),
        ('preset = "huge"\n', "unknown preset"),
        ('preset = "demo"\nversion = "7.1"\n', "outside what the lab plays"),
    ],
)
def test_bad_toml_names_the_source_the_problem_and_the_fix(text: str, problem: str) -> None:
    with pytest.raises(TopologyError) as info:
        load_topology(text, "lab.toml")
    message = str(info.value)
    assert message.startswith("lab.toml: ")
    assert problem in message
    assert "Fix: " in message


def test_toml_can_ask_for_a_trust_cert_with_a_hostile_cn() -> None:
    text = 'preset = "minimal"\nhostile_trust_cn = "Evil\\u001b[2J CA"\n'
    assert load_topology(text, "x.toml").hostile_trust_cn == "Evil\x1b[2J CA"
    assert preset("demo").hostile_trust_cn is None, "the presets seed no such cert"
    with pytest.raises(TopologyError, match="hostile_trust_cn"):
        load_topology('preset = "minimal"\nhostile_trust_cn = 3\n', "x.toml")


def test_nodes_carry_their_time_zone_and_a_cluster_may_have_no_dns() -> None:
    topo = load_topology(
        'timezone = "America/Chicago"\ndns = false\n'
        '[[nodes]]\nname = "cucm-pub"\nproduct = "cucm"\nrole = "publisher"\n'
        'timezone = "Europe/London"\n'
        '[[nodes]]\nname = "cucm-sub1"\nproduct = "cucm"\nrole = "subscriber"\n',
        "t.toml",
    )
    assert (topo.zone_of("cucm-pub"), topo.zone_of("cucm-sub1")) == (
        "Europe/London",
        "America/Chicago",
    )
    assert topo.dns is False
    demo = preset("demo")
    assert {demo.zone_of(n.name) for n in demo.nodes} == {
        "Europe/London",
        "Asia/Kolkata",
        "America/Chicago",
    }
    dnsless = without_dns(demo)
    assert [n.fqdn for n in dnsless.nodes] == [n.name for n in demo.nodes] and not dnsless.dns
    with pytest.raises(TopologyError, match="not an IANA time zone"):
        load_topology('timezone = "Mars/Olympus"\n[[nodes]]\nname = "a"\nproduct = "cucm"\n'
                      'role = "publisher"\n', "t.toml")  # fmt: skip
