"""Database replication before anything changes: every node's Replicate_State must be 2
(``utils dbreplication runtimestate`` on the CUCM publisher and the IM/P database publisher),
else the plan is refused (exit 2), unless ``--force-replication``, which goes on with a
warning in the plan."""

from __future__ import annotations

from uccert import catalog
from uccert.model import PlanWarning, Snapshot
from uccert.plan.request import PlanError


def replication_warnings(snapshot: Snapshot, forced: bool) -> tuple[PlanWarning, ...]:
    """() when every listed node replicates; PlanError, or (forced) one warning, otherwise."""
    bad = [r for r in snapshot.replication if r.state != catalog.REPLICATION_GOOD]
    if not bad:
        return ()
    shown = "; ".join(
        f"{r.host} is ({r.state}) {r.details or catalog.replication_meaning(r.state)}" for r in bad
    )
    what = (
        f"database replication is not good ({shown}, utils dbreplication runtimestate): "
        "certificate changes and trust propagation ride on it"
    )
    if not forced:
        raise PlanError(f"{what}; {catalog.REPLICATION_FIX}")
    return (
        PlanWarning(
            "replication-forced",
            f"{what}; --force-replication: going on anyway, so check each node's certs and "
            "trust stores yourself afterwards",
        ),
    )
