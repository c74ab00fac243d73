"""Parsing --units and --nodes: typos stop before the cluster is read (exit 2)."""

from __future__ import annotations

import pytest

from uccert.errors import ConfigError
from uccert.plan import REGENERABLE, PlanError, parse_nodes, parse_units

from .build import ALL_UNITS


def test_all_expands_to_the_notes_units_and_their_ecdsa_twins() -> None:
    assert set(parse_units("all")) == set(ALL_UNITS)
    assert parse_units("ALL") == parse_units("all") == REGENERABLE


def test_units_come_back_in_catalog_order_without_duplicates() -> None:
    assert parse_units(" tomcat, cup ,cup,, ") == ("cup", "tomcat")


def test_unit_names_are_matched_without_regard_to_case() -> None:
    assert parse_units("CUP-ecdsa,Tomcat") == ("tomcat", "cup-ECDSA")


def test_an_unknown_unit_is_refused_with_the_list_of_valid_units() -> None:
    with pytest.raises(PlanError) as err:
        parse_units("cup,cupxmpp")
    message = str(err.value)
    assert "'cupxmpp'" in message
    for name in (*ALL_UNITS, "all"):
        assert name in message


def test_a_unit_outside_the_procedure_is_refused_and_says_why() -> None:
    with pytest.raises(PlanError, match="CallManager is outside the procedure"):
        parse_units("CallManager")


def test_an_empty_unit_list_is_refused() -> None:
    with pytest.raises(PlanError, match="--units is empty"):
        parse_units(" , ")


def test_plan_error_is_a_configuration_error_with_exit_code_2() -> None:
    assert issubclass(PlanError, ConfigError) and PlanError("x").exit_code == 2


@pytest.mark.parametrize("text", ["imp", "cucm", "all", " IMP ", "All"])
def test_scope_keywords(text: str) -> None:
    assert parse_nodes(text) == text.strip().lower()


def test_node_names_keep_their_order_without_duplicates() -> None:
    assert parse_nodes("imp-sub2, imp-pub,imp-sub2") == ("imp-sub2", "imp-pub")


def test_an_empty_node_list_is_refused() -> None:
    with pytest.raises(PlanError, match="--nodes is empty"):
        parse_nodes(",")
