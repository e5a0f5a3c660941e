"""`reel probe` end to end (real subprocess): JSON schema, text output, one-line errors."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import run_reel
from tests.mediagen import make_video


def assert_one_line_error(proc: subprocess.CompletedProcess[str], code: int, pattern: str) -> None:
    assert proc.returncode == code, (proc.returncode, proc.stderr)
    lines = [ln for ln in proc.stderr.splitlines() if ln.strip()]
    assert len(lines) == 1, proc.stderr
    assert "Traceback" not in proc.stderr
    assert lines[0].startswith("error:")
    assert pattern in lines[0], lines[0]
    assert proc.stdout == ""


def test_probe_json_schema(shared_data: Path) -> None:
    path = shared_data / "shots/videos/pyscenedetect/testvideo.mp4"
    proc = run_reel("probe", str(path), "--format", "json")
    assert proc.returncode == 0, proc.stderr
    d = json.loads(proc.stdout)
    assert d == {
        "path": str(path), "container": "mov,mp4,m4a,3gp,3g2,mj2", "duration_s": pytest.approx(24.023, abs=0.01),
        "video": {"width": 1280, "height": 720, "rate": "30000/1001", "frames": 720, "pix_fmt": "yuv420p",
                  "bit_depth": 8, "rotation": 0, "sar": "1:1", "vfr": False},
        "audio": None,
    }


def test_probe_several_files_text_and_json(shared_data: Path) -> None:
    a = shared_data / "shots/videos/pyscenedetect/counter.mp4"
    b = shared_data / "speech/whisper_jfk/jfk.flac"
    proc = run_reel("probe", str(a), str(b), "-f", "json")
    items = json.loads(proc.stdout)
    assert [i["path"] for i in items] == [str(a), str(b)]
    assert items[1]["video"] is None and items[1]["audio"]["sample_rate"] == 44100
    text = run_reel("probe", str(a), str(b))
    assert text.returncode == 0
    assert "1920×1080 @ 10/1 fps" in text.stdout and "audio  none" in text.stdout
    assert "44100 Hz, 2 ch" in text.stdout


def test_version_and_help() -> None:
    assert run_reel("--version").stdout.startswith("reel (reelkit) ")
    h = run_reel("probe", "--help")
    assert h.returncode == 0 and "Examples" in h.stdout


def test_missing_file(tmp_path: Path) -> None:
    assert_one_line_error(run_reel("probe", str(tmp_path / "nope.mp4")), 3, "not found")


def test_directory(tmp_path: Path) -> None:
    assert_one_line_error(run_reel("probe", str(tmp_path)), 3, "is a directory")


def test_zero_byte(tmp_path: Path) -> None:
    (tmp_path / "z.mp4").touch()
    assert_one_line_error(run_reel("probe", str(tmp_path / "z.mp4")), 3, "empty")


def test_random_bytes(tmp_path: Path) -> None:
    (tmp_path / "r.mp4").write_bytes(os.urandom(4096))
    assert_one_line_error(run_reel("probe", str(tmp_path / "r.mp4")), 3, "r.mp4")


def test_truncated(tmp_path: Path) -> None:
    data = make_video(tmp_path / "f.mp4", frames=40).read_bytes()
    (tmp_path / "t.mp4").write_bytes(data[: len(data) // 2])
    assert_one_line_error(run_reel("probe", str(tmp_path / "t.mp4")), 3, "t.mp4")


def test_pixel_limit(tmp_path: Path) -> None:
    p = make_video(tmp_path / "f.mp4", frames=2)
    proc = run_reel("probe", str(p), env={"REELKIT_MAX_PIXELS": "1000"})
    assert_one_line_error(proc, 3, "safety limit")


def test_unreadable_file(tmp_path: Path) -> None:
    p = make_video(tmp_path / "secret.mp4", frames=2)
    p.chmod(0)
    if os.geteuid() == 0:
        # root reads anything: drop the capabilities that bypass file permissions (util-linux setpriv)
        setpriv = shutil.which("setpriv")
        assert setpriv, "running as root needs util-linux setpriv to test permissions"
        env = {**os.environ, "REELKIT_CACHE": str(tmp_path / "cache")}
        proc = subprocess.run([setpriv, "--bounding-set=-dac_override,-dac_read_search", sys.executable,
                               "-m", "reelkit.cli.main", "probe", str(p)], env=env, capture_output=True,
                              text=True, timeout=120, stdin=subprocess.DEVNULL)
    else:
        proc = run_reel("probe", str(p))
    assert_one_line_error(proc, 3, "permission denied")


@pytest.mark.parametrize("name", ["-dash.mp4", "co:lon.mp4", "spa ce.mp4", "ünï—名.mp4"])
def test_awkward_names(tmp_path: Path, name: str) -> None:
    src = make_video(tmp_path / "src.mp4", frames=3)
    shutil.copy(src, tmp_path / name)
    args = ["probe", "-f", "json", "--", name] if name.startswith("-") else ["probe", "-f", "json", name]
    proc = run_reel(*args, cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["video"]["frames"] == 3


def test_playlist_refused(tmp_path: Path) -> None:
    other = make_video(tmp_path / "o.mp4", frames=2)
    (tmp_path / "p.mp4").write_text(f"#EXTM3U\n#EXTINF:1,\n{other}\n#EXT-X-ENDLIST\n")
    assert_one_line_error(run_reel("probe", str(tmp_path / "p.mp4")), 3, "p.mp4")


def test_fifo_returns_at_once(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "f.mp4")
    assert_one_line_error(run_reel("probe", str(tmp_path / "f.mp4"), timeout=60), 3, "not a regular file")


def test_usage_error_exit_code() -> None:
    proc = run_reel("probe", "--no-such-option")
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr


def test_debug_shows_traceback(tmp_path: Path) -> None:
    proc = run_reel("--debug", "probe", str(tmp_path / "nope.mp4"))
    assert proc.returncode == 3 and "Traceback" in proc.stderr
