"""The media index: detector results stored per media file in one SQLite database.

Where: ``<media folder>/.reelkit/index.sqlite`` by default (for ``reel analyze FOLDER``: inside that
folder), ``$REELKIT_INDEX`` when set, or ``--index PATH`` (:func:`index_path_for`).

Keys: a result is stored under ``(fingerprint, detector, version, params)`` — the media's content
fingerprint (:mod:`reelkit.index.fingerprint`), the detector's name and version, and its parameters as
canonical JSON. A moved or renamed file has the same fingerprint, so its results are found again; a
changed file has a new one, so it is analysed afresh; a new detector version or other parameters
never return stale results.

Tables (schema version :data:`SCHEMA_VERSION`):

``results(fingerprint, detector, version, params, created, data)``
    ``data``: zlib-compressed JSON (numpy arrays inside as base64, see :func:`encode`).
``media(fingerprint, size, duration_s, rate, info)``
    one row per distinct content.
``paths(path, fingerprint, size, mtime_ns, inode, seen)``
    where each content was last seen, and the stat record that lets an unchanged file skip hashing.
``files(path, fingerprint, status, error, seconds, updated)``
    ``reel analyze`` bookkeeping: ``done`` or ``failed`` with its error, so a rerun resumes.
``shots(fingerprint, shot, start_s, end_s, start_frame, end_frame, size, movement, exposure, ...)``
    flat rows (also mean_luma, faces, people, loudness_lufs) written with a shot log, indexed for ``reel find``.
``words(fingerprint, start_s, end_s, word, speaker)``
    transcript words (lower case) when a transcript result is stored, for phrase search.

Safety: WAL journal, every write in one ``BEGIN IMMEDIATE`` transaction, ``synchronous=NORMAL``
(a crash or kill -9 mid-write loses at most that transaction, never corrupts the file); two
processes writing at once wait for each other (busy timeout :data:`BUSY_TIMEOUT_S`). WAL needs a
local file system (not NFS/SMB). A corrupt or foreign file raises :class:`MediaIndexError` with
``reel index clear`` as the way out; a folder that cannot be written raises it with ``--index PATH``.
The media files are only ever read.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import json
import os
import re
import sqlite3
import time
import zlib
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from reelkit.errors import MediaIndexError
from reelkit.index.fingerprint import FULL_HASH_MAX, fingerprint

__all__ = [
    "BUSY_TIMEOUT_S",
    "INDEX_DIR",
    "INDEX_NAME",
    "SCHEMA_VERSION",
    "MediaIndex",
    "ResultKey",
    "ShotRow",
    "WordRow",
    "clear_index",
    "decode",
    "encode",
    "index_path_for",
    "normalize_word",
]

SCHEMA_VERSION = 1
INDEX_DIR = ".reelkit"
INDEX_NAME = "index.sqlite"
#: how long a writer waits for another process's transaction (seconds)
BUSY_TIMEOUT_S = 60.0

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS media (
    fingerprint TEXT PRIMARY KEY, size INTEGER, duration_s REAL, rate TEXT, info TEXT, created REAL);
CREATE TABLE IF NOT EXISTS paths (
    path TEXT PRIMARY KEY, fingerprint TEXT NOT NULL, size INTEGER, mtime_ns INTEGER, inode INTEGER, seen REAL);
CREATE INDEX IF NOT EXISTS paths_fp ON paths(fingerprint);
CREATE TABLE IF NOT EXISTS results (
    fingerprint TEXT NOT NULL, detector TEXT NOT NULL, version TEXT NOT NULL, params TEXT NOT NULL,
    created REAL, data BLOB NOT NULL, PRIMARY KEY (fingerprint, detector, version, params));
CREATE TABLE IF NOT EXISTS files (
    path TEXT PRIMARY KEY, fingerprint TEXT, status TEXT NOT NULL, error TEXT, seconds REAL, updated REAL);
CREATE TABLE IF NOT EXISTS shots (
    fingerprint TEXT NOT NULL, shot INTEGER NOT NULL, start_s REAL, end_s REAL, start_frame INTEGER,
    end_frame INTEGER, size TEXT, movement TEXT, exposure TEXT, mean_luma REAL, faces INTEGER, people INTEGER,
    loudness_lufs REAL, PRIMARY KEY (fingerprint, shot));
CREATE INDEX IF NOT EXISTS shots_size ON shots(size);
CREATE INDEX IF NOT EXISTS shots_movement ON shots(movement);
CREATE TABLE IF NOT EXISTS words (
    fingerprint TEXT NOT NULL, pos INTEGER NOT NULL, start_s REAL, end_s REAL, word TEXT, speaker TEXT,
    PRIMARY KEY (fingerprint, pos));
CREATE INDEX IF NOT EXISTS words_word ON words(word);
"""


# ------------------------------------------------------------------------------------------
# keys and payloads
# ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ResultKey:
    """What a stored result was computed by: detector name, version and parameters (JSON-able)."""

    detector: str
    version: str
    params: tuple[tuple[str, Any], ...] = ()

    @classmethod
    def of(cls, detector: str, version: str | int, params: dict[str, Any] | None = None) -> ResultKey:
        """Build a key from a parameter dict (order does not matter)."""
        return cls(detector, str(version), tuple(sorted((params or {}).items())))

    @property
    def params_json(self) -> str:
        """Canonical JSON of the parameters (sorted keys, no spaces)."""
        return json.dumps(dict(self.params), sort_keys=True, separators=(",", ":"), default=str)

    def __str__(self) -> str:
        digest = hashlib.blake2b(self.params_json.encode(), digest_size=4).hexdigest()
        return f"{self.detector}@{self.version}/{digest}"


def _default(o: Any) -> Any:
    if isinstance(o, np.ndarray):
        return {"__nd__": str(o.dtype), "shape": list(o.shape),
                "b64": base64.b64encode(np.ascontiguousarray(o).tobytes()).decode("ascii")}
    if isinstance(o, np.generic):
        return o.item()
    if isinstance(o, Path):
        return str(o)
    if isinstance(o, bytes | bytearray):
        return {"__bytes__": base64.b64encode(bytes(o)).decode("ascii")}
    raise TypeError(f"cannot store {type(o).__name__} in the index")


def _hook(d: dict[str, Any]) -> Any:
    if "__bytes__" in d:
        return base64.b64decode(d["__bytes__"])
    if "__nd__" in d:
        return np.frombuffer(base64.b64decode(d["b64"]), dtype=np.dtype(d["__nd__"])).reshape(d["shape"]).copy()
    return d


def encode(data: Any) -> bytes:
    """Serialise a JSON-able value (numpy arrays allowed anywhere) to compressed bytes."""
    return zlib.compress(json.dumps(data, default=_default, separators=(",", ":"), allow_nan=True).encode(), 6)


def decode(blob: bytes) -> Any:
    """Inverse of :func:`encode`."""
    return json.loads(zlib.decompress(blob), object_hook=_hook)


@dataclass(frozen=True)
class ShotRow:
    """One shot as ``reel find`` searches it (times in seconds from the start of the media)."""

    shot: int
    start_s: float
    end_s: float
    start_frame: int
    end_frame: int
    size: str | None = None
    movement: str | None = None
    exposure: str | None = None
    mean_luma: float | None = None
    faces: int | None = None
    people: int | None = None
    loudness_lufs: float | None = None


@dataclass(frozen=True)
class WordRow:
    """One transcript word (``word`` is matched case-insensitively; times in seconds)."""

    start_s: float
    end_s: float
    word: str
    speaker: str | None = None


def normalize_word(word: str) -> str:
    """How words are stored and matched: lower case, punctuation stripped from both ends."""
    return _EDGE_PUNCT.sub("", word.lower())


_EDGE_PUNCT = re.compile(r"^[^\w']+|[^\w']+$")


# ------------------------------------------------------------------------------------------
# location
# ------------------------------------------------------------------------------------------


def index_path_for(media: str | os.PathLike[str] | None = None, index: str | os.PathLike[str] | None = None
                   ) -> Path:
    """Where the index for ``media`` lives: ``index`` if given, else ``$REELKIT_INDEX``, else
    ``<folder>/.reelkit/index.sqlite`` where folder is ``media`` itself when it is a folder, or its parent.

    ``index`` may name a folder (the file ``index.sqlite`` inside it is used)."""
    if index is None and os.environ.get("REELKIT_INDEX"):
        index = os.environ["REELKIT_INDEX"]
    if index is not None:
        p = Path(index)
        return p / INDEX_NAME if p.is_dir() else p
    base = Path(media) if media is not None else Path.cwd()
    folder = base if base.is_dir() else base.parent
    return folder.resolve() / INDEX_DIR / INDEX_NAME


def clear_index(path: str | os.PathLike[str]) -> bool:
    """Delete an index file and its WAL/SHM companions (works on a corrupt file too; media untouched).

    Returns True when something was removed.

    Raises:
        MediaIndexError: the files exist but cannot be removed, or the file is some other SQLite
            database (never deleted).
    """
    p = Path(path)
    if p.is_file() and _is_foreign(p):
        raise _foreign(p)
    removed = False
    for f in (p, p.with_name(p.name + "-wal"), p.with_name(p.name + "-shm"), p.with_name(p.name + "-journal")):
        try:
            f.unlink()
            removed = True
        except FileNotFoundError:
            pass
        except OSError as exc:
            raise MediaIndexError(f"cannot remove {f}: {exc.strerror or exc}") from None
    return removed


def _foreign(path: Path) -> MediaIndexError:
    return MediaIndexError(f"{path} is an SQLite database but not a reelkit media index; it was left untouched",
                           hint="pass another --index PATH")


def _is_foreign(path: Path) -> bool:
    """True for a readable SQLite database with tables but no reelkit ``meta`` table."""
    try:
        db = sqlite3.connect(f"file:{path.resolve().as_posix()}?mode=ro", uri=True)
        try:
            tables = {r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        finally:
            db.close()
    except sqlite3.DatabaseError:
        return False
    return bool(tables) and "meta" not in tables


def _corrupt(path: Path, exc: BaseException) -> MediaIndexError:
    return MediaIndexError(f"the media index {path} is unreadable or corrupt ({exc})",
                           hint=f"run `reel index clear --index {path}` to start a new one; your media files "
                                "are untouched")


# ------------------------------------------------------------------------------------------
# the index
# ------------------------------------------------------------------------------------------


class MediaIndex:
    """A handle on one index database (one connection; use one handle per thread or process).

    Args:
        path: the database file (created with its folder unless ``readonly``).
        readonly: open for queries only (works in a read-only folder; fails when the file is missing).

    Raises:
        MediaIndexError: corrupt/foreign file, newer schema, folder not writable, missing (readonly).
    """

    def __init__(self, path: str | os.PathLike[str], *, readonly: bool = False) -> None:
        self.path = Path(path)
        self.readonly = readonly
        self._db = self._connect()

    # -- connection ------------------------------------------------------------------------

    def _connect(self) -> sqlite3.Connection:
        p = self.path
        if self.readonly:
            if not p.is_file():
                raise MediaIndexError(f"no media index at {p}", hint="run `reel analyze` first, or pass --index PATH")
            uri = f"file:{p.resolve().as_posix()}?mode=ro"
            if not os.access(p.parent, os.W_OK):
                uri += "&immutable=1"  # no -shm can be made in a read-only folder
            try:
                db = sqlite3.connect(uri, uri=True, timeout=BUSY_TIMEOUT_S, isolation_level=None)
                self._check(db)
            except sqlite3.DatabaseError as exc:
                raise _corrupt(p, exc) from None
            return db
        try:
            p.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise MediaIndexError(f"cannot create the index folder {p.parent}: {exc.strerror or exc}",
                                  hint="the folder is read-only? pass --index PATH (or set REELKIT_INDEX) to keep "
                                       "the index elsewhere") from None
        if not os.access(p.parent, os.W_OK) or (p.exists() and not os.access(p, os.W_OK)):
            raise MediaIndexError(f"cannot write the media index {p}: permission denied",
                                  hint="pass --index PATH (or set REELKIT_INDEX) to keep the index elsewhere")
        try:
            db = sqlite3.connect(p, timeout=BUSY_TIMEOUT_S, isolation_level=None)
            db.execute(f"PRAGMA busy_timeout={int(BUSY_TIMEOUT_S * 1000)}")
            mode = db.execute("PRAGMA journal_mode=WAL").fetchone()[0]
            if str(mode).lower() != "wal":
                raise sqlite3.DatabaseError(f"cannot switch to WAL journal (got {mode})")
            db.execute("PRAGMA synchronous=NORMAL")
            tables = {r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type='table'")}
            if tables and "meta" not in tables:
                db.close()
                raise _foreign(p)
            with self._write(db):
                # (executescript would COMMIT on its own: run the statements inside our transaction)
                for stmt in filter(None, (s.strip() for s in _SCHEMA.split(";"))):
                    db.execute(stmt)
                row = db.execute("SELECT value FROM meta WHERE key='schema'").fetchone()
                if row is None:
                    db.execute("INSERT INTO meta VALUES ('schema', ?)", (str(SCHEMA_VERSION),))
            self._check(db)
        except sqlite3.OperationalError as exc:
            if "locked" in str(exc) or "busy" in str(exc):
                raise MediaIndexError(f"the media index {p} is locked by another process for too long",
                                      hint="wait for the other `reel` run to finish") from None
            if "readonly" in str(exc) or "unable to open" in str(exc):
                raise MediaIndexError(f"cannot write the media index {p}: {exc}",
                                      hint="pass --index PATH (or set REELKIT_INDEX) to keep it elsewhere") from None
            raise _corrupt(p, exc) from None
        except sqlite3.DatabaseError as exc:
            raise _corrupt(p, exc) from None
        return db

    def _check(self, db: sqlite3.Connection) -> None:
        tables = {r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        if "meta" not in tables:
            raise _foreign(self.path) if tables else sqlite3.DatabaseError("not a reelkit index (no schema version)")
        row = db.execute("SELECT value FROM meta WHERE key='schema'").fetchone()
        if row is None or not str(row[0]).isdigit():
            raise sqlite3.DatabaseError("not a reelkit index (no schema version)")
        if int(row[0]) > SCHEMA_VERSION:
            raise sqlite3.DatabaseError(f"made by a newer reelkit (schema {row[0]} > {SCHEMA_VERSION})")

    @staticmethod
    @contextlib.contextmanager
    def _write(db: sqlite3.Connection) -> Iterator[None]:
        db.execute("BEGIN IMMEDIATE")
        try:
            yield
        except BaseException:
            db.execute("ROLLBACK")
            raise
        db.execute("COMMIT")

    @contextlib.contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """One write transaction (``BEGIN IMMEDIATE`` … ``COMMIT``; rolled back on any exception).

        Raises:
            MediaIndexError: read-only handle, corrupt file, or another writer held the lock too long.
        """
        if self.readonly:
            raise MediaIndexError(f"the media index {self.path} was opened read-only")
        try:
            with self._write(self._db):
                yield self._db
        except sqlite3.OperationalError as exc:
            if "locked" in str(exc) or "busy" in str(exc):
                raise MediaIndexError(f"the media index {self.path} is locked by another process for too long",
                                      hint="wait for the other `reel` run to finish") from None
            raise _corrupt(self.path, exc) from None
        except sqlite3.DatabaseError as exc:
            raise _corrupt(self.path, exc) from None

    def query(self, sql: str, args: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        """Run a read query and return all rows.

        Raises:
            MediaIndexError: corrupt file.
        """
        try:
            return self._db.execute(sql, tuple(args)).fetchall()
        except sqlite3.DatabaseError as exc:
            raise _corrupt(self.path, exc) from None

    def query_dicts(self, sql: str, args: Sequence[Any] = ()) -> list[dict[str, Any]]:
        """Like :meth:`query`, rows as ``{column: value}``."""
        try:
            cur = self._db.execute(sql, tuple(args))
            cols = [c[0] for c in cur.description]
            return [dict(zip(cols, r, strict=True)) for r in cur.fetchall()]
        except sqlite3.DatabaseError as exc:
            raise _corrupt(self.path, exc) from None

    def close(self) -> None:
        """Close the connection (idempotent)."""
        with contextlib.suppress(Exception):
            self._db.close()

    def __enter__(self) -> MediaIndex:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- fingerprints ----------------------------------------------------------------------

    def fingerprint(self, path: str | os.PathLike[str], *, full: bool = False) -> str:
        """The content fingerprint of ``path``, skipping the hash when its stat record is unchanged.

        A file whose mtime changed while its sampled fingerprint stayed the same is hashed whole
        (see :mod:`reelkit.index.fingerprint`), so an in-place edit of a large file is not missed.
        The stat record is updated (not in a read-only index).

        Raises:
            MediaNotFoundError: the file is missing or unreadable; MediaIndexError.
        """
        p = Path(path).resolve()
        try:
            st = p.stat()
        except FileNotFoundError:
            from reelkit.errors import MediaNotFoundError

            raise MediaNotFoundError(f"file not found: {p}") from None
        rows = self.query("SELECT fingerprint, size, mtime_ns, inode FROM paths WHERE path=?", (str(p),))
        if rows and not full:
            fp, size, mtime_ns, inode = rows[0]
            if (size, mtime_ns, inode) == (st.st_size, st.st_mtime_ns, st.st_ino):
                return str(fp)
        fp = fingerprint(p, full=full)
        if rows and not full and fp == rows[0][0] and st.st_size > FULL_HASH_MAX:
            fp = fingerprint(p, full=True)  # touched in place with the same samples: hash it all
        if not self.readonly:
            with self.transaction() as db:
                db.execute("INSERT OR REPLACE INTO paths VALUES (?, ?, ?, ?, ?, ?)",
                           (str(p), fp, st.st_size, st.st_mtime_ns, st.st_ino, time.time()))
        return fp

    def paths_of(self, fp: str) -> list[Path]:
        """Paths where content ``fp`` was seen (most recent first; they may no longer exist)."""
        return [Path(r[0]) for r in self.query("SELECT path FROM paths WHERE fingerprint=? ORDER BY seen DESC",
                                               (fp,))]

    # -- results ---------------------------------------------------------------------------

    def get(self, fp: str, key: ResultKey) -> Any | None:
        """The stored result for ``(fp, key)`` or None (decoded, see :func:`decode`)."""
        rows = self.query("SELECT data FROM results WHERE fingerprint=? AND detector=? AND version=? AND params=?",
                          (fp, key.detector, key.version, key.params_json))
        if not rows:
            return None
        try:
            return decode(rows[0][0])
        except (zlib.error, ValueError) as exc:
            raise _corrupt(self.path, exc) from None

    def put(self, fp: str, key: ResultKey, data: Any, *, media: dict[str, Any] | None = None,
            shots: Sequence[ShotRow] | None = None, words: Sequence[WordRow] | None = None) -> None:
        """Store one result (replacing an older one with the same key); see :meth:`put_many`."""
        self.put_many(fp, [(key, data)], media=media, shots=shots, words=words)

    def put_many(self, fp: str, results: Sequence[tuple[ResultKey, Any]], *, media: dict[str, Any] | None = None,
                 shots: Sequence[ShotRow] | None = None, words: Sequence[WordRow] | None = None,
                 file: tuple[str | os.PathLike[str], float | None] | None = None) -> None:
        """Store results in ONE transaction (all or nothing), with the optional media description, the
        flat ``shots`` / ``words`` rows that ``reel find`` searches (replacing the media's earlier rows)
        and ``file=(path, seconds)`` marking that path ``done`` for ``reel analyze``."""
        blobs = [(key, encode(data)) for key, data in results]
        now = time.time()
        with self.transaction() as db:
            if media is not None:
                db.execute("INSERT OR REPLACE INTO media VALUES (?, ?, ?, ?, ?, ?)",
                           (fp, media.get("size"), media.get("duration_s"), media.get("rate"),
                            json.dumps(media, default=str), now))
            db.executemany("INSERT OR REPLACE INTO results VALUES (?, ?, ?, ?, ?, ?)",
                           [(fp, k.detector, k.version, k.params_json, now, b) for k, b in blobs])
            if shots is not None:
                db.execute("DELETE FROM shots WHERE fingerprint=?", (fp,))
                db.executemany("INSERT INTO shots VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)",
                               [(fp, r.shot, r.start_s, r.end_s, r.start_frame, r.end_frame, r.size, r.movement,
                                 r.exposure, r.mean_luma, r.faces, r.people, r.loudness_lufs) for r in shots])
            if words is not None:
                db.execute("DELETE FROM words WHERE fingerprint=?", (fp,))
                db.executemany("INSERT INTO words VALUES (?,?,?,?,?,?)",
                               [(fp, i, w.start_s, w.end_s, normalize_word(w.word), w.speaker)
                                for i, w in enumerate(words)])
            if file is not None:
                db.execute("INSERT OR REPLACE INTO files VALUES (?, ?, ?, ?, ?, ?)",
                           (str(Path(file[0]).resolve()), fp, "done", None, file[1], now))

    def get_or_compute(self, path: str | os.PathLike[str], key: ResultKey, compute: Callable[[], Any], *,
                       fp: str | None = None, media: dict[str, Any] | None = None,
                       words: Callable[[Any], Sequence[WordRow]] | None = None) -> tuple[Any, bool]:
        """The fresh result of ``key`` for the file at ``path``: from the index, or ``compute()`` then stored.

        This is the one call other commands need to adopt the index::

            idx = MediaIndex(index_path_for(video))
            data, cached = idx.get_or_compute(video, ResultKey.of("shots", 1, params), lambda: run(video))

        ``compute`` must return a JSON-able value (numpy arrays allowed). A file that changes while it
        is computed (fingerprint before ≠ after) is not stored. ``media`` is the file's row for
        ``reel index status`` (size, duration...), stored with the result; ``words(data)``, when given,
        the word rows ``reel find`` searches (they replace the file's earlier rows). Returns
        ``(data, was_cached)``.

        Raises:
            MediaIndexError, MediaNotFoundError; whatever ``compute`` raises (nothing is stored then).
        """
        fp = fp or self.fingerprint(path)
        got = self.get(fp, key)
        if got is not None:
            return got, True
        data = compute()
        if self.fingerprint(path) != fp:
            from reelkit.errors import MediaError

            raise MediaError(f"{path} changed while it was analysed; nothing was stored",
                             hint="run the command again once the file is complete")
        self.put(fp, key, data, media=media, words=words(data) if words is not None else None)
        return data, False

    # -- analyze bookkeeping -----------------------------------------------------------------

    def record_file(self, path: str | os.PathLike[str], fp: str | None, status: str, error: str | None = None,
                    seconds: float | None = None) -> None:
        """Record the outcome of analysing one file (``done`` / ``failed``)."""
        with self.transaction() as db:
            db.execute("INSERT OR REPLACE INTO files VALUES (?, ?, ?, ?, ?, ?)",
                       (str(Path(path).resolve()), fp, status, error, seconds, time.time()))

    def file_record(self, path: str | os.PathLike[str]) -> tuple[str | None, str, str | None] | None:
        """``(fingerprint, status, error)`` of the last analysis of ``path``, or None."""
        rows = self.query("SELECT fingerprint, status, error FROM files WHERE path=?", (str(Path(path).resolve()),))
        return (rows[0][0], rows[0][1], rows[0][2]) if rows else None

    # -- overview --------------------------------------------------------------------------

    def status(self) -> dict[str, Any]:
        """Counts and size: media, results per detector, files done/failed (with errors), shots, words."""
        per_det = {f"{d}@{v}": n for d, v, n in self.query(
            "SELECT detector, version, COUNT(*) FROM results GROUP BY detector, version ORDER BY detector")}
        files = dict(self.query("SELECT status, COUNT(*) FROM files GROUP BY status"))
        failed = [{"path": p, "error": e} for p, e in self.query(
            "SELECT path, error FROM files WHERE status='failed' ORDER BY path")]
        missing = [p for (p,) in self.query("SELECT path FROM paths ORDER BY path") if not Path(p).exists()]
        size = sum(f.stat().st_size for f in (self.path, self.path.with_name(self.path.name + "-wal"))
                   if f.exists())
        return {
            "index": str(self.path),
            "schema": SCHEMA_VERSION,
            "bytes": size,
            "media": self.query("SELECT COUNT(*) FROM media")[0][0],
            "paths": self.query("SELECT COUNT(*) FROM paths")[0][0],
            "results": per_det,
            "files": {"done": files.get("done", 0), "failed": files.get("failed", 0)},
            "failed": failed,
            "missing_paths": missing,
            "shots": self.query("SELECT COUNT(*) FROM shots")[0][0],
            "words": self.query("SELECT COUNT(*) FROM words")[0][0],
        }
