"""The `uccert` command: a typer app, one module per command group.

Errors: a ``UccertError`` prints one line ``error: <problem> — <fix>`` on stderr and exits with its
code (ConfigError 2, ClusterError 1); usage errors exit 2.
"""

from __future__ import annotations

import sys
from enum import StrEnum
from typing import Annotated

import typer

from uccert.errors import UccertError

from . import output as _output
from .lazy import LazyGroup

app = typer.Typer(
    name="uccert",
    help="Certificate work on Cisco CUCM and IM and Presence clusters, with a simulated lab.",
    no_args_is_help=True,
    add_completion=True,
    pretty_exceptions_enable=False,
    cls=LazyGroup,  # commands (uccert.cli.lazy.COMMANDS) are imported only when one runs
)


class Color(StrEnum):
    AUTO = "auto"
    ALWAYS = "always"
    NEVER = "never"


@app.callback()
def _options(
    color: Annotated[
        Color,
        typer.Option(
            "--color",
            help="Colour: auto (on a terminal, unless NO_COLOR is set), always, never.",
            case_sensitive=False,
        ),
    ] = Color.AUTO,
    no_pager: Annotated[
        bool,
        typer.Option(
            "--no-pager", help="Never send long output through $PAGER (default: less -FRX)."
        ),
    ] = False,
) -> None:
    """Certificate work on Cisco CUCM and IM and Presence clusters, with a simulated lab."""
    _output.SETTINGS.color = color.value
    _output.SETTINGS.pager = not no_pager


def main(argv: list[str] | None = None) -> int:
    """Console-script entry point; returns the exit code."""
    try:
        app(args=argv, prog_name="uccert")  # standalone: usage errors print and exit 2
    except UccertError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return exc.exit_code
    except SystemExit as exc:
        code = exc.code
        return code if isinstance(code, int) else (0 if code is None else 1)
    except KeyboardInterrupt:
        print("error: interrupted — run the command again", file=sys.stderr)
        return 4
    return 0
