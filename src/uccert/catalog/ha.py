"""High availability around restarts (§3): HA off before any IM/P restart or stop, then back.

A Presence Redundancy Group with HA enabled fails a node over when a critical service stays
down past the Server Recovery Manager's critical-service-down delay (90 s by default), moving
its users to the peer.
"""
# § numbers in this module are sections of docs/design/procedure.md (§N.M: step M of §N).

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from enum import StrEnum

from uccert.catalog.topology import Product

# §3 step 2: wait for the HA setting to sync across the cluster ("at least two minutes")
HA_SYNC_WAIT_DEFAULT = timedelta(seconds=120)


class ServiceAction(StrEnum):
    RESTART = "restart"
    STOP = "stop"
    START = "start"


@dataclass(frozen=True)
class HaRule:
    """HA must be off on every PRG while `actions` are done on `product` nodes."""

    product: Product
    actions: frozenset[ServiceAction]


HA_OFF_WHILE: tuple[HaRule, ...] = (
    HaRule(Product.IMP, frozenset({ServiceAction.RESTART, ServiceAction.STOP})),
)


def needs_ha_off(product: Product, action: ServiceAction) -> bool:
    return any(r.product is product and action in r.actions for r in HA_OFF_WHILE)


# §3 assumes a Normal group. `utils ha status` states (Cisco CLI Reference 12.5(1)SU5, utils ha
# status examples, https://www.cisco.com/c/en/us/td/docs/voice_ip_comm/cucm/cli_ref/12_5_1SU5/
# cucm_b_cli_reference-guide_release1251SU5/
# cucm_b_cli_reference_guide_release_1401_chapter_01001.html): a node is settled when it is
# Normal, or Unknown because HA is not enabled on its group. Anything else (Failed Over, Running
# in Backup Mode, Failing Over, Falling Back, Failed) means users are not on their home nodes.
HA_STATE_NORMAL = "Normal"
HA_STATE_UNKNOWN = "Unknown"
HA_NOT_ENABLED_REASON = "High Availability Not Enabled"
HA_FALLBACK_FIX = (
    "fall back first (Cisco Unified CM Administration > System > Presence Topology, or "
    "`utils ha fallback <group>` on an IM/P node), wait until `utils ha status` shows every "
    "node Normal, then run again"
)


def ha_state_settled(state: str, reason: str | None) -> bool:
    """Whether a node in this ``utils ha status`` state may have its services restarted."""
    folded = state.strip().casefold()
    if folded == HA_STATE_NORMAL.casefold():
        return True
    return folded == HA_STATE_UNKNOWN.casefold() and (reason or "").strip().casefold() == (
        HA_NOT_ENABLED_REASON.casefold()
    )
