"""What an upload changed, and the restarts the lead's planner will run for it."""

from __future__ import annotations

from uccert.ca.after_upload import (
    client_bundle_hint,
    restarts_after_upload,
    upload_plan_inputs,
    upload_warnings,
)
from uccert.ca.upload_checks import plan_upload

from .pki import FQDN, NOW, cluster, csr_pem, pki, rsa_key

KEY = rsa_key("imp-pub-tomcat")


def test_multi_server_cup_xmpp_changes_every_imp_node_and_needs_the_sync_agent() -> None:
    names = [FQDN["imp-pub"], FQDN["imp-sub1"]]
    snap = cluster(features=frozenset({"xmpp_federation"}))
    p = pki()
    up = plan_upload(
        snap,
        "cup-xmpp",
        p.leaf(KEY, names),
        [p.inter, p.root],
        {"imp-pub": csr_pem(KEY, names)},
        NOW,
    )
    change = upload_plan_inputs(up, snap)
    assert change.changed == (("imp-pub", "cup-xmpp"), ("imp-sub1", "cup-xmpp"))
    assert change.intercluster_sync_on == "imp-pub"
    assert {(n, s) for n, s, _ in change.trust_added} == {
        ("imp-pub", "cup-xmpp-trust"),
        ("imp-sub1", "cup-xmpp-trust"),
    }
    needed = restarts_after_upload(change, snap)
    restarts = {r.node: [s.service for s in r.restarts] for r in needed}
    assert restarts == {
        "imp-pub": ["Cisco XCP Router", "Cisco Intercluster Sync Agent"],
        "imp-sub1": ["Cisco XCP Router"],
    }
    assert [w.code.value for w in upload_warnings(change)] == [
        "isa-after-ca-upload",
        "outside-production-hours",
    ]
    assert client_bundle_hint(change) is not None


def test_single_node_tomcat_on_cucm_restarts_tomcat_and_drf_there_only() -> None:
    snap = cluster()
    p = pki()
    up = plan_upload(
        snap,
        "tomcat",
        p.leaf(KEY, [FQDN["cucm-pub"]]),
        [p.inter, p.root],
        {"cucm-pub": csr_pem(KEY, [FQDN["cucm-pub"]])},
        NOW,
    )
    change = upload_plan_inputs(up, snap)
    assert change.changed == (("cucm-pub", "tomcat"),) and change.intercluster_sync_on is None
    (only,) = restarts_after_upload(change, snap)
    assert only.node == "cucm-pub"
    # 14: DRF uses the tomcat cert (TAC 215534): DRF Master (it runs here) first, DRF Local
    assert [(r.service, r.cli_command) for r in only.restarts] == [
        ("Cisco DRF Master", "utils service restart Cisco DRF Master"),
        ("Cisco Tomcat", "utils service restart Cisco Tomcat"),
        ("Cisco DRF Local", "utils service restart Cisco DRF Local"),
    ]


def test_nothing_uploaded_to_the_trust_stores_means_no_sync_agent_restart() -> None:
    snap = cluster()
    p = pki()
    up = plan_upload(
        snap,
        "cup-xmpp",
        p.leaf(KEY, [FQDN["imp-pub"]]),
        [p.inter, p.root],
        {"imp-pub": csr_pem(KEY, [FQDN["imp-pub"]])},
        NOW,
    )
    change = upload_plan_inputs(up, snap, trust_done=())
    assert change.intercluster_sync_on is None and change.trust_added == ()
