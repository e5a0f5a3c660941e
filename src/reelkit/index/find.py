"""``reel find``: search the media index — shots by size / movement / exposure / faces / loudness, and
words or phrases in stored transcripts — and return hits with file and time.

Everything is one indexed SQL query on the flat ``shots`` and ``words`` tables of
:mod:`reelkit.index.store` (no result blob is decoded), so a search over 100 hours of material takes
milliseconds (bench/index.py).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import Any

from reelkit.errors import UsageError
from reelkit.index.store import MediaIndex, normalize_word
from reelkit.shots import normalize_size
from reelkit.time import frame_to_timecode, seconds_to_frame

__all__ = ["Hit", "find", "hits_timeline"]

_EXPOSURES = ("under", "normal", "over")


@dataclass(frozen=True)
class Hit:
    """One search hit: a shot (``kind="shot"``) or a transcript phrase (``kind="words"``).

    Times are seconds from the start of the media; ``timecode`` is the start as ``HH:MM:SS:FF`` at the
    media's rate (``None`` when the rate is unknown); ``path`` is where the content was last seen
    (None when no known path still exists).
    """

    kind: str
    fingerprint: str
    path: str | None
    start_s: float
    end_s: float
    rate: str | None
    shot: int | None = None
    size: str | None = None
    movement: str | None = None
    exposure: str | None = None
    faces: int | None = None
    people: int | None = None
    loudness_lufs: float | None = None
    text: str | None = None
    speaker: str | None = None

    @property
    def timecode(self) -> str | None:
        """Start timecode at the media's frame rate."""
        if not self.rate:
            return None
        r = Fraction(self.rate)
        return frame_to_timecode(seconds_to_frame(self.start_s, r, rounding="nearest"), r)

    def to_dict(self) -> dict[str, Any]:
        """JSON form (``reel find --format json``)."""
        d = {k: getattr(self, k) for k in ("kind", "path", "fingerprint", "start_s", "end_s", "rate")}
        d["timecode"] = self.timecode
        for k in ("shot", "size", "movement", "exposure", "faces", "people", "loudness_lufs", "text", "speaker"):
            v = getattr(self, k)
            if v is not None:
                d[k] = v
        return d


def _in(column: str, values: Sequence[str], where: list[str], args: list[Any]) -> None:
    where.append(f"{column} IN ({','.join('?' * len(values))})")
    args.extend(values)


def find(index: MediaIndex, *, phrase: str | None = None, speaker: str | None = None,
         sizes: Sequence[str] = (), movements: Sequence[str] = (), exposures: Sequence[str] = (),
         min_faces: int | None = None, min_people: int | None = None, min_loudness: float | None = None,
         max_loudness: float | None = None, limit: int | None = None) -> list[Hit]:
    """Search the index. Filters combine with AND; values inside one filter with OR.

    Args:
        phrase: words that must follow each other in a transcript (case and punctuation ignored); the
            hits are the phrase's spans (with shot filters: only phrases starting inside a matching shot).
        speaker: only phrases said by this speaker label.
        sizes: shot sizes (``CU``, ``MCU`` … aliases allowed, see :func:`reelkit.shots.normalize_size`).
        movements: camera movements (``static``, ``pan_left`` … :data:`reelkit.shots.MOVEMENTS`).
        exposures: ``under`` / ``normal`` / ``over``.
        min_faces, min_people: at least that many faces/people on the representative frame.
        min_loudness, max_loudness: the shot's gated loudness bounds (LUFS).
        limit: at most this many hits (in file, time order).

    Returns:
        Hits ordered by path, then time.

    Raises:
        UsageError: unknown size/exposure, empty phrase; MediaIndexError.
    """
    from reelkit.shots import MOVEMENTS

    sizes = [normalize_size(s) for s in sizes]
    bad = [m for m in movements if m not in MOVEMENTS]
    if bad:
        raise UsageError(f"unknown movement {bad[0]!r}; use one of {', '.join(MOVEMENTS)}")
    bad = [e for e in exposures if e not in _EXPOSURES]
    if bad:
        raise UsageError(f"unknown exposure {bad[0]!r}; use one of {', '.join(_EXPOSURES)}")
    where: list[str] = []
    args: list[Any] = []
    if sizes:
        _in("s.size", sizes, where, args)
    if movements:
        _in("s.movement", list(movements), where, args)
    if exposures:
        _in("s.exposure", list(exposures), where, args)
    for cond, value in (("s.faces >= ?", min_faces), ("s.people >= ?", min_people),
                        ("s.loudness_lufs >= ?", min_loudness), ("s.loudness_lufs <= ?", max_loudness)):
        if value is not None:
            where.append(cond)
            args.append(value)
    lim = f" LIMIT {int(limit)}" if limit else ""
    if phrase is not None:
        words = [w for w in (normalize_word(t) for t in re.split(r"\s+", phrase)) if w]
        if not words:
            raise UsageError("the search phrase has no words")
        joins = "".join(f" JOIN words w{k} ON w{k}.fingerprint = w0.fingerprint AND w{k}.pos = w0.pos + {k}"
                        for k in range(1, len(words)))
        wcond = [f"w{k}.word = ?" for k in range(len(words))]
        wargs: list[Any] = list(words)
        if speaker is not None:
            wcond.append("w0.speaker = ?")
            wargs.append(speaker)
        shot_join = ""
        if where:
            shot_join = (" JOIN shots s ON s.fingerprint = w0.fingerprint AND w0.start_s >= s.start_s"
                         " AND w0.start_s < s.end_s")
        n = len(words) - 1
        sql = (f"SELECT w0.fingerprint, w0.start_s, w{n}.end_s, w0.speaker, m.rate FROM words w0{joins}{shot_join}"
               f" LEFT JOIN media m ON m.fingerprint = w0.fingerprint WHERE {' AND '.join(wcond + where)}"
               f" ORDER BY w0.fingerprint, w0.start_s{lim}")
        rows = index.query(sql, wargs + args)
        paths = _paths(index, {r[0] for r in rows})
        hits = [Hit("words", fp, paths.get(fp), float(a), float(b), rate, text=" ".join(words), speaker=spk)
                for fp, a, b, spk, rate in rows]
    else:
        if speaker is not None:
            raise UsageError("--speaker needs a phrase to search for")
        sql = ("SELECT s.fingerprint, s.shot, s.start_s, s.end_s, s.size, s.movement, s.exposure, s.faces, s.people,"
               " s.loudness_lufs, m.rate FROM shots s LEFT JOIN media m ON m.fingerprint = s.fingerprint"
               + (f" WHERE {' AND '.join(where)}" if where else "") + f" ORDER BY s.fingerprint, s.start_s{lim}")
        rows = index.query(sql, args)
        paths = _paths(index, {r[0] for r in rows})
        hits = [Hit("shot", fp, paths.get(fp), float(a), float(b), rate, shot=int(k), size=size, movement=mv,
                    exposure=ex, faces=fc, people=pp, loudness_lufs=ld)
                for fp, k, a, b, size, mv, ex, fc, pp, ld, rate in rows]
    return sorted(hits, key=lambda h: (h.path or "~", h.start_s))


def _paths(index: MediaIndex, fps: set[str]) -> dict[str, str]:
    """For each fingerprint, the most recently seen path that still exists."""
    out: dict[str, str] = {}
    if not fps:
        return out
    for fp, path in index.query("SELECT fingerprint, path FROM paths ORDER BY seen DESC"):
        if fp in fps and fp not in out and Path(path).exists():
            out[fp] = path
    return out


def hits_timeline(hits: Sequence[Hit], *, name: str = "reel find") -> Any:
    """An OTIO timeline of the hits (one clip per hit, in order, on one video track), ready for a bin.

    Hits without an existing path or a known rate are left out. Each clip references its file by an
    absolute ``file://`` URL with the hit's source range at the media's rate.
    """
    import opentimelineio as otio

    from reelkit.time import to_rational_time

    tl = otio.schema.Timeline(name=name)
    track = otio.schema.Track(name="hits", kind=otio.schema.TrackKind.Video)
    tl.tracks.append(track)
    for k, h in enumerate(hits):
        if h.path is None or not h.rate:
            continue
        r = Fraction(h.rate)
        a = seconds_to_frame(h.start_s, r, rounding="nearest")
        b = max(a + 1, seconds_to_frame(h.end_s, r, rounding="nearest"))
        src = otio.opentime.TimeRange(to_rational_time(a, r), to_rational_time(b - a, r))
        ref = otio.schema.ExternalReference(target_url=Path(h.path).resolve().as_uri())
        label = h.text if h.kind == "words" else f"shot {(h.shot or 0) + 1}"
        clip = otio.schema.Clip(name=f"{k + 1:03d} {Path(h.path).stem} {label}", media_reference=ref,
                                source_range=src)
        clip.metadata["reelkit"] = h.to_dict()
        track.append(clip)
    return tl
