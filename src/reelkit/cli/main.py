"""Entry point of the ``reel`` command.

Errors: a :class:`reelkit.errors.ReelError` prints ``error: <message>`` on one line and exits with
its ``exit_code``; any other exception is a bug and prints one line too (``--debug`` shows the
traceback in both cases). Command groups live in sibling modules and are registered below.
"""

from __future__ import annotations

import sys
import traceback
from typing import Annotated

import typer
from rich.markup import escape
from typer._click.exceptions import NoArgsIsHelpError
from typer.exceptions import Abort, Exit, TyperException

from reelkit.cli._ui import err_console
from reelkit.errors import ReelError

app = typer.Typer(
    name="reel",
    help=(
        "reelkit — local-first AI cinematography: shots, transcripts, edits, reframes, grades, "
        "scripts and timelines, on your own machine.\n\n"
        "Examples:\n\n"
        "  reel demo                      run the main job on the bundled sample\n\n"
        "  reel probe clip.mp4 -f json    what a media file holds"
    ),
    rich_markup_mode="rich",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)

_state = {"debug": False}


def _version(value: bool) -> None:
    if value:
        from reelkit import __version__

        typer.echo(f"reel (reelkit) {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[bool, typer.Option("--version", callback=_version, is_eager=True,
                                          help="Print the version and exit.")] = False,
    debug: Annotated[bool, typer.Option("--debug", help="Show full tracebacks on errors.")] = False,
    no_provenance: Annotated[bool, typer.Option("--no-provenance", help=(
        "Do not sign rendered files with a C2PA provenance record (see `reel provenance`).")) ] = False,
    sign_cert: Annotated[str | None, typer.Option("--sign-cert", help=(
        "PEM certificate chain to sign provenance records with (default: reelkit's local key)."))] = None,
    sign_key: Annotated[str | None, typer.Option("--sign-key", help="PEM private key of --sign-cert.")] = None,
) -> None:
    _state["debug"] = debug
    from reelkit import provenance as prov

    prov.configure(enabled=False if no_provenance else None, sign_cert=sign_cert, sign_key=sign_key)


# -- command registration: one module per command group, in the order `reel --help` lists them --
# Importing every command module costs more than most commands' own work on a short clip (NumPy,
# OpenCV, SciPy, OTIO, ...), so `main` registers only the module of the command being run, and all of
# them when the root help or an unknown command needs the full list.
COMMAND_MODULES: dict[str, tuple[str, ...]] = {
    "probe": ("probe",), "shots": ("shots",), "analyze": ("index",), "find": ("index",), "index": ("index",),
    "transcribe": ("transcribe",), "cut": ("cut",), "cutdown": ("cutdown",), "highlights": ("highlights",),
    "assemble": ("assemble",), "grade": ("grade",), "audio": ("audio",), "reframe": ("reframe",),
    "script": ("script", "script_board"),  # script_board adds shotlist/board/animatic to the `script` group
    "camera": ("camera",), "studio": ("studio",), "demo": ("demo",), "provenance": ("provenance",),
}
_ROOT_VALUE_OPTIONS = {"--sign-cert", "--sign-key"}
_registered: set[str] = set()


def _command_name(args: list[str]) -> str | None:
    """The sub-command ``args`` run (the first argument that is not a root option), or None."""
    i = 0
    while i < len(args):
        a = args[i]
        if a in _ROOT_VALUE_OPTIONS:
            i += 2
            continue
        if a.startswith("-"):
            i += 1
            continue
        return a
    return None


def register_commands(args: list[str] | None = None) -> None:
    """Register the command modules ``args`` need on :data:`app` (all of them when ``args`` is None,
    names no known command, or asks for the root help). Idempotent."""
    import importlib

    name = _command_name(args) if args is not None else None
    if name is None and args is not None and "--version" in args and not {"-h", "--help"} & set(args):
        name = "probe"  # `reel --version` lists no command: any one keeps the group's shape, take the lightest
    wanted = COMMAND_MODULES.get(name) if name is not None else None
    modules = list(dict.fromkeys(m for ms in COMMAND_MODULES.values() for m in ms)) if wanted is None else wanted
    for mod in modules:
        if mod not in _registered:
            importlib.import_module(f"reelkit.cli.{mod}").register(app)
            _registered.add(mod)


def _usage_line(exc: TyperException) -> str:
    """One line for a command-line usage error, with a pointer to the right --help."""
    ctx = getattr(exc, "ctx", None)
    where = f"{ctx.command_path} --help" if ctx is not None else "reel --help"
    return f"{exc.format_message()} (see '{where}')"


def main(argv: list[str] | None = None) -> None:
    """Run the CLI; map every error to one line on stderr and an exit code."""
    args = sys.argv[1:] if argv is None else argv
    _state["debug"] = "--debug" in args
    code = 0
    try:
        register_commands(args)
        result = app(args=args, prog_name="reel", standalone_mode=False)
        code = result if isinstance(result, int) else 0
    except NoArgsIsHelpError as exc:  # `reel` or `reel script` alone: show the help
        sys.stdout.write(exc.ctx.get_help() + "\n")
    except ReelError as exc:
        if _state["debug"]:
            traceback.print_exc()
        _error_line("error:", str(exc))
        code = exc.exit_code
    except (Exit, typer.Exit) as exc:
        code = exc.exit_code
    except Abort:
        _error_line("error:", "aborted")
        code = 130
    except TyperException as exc:  # usage errors: bad option, missing argument, invalid value
        _error_line("error:", _usage_line(exc))
        code = exc.exit_code
    except KeyboardInterrupt:
        _error_line("error:", "interrupted")
        code = 130
    except BrokenPipeError:
        code = 0
    except Exception as exc:  # a bug: still one line unless --debug
        if _state["debug"]:
            traceback.print_exc()
        _error_line("internal error:", f"{type(exc).__name__}: {exc} "
                    "(run with --debug for the traceback and please report it)")
        code = 70
    sys.exit(code)


def _error_line(prefix: str, message: str) -> None:
    err_console.print(f"[bold red]{prefix}[/] {escape(message)}", markup=True, highlight=False,
                      soft_wrap=True)


if __name__ == "__main__":
    main()
