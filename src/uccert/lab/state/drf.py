"""DRF backups: DRF Master keeps the DRF certs of the nodes it serves as they were when it
started (docs/design/procedure.md §1), so a node whose DRF cert changed since cannot be backed up
until DRF
Master, then its DRF Local, restart. DRF's cert: ipsec, tomcat from 14 (`tables.drf_unit`)."""

from __future__ import annotations

from collections.abc import Mapping

from cryptography import x509

from uccert.lab.state.services import ServiceRecord
from uccert.lab.state.tables import DRF_LOADED_PREFIX

SUCCESS = "SUCCESS"
MASTER, LOCAL = "Cisco DRF Master", "Cisco DRF Local"


def backup_result(
    node: str,
    current: x509.Certificate,
    host: str,
    services: Mapping[str, Mapping[str, ServiceRecord]],
) -> str:
    """SUCCESS, or why ``node``'s backup fails: its DRF Local and the DRF Master on ``host``
    must run on its ``current`` DRF cert. [guess] the wording: Cisco documents no CLI capture
    of a per-node backup failure."""
    master = services[host].get(MASTER)
    local = services[node].get(LOCAL)
    if master is None or master.state != "Started":
        return f"ERROR: {MASTER} on {host} is not running"
    if local is None or local.state != "Started":
        return f"ERROR: {LOCAL} is not running"
    if master.loaded.get(f"{DRF_LOADED_PREFIX}{node}") != current:
        return f"ERROR: {MASTER} on {host} holds an old DRF certificate of {node}"
    if current not in local.loaded.values():
        return f"ERROR: {LOCAL} holds an old DRF certificate"
    return SUCCESS
