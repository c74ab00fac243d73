"""Hooks around `uccert regen apply` on a lab: what a hook sees, and when it runs.

The hook is a real script (written here) that records its environment and how many
regenerations the lab had logged when it ran (the lab's control API), so the order is proven
against the cluster's own log, not against uccert's word.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from .conftest import UCCERT, Cli

pytestmark = pytest.mark.timeout(300)

HOOK = """\
import json, os, sys, urllib.request
url = os.environ["LAB_CONTROL_URL"] + "/events?kind=cert-regenerated"
with urllib.request.urlopen(url) as answer:
    regenerated = len(json.load(answer))
with open(sys.argv[1], "a") as out:
    out.write(json.dumps({"regenerated": regenerated, "env": dict(os.environ)}) + "\\n")
sys.exit(int(sys.argv[2]))
"""


def env_inventory(cli: Cli) -> Path:
    """The lab's inventory, the OS admin's password taken from the environment instead (beside
    it: the credentials file and pins are relative to it)."""
    text = cli.lab.inventory.read_text()
    marker = "[clusters.lab]\n"
    path = cli.lab.inventory.with_name("env-credentials.toml")
    path.write_text(text.replace(marker, marker + 'os_admin_env = "UCCERT_OS_ADMIN"\n', 1))
    return path


def apply(cli: Cli, inventory: Path, *hooks: str) -> subprocess.CompletedProcess[str]:
    account = cli.lab.credentials.os_admin
    env = cli.env() | {
        "UCCERT_OS_ADMIN_USER": account.username,
        "UCCERT_OS_ADMIN_PASSWORD": account.password,
        "SOME_COPY": account.password,  # a password under a name uccert cannot know
        "LAB_CONTROL_URL": str(cli.lab.control_url),
    }
    argv = [*UCCERT, "regen", "apply", "--units", "cup", "--yes", "--inventory", str(inventory)]
    return subprocess.run(
        [*argv, *hooks],
        env=env,
        capture_output=True,
        text=True,
        timeout=240,
        stdin=subprocess.DEVNULL,
    )


def seen(log: Path) -> list[dict[str, Any]]:
    if not log.exists():
        return []
    return [json.loads(line) for line in log.read_text().splitlines()]


@pytest.mark.lab(preset="minimal", time_scale=0)
def test_hooks_order_environment_and_a_failing_pre_hook(lab_cli: Cli, tmp_path: Path) -> None:
    script = tmp_path / "hook.py"
    script.write_text(HOOK)
    log = tmp_path / "hooks.jsonl"
    inventory = env_inventory(lab_cli)

    def hook(status: int) -> str:
        return f"{sys.executable} {script} {log} {status}"

    refused = apply(lab_cli, inventory, "--pre-hook", hook(3), "--post-hook", hook(0))
    assert refused.returncode == 2, refused.stdout + refused.stderr
    error = refused.stderr.strip().splitlines()
    assert len(error) == 1 and "pre-hook" in error[0] and "exited 3" in error[0], error
    assert lab_cli.events("cert-regenerated") == [], "a failing pre-hook let the run change"
    assert [e["env"]["UCCERT_HOOK"] for e in seen(log)] == ["pre"], "post ran without a run"
    assert json.loads(lab_cli.run("runs", "list", "--json").stdout) == []
    log.unlink()

    hooks = ("--pre-hook", hook(0), "--deploy-hook", hook(0), "--post-hook", hook(5))
    done = apply(lab_cli, inventory, *hooks)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "post-hook" in done.stderr and "exited 5" in done.stderr  # reported; outcome stands
    records = seen(log)
    assert [r["env"]["UCCERT_HOOK"] for r in records] == ["pre", "deploy", "post"]
    imp = [n.name for n in lab_cli.lab.lab.topology.nodes if n.product == "imp"]
    pre, deploy, post = records
    assert pre["regenerated"] == 0, "the pre-hook ran after a change"
    assert deploy["regenerated"] == post["regenerated"] == len(imp)
    [run] = json.loads(lab_cli.run("runs", "list", "--json").stdout)
    for record in records:
        env = record["env"]
        assert isinstance(env, dict)
        assert env["UCCERT_CLUSTER"] == "lab" and env["UCCERT_COMMAND"] == "regen apply"
        assert set(imp) <= set(env["UCCERT_NODES"].split())
        assert "UCCERT_OS_ADMIN_PASSWORD" not in env and "SOME_COPY" not in env
        assert "UCCERT_OS_ADMIN_USER" not in env
        for account in ("os_admin", "app_admin", "os_readonly"):
            password = getattr(lab_cli.lab.credentials, account).password
            assert not [k for k, v in env.items() if password in v], f"{account} leaked"
    assert pre["env"]["UCCERT_RUN_ID"] == "" and pre["env"]["UCCERT_STATUS"] == ""
    for record in (deploy, post):
        env = record["env"]
        assert isinstance(env, dict)
        assert env["UCCERT_RUN_ID"] == run["id"]
        assert env["UCCERT_STATUS"] == "succeeded"
        assert sorted(env["UCCERT_CHANGED"].split()) == sorted(f"{n}/cup" for n in imp)
