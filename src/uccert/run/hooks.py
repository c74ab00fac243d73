"""Hooks around a changing command (`regen apply`, `upload`, `trust prune`), on certbot's model.

- ``--pre-hook``: runs once, after the plan is confirmed and before the first change. A non-zero
  exit stops the command before anything is changed (exit 2, one line naming the hook).
- ``--deploy-hook``: runs once, after the run, only when something was changed on the cluster
  (a unit regenerated, a cert uploaded, a trust cert deleted or imported).
- ``--post-hook``: runs once, after the run, whatever its outcome (not when the pre-hook
  failed: then no run was attempted, as certbot runs it only after an attempt).

A failing deploy or post hook is reported on stderr; the run's outcome and exit code stand.

Hooks run per invocation: `uccert runs resume` runs none (a hook command line is not stored
with the run, and a hook is not a step that could be resumed).

A hook command line is split with ``shlex`` and run without a shell (``shell=False``): the
run's facts reach it only as environment variables, never spliced into a command line, so
nothing a node reports can become shell syntax; ``sh -c '...'`` gives a shell when wanted.
Its environment is uccert's own minus every credential: the variables the inventory names
for the cluster's accounts, ``$UCCERT_DATABASE_URL`` (it may hold a password), any
``UCCERT_*PASSWORD*`` variable and any variable whose value holds one of the passwords.
"""

from __future__ import annotations

import os
import shlex
import subprocess
import sys
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from enum import StrEnum
from typing import TYPE_CHECKING, Final

from uccert.errors import ConfigError

if TYPE_CHECKING:  # the model imports cryptography: not for `--help` of the commands
    from uccert.config import ClusterCredentials, CredentialRefs
    from uccert.model import Plan
    from uccert.run.database import RunDatabase
    from uccert.run.records import StepRecord

PREFIX: Final = "UCCERT_"
DATABASE_URL_ENV: Final = "UCCERT_DATABASE_URL"
MIN_QUOTED_SECRET: Final = 6


class HookKind(StrEnum):
    PRE = "pre"
    POST = "post"
    DEPLOY = "deploy"


class HookFailed(ConfigError):
    """The pre-hook failed: nothing was changed (exit 2)."""


@dataclass(frozen=True)
class Hooks:
    """The three command lines, split (None: not given)."""

    pre: tuple[str, ...] | None = None
    post: tuple[str, ...] | None = None
    deploy: tuple[str, ...] | None = None

    @classmethod
    def parse(cls, pre: str | None, post: str | None, deploy: str | None) -> Hooks:
        return cls(
            parse_hook("--pre-hook", pre),
            parse_hook("--post-hook", post),
            parse_hook("--deploy-hook", deploy),
        )

    def of(self, kind: HookKind) -> tuple[str, ...] | None:
        match kind:
            case HookKind.PRE:
                return self.pre
            case HookKind.POST:
                return self.post
            case HookKind.DEPLOY:
                return self.deploy

    @property
    def any(self) -> bool:
        return any(h is not None for h in (self.pre, self.post, self.deploy))


def parse_hook(option: str, text: str | None) -> tuple[str, ...] | None:
    """A command line split as a POSIX shell would (quotes honoured), or bad input."""
    if text is None:
        return None
    try:
        argv = tuple(shlex.split(text))
    except ValueError as exc:
        raise ConfigError(
            f"{option} {text!r} cannot be split into a command ({exc}): check its quotes"
        ) from None
    if not argv:
        raise ConfigError(f"{option} is empty: give a command, e.g. {option} /usr/local/bin/x")
    return argv


@dataclass(frozen=True)
class HookContext:
    """What a hook is told about the run (no secret in here)."""

    command: str  # "regen apply", "upload", "trust prune"
    cluster: str
    nodes: tuple[str, ...] = ()
    run_id: str = ""
    changed: tuple[str, ...] = ()  # "node/unit" or "node/store"
    status: str = ""  # succeeded, failed, interrupted, refused (post and deploy hooks)


def credential_names(refs: CredentialRefs) -> frozenset[str]:
    """The environment variables the inventory names for the cluster's accounts."""
    names: set[str] = {DATABASE_URL_ENV}
    for ref in (refs.os_admin, refs.app_admin, refs.os_readonly):
        if ref.env is not None:
            names |= {ref.env + "_USER", ref.env + "_PASSWORD"}
    return frozenset(names)


def hook_environment(
    parent: Mapping[str, str],
    context: HookContext,
    kind: HookKind,
    strip: frozenset[str] = frozenset(),
    secrets: Iterable[str] = (),
) -> dict[str, str]:
    """The parent's environment minus credentials, plus the run's context as ``UCCERT_*``."""
    hidden = [s for s in secrets if s]
    env = {
        k: v
        for k, v in parent.items()
        if k not in strip
        and not (k.startswith(PREFIX) and "PASSWORD" in k)
        and not any(_holds(v, s) for s in hidden)
    }
    env.update(
        {
            "UCCERT_HOOK": kind.value,
            "UCCERT_COMMAND": context.command,
            "UCCERT_CLUSTER": context.cluster,
            "UCCERT_NODES": " ".join(context.nodes),
            "UCCERT_RUN_ID": context.run_id,
            "UCCERT_CHANGED": " ".join(context.changed),
            "UCCERT_STATUS": context.status,
        }
    )
    return env


def _holds(value: str, secret: str) -> bool:
    """The value is the password, or quotes one long enough not to match by chance (a
    two-letter password would otherwise strip $PATH)."""
    return value == secret or (len(secret) >= MIN_QUOTED_SECRET and secret in value)


def plan_nodes(plan: Plan) -> tuple[str, ...]:
    """The nodes a plan acts on, in the plan's order."""
    return tuple(dict.fromkeys(s.node for s in plan.steps if s.node is not None))


def changed_items(plan: Plan, records: Iterable[StepRecord]) -> tuple[str, ...]:
    """``node/unit`` or ``node/store`` for each change a run's records say it made."""
    from uccert.model import DeleteTrustStep, ImportTrustStep, RegenerateStep
    from uccert.run.records import StepOutcome

    found: dict[str, None] = {}
    ids = {s.id for s in plan.steps}
    for record in records:
        if record.outcome is not StepOutcome.DONE or record.id not in ids:
            continue
        match plan.step(record.id):
            case RegenerateStep(node=node, unit=what) | DeleteTrustStep(node=node, store=what):
                found[f"{node}/{what}"] = None
            case ImportTrustStep(node=node, store=what):
                found[f"{node}/{what}"] = None
            case _:
                pass
    return tuple(found)


def run_hook(kind: HookKind, argv: tuple[str, ...], env: Mapping[str, str]) -> int:
    """Run one hook to its end; its output goes to stderr (stdout may be a JSON document)."""
    try:
        done = subprocess.run(
            argv,
            env=dict(env),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            check=False,
        )
    except OSError as exc:
        sys.stderr.write(f"{kind.value}-hook {shlex.join(argv)!r} could not start: {exc}\n")
        return 127
    if done.stdout:
        sys.stderr.write(done.stdout.decode(errors="replace"))
    return done.returncode


@dataclass
class HookedRun:
    """What the command tells the hooks while it runs (upload names what it stored)."""

    context: HookContext
    noted: list[str] = field(default_factory=list)

    def changed(self, items: Iterable[str]) -> None:
        self.noted.extend(items)


def _known_runs(database: RunDatabase | None) -> set[str]:
    if database is None:
        return set()
    from uccert.run.executor import RunBook

    return {r.id for r in RunBook(database).runs()}


def _new_run(database: RunDatabase | None, before: set[str]) -> tuple[str, str, tuple[str, ...]]:
    """The run this invocation started: its id, status and changes ("" when none)."""
    if database is None:
        return "", "", ()
    from uccert.run.executor import RunBook

    book = RunBook(database)
    new = [r for r in book.runs() if r.id not in before]
    if not new:
        return "", "", ()
    view = book.show(new[-1].id)
    records = [r for _, recs in view.records for r in recs]
    return view.summary.id, view.summary.status.value, changed_items(view.plan, records)


def _status_of(exc: BaseException | None) -> str:
    """The command's outcome from how its block ended (``typer.Exit`` carries the code)."""
    if exc is None:
        return "succeeded"
    if isinstance(exc, KeyboardInterrupt):
        return "interrupted"
    code = getattr(exc, "exit_code", None)
    if code == 0:
        return "succeeded"
    return "interrupted" if code == 4 else "failed"


@contextmanager
def hooked(
    hooks: Hooks,
    context: HookContext,
    *,
    database: RunDatabase | None,
    refs: CredentialRefs,
    credentials: ClusterCredentials | None = None,
) -> Iterator[HookedRun]:
    """Pre-hook on entry (raises HookFailed: the block never runs), deploy and post on exit."""
    strip = credential_names(refs)
    secrets = secret_values(credentials)

    def call(kind: HookKind, ctx: HookContext) -> int | None:
        argv = hooks.of(kind)
        if argv is None:
            return None
        code = run_hook(kind, argv, hook_environment(os.environ, ctx, kind, strip, secrets))
        if code != 0 and kind is not HookKind.PRE:
            sys.stderr.write(
                f"warning: {kind.value}-hook {shlex.join(argv)!r} exited {code}:"
                " the run's outcome stands\n"
            )
        return code

    before = _known_runs(database) if hooks.post or hooks.deploy else set()
    code = call(HookKind.PRE, context)
    if code:
        raise HookFailed(
            f"pre-hook {shlex.join(hooks.pre or ())!r} exited {code}: nothing was changed on"
            f" cluster {context.cluster} — fix the hook, or run without --pre-hook"
        )
    run = HookedRun(context)
    failure: BaseException | None = None
    try:
        yield run
    except BaseException as exc:
        failure = exc
        raise
    finally:
        if hooks.post or hooks.deploy:
            try:
                run_id, status, changed = _new_run(database, before)
            except Exception as exc:  # the hooks still run: the run's facts are just unknown
                sys.stderr.write(f"warning: the run database could not be read: {exc}\n")
                run_id, status, changed = "", "", ()
            outcome = _status_of(failure)  # a failed command is failed, whatever its run said
            done = replace(
                context,
                run_id=run_id,
                status=outcome if outcome != "succeeded" else status or outcome,
                changed=tuple(dict.fromkeys([*run.noted, *changed])),
            )
            if done.changed:
                call(HookKind.DEPLOY, done)
            call(HookKind.POST, done)


def secret_values(credentials: ClusterCredentials | None) -> tuple[str, ...]:
    """The cluster's passwords, looked for in the values a child process would inherit."""
    if credentials is None:
        return ()
    accounts = (credentials.os_admin, credentials.app_admin, credentials.os_readonly)
    return tuple(a.password.reveal() for a in accounts if a is not None)
