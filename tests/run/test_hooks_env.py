"""What a hook is given and when it runs, without a cluster: the context as ``UCCERT_*``, never
a credential, the changes read from a run's records, and the order around a command's block
(the hooks here are small Python processes)."""

from __future__ import annotations

import shlex
import sys
from pathlib import Path
from typing import Any

import pytest
import typer

from uccert.config import AccountRef, CredentialRefs
from uccert.errors import ConfigError
from uccert.model import DeleteTrustStep, HaOffStep, Plan, RegenerateStep, RestartStep
from uccert.run.hooks import (
    HookContext,
    HookFailed,
    HookKind,
    Hooks,
    changed_items,
    credential_names,
    hook_environment,
    hooked,
    plan_nodes,
)
from uccert.run.records import StepOutcome, StepRecord

pytestmark = pytest.mark.pure

REFS = CredentialRefs(
    os_admin=AccountRef("admin", "LAB_OS"), app_admin=AccountRef(env="UCCERT_APP")
)
CONTEXT = HookContext("regen apply", "east", ("imp-pub", "imp-sub"), "r1", ("imp-pub/cup",), "ok")


def test_the_context_arrives_as_variables() -> None:
    env = hook_environment({"PATH": "/bin", "UCCERT_STATUS": "stale"}, CONTEXT, HookKind.POST)
    assert env["PATH"] == "/bin"
    assert env["UCCERT_HOOK"] == "post" and env["UCCERT_COMMAND"] == "regen apply"
    assert env["UCCERT_CLUSTER"] == "east" and env["UCCERT_RUN_ID"] == "r1"
    assert env["UCCERT_NODES"] == "imp-pub imp-sub" and env["UCCERT_CHANGED"] == "imp-pub/cup"
    assert env["UCCERT_STATUS"] == "ok"  # the parent's own value does not leak through


def test_credentials_are_stripped_by_name_and_by_value() -> None:
    parent = {
        "LAB_OS_PASSWORD": "s3cret-os",
        "LAB_OS_USER": "admin",
        "UCCERT_APP_PASSWORD": "s3cret-app",
        "UCCERT_OTHER_PASSWORD": "x",  # another cluster's, named by a convention
        "UCCERT_DATABASE_URL": "postgresql://u:pw@db/runs",
        "COPY": "s3cret-os",
        "QUOTED": "--password=s3cret-app",
        "HOME": "/root",
        "SHORT": "abc",
    }
    env = hook_environment(
        parent, CONTEXT, HookKind.PRE, credential_names(REFS), ("s3cret-os", "s3cret-app", "ab")
    )
    assert {k for k in parent if k in env} == {"HOME", "SHORT"}  # "ab" is not looked for inside
    assert not [v for v in env.values() if "s3cret" in v]


@pytest.mark.parametrize("text", ["'unclosed", "", "   "])
def test_a_hook_that_cannot_be_split_is_bad_input(text: str) -> None:
    with pytest.raises(ConfigError, match="--pre-hook"):
        Hooks.parse(text, None, None)


def test_a_hook_is_split_as_a_shell_would_without_a_shell() -> None:
    hooks = Hooks.parse("notify --text 'certs changed; ok'", None, "sh -c 'echo $X'")
    assert hooks.pre == ("notify", "--text", "certs changed; ok")
    assert hooks.deploy == ("sh", "-c", "echo $X") and hooks.post is None


def _record(step: str, outcome: StepOutcome) -> StepRecord:
    return StepRecord(step, "", None, outcome, "", "", "")


def test_changes_are_the_done_regenerations_deletes_and_imports() -> None:
    plan = Plan(
        "east",
        "uccert regen apply",
        (
            HaOffStep(id="ha-off:g", group="g"),
            RegenerateStep(id="regenerate:a:cup", node="a", unit="cup", replaces_serial="01"),
            RegenerateStep(id="regenerate:b:cup", node="b", unit="cup", replaces_serial="02"),
            DeleteTrustStep(
                id="delete:a:t", node="a", store="tomcat-trust", file="t.pem", serial="03"
            ),
            RestartStep(id="restart:a:x", node="a", service="x"),
        ),
    )
    records = [
        _record("ha-off:g", StepOutcome.DONE),
        _record("regenerate:a:cup", StepOutcome.DONE),
        _record("regenerate:b:cup", StepOutcome.ALREADY),  # done by an earlier invocation
        _record("delete:a:t", StepOutcome.DONE),
        _record("restart:a:x", StepOutcome.DONE),
    ]
    assert changed_items(plan, records) == ("a/cup", "a/tomcat-trust")
    assert plan_nodes(plan) == ("a", "b")


@pytest.mark.parametrize("command", [["regen", "apply", "--units", "cup"], ["trust", "prune"]])
def test_a_bad_hook_stops_before_the_inventory_is_read(
    command: list[str], tmp_path: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    from uccert.cli import main

    missing = tmp_path / "missing.toml"
    assert main([*command, "--deploy-hook", "'open", "--inventory", str(missing)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "--deploy-hook" in err[0] and "quotes" in err[0], err


def _hooks(log: Path, pre: int = 0) -> Hooks:
    write = "import os, sys; open(sys.argv[1], 'a').write(os.environ['UCCERT_HOOK'] + ' '"
    write += " + os.environ['UCCERT_STATUS'] + ' ' + os.environ['UCCERT_CHANGED'] + chr(10))"
    line = f'{sys.executable} -c "{write}" {log}'
    return Hooks(
        pre=(sys.executable, "-c", f"import sys; sys.exit({pre})"),
        post=tuple(shlex.split(line)),
        deploy=tuple(shlex.split(line)),
    )


def test_deploy_only_after_a_change_post_always_with_the_command_outcome(tmp_path: Path) -> None:
    log = tmp_path / "hooks.log"
    with hooked(_hooks(log), CONTEXT, database=None, refs=REFS) as run:
        run.changed(["imp-pub/cup"])
    with pytest.raises(typer.Exit), hooked(_hooks(log), CONTEXT, database=None, refs=REFS):
        raise typer.Exit(1)  # a failed command that changed nothing
    assert log.read_text().splitlines() == [
        "deploy succeeded imp-pub/cup",
        "post succeeded imp-pub/cup",
        "post failed ",
    ]


def test_a_failing_pre_hook_runs_nothing_else(tmp_path: Path) -> None:
    log = tmp_path / "hooks.log"
    ran = []
    with (
        pytest.raises(HookFailed, match="exited 3: nothing was changed on cluster east"),
        hooked(_hooks(log, pre=3), CONTEXT, database=None, refs=REFS),
    ):
        ran.append("block")
    assert ran == [] and not log.exists()
