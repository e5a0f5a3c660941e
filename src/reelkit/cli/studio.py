"""``reel studio``: the local web studio (see :mod:`reelkit.studio`)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

__all__ = ["register", "studio_cmd"]


def studio_cmd(
    folder: Annotated[Path, typer.Argument(help="Project folder: your clips (default: the current folder).",
                                           show_default=False)] = Path("."),
    port: Annotated[int | None, typer.Option(
        "--port", "-p", help="Port (default 8642, else any free one; 0: any free port).", show_default=False)] = None,
    no_browser: Annotated[bool, typer.Option("--no-browser", help="Do not open a browser; just print the URL.")
                          ] = False,
    host: Annotated[str, typer.Option("--host", help="Address to listen on. Anything but 127.0.0.1 exposes "
                                      "your media to the network (a warning is printed).")] = "127.0.0.1",
    sample: Annotated[bool, typer.Option("--sample", help="Open the bundled sample film (copied into FOLDER).")
                      ] = False,
) -> None:
    """Open the local web studio on a folder of clips: bin, player, transcript editing, exports.

    The URL printed (with its session token) opens the studio; only that browser session can use it.
    Analysis results and edits are kept in FOLDER/.reelkit/studio/, exports go to FOLDER/exports/.

      reel studio ~/clips

      reel studio --sample demo-studio        # try it on the bundled sample film

      reel studio . --port 9000 --no-browser
    """
    from reelkit.studio import serve

    if sample:
        import shutil

        from reelkit.sample import sample_path

        folder.mkdir(parents=True, exist_ok=True)
        target = folder / "sample.mp4"
        if not target.exists():
            shutil.copyfile(sample_path(), target)
    serve(folder, port=port, host=host, open_browser=not no_browser)


def register(app: typer.Typer) -> None:
    """Add ``studio`` to the root app."""
    app.command("studio")(studio_cmd)
