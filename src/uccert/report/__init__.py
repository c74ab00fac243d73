"""Renderings of runs for people: a self-contained HTML report.

Its names load on first use (PEP 562 ``__getattr__``): the fleet and run reports import the
model and the run layer, which every command's ``--help`` would otherwise pay for through
``clean`` (tests/cli/test_lazy_imports.py).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from uccert.lazy_exports import lazy_exports

if TYPE_CHECKING:
    from uccert.report.fleet_html import RUNS_SHOWN, ClusterReport, render_fleet_html
    from uccert.report.run_html import render_run_html
    from uccert.report.safe_text import clean

# name -> the module that defines it
_HOME: dict[str, str] = {
    "ClusterReport": "uccert.report.fleet_html",
    "RUNS_SHOWN": "uccert.report.fleet_html",
    "clean": "uccert.report.safe_text",
    "render_fleet_html": "uccert.report.fleet_html",
    "render_run_html": "uccert.report.run_html",
}

__all__ = [
    "RUNS_SHOWN",
    "ClusterReport",
    "clean",
    "render_fleet_html",
    "render_run_html",
]


__getattr__ = lazy_exports(__name__, _HOME)
