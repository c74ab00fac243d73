"""What `uccert watch` notifies and how it is shaped, without a lab: the diff between checks,
the webhook bodies, the periods and their slots."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from uccert.errors import ConfigError
from uccert.watch.autoregen import RegenTarget, regen_targets
from uccert.watch.findings import diff, key_of
from uccert.watch.notify import FORMATS, lines, payload
from uccert.watch.schedule import parse_every, slot_of, workflow_id

pytestmark = pytest.mark.pure


def finding(node: str | None, code: str, cluster: str = "east", **extra: Any) -> dict[str, Any]:
    return {
        "code": code,
        "severity": "warning",
        "cluster": cluster,
        "node": node,
        "subject": "cup",
        "message": extra.get("message", f"{code} on {node}"),
        "fix": "regenerate",
    }


def test_a_finding_is_new_once_whatever_its_wording() -> None:
    old = finding("imp-pub", "identity-expiring", message="in 20 days")
    known = {key_of(old): old}
    same = finding("imp-pub", "identity-expiring", message="in 19 days")
    other = finding("imp-sub", "identity-expiring")
    change = diff(known, [same, other], ["east"])
    assert change.new == (other,) and change.resolved == ()


def test_a_finding_gone_is_resolved_only_in_a_cluster_that_was_checked() -> None:
    east, west = finding("a", "trust-expired"), finding("b", "trust-expired", cluster="west")
    known = {key_of(east): east, key_of(west): west}
    change = diff(known, [], ["east"])
    assert change.resolved == (east,) and change.new == ()
    assert not diff(known, [east, west], ["east", "west"]).any


def test_cluster_wide_findings_have_a_key_too() -> None:
    assert key_of(finding(None, "ha-not-normal")) == ("east", "", "cup", "ha-not-normal")


@pytest.mark.parametrize("form", FORMATS)
def test_every_webhook_format_names_the_new_finding(form: str) -> None:
    change = diff({}, [finding("imp-pub", "identity-expiring")], ["east"])
    body = payload(change, form)  # type: ignore[arg-type]
    assert "identity-expiring" in str(body) and "imp-pub" in str(body)


def test_the_webhook_shapes_are_the_services_own() -> None:
    change = diff({}, [finding("imp-pub", "identity-expiring")], ["east"])
    assert set(payload(change, "slack")) == {"text"}
    assert set(payload(change, "webex")) == {"markdown"}
    teams = payload(change, "teams")
    assert teams["type"] == "message"
    [attachment] = teams["attachments"]
    assert attachment["contentType"] == "application/vnd.microsoft.card.adaptive"
    assert attachment["content"]["type"] == "AdaptiveCard"
    assert payload(change, "json")["new"][0]["code"] == "identity-expiring"


def test_a_long_change_is_cut_for_chat_but_says_how_much_is_left() -> None:
    many = [finding(f"n{i}", "trust-expired") for i in range(80)]
    text = lines(diff({}, many, ["east"]))
    assert len(text) == 50 and text[-1] == "... and 32 more"


@pytest.mark.parametrize(("text", "seconds"), [("24h", 86400), ("1d", 86400), ("5s", 5)])
def test_periods(text: str, seconds: int) -> None:
    assert parse_every(text) == seconds


@pytest.mark.parametrize("text", ["", "0h", "1w", "h", "-5s", "1.5h"])
def test_a_bad_period_is_bad_input(text: str) -> None:
    with pytest.raises(ConfigError, match="--every"):
        parse_every(text)


def test_a_slot_is_checked_once_and_once_is_always_fresh() -> None:
    morning = datetime(2026, 12, 6, 9, 30, tzinfo=UTC)
    evening = datetime(2026, 12, 6, 21, 0, tzinfo=UTC)
    assert slot_of(morning, 86400) == slot_of(evening, 86400) == datetime(2026, 12, 6, tzinfo=UTC)
    assert workflow_id(86400, slot_of(morning, 86400)) == "watch-86400s-20261206T000000Z"
    assert workflow_id(86400, None) != workflow_id(86400, None)


@pytest.mark.parametrize(
    ("args", "named"),
    [
        (["--every", "1w", "--webhook", "https://x/y"], "--every"),
        (["--webhook", "ftp://x/y"], "--webhook"),
        (["--webhook", "https://x/y", "--webhook-format", "discord"], "--webhook-format"),
        (["--notify-command", "'open"], "--notify-command"),
        ([], "nothing to notify"),
        (["--webhook", "https://x/y", "--auto-regen", "cup"], "--window"),
        (["--webhook", "https://x/y", "--window", "22:00-02:00"], "--auto-regen"),
        (["--webhook", "https://x/y", "--auto-regen", "cup", "--window", "late"], "--window"),
        (["--webhook", "https://x/y", "--auto-regen", "nope", "--window", "1:00-2:00"], "nope"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(
    args: list[str], named: str, tmp_path: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    from uccert.cli import main

    missing = tmp_path / "missing.toml"  # never read: the options are refused first
    assert main(["watch", "--once", *args, "--inventory", str(missing)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and named in err[0], err


def test_auto_regen_takes_only_the_named_units_found_expiring() -> None:
    found = [
        finding("imp-pub", "identity-expiring"),  # subject cup
        {**finding("imp-sub", "identity-expired"), "subject": "CUP"},  # a node's spelling
        {**finding("imp-pub", "identity-expiring"), "subject": "tomcat"},  # not asked for
        finding("imp-sub", "restart-pending"),  # not an expiry
        finding("x", "identity-expiring", cluster="west"),
    ]
    assert regen_targets(found, ("cup", "cup-xmpp")) == (
        RegenTarget("east", ("cup",), ("imp-pub", "imp-sub")),
        RegenTarget("west", ("cup",), ("x",)),
    )
    assert regen_targets(found, ("ipsec",)) == ()
