"""Shot-to-shot consistency: match every shot of a sequence to a hero shot, one grade per shot.

Each shot's colour statistics come from frames spread over the shot (frames inside gradual
transitions are skipped when the shot has others); a grade is fitted from those pooled samples to
the hero shot's, baked into one 3-D LUT and applied identically to every frame of the shot, so
nothing flickers inside a shot (unlike per-frame colour transfer).
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from reelkit.color.grade import Grade, IdentityGrade, LatticeGrade, MixGrade
from reelkit.color.imageio import load_samples
from reelkit.color.lut import Lut
from reelkit.color.shotmatch import match_shots
from reelkit.color.spaces import delta_e_2000, rgb_to_lab
from reelkit.color.transfer import match, pixel_sample
from reelkit.errors import InputFormatError, UsageError
from reelkit.fileio import check_input_file
from reelkit.progress import ProgressFn
from reelkit.provenance import Action, declare

__all__ = ["EVEN_VERSION", "ShotGrade", "ShotSpan", "fit_shot_grades", "fit_shot_grades_cached", "load_shots_json",
           "mean_colour_difference", "shots_for"]

EVEN_VERSION = "1"
"""Version of the per-shot grades stored in the media index (bump when shot matching's output changes)."""


@dataclass(frozen=True)
class ShotSpan:
    """A shot's inclusive frame span and the gradual-transition frames inside it (to skip when sampling)."""

    index: int
    start: int
    end: int
    skip: tuple[tuple[int, int], ...] = ()


@dataclass(frozen=True)
class ShotGrade:
    """One shot's grade.

    Attributes:
        shot: the span.
        grade: the fitted grade (identity for the hero).
        lut: the grade baked into a 3-D LUT; ``lut_error`` its largest deviation (0..1 units).
        method: the transfer method used.
        before, after: CIEDE2000 between the shot's and the hero's mean colours, before/after grading.
        notes: remarks from the fit.
    """

    shot: ShotSpan
    grade: Grade
    lut: Lut
    lut_error: float
    method: str
    before: float
    after: float
    notes: tuple[str, ...] = ()
    matched_on: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """JSON form."""
        return {"index": self.shot.index, "start": self.shot.start, "end": self.shot.end, "method": self.method,
                "matched_on": self.matched_on,
                "lut_size": self.lut.size, "lut_max_error": round(self.lut_error, 5),
                "mean_delta_e_to_hero_before": round(self.before, 3),
                "mean_delta_e_to_hero_after": round(self.after, 3), "notes": list(self.notes)}


def mean_colour_difference(a: np.ndarray, b: np.ndarray) -> float:
    """CIEDE2000 between the mean CIELAB colours of two ``(n, 3)`` display-RGB samples."""
    return float(delta_e_2000(rgb_to_lab(a).mean(0), rgb_to_lab(b).mean(0)))


def load_shots_json(path: str | os.PathLike[str]) -> list[ShotSpan]:
    """Read the shots of a ``reel shots --format json`` file (issue-3 schema).

    Raises:
        InputFormatError: not JSON, or no valid ``shots`` list of ``{"index", "start", "end"}``.
    """
    p = check_input_file(path, what="shots file")
    try:
        data = json.loads(p.read_text(encoding="utf-8"))
        shots = data["shots"]
        spans = [ShotSpan(int(s.get("index", i)), int(s["start"]), int(s["end"])) for i, s in enumerate(shots)]
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        raise InputFormatError(f"{p} is not a shots JSON file from `reel shots --format json` ({exc})") from None
    if not spans or any(s.end < s.start or s.start < 0 for s in spans):
        raise InputFormatError(f"{p}: the shots list is empty or has a shot whose end precedes its start")
    gradual = [(int(t["start"]), int(t["end"])) for t in data.get("transitions", [])
               if isinstance(t, dict) and t.get("type") != "cut" and "start" in t and "end" in t]
    return [ShotSpan(s.index, s.start, s.end, tuple(g for g in gradual if g[1] >= s.start and g[0] <= s.end))
            for s in spans]


def shots_for(video: str | os.PathLike[str], *, progress: ProgressFn | None = None,
              index: str | os.PathLike[str] | None = None, use_index: bool = True,
              warn: Callable[[str], None] | None = None) -> list[ShotSpan]:
    """The shots of ``video`` (and their gradual transitions, to skip when sampling) from the shots job
    of the media index: read back when ``reel shots``/``reel analyze`` saw the file, else detected once
    and stored (``use_index=False``: detected, nothing read or written)."""
    from reelkit.index.analyze import shots as shots_job

    det, _ = shots_job(video, index=index, use_index=use_index, detect_only=True, progress=progress, warn=warn)
    gradual = [(t.start, t.end) for t in det.transitions if t.type != "cut"]
    return [ShotSpan(s.index, s.start, s.end, tuple(g for g in gradual if g[1] >= s.start and g[0] <= s.end))
            for s in det.shots]


def _sample_ranges(shot: ShotSpan) -> list[tuple[int, int]]:
    """Frame ranges [a, b) of the shot outside its gradual transitions (the whole shot if none remain)."""
    free = []
    cur = shot.start
    for s, e in sorted(shot.skip):
        if s > cur:
            free.append((cur, min(s, shot.end + 1)))
        cur = max(cur, e + 1)
    if cur <= shot.end:
        free.append((cur, shot.end + 1))
    free = [(a, b) for a, b in free if b > a]
    return free or [(shot.start, shot.end + 1)]


def _shot_images(video: str | os.PathLike[str], shot: ShotSpan, frames: int, max_side: int) -> list[np.ndarray]:
    ranges = _sample_ranges(shot)
    total = sum(b - a for a, b in ranges)
    imgs: list[np.ndarray] = []
    for a, b in ranges:
        n = max(1, round(frames * (b - a) / total))
        got, _ = load_samples(video, frames=n, max_side=max_side, start=a, end=b)
        imgs.extend(got)
    return imgs


def _spread(imgs: list[np.ndarray], n: int) -> list[np.ndarray]:
    """``n`` of the images, evenly spread (all when there are fewer)."""
    if len(imgs) <= n:
        return imgs
    return [imgs[round(i * (len(imgs) - 1) / (n - 1))] for i in range(n)] if n > 1 else [imgs[len(imgs) // 2]]


def _check_hero(shots: Sequence[ShotSpan], hero: int) -> None:
    if not shots:
        raise UsageError("no shots to grade")
    if not 0 <= hero < len(shots):
        raise UsageError(f"--hero {hero} is out of range: the video has {len(shots)} shots (0..{len(shots) - 1})")


def fit_shot_grades(video: str | os.PathLike[str], shots: Sequence[ShotSpan], hero: int, *, method: str = "content",
                    frames_per_shot: int = 8, max_side: int = 256, lut_sizes: tuple[int, ...] = (33, 65),
                    strength: float = 1.0, progress: ProgressFn | None = None) -> list[ShotGrade]:
    """Fit one grade per shot that matches it to shot ``hero`` (an index into ``shots``).

    ``method`` is ``content`` (content-aware: :func:`reelkit.color.shotmatch.match_shots` on up to
    four frames of each shot, matched on what they share) or a distribution method of
    :data:`reelkit.color.transfer.METHODS`. ``strength`` (0..1) applies each fitted grade partially.

    Raises:
        UsageError: ``hero`` out of range or no shots. Media errors from decoding.
    """
    _check_hero(shots, hero)
    content = method == "content"
    side = 480 if content else max_side  # correspondences need detail; statistics do not
    hero_imgs = _shot_images(video, shots[hero], frames_per_shot, side)
    hero_px = pixel_sample(hero_imgs)
    out: list[ShotGrade] = []
    for i, shot in enumerate(shots):
        if i == hero:
            g: Grade = IdentityGrade()
            lut, err = g.to_lut(sizes=lut_sizes[:1])
            d = 0.0
            out.append(ShotGrade(shot, g, lut, err, "hero", d, d, ("hero shot: unchanged",)))
        else:
            imgs = _shot_images(video, shot, frames_per_shot, side)
            px = pixel_sample(imgs)
            matched_on: dict[str, Any] = {}
            if content:
                sm = match_shots(_spread(imgs, 4), _spread(hero_imgs, 4), max_pairs_per_frame=2)
                fitted, used, notes = sm.grade, f"content:{sm.mode}", sm.notes
                matched_on = {"mode": sm.mode, "confidence": sm.confidence, **sm.matched_on}
            else:
                res = match(px, hero_px, method=method)
                fitted, used, notes = res.grade, res.method, res.notes
            grade = fitted if strength >= 1.0 else MixGrade(fitted, strength)
            lut, err = grade.to_lut(sizes=lut_sizes)
            before = mean_colour_difference(px, hero_px)
            after = mean_colour_difference(np.clip(lut.apply(px), 0, 1), hero_px)
            out.append(ShotGrade(shot, grade, lut, err, used, before, after, notes, matched_on))
        if progress:
            progress(i + 1, len(shots))
    return out


def _lut_to_store(lut: Lut) -> dict[str, Any]:
    # float32 tables: 7 significant digits, far inside the 1/255 the LUT is verified to
    return {"cube": None if lut.cube is None else lut.cube.astype(np.float32),
            "shaper": None if lut.shaper is None else lut.shaper.astype(np.float32),
            "cube_domain": lut.cube_domain, "shaper_domain": lut.shaper_domain, "title": lut.title}


def _lut_from_store(d: dict[str, Any]) -> Lut:
    def f64(a: Any) -> np.ndarray | None:
        return None if a is None else np.asarray(a, np.float64)

    return Lut(cube=f64(d["cube"]), shaper=f64(d["shaper"]), cube_domain=np.asarray(d["cube_domain"], np.float64),
               shaper_domain=np.asarray(d["shaper_domain"], np.float64), title=d["title"])


def fit_shot_grades_cached(video: str | os.PathLike[str], shots: Sequence[ShotSpan], hero: int, *,
                           method: str = "content", frames_per_shot: int = 8, strength: float = 1.0,
                           progress: ProgressFn | None = None, index: str | os.PathLike[str] | None = None,
                           use_index: bool = True, warn: Callable[[str], None] | None = None
                           ) -> tuple[list[ShotGrade], bool]:
    """:func:`fit_shot_grades` through the media index: the grades of an unchanged video with the same
    shots, hero, method, frame count and strength are read back (their LUTs as stored; ``grade`` is
    then the LUT itself, a :class:`~reelkit.color.grade.LatticeGrade`).

    Returns:
        ``(grades, from_index)``.

    Raises:
        as :func:`fit_shot_grades` (the hero is checked before the index is opened).
    """
    from reelkit.index.analyze import cached_result
    from reelkit.index.store import ResultKey

    _check_hero(shots, hero)
    key = ResultKey.of("even", EVEN_VERSION, {
        "hero": hero, "method": method, "frames": frames_per_shot, "strength": strength,
        "shots": [[s.index, s.start, s.end, [list(g) for g in s.skip]] for s in shots]})
    fresh: list[list[ShotGrade]] = []

    def compute(_info: object) -> list[dict[str, Any]]:
        grades = fit_shot_grades(video, shots, hero, method=method, frames_per_shot=frames_per_shot,
                                 strength=strength, progress=progress)
        fresh.append(grades)
        return [{"lut": _lut_to_store(g.lut), "lut_error": g.lut_error, "method": g.method, "before": g.before,
                 "after": g.after, "notes": list(g.notes), "matched_on": g.matched_on} for g in grades]

    data, cached = cached_result(video, key, compute, index=index, use_index=use_index, warn=warn)
    if fresh:
        return fresh[0], False
    out = []
    for shot, d in zip(shots, data, strict=True):
        lut = _lut_from_store(d["lut"])
        out.append(ShotGrade(shot, LatticeGrade(lut, {"from_index": True}), lut, float(d["lut_error"]), d["method"],
                             float(d["before"]), float(d["after"]), tuple(d["notes"]), d["matched_on"]))
    if progress:
        progress(len(out), len(out))
    return out, cached


def write_shot_luts(grades: Sequence[ShotGrade], folder: str | os.PathLike[str], *, stem: str,
                    force: bool = False) -> list[Path]:
    """Write each shot's LUT as ``<folder>/<stem>_shot<NN>.cube``; returns the paths."""
    from reelkit.color.lut import write_cube

    paths = []
    for g in grades:
        p = Path(folder) / f"{stem}_shot{g.shot.index:02d}.cube"
        declare(p, actions=[Action("colour", f"shot {g.shot.index} (frames {g.shot.start}-{g.shot.end}) matched "
                                             f"to the hero shot ({g.method})")])
        write_cube(g.lut, p, force=force)
        paths.append(p)
    return paths
