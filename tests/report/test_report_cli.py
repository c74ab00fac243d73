"""`uccert report` refuses bad input in one line, exit 2, before reading any cluster and without
writing anything."""

from __future__ import annotations

from pathlib import Path

import pytest

from uccert.cli import main

pytestmark = pytest.mark.pure


def refused(capsys: pytest.CaptureFixture[str], *argv: str) -> str:
    assert main(["report", *argv]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and err.count("\n") == 1, err
    return err


def test_html_naming_a_directory_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    err = refused(capsys, "--html", str(tmp_path), "--inventory", str(tmp_path / "none.toml"))
    assert "is a directory" in err and "name the file" in err
    assert list(tmp_path.iterdir()) == []


def test_html_in_a_missing_folder_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    err = refused(capsys, "--html", str(tmp_path / "no" / "fleet.html"))
    assert "does not exist" in err and "create it" in err
    assert list(tmp_path.iterdir()) == []


def test_html_is_required(capsys: pytest.CaptureFixture[str]) -> None:
    assert "--html" in refused(capsys)


def test_a_missing_inventory_is_refused_and_no_page_written(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    page = tmp_path / "fleet.html"
    refused(capsys, "--html", str(page), "--inventory", str(tmp_path / "none.toml"))
    assert not page.exists()
