"""``serve``: bind, print the URL with its token on one line, open the browser, run uvicorn until Ctrl-C."""

from __future__ import annotations

import contextlib
import errno
import socket
import sys
import threading
import webbrowser
from collections.abc import Callable
from pathlib import Path
from typing import TextIO

from reelkit.errors import UsageError
from reelkit.studio.security import new_token

__all__ = ["DEFAULT_PORT", "bind", "serve", "studio_url"]

DEFAULT_PORT = 8642
_LOCAL = ("127.0.0.1", "localhost", "::1")


def studio_url(port: int, token: str) -> str:
    """``http://127.0.0.1:PORT/?token=TOKEN`` (the browser always talks to the loopback name)."""
    return f"http://127.0.0.1:{port}/?token={token}"


def bind(host: str, port: int | None) -> socket.socket:
    """A listening TCP socket on ``host:port``; ``port=None`` tries :data:`DEFAULT_PORT` then any free port.

    Raises:
        UsageError: the port is taken or the address cannot be bound.
    """
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    candidates = [port] if port is not None else [DEFAULT_PORT, 0]
    last: OSError | None = None
    for p in candidates:
        sock = socket.socket(family, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, p))
            sock.listen(128)
            return sock
        except OSError as exc:
            sock.close()
            last = exc
    if last is not None and last.errno == errno.EADDRINUSE:
        raise UsageError(f"port {port} is already in use", hint="pick another with --port, or omit it")
    raise UsageError(f"cannot listen on {host}:{port}: {last.strerror if last else 'unknown error'}")


def _extra_hosts(host: str) -> tuple[str, ...]:
    if host in _LOCAL:
        return ()
    names = {host}
    if host in ("0.0.0.0", "::"):
        with contextlib.suppress(OSError):
            names.add(socket.gethostname())
            names.update(ai[4][0] for ai in socket.getaddrinfo(socket.gethostname(), None))
    return tuple(sorted(n.lower() for n in names))


def serve(folder: str | Path, *, port: int | None = None, host: str = "127.0.0.1", open_browser: bool = True,
          out: TextIO | None = None, err: TextIO | None = None,
          on_ready: Callable[[str], None] | None = None) -> None:
    """Run the studio on ``folder`` until interrupted.

    Prints ``reel studio: http://127.0.0.1:PORT/?token=…`` as one line on ``out`` (stdout) once listening,
    and a warning on ``err`` when ``host`` is not a loopback address.

    Raises:
        UsageError: not a folder, port in use, the studio's dependencies missing (names the extra).
    """
    try:
        import uvicorn
    except ImportError:
        raise UsageError("the studio needs FastAPI and uvicorn",
                         hint="pip install 'reelkit[studio]'") from None
    from reelkit.studio.app import create_app

    out = out or sys.stdout
    err = err or sys.stderr
    token = new_token()
    sock = bind(host, port)
    actual = sock.getsockname()[1]
    guard = create_app(folder, token=token, port=actual, extra_hosts=_extra_hosts(host))
    if host not in _LOCAL:
        print(f"warning: --host {host} makes the studio reachable from the network; anyone with the token can "
              "read and export the media of this folder", file=err, flush=True)
    url = studio_url(actual, token)
    config = uvicorn.Config(guard, log_level="warning", access_log=False, lifespan="off",
                            timeout_graceful_shutdown=2)
    server = uvicorn.Server(config)

    def announce() -> None:
        while not server.started and not server.should_exit:
            threading.Event().wait(0.02)
        if server.started:
            print(f"reel studio: {url}  (folder {guard.app.state.project.root}; Ctrl-C to stop)", file=out,
                  flush=True)
            if on_ready is not None:
                on_ready(url)
            if open_browser:
                with contextlib.suppress(Exception):
                    webbrowser.open(url)

    threading.Thread(target=announce, daemon=True).start()
    try:
        server.run(sockets=[sock])
    finally:
        guard.app.state.jobs.close()
        sock.close()
