"""`uccert watch`: `check` on a schedule, notifying only what changed since the last check.

``findings`` (pure): which findings are new and which resolved. ``notify``: the payload shapes
(pure) and the senders (a command, a webhook POST). ``store``: the findings already notified,
in the run database. ``schedule``: the periods, and each check as a DBOS workflow.
"""

from uccert.watch.autoregen import regen_targets
from uccert.watch.findings import Change
from uccert.watch.schedule import (
    Checked,
    WatchEnvironment,
    parse_every,
    run_check,
    slot_of,
    workflow_id,
)

__all__ = [
    "Change",
    "Checked",
    "WatchEnvironment",
    "parse_every",
    "regen_targets",
    "run_check",
    "slot_of",
    "workflow_id",
]
