"""The `uccert` command: a typer app, one module per command group.

Errors: a ``UccertError`` prints one line ``error: <problem> — <fix>`` on stderr and exits with its
code (ConfigError 2, ClusterError 1); usage errors are one line too and exit 2 (no boxed help);
Ctrl-C exits 4.
"""

from __future__ import annotations

import sys
from typing import Final

import typer

from uccert.errors import UccertError

from . import check as _check
from . import csr as _csr
from . import demo as _demo
from . import export as _export
from . import inventory as _inventory
from . import lab as _lab
from . import pin as _pin
from . import regen as _regen
from . import runs as _runs
from . import trust as _trust

app = typer.Typer(
    name="uccert",
    help="Certificate work on Cisco CUCM and IM and Presence clusters, with a simulated lab.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
app.add_typer(_lab.app, name="lab")
app.add_typer(_regen.app, name="regen")
app.add_typer(_runs.app, name="runs")
app.add_typer(_trust.app, name="trust")
app.command("demo")(_demo.demo)
app.command("inventory")(_inventory.inventory)
app.command("check")(_check.check)
app.command("pin")(_pin.pin)
app.command("csr")(_csr.csr)
app.command("upload")(_csr.upload)
app.command("export")(_export.export)


INTERRUPTED: Final = 4
_CTRL_C: Final = 130  # what typer returns for a KeyboardInterrupt a command did not handle


def _typer_error(exc: typer.TyperException) -> int:
    """A usage or parameter error as one line (no boxed help): the problem, then where the
    options are described. Exit 2 for usage errors, as before."""
    message = " ".join(str(getattr(exc, "format_message", exc.__str__)()).split())
    code = getattr(exc, "exit_code", 1)
    if type(exc).__name__ == "NoArgsIsHelpError":  # `uccert` alone: the help is the answer
        print(str(getattr(exc, "format_message", exc.__str__)()), file=sys.stderr)
        return 2
    ctx = getattr(exc, "ctx", None)
    where = getattr(ctx, "command_path", None)
    hint = f" — see `{where} --help`" if where and code == 2 else ""
    print(f"error: {message}{hint}", file=sys.stderr)
    return code if isinstance(code, int) else 1


def main(argv: list[str] | None = None) -> int:
    """Console-script entry point; returns the exit code. Every error is one line on stderr."""
    try:
        code = app(args=argv, prog_name="uccert", standalone_mode=False)
    except UccertError as exc:
        print(f"error: {exc}", file=sys.stderr)
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
        return INTERRUPTED
    return code if isinstance(code, int) else 0
