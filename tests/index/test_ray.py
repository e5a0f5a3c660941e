"""`reel analyze --ray`: the same per-file job as Ray tasks on a local 2-worker cluster."""

from __future__ import annotations

from pathlib import Path

import pytest

from reelkit.index.analyze import CRASH_ONCE_ENV, analyze_paths
from reelkit.index.store import MediaIndex

ray = pytest.importorskip("ray")


def _rows(db: Path) -> list[tuple]:
    with MediaIndex(db, readonly=True) as idx:
        return idx.query("SELECT fingerprint, shot, start_frame, end_frame, size, movement, exposure, loudness_lufs "
                         "FROM shots ORDER BY fingerprint, shot")


def test_ray_local_cluster_same_results_and_a_dying_worker(library: Path, tmp_path: Path,
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    local = analyze_paths([library], index=tmp_path / "local.sqlite")
    # the first task to start kills its worker process (os._exit): Ray retries it on a new worker
    monkeypatch.setenv(CRASH_ONCE_ENV, str(tmp_path / "crashed"))
    on_ray = analyze_paths([library], index=tmp_path / "ray.sqlite", workers=2, ray_address="local")
    assert (tmp_path / "crashed").exists()
    assert on_ray.mode == "ray"
    assert on_ray.counts() == local.counts() == {"done": 4, "cached": 0, "failed": 1, "skipped": 1}
    assert _rows(tmp_path / "ray.sqlite") == _rows(tmp_path / "local.sqlite")
    assert not ray.is_initialized()  # the local cluster was shut down
