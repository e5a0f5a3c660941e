"""The studio's guard: session token, Host check (DNS rebinding), same-origin check (CSRF), body limit, paths.

Everything the studio serves is private to the person who started ``reel studio``: the media of their
folder. A web page from anywhere else open in the same browser must not be able to read it or change it.

* **Token.** ``reel studio`` makes a random session token and prints ``http://127.0.0.1:PORT/?token=…``.
  Opening that URL sets an ``HttpOnly; SameSite=Strict`` cookie and redirects to ``/`` (the token
  leaves the address bar). Every other request needs the token: the cookie, or the ``X-Reel-Token``
  header (scripts, monitoring). Without it: 401.
* **Host.** A request whose ``Host`` header is not ``127.0.0.1:PORT``, ``localhost:PORT`` or
  ``[::1]:PORT`` (plus ``H:PORT`` for an explicit ``--host H``) is refused with 421: a DNS-rebinding page
  (``evil.example`` resolving to 127.0.0.1) sends its own name as Host.
* **CSRF.** State-changing methods (POST, PUT, PATCH, DELETE) need the token in the ``X-Reel-Token``
  header (a cross-site form or image cannot set headers, and a cross-site ``fetch`` with that header
  needs a CORS preflight the studio never grants), and, when the browser sends ``Origin`` or
  ``Sec-Fetch-Site``, an origin equal to the studio's own. The cookie alone never changes anything.
* **Body limit.** Request bodies above ``max_body`` bytes are refused with 413, whether announced by
  ``Content-Length`` or streamed.
* **Paths.** :func:`project_path` turns a client's relative path into a file inside the project
  folder, or raises :class:`PathRefused` (``..``, absolute paths, NUL, backslashes, symlinks that
  leave the folder, hidden or ``.reelkit`` internals). URL-decoding happens once, in the server, before it.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Awaitable, Callable, MutableMapping
from pathlib import Path, PurePosixPath
from typing import Any
from urllib.parse import parse_qs

from reelkit.errors import UsageError

__all__ = ["COOKIE", "HEADER", "Guard", "PathRefused", "new_token", "project_path"]

COOKIE = "reel_token"
HEADER = "x-reel-token"
_UNSAFE = {"POST", "PUT", "PATCH", "DELETE"}

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]


class PathRefused(UsageError):
    """A client path that is not a readable file inside the project folder."""


def new_token() -> str:
    """A fresh random session token (32 URL-safe characters, 192 bits)."""
    return secrets.token_urlsafe(24)


def project_path(root: Path, rel: str, *, must_exist: bool = True) -> Path:
    """Resolve a client-supplied path relative to the project ``root``; never outside it.

    Args:
        root: the project folder (absolute, resolved).
        rel: a POSIX relative path as the client sent it (already URL-decoded once).
        must_exist: require an existing regular file.

    Returns:
        The resolved absolute path (symlinks followed), inside ``root``.

    Raises:
        PathRefused: empty, absolute, ``..`` or hidden parts, NUL or backslash, a symlink that leads out of
            ``root``, or (``must_exist``) not an existing regular file.
    """
    if not isinstance(rel, str) or not rel or "\x00" in rel or "\\" in rel:
        raise PathRefused("refused path: empty or containing NUL/backslash")
    pure = PurePosixPath(rel)
    if pure.is_absolute() or rel.startswith("~") or (len(rel) > 1 and rel[1] == ":"):
        raise PathRefused(f"refused path {rel!r}: paths are relative to the project folder")
    if any(part in ("..", ".") or part.startswith(".") for part in pure.parts):
        raise PathRefused(f"refused path {rel!r}: no '..' or hidden parts")
    root = root.resolve()
    try:
        target = (root / pure).resolve(strict=must_exist)
    except (OSError, RuntimeError):
        raise PathRefused(f"no such file in the project: {rel}") from None
    if not target.is_relative_to(root):
        raise PathRefused(f"refused path {rel!r}: it leads outside the project folder")
    if must_exist and not target.is_file():
        raise PathRefused(f"not a file in the project: {rel}")
    return target


def _header(scope: Scope, name: bytes) -> str | None:
    for k, v in scope.get("headers") or ():
        if k == name:
            return v.decode("latin-1")
    return None


def _cookie(scope: Scope, name: str) -> str | None:
    raw = _header(scope, b"cookie")
    if not raw:
        return None
    for part in raw.split(";"):
        k, _, v = part.strip().partition("=")
        if k == name:
            return v
    return None


class Guard:
    """Pure ASGI middleware enforcing the rules of the module docstring around ``app``.

    Args:
        app: the inner ASGI app.
        token: the session token.
        port: the port the server listens on (for the Host and Origin checks).
        extra_hosts: more host names accepted in ``Host`` (an explicit ``--host``).
        max_body: request body limit in bytes.
    """

    def __init__(self, app: ASGIApp, *, token: str, port: int, extra_hosts: tuple[str, ...] = (),
                 max_body: int = 1 << 20) -> None:
        self.app, self.token, self.max_body = app, token, max_body
        self.set_port(port, extra_hosts)

    def set_port(self, port: int, extra_hosts: tuple[str, ...] = ()) -> None:
        """(Re)compute the accepted Host values and origins (the port is known only once bound)."""
        self.port = port
        names = ["127.0.0.1", "localhost", "[::1]", *(h if ":" not in h else f"[{h}]" for h in extra_hosts)]
        self.hosts = {f"{n}:{port}" for n in names}
        self.origins = {f"http://{h}" for h in self.hosts}

    def _token_ok(self, value: str | None) -> bool:
        return bool(value) and secrets.compare_digest(value.encode(), self.token.encode())  # type: ignore[union-attr]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await self.app(scope, receive, send)
            return
        if scope["type"] != "http":  # no websockets: progress goes over server-sent events
            return
        host = (_header(scope, b"host") or "").lower()
        if host not in self.hosts:
            await _reply(send, 421, {"ok": False, "error": "refused: unexpected Host header"})
            return
        method = scope["method"].upper()
        path = scope["path"]
        header_token = _header(scope, HEADER.encode())
        cookie_token = _cookie(scope, COOKIE)
        query = parse_qs((scope.get("query_string") or b"").decode("latin-1"))
        url_token = (query.get("token") or [None])[0]
        if method in ("GET", "HEAD") and path == "/" and url_token is not None:
            if not self._token_ok(url_token):
                await _reply(send, 401, {"ok": False, "error": "wrong token: open the URL `reel studio` printed"})
                return
            await send({"type": "http.response.start", "status": 303, "headers": [
                (b"location", b"/"), (b"cache-control", b"no-store"), (b"referrer-policy", b"no-referrer"),
                (b"set-cookie", f"{COOKIE}={self.token}; HttpOnly; SameSite=Strict; Path=/".encode())]})
            await send({"type": "http.response.body", "body": b""})
            return
        authed = self._token_ok(header_token) or self._token_ok(cookie_token)
        if not authed:
            await _reply(send, 401, {"ok": False, "error": "missing or wrong session token: open the URL "
                                     "`reel studio` printed (it carries ?token=...)"})
            return
        if method in _UNSAFE:
            origin = _header(scope, b"origin")
            site = _header(scope, b"sec-fetch-site")
            if not self._token_ok(header_token) or (origin is not None and origin.lower() not in self.origins) \
                    or (site is not None and site not in ("same-origin", "none")):
                await _reply(send, 403, {"ok": False, "error": "refused: cross-site request (CSRF check)"})
                return
        length = _header(scope, b"content-length")
        if length is not None:
            try:
                too_big = int(length) > self.max_body
            except ValueError:
                too_big = True
            if too_big:
                await _reply(send, 413, {"ok": False, "error": f"request body over {self.max_body} bytes"})
                return
        if method in _UNSAFE:  # read the (bounded) body here, so a streamed body cannot exceed the limit either
            chunks: list[bytes] = []
            seen = 0
            while True:
                msg = await receive()
                if msg["type"] != "http.request":
                    return  # client went away
                chunk = msg.get("body") or b""
                seen += len(chunk)
                if seen > self.max_body:
                    await _reply(send, 413, {"ok": False, "error": f"request body over {self.max_body} bytes"})
                    return
                chunks.append(chunk)
                if not msg.get("more_body"):
                    break
            body = b"".join(chunks)
            replayed = False

            async def replay() -> Message:
                nonlocal replayed
                if not replayed:
                    replayed = True
                    return {"type": "http.request", "body": body, "more_body": False}
                return await receive()

            await self.app(scope, replay, _with_headers(send))
            return
        await self.app(scope, receive, _with_headers(send))


def _with_headers(send: Send) -> Send:
    """Add the security headers every response carries (no framing, no sniffing, local-only CSP)."""

    async def wrapped(msg: Message) -> None:
        if msg["type"] == "http.response.start":
            headers = list(msg.get("headers") or [])
            headers += [(b"x-content-type-options", b"nosniff"), (b"x-frame-options", b"DENY"),
                        (b"referrer-policy", b"no-referrer"),
                        (b"content-security-policy", b"default-src 'self'; img-src 'self' data: blob:; "
                         b"media-src 'self' blob:; style-src 'self'; script-src 'self'; connect-src 'self'; "
                         b"frame-ancestors 'none'")]
            msg = {**msg, "headers": headers}
        await send(msg)

    return wrapped


async def _reply(send: Send, status: int, body: dict[str, Any]) -> None:
    data = json.dumps(body).encode()
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(data)).encode()),
                            (b"cache-control", b"no-store")]})
    await send({"type": "http.response.body", "body": data})
