"""What cluster the lab plays: nodes, Presence Redundancy Groups, features; presets and TOML.

TOML shape (every key but ``nodes`` optional; ``preset`` starts from a preset)::

    name = "lab"                 # default "lab"
    domain = "lab.example"
    version = "14.0"             # default version of every node (default 14.0)
    sip_federation = true
    xmpp_federation = true
    sso = false
    seed_problems = false
    presence_domains = ["im.example.org"]   # IM/P serves XMPP only for these (default: domain)
    hostile_trust_cn = "Evil\u001b]0;pwned\u0007 CA"   # optional: an extra tomcat-trust CA
    timezone = "Etc/UTC"         # every node's platform zone, unless the node names its own
    dns = true                   # false: installed without DNS, nodes known by host name


    [[nodes]]
    name = "cucm-pub"
    product = "cucm"             # cucm | imp
    role = "publisher"           # publisher | subscriber
    # fqdn = "cucm-pub.lab.example"   version = "12.5"   timezone = "Europe/London"

    [[groups]]
    name = "DefaultCUPSubcluster"
    server1 = "imp-pub"
    server2 = "imp-sub1"
    ha_enabled = true
"""

from __future__ import annotations

import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from typing import Any, Literal, TypeVar, cast
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from uccert.lab.state.errors import TopologyError
from uccert.lab.state.tables import NEWEST, OLDEST, Product, Role, is_supported, parse_version

DEFAULT_DOMAIN = "lab.example"
DEFAULT_VERSION = "14.0"
T = TypeVar("T")


@dataclass(frozen=True)
class NodeSpec:
    name: str
    fqdn: str
    product: Product
    role: Role
    version: str
    timezone: str | None = None  # the node's platform zone; None: the topology's


@dataclass(frozen=True)
class GroupSpec:
    name: str
    server1: str
    server2: str
    ha_enabled: bool


@dataclass(frozen=True)
class Topology:
    name: str
    domain: str
    nodes: tuple[NodeSpec, ...]
    groups: tuple[GroupSpec, ...]
    sip_federation: bool
    xmpp_federation: bool
    sso: bool
    seed_problems: bool
    timezone: str = "Etc/UTC"  # the nodes' platform time zone (Control Center StartTime)
    # IM/P's presence domains (XMPP is served only for these); empty: the DNS domain.
    presence_domains: tuple[str, ...] = ()
    # An expired CA with this CN in every node's tomcat-trust, e.g. one carrying terminal escape
    # sequences: tests that whatever uccert prints of a node's text cannot steer a terminal.
    hostile_trust_cn: str | None = None
    dns: bool = True  # False: installed without DNS (`show network cluster` has no FQDN column)

    def node(self, name: str) -> NodeSpec:
        for spec in self.nodes:
            if spec.name == name:
                return spec
        raise KeyError(name)

    def zone_of(self, name: str) -> str:
        """The IANA zone node ``name`` runs in (``show timezone config``, local dates)."""
        return self.node(name).timezone or self.timezone


def _node(
    name: str, product: Product, role: Role, domain: str, version: str, zone: str | None = None
) -> NodeSpec:
    return NodeSpec(name, f"{name}.{domain}", product, role, version, zone)


def preset(name: Literal["demo", "minimal"], version: str | None = None) -> Topology:
    """``demo``: 2 CUCM + 4 IM/P nodes in two HA groups with seeded problems; ``minimal``: 3 nodes.

    ``version`` overrides every node's version (8.6 .. 15). The demo's nodes run in different
    time zones (London, Kolkata, Chicago), so their certificate dumps print BST/GMT, IST and
    CST/CDT dates, as real clusters spread over sites do.
    """
    v = version or DEFAULT_VERSION
    d = DEFAULT_DOMAIN
    if name == "demo":
        topo = Topology(
            name="demo",
            domain=d,
            nodes=(
                _node("cucm-pub", "cucm", "publisher", d, v, "Europe/London"),
                _node("cucm-sub1", "cucm", "subscriber", d, v, "Asia/Kolkata"),
                _node("imp-pub", "imp", "publisher", d, v, "Europe/London"),
                _node("imp-sub1", "imp", "subscriber", d, v, "America/Chicago"),
                _node("imp-sub2", "imp", "subscriber", d, v, "Asia/Kolkata"),
                _node("imp-sub3", "imp", "subscriber", d, v, "America/Chicago"),
            ),
            groups=(
                GroupSpec("DefaultCUPSubcluster", "imp-pub", "imp-sub1", True),
                GroupSpec("Subcluster2", "imp-sub2", "imp-sub3", True),
            ),
            sip_federation=True,
            xmpp_federation=True,
            sso=False,
            seed_problems=True,
        )
    elif name == "minimal":
        topo = Topology(
            name="minimal",
            domain=d,
            nodes=(
                _node("cucm-pub", "cucm", "publisher", d, v),
                _node("imp-pub", "imp", "publisher", d, v),
                _node("imp-sub1", "imp", "subscriber", d, v),
            ),
            groups=(GroupSpec("DefaultCUPSubcluster", "imp-pub", "imp-sub1", True),),
            sip_federation=False,
            xmpp_federation=False,
            sso=False,
            seed_problems=False,
        )
    else:
        raise TopologyError(f"preset {name!r}: no such preset. Fix: use 'demo' or 'minimal'.")
    validate(topo, f"preset {name!r}")
    return topo


def without_dns(topo: Topology) -> Topology:
    """The same cluster installed without DNS: every node is known by its host name (its
    certificates' CN, AXL's processnode name), and ``show network cluster`` prints no FQDN."""
    nodes = tuple(replace(n, fqdn=n.fqdn.split(".", 1)[0]) for n in topo.nodes)
    return replace(topo, nodes=nodes, dns=False)


def validate(topo: Topology, source: str) -> None:
    """Raise `TopologyError` unless ``topo`` describes a cluster the lab can play."""

    def fail(problem: str, fix: str) -> TopologyError:
        return TopologyError(f"{source}: {problem}. Fix: {fix}.")

    names = [n.name for n in topo.nodes]
    for n in topo.nodes:
        if not n.name or names.count(n.name) > 1:
            raise fail(
                f"node name {n.name!r} is empty or used twice", "give every node a unique name"
            )
        if n.product not in ("cucm", "imp"):
            raise fail(
                f"node {n.name!r} has product {n.product!r}", "use product = 'cucm' or 'imp'"
            )
        if n.role not in ("publisher", "subscriber"):
            raise fail(f"node {n.name!r} has role {n.role!r}", "use 'publisher' or 'subscriber'")
        try:
            version = parse_version(n.version)
        except ValueError as exc:
            raise fail(
                f"node {n.name!r}: {exc}", "write the version like '14.0' or '12.5'"
            ) from None
        if not is_supported(version):
            raise fail(
                f"node {n.name!r} has version {n.version!r}, outside what the lab plays",
                f"use a version from {OLDEST[0]}.{OLDEST[1]} to {NEWEST[0]}",
            )
    for zone, where in [(topo.timezone, "timezone")] + [
        (n.timezone, f"node {n.name!r} timezone") for n in topo.nodes if n.timezone
    ]:
        try:
            ZoneInfo(zone or "")
        except (ZoneInfoNotFoundError, ValueError):
            raise fail(
                f"{where} {zone!r} is not an IANA time zone", "write it like 'Europe/London'"
            ) from None
    for product in ("cucm", "imp"):
        pubs = [n for n in topo.nodes if n.product == product and n.role == "publisher"]
        members = [n for n in topo.nodes if n.product == product]
        if (product == "cucm" or members) and len(pubs) != 1:
            raise fail(
                f"{len(pubs)} {product} publishers",
                f"mark exactly one {product} node role = 'publisher'",
            )
    grouped: list[str] = []
    for g in topo.groups:
        for server in (g.server1, g.server2):
            if server not in names or topo.node(server).product != "imp":
                raise fail(
                    f"group {g.name!r} names {server!r}, which is not an IM/P node",
                    "list IM/P node names as server1 and server2",
                )
            if server in grouped:
                raise fail(f"node {server!r} is in two groups", "put each IM/P node in one group")
            grouped.append(server)
        if g.server1 == g.server2:
            raise fail(f"group {g.name!r} pairs {g.server1!r} with itself", "name two nodes")


Fail = Callable[[str, str], TopologyError]

_FLAGS = ("sip_federation", "xmpp_federation", "sso", "seed_problems", "dns")
_PRESET_KEYS = {"preset", "name", "version", "presence_domains", "hostile_trust_cn", *_FLAGS}
_TOP_KEYS = {
    "name",
    "domain",
    "version",
    "nodes",
    "groups",
    "timezone",
    "presence_domains",
    "hostile_trust_cn",
    *_FLAGS,
}
_NODE_KEYS = {"name", "fqdn", "product", "role", "version", "timezone"}
_GROUP_KEYS = {"name", "server1", "server2", "ha_enabled"}
_DEFAULT_FLAGS = {
    "sip_federation": True,
    "xmpp_federation": True,
    "sso": False,
    "seed_problems": False,
    "dns": True,
}


def load_topology(path_text: str, source: str) -> Topology:
    """Parse a topology from TOML text; ``source`` (a path) names it in error messages.

    ``preset = "demo"`` (with optional name, version and feature flags) starts from a preset.
    """

    def fail(problem: str, fix: str) -> TopologyError:
        return TopologyError(f"{source}: {problem}. Fix: {fix}.")

    try:
        doc = tomllib.loads(path_text)
    except tomllib.TOMLDecodeError as exc:
        raise fail(f"not valid TOML ({exc})", "correct the TOML syntax there") from None

    flags = {k: _get(doc, k, bool, fail, "top level", v) for k, v in _DEFAULT_FLAGS.items()}
    hostile = _get(doc, "hostile_trust_cn", str, fail, "top level", None)
    if "preset" in doc:
        _check_keys(doc, _PRESET_KEYS, "top level (with preset)", fail)
        which = _get(doc, "preset", str, fail, "top level")
        if which not in ("demo", "minimal"):
            raise fail(f"unknown preset {which!r}", "use preset = 'demo' or 'minimal'")
        version = _get(doc, "version", str, fail, "top level", DEFAULT_VERSION)
        try:
            base = preset(cast(Literal["demo", "minimal"], which), version)
        except TopologyError as exc:
            raise TopologyError(str(exc).replace(f"preset {which!r}", source, 1)) from None
        chosen: dict[str, Any] = {k: flags[k] if k in doc else getattr(base, k) for k in _FLAGS}
        topo = Topology(
            name=_get(doc, "name", str, fail, "top level", base.name),
            domain=base.domain,
            nodes=base.nodes,
            groups=base.groups,
            hostile_trust_cn=hostile,
            **chosen,
            presence_domains=_presence_domains(doc, fail),
        )
        validate(topo, source)
        return topo

    _check_keys(doc, _TOP_KEYS, "top level", fail)
    if "nodes" not in doc:
        raise fail("no [[nodes]] tables", "add [[nodes]] tables, or write preset = 'demo'")
    domain = _get(doc, "domain", str, fail, "top level", DEFAULT_DOMAIN)
    default_version = _get(doc, "version", str, fail, "top level", DEFAULT_VERSION)
    nodes: list[NodeSpec] = []
    for i, raw in enumerate(_tables(doc, "nodes", fail)):
        where = f"nodes[{i}]"
        _check_keys(raw, _NODE_KEYS, where, fail)
        name = _get(raw, "name", str, fail, where)
        nodes.append(
            NodeSpec(
                name=name,
                fqdn=_get(raw, "fqdn", str, fail, where, f"{name}.{domain}"),
                product=cast(Product, _get(raw, "product", str, fail, where)),
                role=cast(Role, _get(raw, "role", str, fail, where)),
                version=_get(raw, "version", str, fail, where, default_version),
                timezone=_get(raw, "timezone", str, fail, where, None),
            )
        )
    groups: list[GroupSpec] = []
    for i, raw in enumerate(_tables(doc, "groups", fail)):
        where = f"groups[{i}]"
        _check_keys(raw, _GROUP_KEYS, where, fail)
        groups.append(
            GroupSpec(
                name=_get(raw, "name", str, fail, where),
                server1=_get(raw, "server1", str, fail, where),
                server2=_get(raw, "server2", str, fail, where),
                ha_enabled=_get(raw, "ha_enabled", bool, fail, where, True),
            )
        )
    topo = Topology(
        name=_get(doc, "name", str, fail, "top level", "lab"),
        domain=domain,
        nodes=tuple(nodes),
        groups=tuple(groups),
        sip_federation=flags["sip_federation"],
        xmpp_federation=flags["xmpp_federation"],
        sso=flags["sso"],
        seed_problems=flags["seed_problems"],
        presence_domains=_presence_domains(doc, fail),
        hostile_trust_cn=hostile,
        timezone=_get(doc, "timezone", str, fail, "top level", "Etc/UTC"),
        dns=flags["dns"],
    )
    validate(topo, source)
    return topo


def _presence_domains(doc: dict[str, Any], fail: Fail) -> tuple[str, ...]:
    raw = doc.get("presence_domains", [])
    if not isinstance(raw, list) or not all(isinstance(d, str) and d.strip() for d in raw):
        raise fail(
            "presence_domains must be a list of domain names",
            "write presence_domains = ['im.example.org']",
        )
    return tuple(d.strip().lower() for d in raw)


_MISSING = object()


def _get(
    raw: Mapping[str, object],
    key: str,
    kind: type[T],
    fail: Fail,
    where: str,
    default: T | object = _MISSING,
) -> T:
    if key not in raw:
        if default is _MISSING:
            raise fail(f"{where}: {key!r} is missing", f"add {key} = ... to {where}")
        return cast(T, default)
    value = raw[key]
    if kind is str and isinstance(value, int | float) and key == "version":
        raise fail(f"{where}: version {value!r} is a number", f'quote it: version = "{value}"')
    if not isinstance(value, kind):
        raise fail(
            f"{where}: {key!r} is {type(value).__name__} {value!r}, not {kind.__name__}",
            f"write {key} as a {kind.__name__}",
        )
    return value


def _check_keys(raw: Mapping[str, object], allowed: set[str], where: str, fail: Fail) -> None:
    unknown = sorted(set(raw) - allowed)
    if unknown:
        raise fail(
            f"{where}: unknown key(s) {', '.join(unknown)}",
            f"remove them; allowed here: {', '.join(sorted(allowed))}",
        )


def _tables(doc: Mapping[str, object], key: str, fail: Fail) -> list[Mapping[str, object]]:
    value = doc.get(key, [])
    if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
        raise fail(f"{key!r} is not an array of tables", f"write each entry as [[{key}]]")
    return [cast(Mapping[str, object], v) for v in value]
