"""Cutdowns: a shorter version of a cut (15/30/60 s or any length) that keeps its structure.

The cut is split into *units*: the sentences of its transcript (word times from the speech analysis), or,
where a clip has no speech, its shots. A cutdown keeps whole units only, in their original order, always
keeps the opening and the closing unit when they fit (structure: open, key beats, close), and fills the rest
with the units that matter most (below). It never cuts inside a word, and only where the audio is silent:
a cut point is a frame boundary in the pause between two sentences whose 20 ms level is at or below the
recording's silence threshold (:func:`reelkit.edit.sentences.silence_threshold`: noise floor + 10 dB). Two
sentences whose pause holds no silent boundary (a speaker running them together) form one unit.

Exact length: each unit may start at any silent boundary in the pause before it and end at any in the pause
after it (at most ``max_pause_s`` of pause kept beyond its words; adjacent units split a shared pause at its
quietest point). Its *nominal* span takes the widest choice, its *core* span the narrowest. A 0/1 knapsack
over nominal lengths ranks the sets of units whose nominal length is at least the target and whose core
length is at most the target; for the best of them a small exact subset-sum picks, per cut point, one of its
silent boundaries so that the total is exactly the asked number of frames (trim spread evenly over the
pauses). Sets that cannot be trimmed exactly are skipped for the next best.

Value of a unit = importance × length, importance = 1 + centrality + 0.5 · energy + hook, where
centrality is the percentile rank of the sentence's TF-IDF cosine to the whole transcript (on-topic key
beats), energy the percentile rank of its speech level (emphasis), hook 0.25 for a question or exclamation.
Shots without speech all have importance 1 and can be trimmed from their tail to ``min_shot_s``.

All positions are integer SOURCE frames at the timeline's rate (0-based indices into the media, as
:class:`reelkit.timeline.ClipSpan.index_start` counts them).
"""

from __future__ import annotations

import copy
import itertools
import json
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path
from typing import Any

import numpy as np
import opentimelineio as otio

from reelkit.analysis.speech import Transcript
from reelkit.edit.sentences import silence_threshold, silent_frames, split_sentences, tfidf
from reelkit.edit.sources import IndexUse, source_energy, transcript_of
from reelkit.errors import InputFormatError, UsageError
from reelkit.fileio import check_input_file
from reelkit.progress import ProgressFn, Stage
from reelkit.time import format_rate, frame_to_seconds, to_rational_time
from reelkit.timeline.build import ClipSpan, timeline_tracks

__all__ = ["CutdownResult", "Unit", "cutdown", "cutdowns", "export_format_for", "load_transcripts", "plan_units",
           "read_timeline", "sentence_importance", "write_cutdowns"]


@dataclass(frozen=True)
class Unit:
    """One droppable piece of the cut: a sentence, or a shot without speech.

    Attributes:
        clip: index of the clip in the driving track (0-based, gaps not counted).
        kind: ``"sentence"`` or ``"shot"``.
        text: the sentence's words ('' for shots).
        nominal: ``[in, out)`` source frames the unit plays with its natural pauses.
        core: ``[in, out)`` source frames it may be trimmed to (words + pad; head of a shot).
        importance: the unit's importance (module docstring); value = importance × nominal length.
        words: ``[(start_frame, end_frame)]`` exact word spans in source frames (fractions), for checks.
        in_opts / out_opts: the frame boundaries the unit may start / end at (silent on the audio, in the
            pause before / after it); ``nominal`` spans the widest, ``core`` the narrowest choice.
    """

    clip: int
    kind: str
    text: str
    nominal: tuple[int, int]
    core: tuple[int, int]
    importance: float = 1.0
    words: tuple[tuple[Fraction, Fraction], ...] = ()
    in_opts: tuple[int, ...] = ()
    out_opts: tuple[int, ...] = ()

    @property
    def length(self) -> int:
        """Nominal length in frames."""
        return self.nominal[1] - self.nominal[0]

    @property
    def min_length(self) -> int:
        """Core length in frames."""
        return self.core[1] - self.core[0]


@dataclass(frozen=True)
class CutdownResult:
    """A cutdown: the new timeline and how it was made.

    Attributes:
        timeline: the OTIO cutdown (same tracks, media references and metadata as the input).
        rate: edit rate; ``target_frames`` asked, ``frames`` made (equal unless impossible, which raises).
        units: every candidate unit; ``kept`` the indices of those in the cutdown.
        pieces: ``(clip, in, out)`` source-frame pieces in playback order.
        notes: what the planner had to give up (e.g. the closing unit did not fit).
    """

    timeline: otio.schema.Timeline
    rate: Fraction
    target_frames: int
    frames: int
    units: list[Unit]
    kept: list[int]
    pieces: list[tuple[int, int, int]]
    notes: list[str] = field(default_factory=list)

    @property
    def seconds(self) -> Fraction:
        """Exact duration of the cutdown."""
        return frame_to_seconds(self.frames, self.rate)

    def to_dict(self) -> dict[str, Any]:
        """JSON summary: target/actual seconds and frames, kept units with their text and source frames."""
        return {
            "rate": format_rate(self.rate),
            "target_frames": self.target_frames,
            "frames": self.frames,
            "seconds": round(float(self.seconds), 4),
            "units_total": len(self.units),
            "units_kept": len(self.kept),
            "kept": [{"clip": self.units[i].clip, "kind": self.units[i].kind, "text": self.units[i].text,
                      "nominal": list(self.units[i].nominal)} for i in self.kept],
            "pieces": [list(p) for p in self.pieces],
            "notes": list(self.notes),
        }


def read_timeline(path: str | Path) -> otio.schema.Timeline:
    """Read an OTIO timeline file (``.otio``, ``.otioz``, ``.otiod``).

    Raises:
        MediaNotFoundError: missing or empty file. InputFormatError: not a readable OTIO timeline.
    """
    from reelkit.fileio import check_input_file

    p = check_input_file(path, what="timeline")
    if p.suffix.lower() not in (".otio", ".otioz", ".otiod"):
        raise InputFormatError(f"{p}: give an OpenTimelineIO timeline (.otio), e.g. one written by `reel cut`")
    try:
        tl = otio.adapters.read_from_file(str(p))
    except Exception as exc:  # OTIO raises its own exception types and JSON errors
        raise InputFormatError(f"{p} is not a readable OTIO timeline: {exc}") from None
    if not isinstance(tl, otio.schema.Timeline):
        raise InputFormatError(f"{p} holds a {type(tl).__name__}, not a timeline")
    return tl


# -- scoring ------------------------------------------------------------------------------------------------------



def _rank01(values: Sequence[float]) -> np.ndarray:
    """Percentile ranks in [0, 1] (ties share the mean rank); all zeros for fewer than two values."""
    v = np.asarray(values, np.float64)
    if len(v) < 2:
        return np.zeros(len(v))
    order = np.argsort(v, kind="stable")
    ranks = np.empty(len(v))
    ranks[order] = np.arange(len(v))
    for val in np.unique(v):
        m = v == val
        ranks[m] = ranks[m].mean()
    return ranks / (len(v) - 1)


def sentence_importance(texts: Sequence[str], levels_db: Sequence[float]) -> np.ndarray:
    """Importance of each sentence: ``1 + centrality + 0.5·energy + hook`` (see the module docstring).

    Args:
        texts: sentence texts.
        levels_db: speech level of each sentence (dBFS, e.g. the mean of its loudest frames).
    """
    n = len(texts)
    if n == 0:
        return np.zeros(0)
    weights = tfidf(texts)
    centroid = weights.sum(axis=0)
    norms = np.linalg.norm(weights, axis=1) * (np.linalg.norm(centroid) or 1.0)
    cent = np.where(norms > 0, weights @ centroid / np.maximum(norms, 1e-12), 0.0)
    hook = np.array([0.25 if t.rstrip().endswith(("?", "!")) else 0.0 for t in texts])
    return 1.0 + _rank01(cent) + 0.5 * _rank01(levels_db) + hook


# -- units --------------------------------------------------------------------------------------------------------


def _driver(timeline: otio.schema.Timeline) -> tuple[Fraction, list[ClipSpan], list[list[otio.schema.Clip]]]:
    """The edit rate, the driving track's clips as spans, and every track's OTIO clips (mirrored check).

    Raises:
        InputFormatError: no clips, or tracks that do not hold the same clips (reelkit timelines do).
    """
    rate, tracks = timeline_tracks(timeline)
    if not tracks or not any(t.clips for t in tracks):
        raise InputFormatError(f"timeline {timeline.name!r} has no clips to cut down")
    drive = next((t for t in tracks if t.kind == "video" and t.clips), None) or next(t for t in tracks if t.clips)
    spans = list(drive.clips)
    otio_clips: list[list[otio.schema.Clip]] = []
    for tr, track in zip(tracks, timeline.tracks, strict=True):
        clips = [c for c in track if isinstance(c, otio.schema.Clip)]
        if not clips:
            otio_clips.append([])
            continue
        same = len(tr.clips) == len(spans) and all(
            a.source_start == b.source_start and a.duration == b.duration and a.path == b.path
            for a, b in zip(tr.clips, spans, strict=True))
        if not same:
            raise InputFormatError(
                f"track {track.name!r} does not hold the same clips as the picture track; cutdowns need "
                "tracks that play the same clips (as `reel cut` and `reel assemble` write)")
        otio_clips.append(clips)
    return rate, spans, otio_clips


def _frame_of(sample: int, sr: int, rate: Fraction) -> Fraction:
    return Fraction(sample) * rate / sr


def _shot_spans(path: Path | None, has_video: bool, a: int, b: int, starts: dict[Path, list[int]]
                ) -> list[tuple[int, int]]:
    """Shots of the source inside ``[a, b)`` (index frames), by the shot detector when there is video;
    ``starts`` keeps each source's shot starts, so a source used by several clips is analysed once."""
    if path is None or not has_video:
        return [(a, b)]
    if path not in starts:
        from reelkit.analysis.shots import detect_shots

        starts[path] = [int(s.start) for s in detect_shots(path).shots]
    cuts = sorted({s for s in starts[path] if a < s < b})
    edges = [a, *cuts, b]
    return [(x, y) for x, y in itertools.pairwise(edges) if y > x]


def plan_units(
    spans: Sequence[ClipSpan],
    rate: Fraction,
    transcripts: Mapping[Path, Transcript | None],
    energies: Mapping[Path, tuple[np.ndarray, int, int]],
    *,
    max_pause_s: Fraction = Fraction(3, 5),
    min_shot_s: Fraction = Fraction(1),
    clauses: bool = False,
) -> list[Unit]:
    """Cut the clips of the driving track into units (sentences; shots where a clip has no words).

    Args:
        spans: the driving track's clips.
        rate: edit rate.
        transcripts: per source path, its transcript (None or empty: no speech).
        energies: per source path, ``(energy_db, hop_samples, sample_rate)`` of :func:`frame_energy_db`.
        max_pause_s: the most pause a unit keeps before its first and after its last word.
        min_shot_s: a shot without speech is trimmed to no less than this (or its own length).
        clauses: split at every pause between phrases, not only between sentences (finer units).
    """
    units: list[Unit] = []
    shot_starts: dict[Path, list[int]] = {}
    for ci, clip in enumerate(spans):
        assert clip.index_start is not None
        c0, c1 = clip.index_start, clip.index_start + clip.duration
        t = transcripts.get(clip.path) if clip.path is not None else None
        sents = []
        inside: list[Any] = []
        if t is not None and t.words:
            sr = t.sample_rate
            inside = [w for w in t.words
                      if c0 <= _frame_of((w.start + w.end) // 2, sr, rate) < c1 and w.end > w.start]
            sents = split_sentences(inside, sample_rate=sr, clauses=clauses)
        if not sents:
            has_video = bool(clip.media.get("has_video", True))
            for a, b in _shot_spans(clip.path, has_video, c0, c1, shot_starts):
                keep = min(b - a, max(1, math.ceil(min_shot_s * rate)))
                units.append(Unit(ci, "shot", "", (a, b), (a, a + keep), in_opts=(a,),
                                  out_opts=tuple(range(a + keep, b + 1))))
            continue
        assert t is not None and clip.path is not None
        sr = t.sample_rate
        en = energies.get(clip.path)
        starts = [_frame_of(x.start, sr, rate) for x in sents]
        ends = [_frame_of(x.end, sr, rate) for x in sents]
        if en is not None:
            thr = silence_threshold(en[0])

            def allowed(lo: Fraction, hi: Fraction, _en: Any = en, _thr: float = thr) -> list[int]:
                return silent_frames(_en[0], _en[1], _en[2], rate, lo, hi, _thr)

            def level(f: int, _en: Any = en) -> float:
                k = min(len(_en[0]) - 1, round(Fraction(f) / rate * _en[2] / _en[1]))
                return float(_en[0][k])
        else:  # no audio to listen to: any boundary in a pause will do
            def allowed(lo: Fraction, hi: Fraction) -> list[int]:
                return list(range(math.ceil(lo), math.floor(hi) + 1))

            def level(f: int) -> float:
                return 0.0
        # sentences whose pause holds no silent frame boundary cannot be separated: one unit
        groups: list[list[int]] = [[0]]
        valleys: list[int] = []
        for k in range(len(sents) - 1):
            opts = allowed(ends[k], starts[k + 1])
            if not opts:
                groups[-1].append(k + 1)
                continue
            mid = (ends[k] + starts[k + 1]) / 2
            valleys.append(min(opts, key=lambda f: (round(level(f)), abs(f - mid))))
            groups.append([k + 1])
        pause = max_pause_s * rate
        for g, members in enumerate(groups):
            a, b = members[0], members[-1]
            S, E = starts[a], ends[b]
            left = Fraction(c0 if g == 0 else valleys[g - 1])
            right = Fraction(c1 if g == len(groups) - 1 else valleys[g])
            ins = allowed(max(left, S - pause), S) or allowed(left, S)[-1:] or [c0]
            outs = allowed(E, min(right, E + pause)) or allowed(E, right)[:1] or [c1]
            if g == 0 and c0 >= S - pause:
                ins = sorted({c0, *ins})
            if g == len(groups) - 1 and c1 <= E + pause:
                outs = sorted({c1, *outs})
            ins = [f for f in ins if c0 <= f <= c1]
            outs = [f for f in outs if c0 <= f <= c1]
            if not ins or not outs or max(outs) <= min(ins):
                continue
            first, last = sents[a], sents[b]
            text = " ".join(x.text for x in sents[a:b + 1])
            wspans = tuple((_frame_of(w.start, sr, rate), _frame_of(w.end, sr, rate))
                           for w in inside[first.first:last.last + 1])
            core_in, core_out = max(ins), min(outs)
            if core_out <= core_in:
                core_in, core_out = min(ins), max(outs)
                ins, outs = [core_in], [core_out]
            units.append(Unit(ci, "sentence", text, (min(ins), max(outs)), (core_in, core_out), 1.0, wspans,
                              tuple(ins), tuple(outs)))
    # importance of sentences: centrality + energy + hook over the whole cut
    idx = [i for i, u in enumerate(units) if u.kind == "sentence"]
    if idx:
        levels = []
        for i in idx:
            u = units[i]
            p = spans[u.clip].path
            en = energies.get(p) if p is not None else None
            if en is None:
                levels.append(0.0)
                continue
            e, hop, sr = en
            a, b = round(u.core[0] / rate * sr) // hop, round(u.core[1] / rate * sr) // hop
            seg = e[a:max(a + 1, b)]
            levels.append(float(np.percentile(seg, 90)) if len(seg) else -120.0)
        imp = sentence_importance([units[i].text for i in idx], levels)
        for k, i in enumerate(idx):
            units[i] = Unit(**{**units[i].__dict__, "importance": float(imp[k])})
    return units


# -- selection ----------------------------------------------------------------------------------------------------


def _select(units: Sequence[Unit], target: int, forced: set[int], shrink_cost: float, *, alternatives: int = 40
            ) -> list[tuple[list[int], int]]:
    """0/1 knapsack: max Σ value − cost·(Σ nominal − target) over subsets with Σ nominal ≥ target ≥ Σ core.

    Returns up to ``alternatives`` (chosen indices in order, their nominal sum), best first (one per sum);
    empty when no subset qualifies.
    """
    n = len(units)
    total_nominal = sum(u.length for u in units)
    over = max(8, min(total_nominal, target) // 4)
    cap = target + over
    neg = -np.inf
    best = np.full(cap + 1, neg)
    best[0] = 0.0
    msum = np.zeros(cap + 1, np.int64)
    take = np.zeros((n, cap + 1), bool)
    for i, u in enumerate(units):
        n_l, v = u.length, u.importance * u.length
        cand = np.full(cap + 1, neg)
        cm = np.zeros(cap + 1, np.int64)
        if n_l <= cap:
            cand[n_l:] = best[:cap + 1 - n_l] + v
            cm[n_l:] = msum[:cap + 1 - n_l] + u.min_length
        if i in forced:
            best, msum = cand, cm
            take[i] = True
        else:
            better = cand > best
            take[i] = better
            best = np.where(better, cand, best)
            msum = np.where(better, cm, msum)
    s_all = np.arange(cap + 1)
    ok = (s_all >= target) & np.isfinite(best) & (msum <= target)
    obj = np.where(ok, best - shrink_cost * (s_all - target), neg)
    out = []
    for s in np.argsort(-obj, kind="stable")[:alternatives]:
        if not np.isfinite(obj[s]):
            break
        chosen = []
        pos = int(s)
        for i in range(n - 1, -1, -1):
            if take[i, pos]:
                chosen.append(i)
                pos -= units[i].length
        assert pos == 0
        out.append((sorted(chosen), int(s)))
    return out


def _choose(units: Sequence[Unit], target: int, keep_open: bool, keep_close: bool, notes: list[str]
            ) -> tuple[list[int], list[tuple[int, int, int]]] | None:
    """The best set of units that fills ``target`` frames exactly, with the open and close forced, then only the
    open, then neither (noted): ``(chosen, pieces)`` or None."""
    med = float(np.median([u.importance for u in units]))
    options: list[tuple[set[int], str]] = []
    if keep_open and keep_close and len(units) > 1:
        options.append(({0, len(units) - 1}, ""))
    if keep_open:
        options.append(({0}, "the closing sentence/shot did not fit with the opening one; dropped the close"))
    options.append((set(), "the opening sentence/shot did not fit; dropped the open"))
    for forced, note in options:
        for chosen, s in _select(units, target, forced, shrink_cost=2.0 * med):
            pieces = _distribute(units, chosen, s - target)
            if pieces is not None:
                if note and (forced or keep_open):
                    notes.append(note)
                return chosen, pieces
    return None


def _distribute(units: Sequence[Unit], chosen: Sequence[int], shrink: int) -> list[tuple[int, int, int]] | None:
    """Take exactly ``shrink`` frames out of the chosen units' pauses, each cut point staying on one of its
    unit's allowed (silent) boundaries, spreading the trim evenly (min Σ trim²) → pieces; None if impossible."""
    sides: list[list[int]] = []  # per side: the trims it can take (0 = nominal)
    for i in chosen:
        u = units[i]
        sides.append(sorted({o - u.nominal[0] for o in u.in_opts if o <= u.core[0]}))
    for i in chosen:
        u = units[i]
        sides.append(sorted({u.nominal[1] - o for o in u.out_opts if o >= u.core[1]}))
    inf = float("inf")
    cost = [0.0] + [inf] * shrink
    picks: list[list[int]] = []
    for opts in sides:
        new = [inf] * (shrink + 1)
        arg = [-1] * (shrink + 1)
        for d in range(shrink + 1):
            if cost[d] == inf:
                continue
            for o in opts:
                if d + o > shrink:
                    break
                c = cost[d] + o * o
                if c < new[d + o]:
                    new[d + o], arg[d + o] = c, o
        cost = new
        picks.append(arg)
    if cost[shrink] == inf:
        return None
    trims = [0] * len(sides)
    d = shrink
    for k in range(len(sides) - 1, -1, -1):
        o = picks[k][d]
        trims[k] = o
        d -= o
    m = len(chosen)
    pieces: list[tuple[int, int, int]] = []
    for j, i in enumerate(chosen):
        u = units[i]
        a, b = u.nominal[0] + trims[j], u.nominal[1] - trims[m + j]
        if pieces and pieces[-1][0] == u.clip and pieces[-1][2] == a:
            pieces[-1] = (u.clip, pieces[-1][1], b)
        else:
            pieces.append((u.clip, a, b))
    return pieces


def _rebuild(timeline: otio.schema.Timeline, otio_clips: list[list[otio.schema.Clip]], spans: Sequence[ClipSpan],
             pieces: Sequence[tuple[int, int, int]], rate: Fraction, name: str, meta: dict[str, Any]
             ) -> otio.schema.Timeline:
    out = otio.schema.Timeline(name=name)
    out.global_start_time = to_rational_time(0, rate)
    base = copy.deepcopy(dict(timeline.metadata.get("reelkit", {}))) if timeline.metadata else {}
    out.metadata["reelkit"] = {**{k: v for k, v in base.items()}, "rate": format_rate(rate), "cutdown": meta}
    for track, clips in zip(timeline.tracks, otio_clips, strict=True):
        nt = otio.schema.Track(name=track.name, kind=track.kind)
        if clips:
            for n, (ci, a, b) in enumerate(pieces):
                src = clips[ci]
                c = src.deepcopy()
                c.name = f"{src.name} · {n + 1}"
                c.source_range = otio.opentime.TimeRange(to_rational_time(spans[ci].media_start + a, rate),
                                                         to_rational_time(b - a, rate))
                rk = dict(c.metadata.get("reelkit", {})) if c.metadata else {}
                rk["source_frames"] = [a, b]
                c.metadata["reelkit"] = rk
                nt.append(c)
        out.tracks.append(nt)
    return out


def _gather(spans: Sequence[ClipSpan], transcripts: Mapping[Path, Transcript | None] | None, backend: str | None,
            model: Path | None, progress: ProgressFn | None, use: IndexUse
            ) -> tuple[dict[Path, Transcript | None], dict[Path, tuple[np.ndarray, int, int]]]:
    given = dict(transcripts or {})
    ts: dict[Path, Transcript | None] = {}
    ens: dict[Path, tuple[np.ndarray, int, int]] = {}
    paths = list(dict.fromkeys(c.path for c in spans if c.path is not None))
    for k, p in enumerate(paths):
        en = source_energy(p, use=use)
        if en is None:
            ts[p] = None
            continue
        ens[p] = en
        ts[p] = given[p] if p in given else transcript_of(p, backend=backend, model=model, use=use)
        if progress is not None:
            progress(k + 1, len(paths))
    return ts, ens


def cutdowns(
    timeline: otio.schema.Timeline,
    durations_s: Sequence[float | Fraction],
    *,
    transcripts: Mapping[Path, Transcript | None] | None = None,
    backend: str | None = None,
    model: Path | None = None,
    keep_open: bool = True,
    keep_close: bool = True,
    progress: ProgressFn | None = None,
    use: IndexUse = IndexUse(),
) -> list[CutdownResult]:
    """Make one cutdown of ``timeline`` per duration (transcribing each source once).

    Args:
        timeline: a reelkit timeline (tracks playing the same clips: `reel cut`, `reel assemble`, ...).
        durations_s: wanted lengths in seconds; each result lasts ``round(d × rate)`` frames exactly.
        transcripts: transcripts per absolute source path; sources missing here are transcribed with
            ``backend``/``model`` (:func:`reelkit.analysis.speech.transcribe`; None: its defaults).
        keep_open / keep_close: keep the first / last unit (dropped, with a note, when they do not fit).
        progress: called with ``(sources done, sources)`` while analysing.
        use: the media index the sources' transcripts and speech levels are read from and stored in.

    Returns:
        one :class:`CutdownResult` per duration, in the order given.

    Raises:
        UsageError: a duration that is not positive, longer than the cut, or that no set of whole units
            can fill to the frame (the message says why). Nothing is computed partially: all
            durations are planned before any result is returned.
        InputFormatError: a timeline whose tracks do not play the same clips, or without clips.
        MediaError / BackendUnavailable: from decoding and transcription.
    """
    rate, spans, otio_clips = _driver(timeline)
    total = sum(c.duration for c in spans)
    targets = []
    for d in durations_s:
        ds = Fraction(repr(d)) if isinstance(d, float) else Fraction(d)
        if ds <= 0:
            raise UsageError(f"cutdown duration must be positive, got {float(ds)} s")
        tf = math.floor(ds * rate + Fraction(1, 2))
        if tf > total:
            raise UsageError(f"the cut lasts {float(total / rate):.2f} s; a {float(ds):g} s cutdown cannot be "
                             "longer than the cut itself")
        targets.append((ds, tf))
    ts, ens = _gather(spans, transcripts, backend, model, progress, use)
    sentence_units = plan_units(spans, rate, ts, ens)
    if not sentence_units:
        raise UsageError("nothing to cut down: the timeline's clips hold no speech and no shots")
    phrase_units: list[Unit] | None = None
    results = []
    for ds, tf in targets:
        notes: list[str] = []
        choice = None
        units = sentence_units
        for level in ("sentences", "phrases"):
            if level == "phrases":
                if phrase_units is None:
                    phrase_units = plan_units(spans, rate, ts, ens, clauses=True)
                if len(phrase_units) == len(sentence_units):
                    break
                units = phrase_units
            choice = _choose(units, tf, keep_open, keep_close, notes)
            if choice is not None:
                if level == "phrases":
                    notes.append("whole sentences could not fill this length; dropped whole phrases (cut in the "
                                 "pauses between them) instead")
                break
        if choice is None:
            shortest = min(u.min_length for u in units)
            nominal = sum(u.length for u in units)
            if tf > nominal:
                why = (f"its whole sentences/shots with natural pauses give at most {float(nominal / rate):.2f} s "
                       "(the rest of the cut is long silence between them)")
            elif tf < shortest:
                why = f"its shortest sentence/shot lasts {float(shortest / rate):.2f} s"
            else:
                why = "no combination of whole sentences/shots adds up to it without cutting into a word"
            raise UsageError(f"cannot make a {float(ds):g} s cutdown of this {float(total / rate):.2f} s cut: {why}")
        chosen, pieces = choice
        frames = sum(b - a for _, a, b in pieces)
        assert frames == tf, (frames, tf)
        meta = {"target_s": float(ds), "frames": frames, "units_kept": len(chosen), "units_total": len(units)}
        name = f"{timeline.name or 'cut'} {float(ds):g}s"
        tl = _rebuild(timeline, otio_clips, spans, pieces, rate, name, meta)
        results.append(CutdownResult(tl, rate, tf, frames, list(units), chosen, pieces, notes))
    return results


def cutdown(timeline: otio.schema.Timeline, duration_s: float | Fraction, **kwargs: Any) -> CutdownResult:
    """One cutdown (see :func:`cutdowns` for the arguments and errors)."""
    return cutdowns(timeline, [duration_s], **kwargs)[0]


_SUFFIX_FORMAT = {".otio": "otio", ".fcpxml": "fcpxml", ".xml": "fcp7", ".edl": "edl"}


def export_format_for(path: Path) -> str:
    """The export format implied by a timeline file's suffix (.otio, .fcpxml, .xml = FCP7, .edl).

    Raises:
        UsageError: any other suffix.
    """
    fmt = _SUFFIX_FORMAT.get(path.suffix.lower())
    if fmt is None:
        raise UsageError(f"{path}: timeline outputs end in .otio, .fcpxml, .xml (FCP7) or .edl")
    return fmt


def load_transcripts(files: list[Path], sources: list[Path]) -> dict[Path, Any]:
    """Transcript JSON files (``reel transcribe -f json``) keyed by the source they belong to.

    A file is matched to the source with the same file name as its ``media`` field; with one source and
    one file, the file belongs to that source whatever it names.

    Raises:
        InputFormatError: unreadable JSON, or a transcript that matches no source of the timeline.
    """
    from reelkit.analysis.speech import Transcript

    out: dict[Path, Any] = {}
    for f in files:
        check_input_file(f, what="transcript JSON")
        try:
            data = json.loads(f.read_text(encoding="utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise InputFormatError(f"{f} is not a JSON transcript: {exc}") from None
        t = Transcript.from_dict(data)
        match = [s for s in sources if t.media and Path(t.media).name == s.name]
        if not match and len(sources) == 1 and len(files) == 1:
            match = sources
        if not match:
            raise InputFormatError(f"{f} is a transcript of {t.media or 'unknown media'}, which the timeline does "
                                   "not use")
        for s in match:
            out[s] = t
    return out


def _outputs(base: Path, seconds: list[float], suffix_of: Path) -> list[Path]:
    if len(seconds) == 1:
        return [base]
    return [base.with_name(f"{base.stem}.{s:g}s{suffix_of.suffix}") for s in seconds]


def write_cutdowns(timeline: str | Path, durations: Sequence[float], *, output: Path | None = None,
                   render: Path | None = None, words: Sequence[Path] = (), backend: str | None = None,
                   model: Path | None = None, keep_open: bool = True, keep_close: bool = True,
                   force: bool = False, use: IndexUse = IndexUse(), stage: Stage | None = None,
                   note: Callable[[str], None] | None = None) -> dict[str, Any]:
    """``reel cutdown``: cutdowns of the timeline file ``timeline`` to each of ``durations`` (seconds),
    written as timelines (and, with ``render``, rendered), every output checked before any work.

    Args:
        output: the timeline to write (.otio, .fcpxml, .xml = FCP7, .edl); with several durations
            ``NAME.<d>s.<ext>``. Default: ``<name>.cutdown.otio`` beside the input.
        render: also render each cutdown (``out.mp4`` → ``out.15s.mp4`` for several).
        words: transcript JSON files of sources (:func:`load_transcripts`); other sources' transcripts come
            from the media index (``use``), made with ``backend``/``model`` when missing.
        stage: progress per stage (``"analysing sources"`` in files, ``"rendering <d> s"`` in frames).
        note: told each cutdown's notes (``"(<d> s): ..."``).

    Returns:
        ``{"timeline", "cutdowns": [{...CutdownResult.to_dict(), "asked_s", "files"}]}``.

    Raises:
        UsageError: no duration, a bad suffix, two outputs with one name, a render over a source;
        OutputExistsError; the errors of :func:`cutdowns` and of rendering.
    """
    from contextlib import nullcontext

    from reelkit.fileio import check_output_path
    from reelkit.timeline import export_timeline

    run = stage or (lambda _name: nullcontext(None))
    if not durations:
        raise UsageError("give at least one --duration in seconds")
    timeline = Path(timeline)
    tl_in = read_timeline(timeline)
    base = output or timeline.with_name(f"{timeline.stem}.cutdown.otio")
    fmt_out = export_format_for(base)
    outs = _outputs(base, list(durations), base)
    renders = _outputs(render, list(durations), render) if render is not None else []
    for p in [*outs, *renders]:
        check_output_path(p, force=force)
    if len(set(outs + renders)) != len(outs) + len(renders):
        raise UsageError("two outputs share a name; give distinct durations")
    _, tracks = timeline_tracks(tl_in)
    sources = list(dict.fromkeys(c.path for t in tracks for c in t.clips if c.path is not None))
    for r in renders:
        if r.resolve() in {s.resolve() for s in sources}:
            raise UsageError("--render must not overwrite a source of the timeline")
    transcripts = load_transcripts(list(words), sources)
    with run("analysing sources") as prog:
        results = cutdowns(tl_in, list(durations), transcripts=transcripts, backend=backend, model=model,
                           keep_open=keep_open, keep_close=keep_close, progress=prog, use=use)
    summary: dict[str, Any] = {"timeline": str(timeline), "cutdowns": []}
    for k, res in enumerate(results):
        files = {"timeline": str(export_timeline(res.timeline, outs[k], fmt_out, force=force))}
        if renders:
            from reelkit.render import render_timeline

            with run(f"rendering {durations[k]:g} s") as prog:
                rr = render_timeline(res.timeline, renders[k], progress=prog, force=force)
            files["render"] = str(rr.path)
        summary["cutdowns"].append({**res.to_dict(), "asked_s": durations[k], "files": files})
        if note is not None:
            for n in res.notes:
                note(f"({durations[k]:g} s): {n}")
    return summary
