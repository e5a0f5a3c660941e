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

from reelkit import __version__
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
from reelkit.cli import (  # noqa: E402
    assemble,
    audio,
    camera,
    cut,
    cutdown,
    demo,
    grade,
    highlights,
    index,
    probe,
    provenance,
    reframe,
    script,
    script_board,
    shots,
    studio,
    transcribe,
)

for _module in (probe, shots, index, transcribe, cut, cutdown, highlights, assemble, grade, audio, reframe, script,
                script_board, camera, studio, demo, provenance):
    _module.register(app)  # script_board adds shotlist/board/animatic to the `script` group


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
