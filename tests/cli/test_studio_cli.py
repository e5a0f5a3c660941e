"""``reel studio`` on the command line: bad folders and taken ports are one-line errors; --sample works."""

from __future__ import annotations

import socket
from pathlib import Path

from tests.studio.conftest import start_studio, stop_studio


def test_not_a_folder_is_a_usage_error(reel, tmp_path: Path) -> None:
    r = reel("studio", str(tmp_path / "missing"), "--no-browser")
    assert r.returncode == 2 and r.stdout == ""
    assert r.stderr.strip().count("\n") == 0 and "is not a folder" in r.stderr and "Traceback" not in r.stderr


def test_a_taken_port_is_a_usage_error(reel, tmp_path: Path) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen(1)
        port = s.getsockname()[1]
        r = reel("studio", str(tmp_path), "--no-browser", "--port", str(port))
    assert r.returncode == 2 and f"port {port} is already in use" in r.stderr and "Traceback" not in r.stderr


def test_sample_flag_opens_the_bundled_film(tmp_path: Path) -> None:
    folder = tmp_path / "demo"
    folder.mkdir()
    studio = start_studio(folder, "--sample", timeout=120)
    try:
        status, body = studio.get_json("/api/media")
        assert status == 200 and [m["path"] for m in body["media"]] == ["sample.mp4"]
        assert body["media"][0]["probe"]["frames"] == 330
    finally:
        stop_studio(studio)
