"""The regen planner: (Snapshot, RegenRequest) -> Plan. Pure: no I/O, no clock.

Theory of operation
===================

`plan_regen` reads a fresh snapshot of one cluster and returns the ordered steps of
`uccert regen apply` (``uccert.model.Plan``); the executor (`uccert.run`) runs them, each step
done by observation. Everything the procedure knows (which units a node has, what restarts
after each, in which order, where HA must be off, which warnings apply) is looked up in
`uccert.catalog`; this package only selects, orders and merges.

| module     | does                                                                        |
|------------|-----------------------------------------------------------------------------|
| request    | `RegenRequest`, `PlanError`, `parse_units`, `parse_nodes`                   |
| scope      | the nodes in scope, in procedure order; refuses unread nodes, unknown names |
| select     | which (node, unit) to regenerate; CA-signed left alone (§2) unless forced   |
| repair     | §4: ipsec-trust lacking the CUCM publisher's cert, on nodes in scope        |
| merge      | restarts: once per (node, service), service by service, publisher first     |
| ha         | §3: HA off where on, wait, restore exactly what was on                      |
| warnings   | what the plan leaves alone, does unasked, and the catalog's §6 warnings     |
| regen      | `plan_regen`: the merged plan, or the note's literal order (`--literal`)    |
| prune*     | `plan_prune` (§5): `uccert trust prune`: select, guard, pre-stop, delete,   |
|            | restart, start, verify, with the version rules (see `prune`)                |

Step ids are stable and unique (``regenerate:<node>:<unit>``, ``restart:<node>:<service>``,
``ha-off:<group>``; literal rounds append the unit), so a stored run resumes by id.
"""
# § numbers in this module are sections of docs/design/procedure.md (§N.M: step M of §N).

from uccert.plan.prune import plan_prune
from uccert.plan.prune_select import PruneRequest, check_request
from uccert.plan.regen import plan_regen
from uccert.plan.request import REGENERABLE, PlanError, RegenRequest, parse_nodes, parse_units
from uccert.plan.upload import plan_after_upload, services_to_restart

__all__ = [
    "REGENERABLE",
    "PlanError",
    "PruneRequest",
    "RegenRequest",
    "check_request",
    "parse_nodes",
    "parse_units",
    "plan_after_upload",
    "plan_prune",
    "plan_regen",
    "services_to_restart",
]
