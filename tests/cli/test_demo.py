"""`reel demo` end to end: the README's first command on the bundled sample."""

from __future__ import annotations

from pathlib import Path

from reelkit.cli.demo import STEPS
from tests.conftest import run_reel


def test_demo_runs_every_step_twice_in_the_same_folder(tmp_path: Path) -> None:
    out = tmp_path / "demo out"
    env = {"REELKIT_CACHE": str(tmp_path / "cache"), "REELKIT_CONFIG_DIR": str(tmp_path / "config")}
    for _ in range(2):  # the demo owns its folder: a second run refreshes it instead of failing
        proc = run_reel("demo", "--out", str(out), env=env, timeout=900)
        assert proc.returncode == 0, proc.stderr
        assert "Traceback" not in proc.stderr
        for title, _step in STEPS:
            assert f"\n{title}\n" in proc.stdout, title
    assert (tmp_path / "cache" / "reelkit-sample-v1.mp4").is_file()
    assert "30000/1001 fps" in proc.stdout
    assert "recognised (Whisper base" in proc.stdout  # the README's first command gives Whisper transcripts
    # every rendered file carries a provenance record that verifies (signed with the local key)
    for name in ("sample_vertical_9x16.mp4", "sample.ebu-r128.mp4", "grade_match_preview.png", "sample.cut.otio"):
        check = run_reel("provenance", str(out / name), env=env)
        assert check.returncode == 0 and "verified" in check.stdout, (name, check.stdout, check.stderr)
