"""Renderings of runs for people: a self-contained HTML report."""

from uccert.report.run_html import render_run_html

__all__ = ["render_run_html"]
