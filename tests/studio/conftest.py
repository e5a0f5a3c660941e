"""A real ``reel studio`` process on a temporary project folder, and raw-HTTP helpers to talk to it."""

from __future__ import annotations

import http.client
import json
import os
import select
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import pytest


@dataclass
class Studio:
    """A running studio: its URL line, port, token and folder."""

    proc: subprocess.Popen[str]
    line: str
    url: str
    port: int
    token: str
    folder: Path
    stderr_path: Path

    def request(self, method: str, path: str, *, headers: dict[str, str] | None = None, body: bytes | None = None,
                host: str | None = None, token: bool = True) -> tuple[int, dict[str, str], bytes]:
        """One raw HTTP request (``Host`` and every header exactly as given); returns status, headers, body."""
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        conn.putrequest(method, path, skip_host=True, skip_accept_encoding=True)
        conn.putheader("Host", host if host is not None else f"127.0.0.1:{self.port}")
        hdrs = dict(headers or {})
        if token:
            hdrs.setdefault("X-Reel-Token", self.token)
        if body is not None:
            hdrs.setdefault("Content-Length", str(len(body)))
        for k, v in hdrs.items():
            conn.putheader(k, v)
        conn.endheaders()
        if body is not None:
            conn.send(body)
        r = conn.getresponse()
        data = r.read()
        out = (r.status, {k.lower(): v for k, v in r.getheaders()}, data)
        conn.close()
        return out

    def get_json(self, path: str, **kw: Any) -> tuple[int, Any]:
        status, _h, data = self.request("GET", path, **kw)
        return status, json.loads(data)

    def post_json(self, path: str, payload: Any, **kw: Any) -> tuple[int, Any]:
        headers = {"Content-Type": "application/json", "Origin": f"http://127.0.0.1:{self.port}",
                   **kw.pop("headers", {})}
        status, _h, data = self.request("POST", path, body=json.dumps(payload).encode(), headers=headers, **kw)
        return status, json.loads(data)


def start_studio(folder: Path, *extra: str, timeout: float = 60) -> Studio:
    """Start ``reel studio FOLDER --no-browser --port 0`` and wait for its URL line."""
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    env.setdefault("REELKIT_CACHE", str(Path(env.get("TMPDIR", "/tmp")) / "reelkit-test-cache"))
    err = folder.parent / f"{folder.name}.studio-stderr.txt"
    proc = subprocess.Popen([sys.executable, "-m", "reelkit.cli.main", "studio", str(folder), "--no-browser",
                             "--port", "0", *extra], stdout=subprocess.PIPE, stderr=err.open("w"), text=True,
                            env=env, stdin=subprocess.DEVNULL)
    assert proc.stdout is not None
    deadline = time.monotonic() + timeout
    line = ""
    while time.monotonic() < deadline:
        ready, _, _ = select.select([proc.stdout], [], [], 0.5)
        if ready:
            line = proc.stdout.readline()
            if line.startswith("reel studio: http") or not line:
                break
        if proc.poll() is not None:
            break
    if not line.startswith("reel studio: http"):
        proc.kill()
        raise AssertionError(f"studio did not start: {line!r} {err.read_text()}")
    url = line.split()[2]
    u = urlparse(url)
    token = u.query.split("token=", 1)[1]
    return Studio(proc, line, url, u.port or 0, token, folder, err)


def stop_studio(s: Studio) -> None:
    """Ctrl-C the studio and wait for it (kill it after 10 s)."""
    if s.proc.poll() is None:
        s.proc.send_signal(signal.SIGINT)
        try:
            s.proc.wait(10)
        except subprocess.TimeoutExpired:
            s.proc.kill()
            s.proc.wait(5)


@pytest.fixture(scope="module")
def studio_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A project folder holding one small generated clip with audio, a subfolder clip and a text file."""
    from tests.mediagen import make_video

    d = tmp_path_factory.mktemp("studio") / "project"
    (d / "sub").mkdir(parents=True)
    make_video(d / "clip.mp4", width=64, height=48, frames=50, audio_rate=48000)
    make_video(d / "sub" / "two words.mp4", width=64, height=48, frames=25)
    (d / "notes.txt").write_text("not media")
    return d


@pytest.fixture(scope="module")
def studio(studio_folder: Path) -> Iterator[Studio]:
    """The real studio process on :func:`studio_folder`."""
    s = start_studio(studio_folder)
    yield s
    stop_studio(s)
