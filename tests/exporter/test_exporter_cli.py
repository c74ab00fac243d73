"""`uccert exporter`'s options: durations and listen addresses, and bad ones refused with one
line and exit 2 before anything is read or bound."""

from __future__ import annotations

from pathlib import Path

import pytest

from uccert.cli import main
from uccert.cli.exporter import parse_interval, parse_listen
from uccert.errors import ConfigError


@pytest.mark.parametrize(
    ("text", "seconds"),
    [("15m", 900), ("90s", 90), ("1h", 3600), ("1h30m", 5400), ("1d", 86400), (" 2S ", 2)],
)
def test_intervals_are_read_as_seconds(text: str, seconds: float) -> None:
    assert parse_interval(text) == seconds


@pytest.mark.parametrize("text", ["", "15", "m", "15 m", "1.5h", "-1m", "15min", "0s", "1h-5m"])
def test_a_bad_interval_is_refused(text: str) -> None:
    with pytest.raises(ConfigError, match="--interval"):
        parse_interval(text)


@pytest.mark.parametrize(
    ("text", "address"),
    [
        ("127.0.0.1:9611", ("127.0.0.1", 9611)),
        ("0.0.0.0:80", ("0.0.0.0", 80)),
        ("[::1]:9611", ("::1", 9611)),
        ("127.0.0.1:0", ("127.0.0.1", 0)),
    ],
)
def test_listen_addresses_are_split(text: str, address: tuple[str, int]) -> None:
    assert parse_listen(text) == address


@pytest.mark.parametrize(
    "text", ["9611", "localhost:9611", "127.0.0.1:", "127.0.0.1:70000", "127.0.0.1:http", "::1"]
)
def test_a_bad_listen_address_is_refused(text: str) -> None:
    with pytest.raises(ConfigError, match="--listen"):
        parse_listen(text)


def test_bad_options_exit_2_with_one_line_before_reading_the_inventory(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    missing = str(tmp_path / "none.toml")
    assert main(["exporter", "--interval", "soon", "--inventory", missing]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "--interval 'soon' is not a duration" in err
    assert main(["exporter", "--listen", "localhost:9611", "--inventory", missing]) == 2
    assert "does not name an IP address" in capsys.readouterr().err
