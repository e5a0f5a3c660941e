"""``reel studio`` security, each rule a test, against the real server process over raw HTTP."""

from __future__ import annotations

import json
import os
import socket
import time
from pathlib import Path

import pytest

from reelkit.studio.security import PathRefused, project_path
from tests.studio.conftest import Studio, start_studio, stop_studio


def test_prints_the_url_with_its_token_on_one_line(studio: Studio) -> None:
    assert studio.line.startswith(f"reel studio: http://127.0.0.1:{studio.port}/?token=")
    assert studio.line.endswith("\n") and studio.line.count("\n") == 1
    assert len(studio.token) >= 32 and studio.token in studio.line


def test_health_needs_the_token(studio: Studio) -> None:
    status, body = studio.get_json("/api/health")
    assert status == 200 and body["ok"] is True and body["project"] == "project"
    status, body = studio.get_json("/api/health", token=False)
    assert status == 401 and body["ok"] is False
    status, _ = studio.get_json("/api/health", token=False, headers={"X-Reel-Token": studio.token[:-1] + "x"})
    assert status == 401


def _listening_addresses(port: int) -> set[str]:
    """Local addresses with a LISTEN socket on ``port`` (from /proc/net/tcp and tcp6)."""
    found = set()
    for name in ("/proc/net/tcp", "/proc/net/tcp6"):
        if not os.path.exists(name):
            continue
        for line in Path(name).read_text().splitlines()[1:]:
            parts = line.split()
            addr, p = parts[1].rsplit(":", 1)
            if int(p, 16) == port and parts[3] == "0A":
                found.add(addr)
    return found


@pytest.mark.skipif(not os.path.exists("/proc/net/tcp"), reason="needs Linux /proc/net/tcp")
def test_binds_loopback_only_unless_host_given(studio: Studio, studio_folder: Path) -> None:
    assert _listening_addresses(studio.port) == {"0100007F"}  # 127.0.0.1, and nothing else
    other = start_studio(studio_folder, "--host", "0.0.0.0")
    try:
        assert _listening_addresses(other.port) == {"00000000"}
        deadline = time.monotonic() + 5
        while "warning: --host 0.0.0.0" not in other.stderr_path.read_text() and time.monotonic() < deadline:
            time.sleep(0.1)
        assert "warning: --host 0.0.0.0 makes the studio reachable from the network" in other.stderr_path.read_text()
        name = socket.gethostname().lower()
        assert other.get_json("/api/health", host=f"{name}:{other.port}")[0] == 200
        assert other.get_json("/api/health", host=f"evil.example:{other.port}")[0] == 421
    finally:
        stop_studio(other)


@pytest.mark.parametrize("path", ["/", "/api/health", "/api/media", "/api/media/detail?path=clip.mp4",
                                  "/api/poster?path=clip.mp4", "/api/thumb?path=clip.mp4&name=shot_0001.jpg",
                                  "/media/clip.mp4", "/api/play?path=clip.mp4", "/api/jobs", "/api/jobs/1",
                                  "/api/events", "/api/reframe?path=clip.mp4", "/api/grade?path=clip.mp4",
                                  "/api/grade/frame?path=clip.mp4", "/api/scripts", "/static/js/app.js",
                                  "/nothing-here"])
def test_every_route_needs_the_token(studio: Studio, path: str) -> None:
    status, _h, body = studio.request("GET", path, token=False)
    assert status == 401
    assert b"ftyp" not in body and b"import" not in body  # neither media nor code leaks


def test_url_token_sets_a_strict_cookie_that_then_authorises(studio: Studio) -> None:
    status, headers, _ = studio.request("GET", f"/?token={studio.token}", token=False)
    assert status == 303 and headers["location"] == "/"
    cookie = headers["set-cookie"]
    assert cookie.startswith(f"reel_token={studio.token}") and "HttpOnly" in cookie and "SameSite=Strict" in cookie
    jar = {"Cookie": f"reel_token={studio.token}"}
    assert studio.get_json("/api/health", token=False, headers=jar)[0] == 200
    status, _h, page = studio.request("GET", "/", token=False, headers=jar)
    assert status == 200 and b"reel studio" in page
    assert studio.request("GET", "/?token=wrong", token=False)[0] == 401
    assert studio.get_json("/api/health", token=False, headers={"Cookie": "reel_token=wrong"})[0] == 401


@pytest.mark.parametrize("host", ["evil.example:{port}", "evil.example", "127.0.0.1:1", "localhost",
                                  "127.0.0.1.nip.io:{port}", ""])
def test_foreign_host_header_is_refused(studio: Studio, host: str) -> None:
    status, body = studio.get_json("/api/health", host=host.format(port=studio.port))
    assert status == 421 and "Host" in body["error"]


def test_loopback_host_names_are_accepted(studio: Studio) -> None:
    for host in (f"127.0.0.1:{studio.port}", f"localhost:{studio.port}", f"LOCALHOST:{studio.port}"):
        assert studio.get_json("/api/health", host=host)[0] == 200


def test_state_changes_need_header_token_and_same_origin(studio: Studio) -> None:
    payload = {"path": "clip.mp4", "format": "otio", "edit": {}}
    body = json.dumps(payload).encode()
    cookie_only = {"Cookie": f"reel_token={studio.token}", "Content-Type": "application/json"}
    assert studio.request("POST", "/api/export", body=body, headers=cookie_only, token=False)[0] == 403
    evil = {"Origin": "http://evil.example", "Content-Type": "application/json"}
    assert studio.request("POST", "/api/export", body=body, headers=evil)[0] == 403
    cross = {"Sec-Fetch-Site": "cross-site", "Content-Type": "application/json"}
    assert studio.request("POST", "/api/export", body=body, headers=cross)[0] == 403
    other_port = {"Origin": f"http://127.0.0.1:{studio.port + 1}"}
    assert studio.request("POST", "/api/export", body=body, headers=other_port)[0] == 403
    # the same request from the studio's own origin gets past the guard (and fails on content: no transcript)
    status, answer = studio.post_json("/api/export", payload)
    assert status == 400 and "transcript" in answer["error"]


@pytest.mark.parametrize("path", [
    "/media/../../../../etc/passwd", "/media/%2e%2e/%2e%2e/%2e%2e/etc/passwd", "/media/..%2f..%2f..%2fetc%2fpasswd",
    "/media/%252e%252e/%252e%252e/etc/passwd", "/media//etc/passwd", "/media/%2Fetc%2Fpasswd",
    "/media/sub/..%2F..%2F..%2Fetc%2Fpasswd", "/media/.reelkit/studio", "/media/clip.mp4%00.txt",
    "/media/out-link/passwd", "/media/link-out.mp4", "/media/..%5c..%5cetc%5cpasswd",
    "/api/poster?path=../../etc/passwd", "/api/poster?path=%2Fetc%2Fpasswd", "/api/media/detail?path=link-out.mp4",
    "/api/thumb?path=clip.mp4&name=../../../etc/passwd", "/api/play?path=../../../etc/passwd",
    "/api/play?path=link-out.mp4", "/api/grade/frame?path=link-out.mp4", "/api/script?path=../x.fountain",
    "/api/panel?path=clip.mp4&name=../../../../etc/passwd",
])
def test_no_path_outside_the_project(studio: Studio, studio_folder: Path, path: str) -> None:
    outside = studio_folder.parent / "secret.mp4"
    outside.write_bytes(b"SECRET" * 10)
    for name, target in (("link-out.mp4", outside), ("out-link", Path("/etc"))):
        if not (studio_folder / name).is_symlink():
            (studio_folder / name).symlink_to(target)
    status, _h, body = studio.request("GET", path)
    assert status in (400, 404)
    assert b"root:" not in body and b"SECRET" not in body


def test_paths_refused_by_the_resolver(tmp_path: Path) -> None:
    (tmp_path / "a b").mkdir()
    (tmp_path / "a b" / "c.mp4").write_bytes(b"x")
    assert project_path(tmp_path, "a b/c.mp4") == (tmp_path / "a b" / "c.mp4").resolve()
    for bad in ("", "/etc/passwd", "../x", "a b/../../x", "a\\b", "C:/x", "~/x", ".reelkit/x",
                "a\x00b", "missing.mp4", "a b"):
        with pytest.raises(PathRefused):
            project_path(tmp_path, bad)


def test_project_files_are_served_with_http_range(studio: Studio, studio_folder: Path) -> None:
    data = (studio_folder / "clip.mp4").read_bytes()
    status, headers, body = studio.request("GET", "/media/clip.mp4", headers={"Range": "bytes=10-19"})
    assert status == 206 and body == data[10:20]
    assert headers["content-range"] == f"bytes 10-19/{len(data)}" and headers["accept-ranges"] == "bytes"
    status, _h, body = studio.request("GET", "/media/sub/two%20words.mp4")
    assert status == 200 and body == (studio_folder / "sub" / "two words.mp4").read_bytes()


def test_request_bodies_are_size_limited(studio: Studio) -> None:
    big = b'{"path": "' + b"x" * (2 << 20) + b'"}'
    status, _h, _b = studio.request("POST", "/api/edit", body=big, headers={"Content-Type": "application/json"})
    assert status == 413
    # streamed (chunked) without a length: counted as it arrives
    conn = __import__("http.client").client.HTTPConnection("127.0.0.1", studio.port, timeout=30)
    conn.putrequest("POST", "/api/edit", skip_host=True)
    for k, v in (("Host", f"127.0.0.1:{studio.port}"), ("X-Reel-Token", studio.token),
                 ("Transfer-Encoding", "chunked"), ("Content-Type", "application/json")):
        conn.putheader(k, v)
    conn.endheaders()
    try:
        for _ in range(40):
            chunk = b"y" * 65536
            conn.send(b"%x\r\n%s\r\n" % (len(chunk), chunk))
        conn.send(b"0\r\n\r\n")
    except OSError:
        pass  # the server may close early
    assert conn.getresponse().status == 413
    conn.close()


def test_a_failing_job_does_not_take_the_server_down(studio: Studio, studio_folder: Path) -> None:
    (studio_folder / "broken.mp4").write_bytes(os.urandom(4096))
    status, job = studio.post_json("/api/analyse", {"path": "broken.mp4"})
    assert status == 200
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        _s, j = studio.get_json(f"/api/jobs/{job['job']}")
        if j["state"] in ("done", "failed"):
            break
        time.sleep(0.2)
    assert j["state"] == "failed" and j["error"]
    assert studio.get_json("/api/health")[0] == 200
