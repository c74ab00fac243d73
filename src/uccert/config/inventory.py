"""The inventory file (``uccert.toml``): clusters, publishers, node overrides, credential
references, thresholds and timing, parsed into frozen dataclasses.

Format and defaults: docs/inventory.md. Every key is checked (a typo is an error, never ignored)
and every error is one line, ``<file>:<line>: <problem> — <fix>`` (exit 2).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path
from types import MappingProxyType
from typing import Any

from uccert.catalog import PlanTiming

from ._source import InventoryError, Source, check_keys, dotted, one_line, parse, quote, read_text
from .credentials import ACCOUNTS, AccountRef, CredentialRefs

SCHEMA_VERSION = 1
DEFAULT_INVENTORY = Path("uccert.toml")


@dataclass(frozen=True)
class NodeOverride:
    """Where to reach one node (by its CUCM name) when DNS and default ports will not do."""

    address: str | None = None
    ssh_port: int | None = None
    https_port: int | None = None  # 8443: Tomcat, Control Center SOAP, AXL
    rest_port: int | None = None  # 443: Certificate Management REST (14 and later)
    sip_tls_port: int | None = None  # 5061 (IM/P)
    xmpp_c2s_port: int | None = None  # 5222 (IM/P)
    xmpp_s2s_port: int | None = None  # 5269 (IM/P)


@dataclass(frozen=True)
class Thresholds:
    warn_days: int = 30  # a cert expiring within this many days is a finding


_PLAN_TIMING = PlanTiming()


@dataclass(frozen=True)
class Timing:
    """Seconds. Defaults suit a real cluster (a plan's, `PlanTiming`, but the connect
    timeout, which only the shell uses); the lab writes scaled-down values."""

    # after an IM/P HA change, before acting on it
    ha_sync_wait: float = _PLAN_TIMING.ha_sync_wait
    poll_interval: float = _PLAN_TIMING.poll_interval  # between two looks at a service or a cert
    # for a service to be Started again after a restart
    restart_timeout: float = _PLAN_TIMING.restart_timeout
    connect_timeout: float = 30.0  # to open an SSH or HTTPS connection
    # for one CLI command (set cert regen can take minutes)
    command_timeout: float = _PLAN_TIMING.command_timeout


@dataclass(frozen=True)
class ClusterLimits:
    """How much one cluster's nodes are asked at once: the limits that are the nodes' own."""

    # AXL throttles per cluster (the publisher serves it): Cisco's AXL developer guide, "Data
    # Throttling", shows a third concurrent executeSQLQuery refused while two are processed
    # (https://developer.cisco.com/docs/axl/#!axl-developer-guide/data-throttling).
    axl_requests: int = 2
    # TLS connections open at once to one node: the REST read and the listener probes.
    tls_per_node: int = 4


@dataclass(frozen=True)
class FleetLimits:
    """What this machine can hold at once (open files, memory), over every cluster read."""

    # Nodes read at once across the fleet. Each holds one SSH session and up to tls_per_node
    # TLS connections (uccert also caps it to what the open-files limit allows) and about 2.5 MB
    # of this process's memory; all of them log in at once, so their SSH handshakes share the
    # CPU within the login timeout. Measured (bench/README.md): 600 at once on 2 cores took
    # 1.45 GB and 412 logins timed out; 256 keeps a 500-node fleet to two waves under 1 GB.
    nodes_in_flight: int = 256


@dataclass(frozen=True)
class ClusterConfig:
    name: str
    publisher: str  # the CUCM publisher's FQDN or address; nodes are discovered over AXL
    nodes: Mapping[str, NodeOverride] = field(default_factory=lambda: MappingProxyType({}))
    credentials: CredentialRefs = field(default_factory=CredentialRefs)
    thresholds: Thresholds = field(default_factory=Thresholds)
    timing: Timing = field(default_factory=Timing)
    limits: ClusterLimits = field(default_factory=ClusterLimits)
    # IM/P's presence domains when they differ from the nodes' DNS domain (XMPP probes open
    # streams to these); empty: the DNS domain.
    presence_domains: tuple[str, ...] = ()


@dataclass(frozen=True)
class Inventory:
    path: Path
    clusters: Mapping[str, ClusterConfig]
    limits: FleetLimits = field(default_factory=FleetLimits)


_CLUSTER_KEYS = (
    "publisher",
    "nodes",
    "credentials_file",
    *(f"{a}_{kind}" for a in ACCOUNTS for kind in ("user", "env")),
    "keyring_service",
    "prompt",
    "thresholds",
    "timing",
    "limits",
    "presence_domains",
)
_SECRET_HINT = (
    "passwords never go in the inventory — put them in the 0600 credentials_file or in "
    "environment variables (see docs/inventory.md)"
)
_HINTS = {k: _SECRET_HINT for k in ("password", "os_admin_password", "app_admin_password")}

_TYPE_NAMES = {str: "a string", int: "an integer", float: "a number", bool: "true or false"}


class _Reader:
    def __init__(self, src: Source) -> None:
        self.src = src

    def table(self, parent: tuple[str, ...], key: str, value: Any) -> dict[str, Any]:
        if not isinstance(value, dict):
            raise self.src.fail(
                parent,
                key,
                f"{dotted((*parent, key))} must be a table",
                f"write it as [{dotted((*parent, key))}] followed by its keys",
            )
        return value

    def value(self, table: tuple[str, ...], key: str, value: Any, kind: type) -> Any:
        ok = (
            isinstance(value, (int, float)) and not isinstance(value, bool)
            if kind is float
            else isinstance(value, kind) and (kind is bool or not isinstance(value, bool))
        )
        if not ok:
            example = {str: '"text"', int: "8443", float: "5.0", bool: "true"}[kind]
            raise self.src.fail(
                table,
                key,
                f"{key} in [{dotted(table)}] must be {_TYPE_NAMES[kind]}",
                f"write it like {key} = {example}",
            )
        return float(value) if kind is float else value

    def text(self, table: tuple[str, ...], key: str, value: Any) -> str:
        got: str = self.value(table, key, value, str)
        if not got.strip():
            raise self.src.fail(
                table,
                key,
                f"{key} in [{dotted(table)}] is empty",
                f'give it a value: {key} = "..."',
            )
        return got

    def port(self, table: tuple[str, ...], key: str, value: Any) -> int:
        got: int = self.value(table, key, value, int)
        if not 1 <= got <= 65535:
            raise self.src.fail(
                table, key, f"{key} in [{dotted(table)}] is not a TCP port", "use 1 to 65535"
            )
        return got

    def seconds(self, table: tuple[str, ...], key: str, value: Any, positive: bool) -> float:
        got: float = self.value(table, key, value, float)
        if not math.isfinite(got) or got < 0 or (positive and got == 0):
            bound = "greater than 0" if positive else "0 or more"
            raise self.src.fail(
                table, key, f"{key} in [{dotted(table)}] is out of range", f"use seconds, {bound}"
            )
        return got


def _node(r: _Reader, table: tuple[str, ...], raw: dict[str, Any]) -> NodeOverride:
    keys = [f.name for f in fields(NodeOverride)]
    check_keys(r.src, table, raw, keys)
    values: dict[str, Any] = {}
    for key, value in raw.items():
        values[key] = r.text(table, key, value) if key == "address" else r.port(table, key, value)
    return NodeOverride(**values)


def _thresholds(r: _Reader, table: tuple[str, ...], raw: dict[str, Any]) -> Thresholds:
    check_keys(r.src, table, raw, [f.name for f in fields(Thresholds)])
    values: dict[str, Any] = {}
    for key, value in raw.items():
        got: int = r.value(table, key, value, int)
        if got < 0:
            raise r.src.fail(
                table, key, f"{key} must not be negative", f"use days, e.g. {key} = 30"
            )
        values[key] = got
    return Thresholds(**values)


def _timing(r: _Reader, table: tuple[str, ...], raw: dict[str, Any]) -> Timing:
    check_keys(r.src, table, raw, [f.name for f in fields(Timing)])
    values = {
        key: r.seconds(table, key, value, positive=key != "ha_sync_wait")
        for key, value in raw.items()
    }
    return Timing(**values)


def _counts(
    r: _Reader, table: tuple[str, ...], raw: dict[str, Any], kind: type[Any]
) -> dict[str, int]:
    """A table of positive integer limits of the dataclass ``kind``."""
    check_keys(r.src, table, raw, [f.name for f in fields(kind)])
    values: dict[str, int] = {}
    for key, value in raw.items():
        got: int = r.value(table, key, value, int)
        if got < 1:
            raise r.src.fail(
                table, key, f"{key} in [{dotted(table)}] must be 1 or more", f"e.g. {key} = 2"
            )
        values[key] = got
    return values


def _domains(r: _Reader, table: tuple[str, ...], value: Any) -> tuple[str, ...]:
    key = "presence_domains"
    if not isinstance(value, list) or not all(
        isinstance(v, str) and v.strip() and " " not in v.strip() for v in value
    ):
        raise r.src.fail(
            table,
            key,
            f"{key} in [{dotted(table)}] must be a list of domain names",
            f'write it like {key} = ["example.com"]',
        )
    return tuple(v.strip().lower() for v in value)


def _cluster(r: _Reader, path: Path, name: str, raw: dict[str, Any]) -> ClusterConfig:
    table = ("clusters", name)
    check_keys(r.src, table, raw, _CLUSTER_KEYS, _HINTS)
    if "publisher" not in raw:
        raise r.src.fail(
            table,
            None,
            f"cluster {quote(name)} has no publisher",
            f'add publisher = "cucm-pub.example.com" (its CUCM publisher) under [{dotted(table)}]',
        )
    publisher = r.text(table, "publisher", raw["publisher"])
    nodes: dict[str, NodeOverride] = {}
    for node_name, node_raw in r.table(table, "nodes", raw.get("nodes", {})).items():
        node_table = (*table, "nodes", node_name)
        nodes[node_name] = _node(r, node_table, r.table((*table, "nodes"), node_name, node_raw))
    refs: dict[str, Any] = {}
    for account in ACCOUNTS:
        user_key, env_key = f"{account}_user", f"{account}_env"
        user = r.text(table, user_key, raw[user_key]) if user_key in raw else None
        env = r.text(table, env_key, raw[env_key]) if env_key in raw else None
        if env is not None and not env.replace("_", "").isalnum():
            raise r.src.fail(
                table,
                env_key,
                f"{env_key} must be an environment variable prefix",
                f'use letters, digits and _, e.g. {env_key} = "UCCERT_{account.upper()}"',
            )
        refs[account] = AccountRef(user=user, env=env)
    credentials_file: Path | None = None
    if "credentials_file" in raw:
        given = Path(r.text(table, "credentials_file", raw["credentials_file"])).expanduser()
        credentials_file = given if given.is_absolute() else path.parent / given
    keyring_service = (
        r.text(table, "keyring_service", raw["keyring_service"])
        if "keyring_service" in raw
        else None
    )
    prompt = r.value(table, "prompt", raw["prompt"], bool) if "prompt" in raw else True
    limits_raw = r.table(table, "limits", raw.get("limits", {}))
    return ClusterConfig(
        presence_domains=_domains(r, table, raw.get("presence_domains", [])),
        name=name,
        publisher=publisher,
        nodes=MappingProxyType(nodes),
        credentials=CredentialRefs(
            **refs,
            credentials_file=credentials_file,
            keyring_service=keyring_service,
            prompt=prompt,
            inventory=path,
        ),
        thresholds=_thresholds(
            r, (*table, "thresholds"), r.table(table, "thresholds", raw.get("thresholds", {}))
        ),
        timing=_timing(r, (*table, "timing"), r.table(table, "timing", raw.get("timing", {}))),
        limits=ClusterLimits(**_counts(r, (*table, "limits"), limits_raw, ClusterLimits)),
    )


def parse_inventory(path: Path, text: str) -> Inventory:
    """Parse the text of an inventory read from ``path`` (relative paths resolve against it)."""
    data = parse(path, text, "the inventory")
    src = Source(path, text)
    r = _Reader(src)
    check_keys(src, (), data, ("schema_version", "clusters", "limits"))
    if "schema_version" not in data:
        raise src.fail(
            (), None, "no schema_version", f"add schema_version = {SCHEMA_VERSION} at the top"
        )
    version = data["schema_version"]
    if isinstance(version, bool) or version != SCHEMA_VERSION:
        raise src.fail(
            (),
            "schema_version",
            "unsupported schema_version",
            f"this uccert reads schema_version = {SCHEMA_VERSION}; write that "
            "(or use the uccert version that wrote this file)",
        )
    clusters_raw = r.table((), "clusters", data.get("clusters", {}))
    if not clusters_raw:
        raise src.fail(
            (),
            "clusters",
            "no clusters",
            'add a [clusters.NAME] table with publisher = "cucm-pub.example.com"',
        )
    clusters = {
        name: _cluster(r, path, name, r.table(("clusters",), name, raw))
        for name, raw in clusters_raw.items()
    }
    limits = _counts(r, ("limits",), r.table((), "limits", data.get("limits", {})), FleetLimits)
    return Inventory(path=path, clusters=MappingProxyType(clusters), limits=FleetLimits(**limits))


def load_inventory(path: Path = DEFAULT_INVENTORY) -> Inventory:
    """Read and check an inventory file; any problem is one `InventoryError` line (exit 2)."""
    text = read_text(
        path, "inventory", "create one (see docs/inventory.md) or pass --inventory PATH"
    )
    return parse_inventory(path, text)


def select_clusters(inventory: Inventory, name: str | None) -> tuple[ClusterConfig, ...]:
    """Every cluster (``--cluster`` not given) or the one named."""
    if name is None:
        return tuple(inventory.clusters.values())
    if name in inventory.clusters:
        return (inventory.clusters[name],)
    known = ", ".join(sorted(inventory.clusters)) or "none"
    raise InventoryError(
        one_line(
            f"{inventory.path}: no cluster named {quote(name)} — known clusters: {known}; "
            "pass one of them to --cluster, or leave --cluster out for every cluster"
        )
    )
