"""A node read in part: unreadable certs and trust files only the web page can delete."""

from __future__ import annotations

from builders import NOW, node_of, with_node
from uccert.checks import exit_code_for, run_checks
from uccert.model import Severity

from .build import cert, healthy_cluster, trust


def test_an_unreadable_cert_is_a_warning_on_its_node_not_a_failed_node() -> None:
    warning = "tomcat-trust/x.pem: not inventoried: `show cert trust ...` printed no PEM block"
    snap = with_node(healthy_cluster(), "imp-sub1", warnings=(warning,))
    [f] = run_checks(snap, NOW)
    assert (f.code, f.severity, f.node, f.subject) == (
        "read-warning",
        Severity.WARNING,
        "imp-sub1",
        "tomcat-trust/x.pem",
    )
    assert "no PEM block" in f.message
    assert exit_code_for([f]) == 3


def test_a_trust_file_the_cli_cannot_name_is_listed_and_left_to_the_web_page() -> None:
    partner = cert("x", "Partner Root CA", serial=0x55)
    odd = trust("tomcat-trust", partner, "Partner Root CA (2019).pem")
    base = healthy_cluster()
    trusts = (*node_of(base, "cucm-pub").trusts, odd)
    [f] = run_checks(with_node(base, "cucm-pub", trusts=trusts), NOW)
    assert (f.code, f.severity) == ("web-only-delete", Severity.INFO)
    assert f.subject == "tomcat-trust/Partner Root CA (2019).pem"
    assert "Certificate Management" in f.fix
    assert exit_code_for([f]) == 0
