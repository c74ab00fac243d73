"""Commands registered by name, imported only when one runs or shows its own help.

`uccert --help` lists every command but needs only its name and summary: building each command
would import every command module and what they import. ``LazyGroup`` lists the commands of
``COMMANDS`` with their summaries, and imports a command's module when the command line names
it (``resolve_command``). ``tests/cli/test_lazy_imports.py`` checks that each summary here is
the command's own.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from typing import Any

import typer
import typer.main
from typer import _click as click  # typer 0.29 vendors click; its groups take these types
from typer._coercion import PassThroughRuntimeParam, RuntimeParam
from typer._param_types import coerce_cli_choice
from typer.core import TyperCommand, TyperGroup, TyperOption


@dataclass(frozen=True)
class Lazy:
    """One command: ``attr`` of ``uccert.cli.<module>`` is a command function or a Typer app."""

    module: str
    attr: str
    summary: str  # the first paragraph of the command's help, for `uccert --help`


COMMANDS: dict[str, Lazy] = {
    "demo": Lazy(
        "demo",
        "demo",
        "Start the demo lab and run the main job against it, every phase shown.",
    ),
    "inventory": Lazy(
        "inventory", "inventory", "Every identity and trust certificate of every node."
    ),
    "check": Lazy(
        "check",
        "check",
        "Check every node's certificates: exit 3 on a warning or an error, 1 if a node was unread.",
    ),
    "doctor": Lazy(
        "doctor",
        "doctor",
        "Try every interface uccert uses on every node (read-only) and say what to fix.",
    ),
    "pin": Lazy(
        "pin",
        "pin",
        "Show the SSH host keys and TLS certs the nodes present; record them as pins.",
    ),
    "csr": Lazy(
        "csr",
        "csr",
        "Generate CSRs on the nodes (checked first) and write them with JSON sidecars.",
    ),
    "upload": Lazy(
        "upload",
        "upload",
        "Check a CA-signed cert, upload its CAs and it, restart what presents it, verify.",
    ),
    "export": Lazy(
        "export",
        "export",
        "Write the client trust bundle: self-signed tomcat/cup-xmpp certs, or their CA chain.",
    ),
    "exporter": Lazy(
        "exporter",
        "exporter",
        "Serve Prometheus metrics of every cluster's certificates, read every --interval.",
    ),
    "report": Lazy(
        "report",
        "report",
        "Write a fleet report: per cluster, cert expiry timeline, findings with fixes, last runs.",
    ),
    "lab": Lazy("lab", "app", "Run a simulated CUCM + IM/P cluster on 127.0.0.1."),
    "regen": Lazy("regen", "app", "Regenerate self-signed certificates: plan, then apply."),
    "runs": Lazy("runs", "app", "Durable runs: list, show, resume, cancel."),
    "trust": Lazy("trust", "app", "Trust stores: delete expired or duplicate trust certificates."),
    "watch": Lazy(
        "watch",
        "watch",
        "Check on a schedule; notify new and resolved findings only, by command or webhook.",
    ),
    "worker": Lazy(
        "worker",
        "worker",
        "Execute fleet runs from the PostgreSQL run database until Ctrl-C or SIGTERM.",
    ),
    "fleet": Lazy(
        "fleet", "app", "Fleet runs on PostgreSQL: one run per cluster, executed by workers."
    ),
}


@dataclass(frozen=True)
class _Choice(RuntimeParam):
    """A choice option's value checked as typer's own choice check does, without pydantic."""

    choices: tuple[Any, ...]

    def _coerce_value(self, value: Any, param: Any, ctx: click.Context) -> Any:
        case_sensitive = self.parameter_info.case_sensitive
        try:
            return coerce_cli_choice(value, choices=self.choices, case_sensitive=case_sensitive)
        except ValueError as exc:
            raise click.exceptions.BadParameter(str(exc), ctx=ctx, param=param) from None


class LightGroup(TyperGroup):
    """A group whose own options (flags, choices, its --help) are checked without pydantic.

    typer 0.29 checks each option's value with a pydantic adapter (``typer._adapters``, about
    0.1 s to import), and a group's options are checked before its subcommand's eager --help
    runs: `uccert lab up --help` would import pydantic for the groups' flags alone."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        for param in self.get_params(ctx):  # here: typer adds completion and help options late
            if not isinstance(param, TyperOption) or param._runtime_param is not None:
                continue
            typed = param.type_descriptor
            info = typed.parameter_info
            if typed.choices is not None:
                param._runtime_param = _Choice(info, typed.annotation, typed.choices)
            elif typed.annotation is bool:
                param._runtime_param = PassThroughRuntimeParam(info, bool)
        return super().parse_args(ctx, args)


def _lighten(command: click.Command) -> None:
    """Every typer group under ``command`` checks its options as ``LightGroup`` does."""
    if type(command) is TyperGroup:
        command.__class__ = LightGroup
    for sub in getattr(command, "commands", {}).values():
        _lighten(sub)


def load(name: str) -> click.Command:
    """The real click command ``name`` (imports its module)."""
    lazy = COMMANDS[name]
    target = getattr(importlib.import_module(f"uccert.cli.{lazy.module}"), lazy.attr)
    if isinstance(target, typer.Typer):
        command: click.Command = typer.main.get_group(target)
        _lighten(command)
    else:
        single = typer.Typer(add_completion=False)
        single.command(name)(target)
        command = typer.main.get_command(single)
    command.name = name
    return command


class LazyGroup(LightGroup):
    """The top-level group: summaries from ``COMMANDS``, a module imported only when named."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return [*super().list_commands(ctx), *(n for n in COMMANDS if n not in self.commands)]

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        found = super().get_command(ctx, cmd_name)
        if found is not None or cmd_name not in COMMANDS:
            return found
        return TyperCommand(cmd_name, help=COMMANDS[cmd_name].summary)  # for the listing only

    def resolve_command(
        self, ctx: click.Context, args: list[str]
    ) -> tuple[str | None, click.Command | None, list[str]]:
        name = args[0] if args else ""
        if name in COMMANDS and name not in self.commands:
            self.add_command(load(name), name)
        return super().resolve_command(ctx, args)
