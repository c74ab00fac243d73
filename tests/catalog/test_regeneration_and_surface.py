"""§2 renew actions, and the catalog's shape: pure data, frozen, a deliberate surface."""
# § numbers in this module are sections of docs/design/procedure.md (§N.M: step M of §N).

from __future__ import annotations

import dataclasses
from datetime import timedelta

import pytest

import uccert.catalog as catalog
from uccert.catalog import RENEW_ACTION, UNITS, CertKind, RenewAction
from uccert.catalog.regeneration import SELF_SIGNED_VALIDITY


def test_only_self_signed_units_are_regenerated() -> None:
    assert RENEW_ACTION[CertKind.SELF_SIGNED] is RenewAction.REGENERATE
    assert RENEW_ACTION[CertKind.CA_MULTI_SERVER] is RenewAction.MULTI_SERVER_CSR
    assert RENEW_ACTION[CertKind.CA_SINGLE_NODE] is RenewAction.CSR_PER_NODE


def test_self_signed_validity_is_five_years_minus_a_second() -> None:
    assert timedelta(days=1825, seconds=-1) == SELF_SIGNED_VALIDITY


def test_tables_are_read_only() -> None:
    with pytest.raises(TypeError):
        UNITS["cup"] = UNITS["tomcat"]  # type: ignore[index]


def test_rows_are_frozen() -> None:
    with pytest.raises(dataclasses.FrozenInstanceError):
        UNITS["cup"].multi_server = True  # type: ignore[misc]


def test_public_surface_is_exported() -> None:
    for name in catalog.__all__:
        assert hasattr(catalog, name), name
    assert catalog.__doc__ is not None and "Theory of operation" in catalog.__doc__
