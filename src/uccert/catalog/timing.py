"""How long uccert waits on a real cluster: the defaults of an inventory's
``[clusters.NAME.timing]`` and of every plan (`PlanTiming`).

The HA sync wait is the procedure's (`HA_SYNC_WAIT_DEFAULT`, docs/design/procedure.md §3); the
poll interval and the two timeouts are uccert's own choices for real nodes, whose restarts take
minutes and whose CLI commands can take seconds. Here, in the catalog, so that the inventory
(config) and the plans (model) share one definition without config importing the model.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from uccert.catalog.ha import HA_SYNC_WAIT_DEFAULT


@dataclass(frozen=True)
class PlanTiming:
    """Seconds; from the inventory's ``[clusters.NAME.timing]`` (these defaults otherwise)."""

    ha_sync_wait: float = HA_SYNC_WAIT_DEFAULT.total_seconds()
    poll_interval: float = 5.0
    restart_timeout: float = 600.0
    command_timeout: float = 300.0


# The defaults as one value: what a plan uses when the inventory sets no timing.
REAL_CLUSTER_TIMING: Final = PlanTiming()
