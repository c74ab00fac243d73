"""What `uccert csr` asks each node for, checked before anything is sent (docs/design/procedure.md
§2).

Theory of operation: :func:`plan_csr` takes a fresh :class:`~uccert.model.Snapshot` and the
admin's request (unit, distribution, key, extra SANs, extra domains) and returns a
:class:`CsrPlan`: one :class:`CsrTarget` per node for single-node distribution (the CSR names
that node), or one for the whole scope for multi-server distribution (generated on the scope's
publisher, naming every node of the scope). Everything wrong is collected and raised together
as :class:`~uccert.ca.problems.Refused` (exit 2, nothing sent).

Multi-server scope (Cisco, "CA-signed multi-server SAN", 10.5 and later): tomcat on the CUCM
publisher covers every CUCM and IM/P node; cup-xmpp and cup-xmpp-s2s on the IM/P publisher
cover the IM/P nodes; CallManager on the CUCM publisher covers the CUCM nodes. ECDSA twins
follow their RSA unit.

cup-xmpp-s2s must name every local, e-mail and group-chat alias domain (§6). uccert knows the
domains of the IM/P nodes' FQDNs; the others come from ``--domain`` (no node interface that
lists them is known). They are added to the SANs asked for, and the CSR the node returns is
checked to name them (:func:`check_generated_csr`): on the CLI (before 14) the node chooses the
SANs itself.

The CLI (``set csr gen``) makes single-node CSRs only, with the node's own key and SANs: extra
SANs, a chosen key and multi-server distribution need Certificate Management REST (14+).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from types import MappingProxyType
from typing import Any, Final

from cryptography import x509

from uccert.ca.keys import (
    KeySpec,
    default_key,
    key_problems,
    key_spec_of,
    public_key_sha256,
    unit_algorithm,
)
from uccert.ca.names import (
    dns_names,
    missing_names,
    name_syntax_problems,
    unique,
    wildcard_problems,
)
from uccert.ca.problems import Problem, Refused
from uccert.catalog import (
    REST_FROM_MAJOR,
    KeyAlgorithm,
    UnknownNameError,
    Version,
    VersionError,
    unit,
)
from uccert.model import Distribution, NodeSnapshot, Product, Role, Snapshot

SIDECAR_SCHEMA: Final = 1
S2S_UNITS: Final = frozenset({"cup-xmpp-s2s"})


@dataclass(frozen=True)
class MultiScope:
    """Who a multi-server cert of a unit covers, and which publisher generates its CSR."""

    products: frozenset[Product]
    generator: Product


_BOTH = frozenset({Product.CUCM, Product.IMP})
MULTI_SERVER_SCOPE: Mapping[str, MultiScope] = MappingProxyType(
    {
        "tomcat": MultiScope(_BOTH, Product.CUCM),
        "cup-xmpp": MultiScope(frozenset({Product.IMP}), Product.IMP),
        "cup-xmpp-s2s": MultiScope(frozenset({Product.IMP}), Product.IMP),
        "CallManager": MultiScope(frozenset({Product.CUCM}), Product.CUCM),
    }
)


@dataclass(frozen=True)
class CsrTarget:
    """One CSR: generated on ``node``; the signed cert will serve ``covers`` (node names).
    ``alt_names`` are asked for (REST); ``must_name`` must be in the CSR the node returns."""

    node: str
    fqdn: str
    version: str
    via_rest: bool
    common_name: str
    alt_names: tuple[str, ...]
    must_name: tuple[str, ...]
    covers: tuple[str, ...]
    covers_fqdns: tuple[str, ...]


@dataclass(frozen=True)
class CsrPlan:
    cluster: str
    unit: str
    distribution: Distribution
    key: KeySpec | None  # None: the node's own choice (CLI)
    targets: tuple[CsrTarget, ...]


def major_of(version: str) -> int | None:
    try:
        return Version.parse(version).major
    except VersionError:
        return None


def rest_capable(version: str) -> bool:
    major = major_of(version)
    return major is not None and major >= REST_FROM_MAJOR


def split_fqdn(fqdn: str) -> tuple[str, str]:
    host, _, domain = fqdn.partition(".")
    return host, domain


def multi_server_cn(unit_name: str, publisher_fqdn: str) -> str:
    """``<host>-ms.<domain>`` (ECDSA ``<host>-EC-ms.<domain>``) [guess: the CN CUCM gives a
    multi-server CSR; the admin can change it on the CA side]."""
    host, domain = split_fqdn(publisher_fqdn)
    ec = unit_algorithm(unit_name) is KeyAlgorithm.EC
    label = f"{host}-EC-ms" if ec else f"{host}-ms"
    return f"{label}.{domain}" if domain else label


def single_cn(unit_name: str, fqdn: str) -> str:
    host, domain = split_fqdn(fqdn)
    return unit(unit_name).common_name(host, domain) if domain else host


def reported_domains(snapshot: Snapshot) -> tuple[str, ...]:
    """The domains uccert can see: those of the IM/P nodes' FQDNs."""
    return unique(
        split_fqdn(n.node.fqdn)[1]
        for n in snapshot.nodes
        if n.node.product is Product.IMP and split_fqdn(n.node.fqdn)[1]
    )


def model_products(unit_name: str) -> frozenset[Product]:
    """The products that have ``unit_name``."""
    return unit(unit_name).products


def _has_unit(node: NodeSnapshot, unit_name: str) -> bool:
    return node.identity(unit_name) is not None


def _scope(
    snapshot: Snapshot, unit_name: str, products: frozenset[Product]
) -> tuple[list[NodeSnapshot], list[Problem]]:
    problems: list[Problem] = []
    nodes: list[NodeSnapshot] = []
    for n in snapshot.nodes:
        if n.node.product not in products:
            continue
        if n.error is not None:
            problems.append(
                Problem(
                    "node-unread",
                    f"{n.node.name} could not be read ({n.error}), so no CSR can cover it",
                    "make the node reachable and run the command again",
                )
            )
        elif _has_unit(n, unit_name):
            nodes.append(n)
    return nodes, problems


def _publisher(nodes: Sequence[NodeSnapshot], product: Product) -> NodeSnapshot | None:
    return next(
        (n for n in nodes if n.node.product is product and n.node.role is Role.PUBLISHER), None
    )


def plan_csr(
    snapshot: Snapshot,
    unit_name: str,
    distribution: Distribution,
    key: KeySpec | None = None,
    extra_sans: Sequence[str] = (),
    domains: Sequence[str] = (),
) -> CsrPlan:
    """The CSRs to generate, or :class:`Refused` with every problem found."""
    try:
        u = unit(unit_name)
    except UnknownNameError as exc:
        raise Refused(
            "CSR request", [Problem("unknown-unit", str(exc), "pass one of them")]
        ) from None
    problems: list[Problem] = []
    problems += wildcard_problems(extra_sans, "--san")
    problems += name_syntax_problems(extra_sans, "--san")
    problems += wildcard_problems(domains, "--domain")
    problems += name_syntax_problems(domains, "--domain")
    if key is not None:
        problems += key_problems(key, unit_name, f"the requested key {key}")
    s2s = u.rules_from in S2S_UNITS
    wanted_domains = unique([*reported_domains(snapshot), *domains]) if s2s else ()
    extra = unique([*extra_sans, *wanted_domains])
    if distribution is Distribution.MULTI:
        targets, more = _multi_targets(snapshot, unit_name, extra)
    else:
        targets, more = _single_targets(snapshot, unit_name, extra)
    problems += more
    if targets:
        cli_targets = [t for t in targets if not t.via_rest]
        if cli_targets and (extra_sans or key is not None):
            names = ", ".join(t.node for t in cli_targets)
            asked = " and ".join(
                w for w, on in (("--san", bool(extra_sans)), ("--key", key is not None)) if on
            )
            problems.append(
                Problem(
                    "needs-rest",
                    f"{names} run(s) a version before {REST_FROM_MAJOR}, where `set csr gen` "
                    f"takes no {asked} (the node uses its own key and names)",
                    f"leave out {asked}, or generate the CSR in Cisco Unified OS "
                    "Administration > Security > Certificate Management",
                )
            )
    if problems:
        raise Refused("CSR request", problems)
    if key is None and targets and all(t.via_rest for t in targets):
        key = default_key(unit_name)
    return CsrPlan(snapshot.cluster, unit_name, distribution, key, tuple(targets))


def _single_targets(
    snapshot: Snapshot, unit_name: str, extra: Sequence[str]
) -> tuple[list[CsrTarget], list[Problem]]:
    nodes, problems = _scope(snapshot, unit_name, model_products(unit_name))
    if not nodes and not problems:
        problems.append(
            Problem(
                "unit-absent",
                f"no node of cluster {snapshot.cluster} has {unit_name}",
                "check the unit name against `uccert inventory`",
            )
        )
    targets = []
    for n in nodes:
        names = unique([n.node.fqdn, *extra])
        targets.append(
            CsrTarget(
                node=n.node.name,
                fqdn=n.node.fqdn,
                version=n.node.version,
                via_rest=rest_capable(n.node.version),
                common_name=single_cn(unit_name, n.node.fqdn),
                alt_names=names,
                must_name=names,
                covers=(n.node.name,),
                covers_fqdns=(n.node.fqdn,),
            )
        )
    return targets, problems


def _multi_targets(
    snapshot: Snapshot, unit_name: str, extra: Sequence[str]
) -> tuple[list[CsrTarget], list[Problem]]:
    u = unit(unit_name)
    scope = MULTI_SERVER_SCOPE.get(u.rules_from)
    if not u.multi_server or scope is None:
        return [], [
            Problem(
                "no-multi-server",
                f"{unit_name} has no multi-server (SAN) distribution",
                "use --distribution single (one CSR per node)",
            )
        ]
    nodes, problems = _scope(snapshot, unit_name, scope.products)
    pub = _publisher(nodes, scope.generator)
    if pub is None:
        if not problems:
            problems.append(
                Problem(
                    "no-publisher",
                    f"the {scope.generator.value.upper()} publisher, which generates the "
                    f"multi-server CSR of {unit_name}, was not found with {unit_name}",
                    "check the cluster with `uccert inventory`",
                )
            )
        return [], problems
    if not rest_capable(pub.node.version):
        problems.append(
            Problem(
                "needs-rest",
                f"{pub.node.name} runs {pub.node.version or 'an unknown version'}: multi-server "
                f"CSRs need Certificate Management REST ({REST_FROM_MAJOR} and later); "
                "`set csr gen` makes single-node CSRs only",
                "generate it in Cisco Unified OS Administration > Security > Certificate "
                "Management > Generate CSR (Multi-server SAN), or use --distribution single",
            )
        )
    ordered = sorted(nodes, key=lambda n: (n is not pub, n.node.product is not scope.generator))
    fqdns = tuple(n.node.fqdn for n in ordered)
    names = unique([*fqdns, *extra])
    target = CsrTarget(
        node=pub.node.name,
        fqdn=pub.node.fqdn,
        version=pub.node.version,
        via_rest=True,
        common_name=multi_server_cn(unit_name, pub.node.fqdn),
        alt_names=names,
        must_name=names,
        covers=tuple(n.node.name for n in ordered),
        covers_fqdns=fqdns,
    )
    return [target], problems


def load_csr(pem: str, where: str) -> x509.CertificateSigningRequest:
    try:
        return x509.load_pem_x509_csr(pem.encode("ascii"))
    except (ValueError, UnicodeEncodeError):
        raise Refused(
            "CSR",
            [Problem("bad-csr", f"{where} is not a PEM certificate request", "check the file")],
        ) from None


def check_generated_csr(
    csr: x509.CertificateSigningRequest, target: CsrTarget, unit_name: str, key: KeySpec | None
) -> tuple[list[Problem], list[str]]:
    """What is wrong with the CSR a node returned (problems), and what differs from the
    request without making it unusable (notes, e.g. another key size than asked)."""
    where = f"the CSR {target.node} returned"
    problems: list[Problem] = []
    notes: list[str] = []
    if not csr.is_signature_valid:
        problems.append(
            Problem("bad-csr", f"{where} has an invalid signature", "generate it again")
        )
    public = csr.public_key()
    problems += key_problems(public, unit_name, where)
    got = key_spec_of(public)
    if key is not None and got is not None and got != key:
        notes.append(f"{target.node}: the node generated a {got} key, not {key} as asked")
    names = dns_names(csr)
    problems += wildcard_problems(names, where)
    missing = missing_names(target.must_name, names)
    if missing:
        problems.append(
            Problem(
                "csr-names-missing",
                f"{where} does not name {', '.join(missing)}",
                "check the node's domain settings (cup-xmpp-s2s names every local, e-mail and "
                "group-chat domain), then generate it again"
                if unit(unit_name).rules_from in S2S_UNITS
                else "generate it again",
            )
        )
    return problems, notes


def sidecar(
    plan: CsrPlan,
    target: CsrTarget,
    csr: x509.CertificateSigningRequest,
    *,
    via: str,
    generated_at: datetime,
    csr_file: str,
) -> dict[str, Any]:
    """The JSON written next to each CSR: enough to match the signed cert to it later."""
    spec = key_spec_of(csr.public_key())
    return {
        "schema_version": SIDECAR_SCHEMA,
        "cluster": plan.cluster,
        "unit": plan.unit,
        "distribution": plan.distribution.value,
        "node": target.node,
        "node_fqdn": target.fqdn,
        "covers": list(target.covers),
        "covers_fqdns": list(target.covers_fqdns),
        "common_name": target.common_name,
        "alt_names": list(dns_names(csr)),
        "key": spec.name if spec is not None else None,
        "public_key_sha256": public_key_sha256(csr.public_key()),
        "generated_at": generated_at.isoformat().replace("+00:00", "Z"),
        "via": via,
        "csr_file": csr_file,
    }
