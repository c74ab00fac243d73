"""The pieces every renderer uses: tables that fit, colour that obeys, node text made safe."""

from __future__ import annotations

import io
import re
import time
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from rich.cells import cell_len
from rich.console import Console

from uccert.cli import main, output
from uccert.cli.check import compress_nodes
from uccert.cli.common import group_fix
from uccert.cli.output import Column, clean, fit_columns, record_lines
from uccert.cli.run_display import runs_table
from uccert.run.records import RunStatus, RunSummary

pytestmark = pytest.mark.pure  # in `make check`: needs no lab and no network


@pytest.fixture(autouse=True)
def settings() -> Iterator[None]:
    saved = (output.SETTINGS.color, output.SETTINGS.pager)
    yield
    output.SETTINGS.color, output.SETTINGS.pager = saved


def test_a_long_value_is_cut_with_an_ellipsis_never_wrapped() -> None:
    columns = [Column("NODE"), Column("CN", shrink=1, minimum=10), Column("DAYS", right=True)]
    rows = [["imp-sub1", "a-very-long-common-name.example.com", "12"], ["cucm-pub", "x", "1400"]]
    lines = [line.plain for line in fit_columns(columns, rows, 30)]
    assert lines == [
        "NODE      CN              DAYS",
        "imp-sub1  a-very-long-c…    12",
        "cucm-pub  x               1400",
    ]  # exactly 30 columns: the CN gave up what the line lacked


def test_a_record_keeps_each_label_with_its_value() -> None:
    columns = [Column("CN"), Column("SERIAL"), Column("NOT AFTER")]
    lines = [
        x.plain for x in record_lines(columns, ["host.example", "ab" * 20, "2030-01-01"], 40, 2)
    ]
    assert all(cell_len(x) <= 40 for x in lines)
    assert lines[0] == "  cn host.example"
    assert lines[-1].endswith("not after 2030-01-01")


def test_control_characters_are_shown_not_obeyed() -> None:
    assert clean("A\x1b]0;t\x07\x1b[2J\x9b\u202eB") == "A\\x1b]0;t\\x07\\x1b[2J\\x9b\\u202eB"
    assert clean("two\nlines") == "two\\x0alines"
    assert clean("two\nlines", newlines=True) == "two\nlines"


def test_runs_list_fits_80_columns_and_cuts_the_command() -> None:
    when = datetime(2026, 12, 6, 7, 0, tzinfo=UTC)
    command = "uccert trust prune --expired --duplicates --store tomcat-trust --nodes all --force"
    runs = [RunSummary("r-1a2b3c4d", RunStatus.FAILED, when, command, "lab", 2)]
    buffer = io.StringIO()
    Console(file=buffer, width=80, color_system=None).print(runs_table(runs))
    lines = buffer.getvalue().splitlines()
    assert len(lines) == 2 and all(cell_len(x) <= 80 for x in lines)
    assert lines[1].startswith("r-1a2b3c4d  failed  2026-12-06 07:00:00  lab") and "…" in lines[1]


def test_groups_name_their_nodes_briefly() -> None:
    assert compress_nodes(["imp-pub", "imp-sub1", "imp-sub2", "imp-sub3"]) == "imp-pub, imp-sub1..3"
    assert compress_nodes(["imp-sub1", "imp-sub2"]) == "imp-sub1, imp-sub2"
    assert compress_nodes(["a", "b"], every=["a", "b"]) == "every node (2)"


def test_a_groups_fix_merges_the_units_into_one_command() -> None:
    fix = "regenerate {0} with `uccert regen apply --units {0}` (publisher first)"
    assert group_fix([fix.format("cup"), fix.format("tomcat")]) == (
        "uccert regen apply --units cup,tomcat"
    )
    assert group_fix(["same", "same"]) == "same"
    assert group_fix(["a", "b", "a"]) == "a (and 1 other fix: --details)"


@pytest.mark.parametrize(
    ("argv", "env", "colored"),
    [
        (["--color", "always"], {}, True),
        (["--color", "never"], {}, False),
        (["--color", "always"], {"NO_COLOR": "1"}, True),
        ([], {"NO_COLOR": "1"}, False),
    ],
)
def test_colour_follows_color_and_no_color(
    argv: list[str],
    env: dict[str, str],
    colored: bool,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    assert main([*argv, "lab", "--help"]) == 0  # runs the root options
    capsys.readouterr()
    output.console().print("[red]x[/]")
    assert ("\x1b[" in capsys.readouterr().out) is colored


def test_completion_is_offered_for_commands(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("_UCCERT_COMPLETE", "complete_bash")
    monkeypatch.setenv("COMP_WORDS", "uccert inv")
    monkeypatch.setenv("COMP_CWORD", "1")
    main([])
    assert capsys.readouterr().out.split() == ["inventory"]


def test_a_slow_wait_off_a_terminal_is_logged_with_timestamps(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(output, "SLOW", 0.05)
    with output.progress("reading cluster lab ..."):
        time.sleep(0.3)
    with output.progress("reading cluster quick ..."):
        pass
    lines = capsys.readouterr().err.splitlines()
    assert len(lines) == 2, "the quick read logs nothing"
    assert re.fullmatch(r"\d\d:\d\d:\d\d reading cluster lab \.\.\.", lines[0])
    assert re.fullmatch(r"\d\d:\d\d:\d\d done in \d+\.\d s", lines[1])
