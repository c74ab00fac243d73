"""The ``--pre-hook``, ``--post-hook`` and ``--deploy-hook`` options of the changing commands
(`regen apply`, `upload`, `trust prune`), and the one call that puts the hooks around a change.
What a hook is given and when it runs: `uccert.run.hooks` and docs/watch.md."""

from __future__ import annotations

from contextlib import AbstractContextManager
from typing import TYPE_CHECKING, Annotated, Any, Protocol

import typer

from uccert.run import HookContext, HookedRun, Hooks, hooked, parse_hook

if TYPE_CHECKING:
    from uccert.config import ClusterConfig, ClusterCredentials
    from uccert.run import RunDatabase


def _checked(option: str) -> Any:
    def check(value: str | None) -> str | None:
        parse_hook(option, value)  # bad quoting: one line, exit 2, before the cluster is read
        return value

    return typer.Option(option, callback=check, help=HELP[option])


HELP = {
    "--pre-hook": "Command run before the first change; a non-zero exit stops the run (exit 2).",
    "--post-hook": "Command run after the run, whatever its outcome ($UCCERT_STATUS).",
    "--deploy-hook": "Command run after the run when something changed ($UCCERT_CHANGED).",
}
PreHookOption = Annotated[str | None, _checked("--pre-hook")]
PostHookOption = Annotated[str | None, _checked("--post-hook")]
DeployHookOption = Annotated[str | None, _checked("--deploy-hook")]


class HookTarget(Protocol):
    """The cluster a change is made on (`Target` of the regen command)."""

    @property
    def config(self) -> ClusterConfig: ...

    @property
    def credentials(self) -> ClusterCredentials: ...


def around(
    hooks: tuple[str | None, str | None, str | None],
    command: str,
    where: HookTarget,
    database: RunDatabase | None,
    nodes: tuple[str, ...] = (),
) -> AbstractContextManager[HookedRun]:
    """``with around((pre, post, deploy), "regen apply", where, database, nodes):`` the change."""
    return hooked(
        Hooks.parse(*hooks),
        HookContext(command, where.config.name, nodes),
        database=database,
        refs=where.config.credentials,
        credentials=where.credentials,
    )
