"""The SQLite media index: keys, payloads, transactions, two writers, corrupt and unwritable files."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from reelkit.errors import MediaError, MediaIndexError
from reelkit.index.fingerprint import FULL_HASH_MAX
from reelkit.index.store import MediaIndex, ResultKey, WordRow, clear_index, decode, encode, index_path_for


def test_payload_round_trip_with_arrays_and_bytes() -> None:
    data = {"a": np.arange(6, dtype=np.float32).reshape(2, 3), "b": b"\xff\xd8jpeg", "c": [1, None, "x"]}
    back = decode(encode(data))
    assert back["a"].dtype == np.float32 and back["a"].tolist() == data["a"].tolist()
    assert back["b"] == data["b"] and back["c"] == data["c"]


def test_keys_fingerprint_version_params(tmp_path: Path) -> None:
    media = tmp_path / "clip.mp4"
    media.write_bytes(os.urandom(4096))
    with MediaIndex(tmp_path / "i.sqlite") as idx:
        fp = idx.fingerprint(media)
        idx.put(fp, ResultKey.of("det", 1, {"x": 1, "y": 2}), {"v": 1})
        assert idx.get(fp, ResultKey.of("det", 1, {"y": 2, "x": 1})) == {"v": 1}  # parameter order is irrelevant
        assert idx.get(fp, ResultKey.of("det", 2, {"x": 1, "y": 2})) is None  # another version
        assert idx.get(fp, ResultKey.of("det", 1, {"x": 1, "y": 3})) is None  # other parameters
        assert idx.get("v1:" + "0" * 40, ResultKey.of("det", 1, {"x": 1, "y": 2})) is None


def test_get_or_compute_computes_once_and_survives_a_move(tmp_path: Path) -> None:
    media = tmp_path / "clip.mp4"
    media.write_bytes(os.urandom(4096))
    calls: list[int] = []

    def compute() -> dict[str, int]:
        calls.append(1)
        return {"n": len(calls)}

    key = ResultKey.of("det", 1)
    with MediaIndex(tmp_path / "i.sqlite") as idx:
        assert idx.get_or_compute(media, key, compute) == ({"n": 1}, False)
        moved = tmp_path / "moved" / "other-name.mp4"
        moved.parent.mkdir()
        media.rename(moved)
        assert idx.get_or_compute(moved, key, compute) == ({"n": 1}, True)
        moved.write_bytes(os.urandom(4096))  # changed content: computed again
        assert idx.get_or_compute(moved, key, compute) == ({"n": 2}, False)
    assert len(calls) == 2


def test_touched_large_file_is_hashed_whole(tmp_path: Path) -> None:
    big = tmp_path / "big.bin"
    big.write_bytes(os.urandom(FULL_HASH_MAX + 1024 * 1024))
    with MediaIndex(tmp_path / "i.sqlite") as idx:
        fp = idx.fingerprint(big)
        assert idx.fingerprint(big) == fp  # stat unchanged: no hashing, same answer
        with open(big, "r+b") as fh:  # an in-place edit between the sampled blocks, same size
            fh.seek(FULL_HASH_MAX // 2 + 12345)
            fh.write(b"Z")
        st = big.stat()
        os.utime(big, ns=(st.st_atime_ns, st.st_mtime_ns + 10_000_000))
        assert idx.fingerprint(big) != fp


def test_changed_while_computing_is_not_stored(tmp_path: Path) -> None:
    media = tmp_path / "clip.mp4"
    media.write_bytes(os.urandom(4096))
    key = ResultKey.of("det", 1)
    with MediaIndex(tmp_path / "i.sqlite") as idx:
        def compute() -> int:
            with open(media, "ab") as fh:
                fh.write(b"more")
            return 1

        with pytest.raises(MediaError, match="changed while"):
            idx.get_or_compute(media, key, compute)
        assert idx.query("SELECT COUNT(*) FROM results")[0][0] == 0


_WRITER = """
import sys
from reelkit.index.store import MediaIndex, ResultKey, ShotRow
idx = MediaIndex(sys.argv[1])
for i in range(150):
    idx.put_many(f"v1:{sys.argv[2]}{i:04d}", [(ResultKey.of("det", 1), {"i": i})],
                 shots=[ShotRow(k, k, k + 1, k, k) for k in range(5)])
print("ok")
"""


def test_two_processes_writing_at_once(tmp_path: Path) -> None:
    db = tmp_path / "i.sqlite"
    MediaIndex(db).close()
    procs = [subprocess.Popen([sys.executable, "-c", _WRITER, str(db), tag], stdout=subprocess.PIPE, text=True)
             for tag in ("a", "b")]
    outs = [p.communicate(timeout=120)[0] for p in procs]
    assert [p.returncode for p in procs] == [0, 0] and outs == ["ok\n", "ok\n"]
    with MediaIndex(db) as idx:
        assert idx.query("SELECT COUNT(*) FROM results")[0][0] == 300
        assert idx.query("SELECT COUNT(*) FROM shots")[0][0] == 1500
        assert idx.query("PRAGMA integrity_check")[0][0] == "ok"


def test_rollback_leaves_nothing(tmp_path: Path) -> None:
    with MediaIndex(tmp_path / "i.sqlite") as idx:
        with pytest.raises(RuntimeError), idx.transaction() as db:
            db.execute("INSERT INTO files VALUES ('x', NULL, 'done', NULL, 0, 0)")
            raise RuntimeError("boom")
        assert idx.query("SELECT COUNT(*) FROM files")[0][0] == 0


@pytest.mark.parametrize("content", [b"garbage" * 1000, b"SQLite format 3\x00" + b"\x07" * 5000])
def test_corrupt_index_is_a_clear_error_and_clear_works(tmp_path: Path, content: bytes) -> None:
    db = tmp_path / ".reelkit" / "index.sqlite"
    db.parent.mkdir()
    db.write_bytes(content)
    for readonly in (False, True):
        with pytest.raises(MediaIndexError, match="reel index clear"):
            MediaIndex(db, readonly=readonly)
    assert clear_index(db)
    MediaIndex(db).close()  # a fresh one


def test_foreign_sqlite_file_is_refused_and_kept(tmp_path: Path) -> None:
    db = tmp_path / "other.sqlite"
    con = sqlite3.connect(db)
    con.execute("CREATE TABLE t (x)")
    con.commit()
    con.close()
    for readonly in (False, True):
        with pytest.raises(MediaIndexError, match="not a reelkit media index"):
            MediaIndex(db, readonly=readonly)
    with pytest.raises(MediaIndexError):
        clear_index(db)
    assert db.exists()
    assert {r[0] for r in sqlite3.connect(db).execute("SELECT name FROM sqlite_master")} == {"t"}


def test_words_and_status(tmp_path: Path) -> None:
    with MediaIndex(tmp_path / "i.sqlite") as idx:
        idx.put_many("v1:x", [(ResultKey.of("transcript", 1), {})],
                     words=[WordRow(0.0, 0.4, "Hello,"), WordRow(0.5, 0.9, "PALACE!", "S1")])
        assert idx.query("SELECT word FROM words ORDER BY pos") == [("hello",), ("palace",)]
        st = idx.status()
        assert st["words"] == 2 and st["results"] == {"transcript@1": 1}


def test_index_location(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("REELKIT_INDEX", raising=False)
    (tmp_path / "clip.mp4").write_bytes(b"x")
    assert index_path_for(tmp_path / "clip.mp4") == tmp_path.resolve() / ".reelkit" / "index.sqlite"
    assert index_path_for(tmp_path) == tmp_path.resolve() / ".reelkit" / "index.sqlite"
    assert index_path_for(tmp_path / "clip.mp4", tmp_path) == tmp_path / "index.sqlite"
    monkeypatch.setenv("REELKIT_INDEX", str(tmp_path / "env.sqlite"))
    assert index_path_for(tmp_path / "clip.mp4") == tmp_path / "env.sqlite"


def test_read_only_folder(tmp_path: Path) -> None:
    """A folder where the index cannot be made: a clear error naming --index, nothing created."""
    if os.geteuid() == 0:  # root ignores permission bits: use a folder on a read-only file system
        media = Path("/proc/self/status")
    else:
        ro = tmp_path / "ro"
        ro.mkdir()
        media = ro / "clip.mp4"
        media.write_bytes(b"x" * 100)
        os.chmod(ro, 0o555)
    try:
        with pytest.raises(MediaIndexError, match="--index PATH"):
            MediaIndex(index_path_for(media))
        assert not (media.parent / ".reelkit").exists()
    finally:
        if os.geteuid() != 0:
            os.chmod(media.parent, 0o755)
