"""Suite-wide: the ``pure`` mark that ``make check`` (the fast tier) selects.

A pure test needs no lab, no network and no uccert subprocess, so the whole tier runs in well
under a minute. Every test under a directory of ``PURE_DIRECTORIES`` is pure; a pure module in
another directory says so itself with ``pytestmark = pytest.mark.pure``.
"""

from __future__ import annotations

from pathlib import Path

import pytest

_TESTS = Path(__file__).resolve().parent
PURE_DIRECTORIES = tuple(
    _TESTS / name
    for name in ("catalog", "model", "protocols", "plan", "checks", "ca", "config", "lab/state")
)


def pytest_configure(config: pytest.Config) -> None:
    """A renamed directory must not silently drop its tests from the fast tier."""
    missing = [str(d.relative_to(_TESTS)) for d in PURE_DIRECTORIES if not d.is_dir()]
    if missing:
        raise pytest.UsageError(f"tests/conftest.py: PURE_DIRECTORIES has no {missing}")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if any(item.path.is_relative_to(d) for d in PURE_DIRECTORIES):
            item.add_marker(pytest.mark.pure)
