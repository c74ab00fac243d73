"""The nodes' certificate stores and what changes them: build, regenerate, delete, import, CSR.

`CertOps` is the certificate half of `Lab` (a base class, so the Lab stays the one mutable
object): own certs per node and unit, trust stores per node, Certificate Change Notification
copies (`ccn.py`), the version rules of deletes (propagated from 11.0; before 11.0 put back by
any peer whose Certificate Change Notification is Started) and the demo's seeded problems.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from datetime import datetime

from cryptography import x509

from uccert.lab.state import ccn, seed, seeding
from uccert.lab.state.certs import (
    TRUST_DESCRIPTION,
    OwnCert,
    TrustCert,
    common_name_of,
    csr,
    describe_own,
    fingerprint,
    is_self_signed,
    same_public_key,
    self_signed,
    serial_hex,
    to_pem,
)
from uccert.lab.state.errors import LabCommandError
from uccert.lab.state.keys import KeySource, PrivateKey, new_key_like
from uccert.lab.state.services import ServiceRecord
from uccert.lab.state.tables import (
    CCN,
    DELETE_PROPAGATES_FROM,
    DRF_LOADED_PREFIX,
    DRF_SERVICES,
    EC_BITS,
    RSA_BITS,
    ServiceDef,
    common_name,
    drf_master_product,
    drf_unit,
    is_ecdsa,
    own_file,
    parse_version,
    trust_file,
    trust_store_for,
    trust_stores_for,
    units_for,
)
from uccert.lab.state.topology import NodeSpec, Topology

Loads = tuple[dict[str, x509.Certificate], dict[str, tuple[str, ...]]]


class CertOps(ABC):
    topology: Topology
    _services: dict[str, dict[str, ServiceRecord]]

    def __init__(self, topology: Topology, keys: KeySource, start: datetime) -> None:
        self._keys = keys
        self._own: dict[str, dict[str, OwnCert]] = {}
        self._own_keys: dict[tuple[str, str], PrivateKey] = {}
        # Every key a node ever installed, by the serial of its cert: a service keeps presenting
        # the cert (and so the key) it loaded at its last start, even after a regeneration.
        self._key_of_serial: dict[tuple[str, int], PrivateKey] = {}
        self._pending: dict[tuple[str, str], PrivateKey] = {}
        self._pending_csr: dict[tuple[str, str], str] = {}
        self._trust: dict[str, dict[str, dict[str, TrustCert]]] = {}
        for spec in topology.nodes:
            version = parse_version(spec.version)
            self._own[spec.name] = {}
            self._trust[spec.name] = {s: {} for s in trust_stores_for(spec.product, version)}
        for spec in topology.nodes:
            for i, unit in enumerate(units_for(spec.product, parse_version(spec.version))):
                key: PrivateKey = keys.ec(EC_BITS) if is_ecdsa(unit) else keys.rsa(RSA_BITS)
                not_before = seed.identity_not_before(topology, spec, i, start)
                self._install_own(spec, unit, key, self._node_cert(spec, unit, key, not_before))
        for spec in topology.nodes:
            for unit, own in self._own[spec.name].items():
                self._distribute(spec, unit, own.cert, emit=False)
        if topology.seed_problems:
            seeding.seed_problems(self, topology, start)
        if topology.hostile_trust_cn is not None:
            seeding.seed_hostile_ca(self, topology.hostile_trust_cn, start)

    # hooks provided by Lab
    @abstractmethod
    def spec(self, node: str) -> NodeSpec: ...

    @abstractmethod
    def now_datetime(self) -> datetime: ...

    @abstractmethod
    def _emit(self, node: str, kind: str, **data: object) -> None: ...

    # -- reading ----------------------------------------------------------------------------

    def own_certs(self, node: str) -> list[OwnCert]:
        return list(self._own_of(node).values())

    def trust_certs(self, node: str) -> list[TrustCert]:
        self.spec(node)
        return [tc for store in self._trust[node].values() for tc in store.values()]

    # -- changes ----------------------------------------------------------------------------

    def regenerate(self, node: str, unit: str, via: str) -> tuple[str, str]:
        """New self-signed cert (same key type and size, 5 years from now); CCN copies it."""
        spec = self.spec(node)
        old = self._own_unit(node, unit)
        key = new_key_like(self._keys, self._own_keys[(node, unit)])
        cert = self._node_cert(spec, unit, key, self.now_datetime())
        self._install_own(spec, unit, key, cert)
        old_serial, new_serial = serial_hex(old.cert), serial_hex(cert)
        self._emit(
            node,
            "cert-regenerated",
            unit=unit,
            old_serial=old_serial,
            new_serial=new_serial,
            via=via,
        )
        self._distribute(spec, unit, cert, emit=True)
        return old_serial, new_serial

    def delete_trust(self, node: str, store: str, file: str, via: str) -> None:
        """Delete a trust cert; identity certs are refused. See the module doc for versions."""
        spec = self.spec(node)
        entries = self._store(node, store)
        name = file if file.startswith(f"{store}/") else f"{store}/{file}"
        gone = entries.pop(name, None)
        if gone is None:
            raise LabCommandError(f"no {name} in {store} on {node}")
        self._emit(
            node, "trust-deleted", store=store, file=name, serial=serial_hex(gone.cert), via=via
        )
        fp = fingerprint(gone.cert)
        if parse_version(spec.version) >= DELETE_PROPAGATES_FROM:
            for other in self.topology.nodes:
                held = self._trust[other.name].get(store, {}).get(name)
                if other.name != node and held is not None and fingerprint(held.cert) == fp:
                    del self._trust[other.name][store][name]
                    self._emit(
                        other.name,
                        "trust-deleted",
                        store=store,
                        file=name,
                        serial=serial_hex(held.cert),
                        via="lab",
                    )
        elif self._ccn_peer_holding(node, store, fp) is not None:
            entries[name] = gone
            self._emit(
                node, "trust-added", store=store, file=name, serial=serial_hex(gone.cert), via="lab"
            )

    def import_trust(
        self, node: str, store: str, pem: str, via: str, description: str | None = None
    ) -> TrustCert:
        spec = self.spec(node)
        self._store(node, store)
        cert = _load_chain(pem)[0]
        return self._add_trust(spec, store, cert, description=description, via=via)

    def generate_csr(
        self,
        node: str,
        unit: str,
        via: str = "lab",
        *,
        alt_names: Sequence[str] | None = None,
        include_ou: bool = True,
        cn: str | None = None,
    ) -> str:
        """A CSR for ``unit`` with a new pending key of the unit's type and size."""
        spec = self.spec(node)
        self._own_unit(node, unit)
        key = new_key_like(self._keys, self._own_keys[(node, unit)])
        self._pending[(node, unit)] = key
        subject_cn = cn or common_name(unit, spec.name, self.topology.domain)
        names = list(alt_names) if alt_names is not None else [spec.fqdn]
        self._emit(node, "csr-generated", unit=unit, via=via)
        request = csr(key, subject_cn, names, include_ou)
        self._pending_csr[(node, unit)] = request
        return request

    def pending_csr(self, node: str, unit: str) -> str | None:
        """The PEM CSR of ``unit`` still waiting for its signed cert, None if there is none."""
        self._own_unit(node, unit)
        return self._pending_csr.get((node, unit))

    def issuer_trusted(self, node: str, unit: str, leaf_pem: str) -> bool:
        """Whether the first cert of ``leaf_pem`` is self-signed or its issuer is in the unit's
        trust store on ``node`` (a CA cert sent along in the chain does not count)."""
        spec = self.spec(node)
        self._own_unit(node, unit)
        leaf = _load_chain(leaf_pem)[0]
        if is_self_signed(leaf):
            return True
        store = trust_store_for(unit, parse_version(spec.version))
        entries = self._trust[node].get(store, {}) if store is not None else {}
        return any(t.cert.subject == leaf.issuer for t in entries.values())

    def share_own(self, node: str, unit: str, to: Sequence[str], via: str) -> list[OwnCert]:
        """Multi-server distribution: install ``node``'s current ``unit`` cert and key on the
        nodes ``to`` (each must have the unit); emits ``cert-uploaded`` on each."""
        self.spec(node)
        own = self._own_unit(node, unit)
        key = self._own_keys[(node, unit)]
        targets = [t for t in to if t != node]
        for target in targets:
            self._own_unit(target, unit)
        installed = []
        for target in targets:
            installed.append(self._install_own(self.spec(target), unit, key, own.cert))
            self._pending.pop((target, unit), None)
            self._pending_csr.pop((target, unit), None)
            self._emit(target, "cert-uploaded", unit=unit, serial=serial_hex(own.cert), via=via)
        return installed

    def import_own(self, node: str, unit: str, pem_chain: str, via: str) -> OwnCert:
        """Install a CA-signed cert for the pending CSR of ``unit`` (leaf first, then CAs)."""
        spec = self.spec(node)
        self._own_unit(node, unit)
        chain = _load_chain(pem_chain)
        leaf = chain[0]
        key = self._pending.get((node, unit))
        if key is None or not same_public_key(leaf, key):
            raise LabCommandError(
                f"the certificate does not match a pending CSR for {unit} on {node}; "
                f"generate a CSR (set csr gen {unit}) and have it signed"
            )
        store = trust_store_for(unit, parse_version(spec.version))
        known = [c.subject for c in chain[1:]]
        if store is not None:
            known += [t.cert.subject for t in self._trust[node].get(store, {}).values()]
        if not is_self_signed(leaf) and leaf.issuer not in known:
            raise LabCommandError(
                f"the issuer {common_name_of(leaf.issuer)} is not in {store}; "
                f"import the CA certificate into {store} first"
            )
        del self._pending[(node, unit)]
        self._pending_csr.pop((node, unit), None)
        own = self._install_own(spec, unit, key, leaf)
        self._emit(node, "cert-uploaded", unit=unit, serial=serial_hex(leaf), via=via)
        return own

    # -- internals --------------------------------------------------------------------------

    def _own_of(self, node: str) -> dict[str, OwnCert]:
        self.spec(node)
        return self._own[node]

    def _own_unit(self, node: str, unit: str) -> OwnCert:
        own = self._own_of(node).get(unit)
        if own is None:
            raise LabCommandError(
                f"no unit {unit!r} on {node}; units: {', '.join(self._own[node])}"
            )
        return own

    def _store(self, node: str, store: str) -> dict[str, TrustCert]:
        entries = self._trust[node].get(store)
        if entries is not None:
            return entries
        if store in self._own[node]:
            raise LabCommandError(
                f"{store} is an identity certificate of {node}: identity certificates cannot "
                "be deleted or replaced this way; regenerate it instead"
            )
        raise LabCommandError(
            f"no trust store {store!r} on {node}; stores: {', '.join(self._trust[node])}"
        )

    def _node_cert(
        self, spec: NodeSpec, unit: str, key: PrivateKey, not_before: datetime
    ) -> x509.Certificate:
        cn = common_name(unit, spec.name, self.topology.domain)
        return self_signed(key, cn, [spec.fqdn], not_before)

    def _install_own(
        self, spec: NodeSpec, unit: str, key: PrivateKey, cert: x509.Certificate
    ) -> OwnCert:
        own = OwnCert(unit, own_file(unit), cert, to_pem(cert), describe_own(cert))
        self._own[spec.name][unit] = own
        self._own_keys[(spec.name, unit)] = key
        self._key_of_serial[(spec.name, cert.serial_number)] = key
        return own

    def _distribute(self, owner: NodeSpec, unit: str, cert: x509.Certificate, emit: bool) -> None:
        for node, store in ccn.targets(self.topology, owner, unit):
            self._add_trust(self.spec(node), store, cert, via="lab" if emit else None)

    def _add_trust(
        self,
        spec: NodeSpec,
        store: str,
        cert: x509.Certificate,
        *,
        file: str | None = None,
        description: str | None = None,
        via: str | None = None,
    ) -> TrustCert:
        name = file or trust_file(
            store, common_name_of(cert.subject), serial_hex(cert), parse_version(spec.version)
        )
        text = TRUST_DESCRIPTION if description is None else description
        entry = TrustCert(store, name, cert, to_pem(cert), text)
        self._trust[spec.name][store][name] = entry
        if via is not None:
            self._emit(
                spec.name, "trust-added", store=store, file=name, serial=serial_hex(cert), via=via
            )
        return entry

    def _ccn_peer_holding(self, node: str, store: str, fp: bytes) -> str | None:
        """A peer whose Certificate Change Notification is Started and that has this cert."""
        for other in self.topology.nodes:
            ccn_service = self._services[other.name].get(CCN)
            if other.name == node or ccn_service is None or ccn_service.state != "Started":
                continue
            owns = any(fingerprint(o.cert) == fp for o in self._own[other.name].values())
            trusts = any(
                fingerprint(t.cert) == fp for t in self._trust[other.name].get(store, {}).values()
            )
            if owns or trusts:
                return other.name
        return None

    def _loads(self, node: str, sdef: ServiceDef) -> Loads:
        """What ``sdef`` loads when it starts on ``node``: its units and trust stores."""
        version = parse_version(self.spec(node).version)
        own = self._own[node]
        loads, loads_trust = sdef.loads, sdef.loads_trust
        if sdef.name in DRF_SERVICES:  # ipsec, or tomcat from 14 (TAC 215534)
            loads = loads_trust = (drf_unit(version),)
        certs = {u: own[u].cert for base in loads for u in (base, f"{base}-ECDSA") if u in own}
        if sdef.name == "Cisco DRF Master":  # it keeps the served nodes' DRF certs as they are now
            certs.update(self._drf_served(node))
        stores: dict[str, tuple[str, ...]] = {}
        for unit in loads_trust:
            store = trust_store_for(unit, version)
            if store is not None and store in self._trust[node]:
                stores[store] = tuple(self._trust[node][store])
        return certs, stores

    def drf_master_node(self, node: str) -> str:
        """The node whose DRF Master backs ``node`` up."""
        spec = self.spec(node)
        product = drf_master_product(spec.product, parse_version(spec.version))
        return next(
            n.name for n in self.topology.nodes if n.product == product and n.role == "publisher"
        )

    def _drf_served(self, host: str) -> dict[str, x509.Certificate]:
        """``drf:<node>`` -> the DRF cert of every node ``host``'s DRF Master serves."""
        served: dict[str, x509.Certificate] = {}
        for spec in self.topology.nodes:
            if self.drf_master_node(spec.name) != host:
                continue
            unit = drf_unit(parse_version(spec.version))
            if unit in self._own[spec.name]:
                served[f"{DRF_LOADED_PREFIX}{spec.name}"] = self._own[spec.name][unit].cert
        return served


def _load_chain(pem: str) -> list[x509.Certificate]:
    try:
        certs = x509.load_pem_x509_certificates(pem.encode("ascii"))
    except ValueError:
        raise LabCommandError(
            "not a PEM certificate: paste -----BEGIN CERTIFICATE----- ..."
        ) from None
    return certs
