"""The `uccert` command: a typer app, one module per command group.

Errors: a ``UccertError`` prints one line ``error: <problem> — <fix>`` on stderr and exits with its
class's ``exit_code`` (``uccert.errors.ExitCode``: ConfigError 2, ClusterError 1, RunInterrupted
4); usage errors are one line too and exit 2 (no boxed help); Ctrl-C exits 4.
"""

from __future__ import annotations

import sys
from enum import StrEnum
from typing import Annotated, Final

import typer

from uccert.errors import ExitCode, UccertError

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


_CTRL_C: Final = 130  # what typer returns for a KeyboardInterrupt a command did not handle


def _typer_error(exc: typer.TyperException) -> int:
    """A usage or parameter error as one line (no boxed help): the problem, then where the
    options are described. Exit 2 for usage errors, as before."""
    message = " ".join(str(getattr(exc, "format_message", exc.__str__)()).split())
    code = getattr(exc, "exit_code", 1)
    if type(exc).__name__ == "NoArgsIsHelpError":  # `uccert` alone: the help is the answer
        print(str(getattr(exc, "format_message", exc.__str__)()), file=sys.stderr)
        return ExitCode.BAD_INPUT
    ctx = getattr(exc, "ctx", None)
    where = getattr(ctx, "command_path", None)
    hint = f" — see `{where} --help`" if where and code == 2 else ""
    print(f"error: {message}{hint}", file=sys.stderr)
    return code if isinstance(code, int) else 1


def main(argv: list[str] | None = None) -> int:
    """Console-script entry point; returns the exit code. Every error is one line on stderr."""
    try:
        code = app(args=argv, prog_name="uccert", standalone_mode=False)
    except UccertError as exc:  # its message may quote what a node sent: escaped
        print(f"error: {_output.clean(str(exc))}", file=sys.stderr)
        return exc.exit_code
    except typer.TyperException as exc:
        return _typer_error(exc)
    except SystemExit as exc:
        code = exc.code
        return code if isinstance(code, int) else (0 if code is None else 1)
    except (KeyboardInterrupt, typer.Abort):
        code = _CTRL_C
    if code == _CTRL_C:
        print("error: interrupted — run the command again", file=sys.stderr)
        return ExitCode.INTERRUPTED
    return code if isinstance(code, int) else 0
