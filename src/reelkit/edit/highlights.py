"""Highlights: the moments of a long talk that stand on their own, ranked with reasons, as vertical clips.

Candidates are runs of consecutive whole sentences (:func:`reelkit.edit.sentences.split_sentences`) lasting
``min_s``..``max_s``. A candidate must *stand alone*: its first sentence may not open with a word that points
back (``and``, ``but``, ``so``, ``this``, ``it``, ``they``...: a dangling reference) and its last sentence must
end a thought (terminal punctuation when the transcript is punctuated). Each is scored by signals one can
check by ear:

=================  =================================================================================  ======
signal             what it measures (each in [0, 1])                                                 weight
=================  =================================================================================  ======
hook               the first sentence is a question, an exclamation or short and addressed to "you"  1.0
question_answer    a question inside the clip is followed by its answer (a non-question sentence)    0.5
energy             percentile rank of the clip's speech level (90th pct of 10 ms RMS) in the talk    1.0
emphasis           percentile rank of the level spread (loud vs quiet words: emphatic delivery)      0.5
reaction           loud non-speech (laughter, applause) inside or within 3 s after the clip          1.0
on_camera          share of sampled frames (2 per second) that show a face (video only)              0.5
coherence          mean TF-IDF cosine of consecutive sentences (one topic, not two halves)           1.0
centrality         TF-IDF cosine of the clip to the whole talk (on the talk's subject)               0.5
=================  =================================================================================  ======

The weights were set from this table before any ranking was looked at (no tuning on the labelled set, see
bench/RESULTS.md). Picks are the best-scoring candidates that do not overlap. Cut points lie at the quietest
silent frame boundary (:func:`reelkit.edit.sentences.silence_threshold`) of the pause before the first and after
the last sentence (never inside a word); a candidate whose pause holds no silence is dropped.

All positions are SOURCE frames of the talk at its frame rate (the edit rate for audio-only media).
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path
from typing import Any

import numpy as np

from reelkit.analysis.speech import Transcript
from reelkit.edit.cutdown import _rank01
from reelkit.edit.sentences import Sentence, content_words, silence_threshold, silent_frames, split_sentences, tfidf
from reelkit.edit.sources import IndexUse, pictures_of, source_energy, transcript_of
from reelkit.errors import MediaError, UsageError
from reelkit.progress import ProgressFn

__all__ = ["WEIGHTS", "Highlight", "HighlightFiles", "HighlightPlan", "baseline_windows", "find_highlights",
           "karaoke_cues", "standalone_start", "suggest_title", "write_highlights"]

WEIGHTS: dict[str, float] = {"hook": 1.0, "question_answer": 0.5, "energy": 1.0, "emphasis": 0.5, "reaction": 1.0,
                             "on_camera": 0.5, "coherence": 1.0, "centrality": 0.5}

#: first words that point back to something said before the clip (a dangling reference)
DANGLING = frozenset(["and", "but", "or", "so", "because", "then", "which", "that", "that's", "this", "these",
                      "those", "it", "it's", "its", "they", "they're", "them", "he", "she", "his", "her", "also",
                      "however", "therefore", "thus", "too", "there", "here", "otherwise", "anyway", "besides",
                      "meanwhile", "instead", "yet", "nor", "plus", "such", "same", "other", "another"])
_HOOK_START = re.compile(r"^(imagine|look|listen|watch|think|remember|here's|what|why|how|who|did you|have you|"
                         r"do you|i want you|let me|never|the (secret|truth|problem|reason))\b", re.I)


@dataclass(frozen=True)
class Highlight:
    """One ranked highlight.

    Attributes:
        rank: 1 = best (among the picks), 0 for an unpicked candidate.
        first, last: sentence indices (inclusive).
        start, end: source frames ``[start, end)`` of the clip (cut points in the pauses).
        start_s, end_s: the same in seconds (floats, for reports).
        text: the clip's words; ``title``: a suggested title.
        score: weighted sum of ``signals``; ``reasons``: the signals that carried it, in words.
    """

    rank: int
    first: int
    last: int
    start: int
    end: int
    start_s: float
    end_s: float
    text: str
    title: str
    score: float
    signals: dict[str, float]
    reasons: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        """JSON record (schema in the README's highlights section)."""
        return {"rank": self.rank, "start_s": round(self.start_s, 3), "end_s": round(self.end_s, 3),
                "duration_s": round(self.end_s - self.start_s, 3), "start_frame": self.start,
                "end_frame": self.end, "sentences": [self.first, self.last], "title": self.title,
                "score": round(self.score, 4), "signals": {k: round(v, 4) for k, v in self.signals.items()},
                "reasons": list(self.reasons), "text": self.text}


@dataclass
class HighlightPlan:
    """What :func:`find_highlights` found: the talk, its sentences, every scored candidate and the picks."""

    media: Path
    rate: Fraction
    total_frames: int
    has_video: bool
    transcript: Transcript
    sentences: list[Sentence]
    candidates: list[Highlight]
    picks: list[Highlight]
    notes: list[str] = field(default_factory=list)
    energy: tuple[np.ndarray, int, int] | None = None  #: ``(dB, hop, rate)`` of :func:`source_energy`


def standalone_start(text: str) -> bool:
    """True when a sentence can open a clip: its first word does not point back (see :data:`DANGLING`)."""
    words = [w for w in (t.casefold().strip("'\".,;:!?") for t in text.split()) if w]
    return bool(words) and words[0] not in DANGLING


def _complete(text: str, punctuated: bool) -> bool:
    t = text.rstrip()
    return t.endswith((".", "?", "!", "…", '."', '?"', '!"')) if punctuated else bool(t)


def suggest_title(sentences: Sequence[str], *, max_words: int = 9) -> str:
    """A short title: the clip's opening question or shortest strong sentence, else its key words.

    Returns the sentence without its final full stop when one of at most ``max_words`` words is found,
    otherwise up to three content words of the clip in title case ("Gravitational Potential Energy").
    """
    for s in sentences:
        if s.rstrip().endswith("?") and len(s.split()) <= max_words + 3:
            return s.strip()
    short = [s for s in sentences if 3 <= len(s.split()) <= max_words and standalone_start(s)]
    if short:
        best = max(short, key=lambda s: len(content_words(s)) / len(s.split()))
        return best.strip().rstrip(".").strip()
    counts: dict[str, int] = {}
    for s in sentences:
        for w in content_words(s):
            counts[w] = counts.get(w, 0) + 1
    top = sorted(counts, key=lambda w: (-counts[w], w))[:3]
    return " ".join(w.capitalize() for w in top) or "Highlight"


def _cos(a: np.ndarray, b: np.ndarray) -> float:
    na, nb = float(np.linalg.norm(a)), float(np.linalg.norm(b))
    return float(a @ b / (na * nb)) if na > 0 and nb > 0 else 0.0


def find_highlights(
    media: str | Path,
    *,
    count: int = 5,
    min_s: float = 15.0,
    max_s: float = 60.0,
    transcript: Transcript | None = None,
    backend: str | None = None,
    model: Path | None = None,
    rate: Fraction | None = None,
    max_duration_s: float = 4 * 3600.0,
    allow_dangling: bool = False,
    progress: ProgressFn | None = None,
    use: IndexUse = IndexUse(),
) -> HighlightPlan:
    """Find and rank the ``count`` best stand-alone moments of a talk.

    Args:
        media: the talk (video or audio).
        count: clips wanted (fewer are returned when fewer stand alone; a note says so).
        min_s, max_s: clip length bounds in seconds.
        transcript: its transcript (else it is transcribed with ``backend``/``model``, the speech module's
            defaults when None).
        rate: edit rate for audio-only media (default 25).
        max_duration_s: refuse longer media (a 3-hour file is fine; a wrong file of days is not).
        allow_dangling: also offer clips whose first word points back (scored 1 lower, with the reason);
            by default they are not candidates at all.
        use: the media index the transcript, speech levels and face samples are read from and stored in.

    Raises:
        UsageError: bad bounds or count. MediaLimitError: longer than ``max_duration_s``.
        MediaError: no speech found, or no candidate fits the bounds (the message says which).
        MediaNotFoundError / UnsupportedMediaError / NoAudioStreamError: from probing and decoding.
    """
    from reelkit.errors import MediaLimitError, NoAudioStreamError
    from reelkit.fileio import check_input_file
    from reelkit.media import probe
    from reelkit.timeline import media_frame_count

    if count < 1:
        raise UsageError("--count must be at least 1")
    if not (0 < min_s <= max_s):
        raise UsageError(f"need 0 < --min <= --max seconds, got {min_s} and {max_s}")
    path = check_input_file(media, what="talk")
    info = probe(path)
    if info.audio is None:
        raise NoAudioStreamError(f"{path} has no audio: highlights are found in speech")
    if info.duration_s and info.duration_s > max_duration_s:
        raise MediaLimitError(f"{path} lasts {info.duration_s / 3600:.1f} h, above the {max_duration_s / 3600:.1f} h "
                              "limit for highlights", hint="split it, or raise --max-hours")
    has_video = info.video is not None
    rate = info.require_rate() if has_video else (rate or Fraction(25))
    total = media_frame_count(info, rate)
    t = transcript if transcript is not None else transcript_of(path, backend=backend, model=model,
                                                                progress=progress, use=use)
    sents = split_sentences(t)
    if not sents:
        raise MediaError(f"no speech found in {path}: nothing to make highlights of")
    sr = t.sample_rate
    en = source_energy(path, use=use)
    assert en is not None
    e_db, hop, esr = en
    punctuated = any(_complete(s.text, True) for s in sents)

    # per-sentence features
    def frames_of(samples: int) -> int:
        return round(Fraction(samples, sr) / Fraction(hop, esr))

    levels, spreads = [], []
    for s in sents:
        seg = e_db[frames_of(s.start):max(frames_of(s.start) + 1, frames_of(s.end))]
        loud = seg[seg > np.percentile(seg, 30)] if len(seg) > 3 else seg
        levels.append(float(np.percentile(seg, 90)) if len(seg) else -120.0)
        spreads.append(float(np.percentile(loud, 95) - np.percentile(loud, 25)) if len(loud) > 3 else 0.0)
    # speech mask on the energy frames (words ± 0.1 s) → loud non-speech frames are reactions
    speech = np.zeros(len(e_db), bool)
    pad = round(0.1 * esr / hop)
    for w in t.words:
        speech[max(0, frames_of(w.start) - pad):frames_of(w.end) + pad] = True
    ref = float(np.median(e_db[speech])) if speech.any() else float(np.median(e_db))
    reaction_frames = (~speech) & (e_db > ref - 6.0)
    thr = silence_threshold(e_db)
    tf = tfidf([s.text for s in sents])
    whole = tf.sum(axis=0)
    # candidates: runs of whole sentences within the bounds
    min_f, max_f = Fraction(repr(min_s)) * sr, Fraction(repr(max_s)) * sr
    raw: list[tuple[int, int]] = []
    for i, s in enumerate(sents):
        if not allow_dangling and not standalone_start(s.text):
            continue
        for j in range(i, len(sents)):
            dur = sents[j].end - s.start
            if dur > max_f:
                break
            if dur >= min_f and _complete(sents[j].text, punctuated):
                raw.append((i, j))
    if not raw:
        longest = max(s.end - s.start for s in sents) / sr
        raise MediaError(f"no stand-alone run of whole sentences lasts {min_s:g}-{max_s:g} s in {path} "
                         f"({len(sents)} sentences, the longest {longest:.1f} s)",
                         hint="widen --min/--max")
    # video: is the speaker on camera? faces sampled twice a second (from the media index)
    pictures = None
    if has_video:
        pictures = pictures_of(path, info=info, use=use)

    cand_sig: list[dict[str, float]] = []
    for i, j in raw:
        texts = [sents[k].text for k in range(i, j + 1)]
        first = texts[0].strip()
        hook = 1.0 if first.endswith("?") or first.endswith("!") else (
            0.6 if _HOOK_START.search(first) else (0.4 if len(first.split()) <= 10 and
                                                   re.search(r"\byou\b", first, re.I) else 0.0))
        qa = 1.0 if any(texts[k].rstrip().endswith("?") and not texts[k + 1].rstrip().endswith("?")
                        for k in range(len(texts) - 1)) else 0.0
        a, b = frames_of(sents[i].start), frames_of(sents[j].end)
        after = min(len(e_db), b + round(3 * esr / hop))
        reaction = float(reaction_frames[a:after].sum()) * hop / esr  # seconds of loud non-speech
        coh = float(np.mean([_cos(tf[k], tf[k + 1]) for k in range(i, j)])) if j > i else 0.5
        cent = _cos(tf[i:j + 1].sum(axis=0), whole)
        sig = {"hook": hook, "question_answer": qa, "level": float(np.mean(levels[i:j + 1])),
               "spread": float(np.mean(spreads[i:j + 1])), "reaction_s": reaction, "coherence": coh,
               "centrality": cent}
        if pictures is not None:
            f0 = math.floor(Fraction(sents[i].start, sr) * rate)
            f1 = math.ceil(Fraction(sents[j].end, sr) * rate)
            seen = [len(pictures.faces[k]) > 0 for k in pictures.within(f0, f1)]
            sig["on_camera"] = float(np.mean(seen)) if seen else 0.0
        cand_sig.append(sig)
    energy_r = _rank01([c["level"] for c in cand_sig])
    spread_r = _rank01([c["spread"] for c in cand_sig])
    cands: list[Highlight] = []
    for k, ((i, j), c) in enumerate(zip(raw, cand_sig, strict=True)):
        sig = {"hook": c["hook"], "question_answer": c["question_answer"], "energy": float(energy_r[k]),
               "emphasis": float(spread_r[k]), "reaction": min(1.0, c["reaction_s"] / 2.0),
               "coherence": min(1.0, c["coherence"] / 0.3), "centrality": min(1.0, c["centrality"] / 0.5)}
        if "on_camera" in c:
            sig["on_camera"] = c["on_camera"]
        score = sum(WEIGHTS[n] * v for n, v in sig.items())
        reasons = _reasons(sig, c)
        if not standalone_start(sents[i].text):
            score -= 1.0
            reasons = [f"opens with {sents[i].text.split()[0]!r}, which points back (allowed on request)", *reasons]
        cut = _cut_points(sents, i, j, e_db, hop, esr, sr, rate, total, thr)
        if cut is None:  # the speaker runs straight into the next sentence: no clean cut
            continue
        a, b = cut
        texts = [sents[m].text for m in range(i, j + 1)]
        cands.append(Highlight(0, i, j, a, b, float(a / rate), float(b / rate), " ".join(texts),
                               suggest_title(texts), score, sig, tuple(reasons)))
    order = sorted(range(len(cands)), key=lambda k: (-cands[k].score, cands[k].start))
    picks: list[Highlight] = []
    for k in order:
        c = cands[k]
        if any(not (c.end <= p.start or c.start >= p.end) for p in picks):
            continue
        picks.append(c)
        if len(picks) == count:
            break
    picks = [Highlight(**{**p.__dict__, "rank": r + 1}) for r, p in enumerate(picks)]
    notes = [] if len(picks) == count else [f"only {len(picks)} non-overlapping stand-alone clips of {min_s:g}-"
                                            f"{max_s:g} s exist in this talk (asked {count})"]
    if not has_video:
        notes.append("audio-only talk: no on-camera signal, and clips cannot be reframed (no picture)")
    return HighlightPlan(path, rate, total, has_video, t, sents, cands, picks, notes, en)


def _reasons(sig: dict[str, float], raw: dict[str, float]) -> list[str]:
    out = []
    if sig["hook"] >= 1.0:
        out.append("opens with a question or exclamation")
    elif sig["hook"] > 0:
        out.append("opens with a hook line")
    if sig["question_answer"]:
        out.append("asks a question and answers it")
    if sig["energy"] >= 0.75:
        out.append(f"energetic delivery (louder than {sig['energy']:.0%} of the candidates)")
    if sig["emphasis"] >= 0.75:
        out.append("emphatic (wide loud/quiet contrast)")
    if raw["reaction_s"] >= 0.5:
        out.append(f"audience reaction ({raw['reaction_s']:.1f} s of loud non-speech: laughter/applause)")
    if sig.get("on_camera", 0) >= 0.8:
        out.append("speaker on camera")
    if sig["coherence"] >= 0.6:
        out.append("one topic throughout")
    if sig["centrality"] >= 0.6:
        out.append("on the talk's main subject")
    return out or ["stands alone (complete sentences, no dangling reference)"]


def _cut_points(sents: Sequence[Sentence], i: int, j: int, e_db: np.ndarray, hop: int, esr: int, sr: int,
                rate: Fraction, total: int, thr: float) -> tuple[int, int] | None:
    """Frame boundaries before sentence ``i`` and after ``j`` where the audio is silent: the quietest such
    boundary within 0.6 s of the words, else the nearest one in the pause; None when the pause has none."""

    def frames(samples: int) -> Fraction:
        return Fraction(samples, sr) * rate

    def lvl(f: int) -> float:
        return float(e_db[min(len(e_db) - 1, round(Fraction(f) / rate * esr / hop))])

    s0, e1 = frames(sents[i].start), frames(sents[j].end)
    lo = frames(sents[i - 1].end) if i > 0 else Fraction(0)
    hi = frames(sents[j + 1].start) if j + 1 < len(sents) else Fraction(total)
    near = 3 * rate / 5
    ins = silent_frames(e_db, hop, esr, rate, max(lo, s0 - near), s0, thr)
    ins = ins or silent_frames(e_db, hop, esr, rate, lo, s0, thr)[-1:] or ([0] if i == 0 else [])
    outs = silent_frames(e_db, hop, esr, rate, e1, min(hi, e1 + near), thr)
    outs = outs or silent_frames(e_db, hop, esr, rate, e1, hi, thr)[:1] or ([total] if j + 1 == len(sents) else [])
    if not ins or not outs:
        return None
    a = min(ins, key=lambda f: (round(lvl(f)), -f))
    b = min(outs, key=lambda f: (round(lvl(f)), f))
    return max(0, a), min(total, b)


def baseline_windows(plan: HighlightPlan, kind: str, *, count: int, length_s: float) -> list[tuple[float, float]]:
    """The peer baseline: the ``count`` best non-overlapping fixed windows of ``length_s`` seconds (1 s steps),
    by loudness (``"loudest"``: mean 10 ms RMS power) or speech density (``"densest"``: words per second).

    Returns ``[(start_s, end_s)]`` best first.
    """
    en = plan.energy or source_energy(plan.media)
    assert en is not None
    e_db, hop, esr = en
    dur = len(e_db) * hop / esr
    sr = plan.transcript.sample_rate
    mids = np.array([(w.start + w.end) / 2 / sr for w in plan.transcript.words])
    power = 10 ** (e_db.astype(np.float64) / 10)
    c = np.concatenate([[0.0], np.cumsum(power)])
    scored = []
    for s in np.arange(0, max(0.0, dur - length_s) + 1e-9, 1.0):
        if kind == "loudest":
            a, b = round(s * esr / hop), round((s + length_s) * esr / hop)
            v = (c[min(b, len(c) - 1)] - c[a]) / max(1, b - a)
        elif kind == "densest":
            v = float(((mids >= s) & (mids < s + length_s)).sum()) / length_s
        else:
            raise UsageError(f"unknown baseline {kind!r}: loudest or densest")
        scored.append((float(v), float(s)))
    scored.sort(key=lambda x: (-x[0], x[1]))
    out: list[tuple[float, float]] = []
    for _, s in scored:
        if all(s + length_s <= a or s >= b for a, b in out):
            out.append((s, s + length_s))
        if len(out) == count:
            break
    return out


def karaoke_cues(cues: Sequence[Any], words: Sequence[Any]) -> list[Any]:
    """Split caption cues into one cue per spoken word, with that word highlighted.

    Args:
        cues: :class:`reelkit.edit.captions.Cue` list (seconds on the clip's clock).
        words: the :class:`reelkit.edit.captions.CaptionWord` list they were built from.

    Returns:
        cues covering the same time, each with ``highlight = (line, word)`` indices of the word being said
        (from its start to the next word's start; the first sub-cue starts with the cue).
    """
    from reelkit.edit.captions import Cue

    out = []
    wi = 0
    for cue in cues:
        tokens = [(li, k) for li, line in enumerate(cue.lines) for k, _ in enumerate(line.split())]
        cw = []
        while wi < len(words) and len(cw) < len(tokens):
            if words[wi].text.strip():
                cw.append(words[wi])
            wi += 1
        if len(cw) != len(tokens):
            out.append(cue)
            continue
        for k, (pos, w) in enumerate(zip(tokens, cw, strict=True)):
            s = cue.start if k == 0 else max(cue.start, w.start)
            e = cue.end if k == len(cw) - 1 else max(s, min(cue.end, cw[k + 1].start))
            if e > s:
                out.append(Cue(s, e, cue.lines, highlight=pos))
    return out


@dataclass(frozen=True)
class HighlightFiles:
    """What :func:`write_highlights` wrote into the output folder (absolute paths)."""

    folder: Path
    clips: list[dict[str, str]]
    ranking_json: Path
    ranking_csv: Path


def _stage_into(staging: Path, final: Path, force: bool) -> None:
    import os
    import shutil

    if not final.exists():
        os.replace(staging, final)
        return
    for f in staging.iterdir():
        target = final / f.name
        if target.exists() and not force:
            from reelkit.errors import OutputExistsError

            raise OutputExistsError(f"{target} already exists", hint="use --force to overwrite it")
    for f in staging.iterdir():
        os.replace(f, final / f.name)
    shutil.rmtree(staging, ignore_errors=True)


def write_highlights(
    plan: HighlightPlan,
    out_dir: str | Path,
    *,
    aspect: str = "9:16",
    width: int = 720,
    captions: bool = True,
    force: bool = False,
    progress: ProgressFn | None = None,
) -> HighlightFiles:
    """Render and export every pick of ``plan`` into ``out_dir``.

    Per clip ``highlight_NN``: ``.mp4`` (the clip cut from the talk, planned vertical at ``aspect`` by
    :func:`reelkit.edit.reframe.reframe`, then cropped and captioned — the spoken word highlighted — in one
    :func:`reelkit.render.render_timeline` pass with a :class:`~reelkit.render.effects.ReframeEffect`;
    audio-only talks give ``.m4a``),
    ``.srt`` captions, and the clip's timeline on the source in every NLE format (``.otio``, ``.fcpxml``,
    ``.xml`` FCP7, ``.edl``). Plus ``ranking.json`` and ``ranking.csv`` (picks with signals and reasons).

    Everything is written into a hidden staging folder beside ``out_dir`` and moved in at the end, so a
    failure leaves nothing half-written.

    Raises:
        OutputExistsError: ``out_dir`` holds files of the same names and ``force`` is false (checked first).
        OutputError: ``out_dir``'s parent does not exist. UsageError: bad aspect or width.
        MediaError: decoding or encoding failed.
    """
    import csv
    import io
    import json
    import os
    import shutil
    import tempfile

    from reelkit.camera.reframe_path import parse_aspect
    from reelkit.edit.captions import CueRules, build_cues, words_on_timeline
    from reelkit.errors import OutputError, OutputExistsError
    from reelkit.fileio import write_text
    from reelkit.media import probe
    from reelkit.render import render_timeline
    from reelkit.render.captions import CaptionStyle
    from reelkit.timeline import EXPORT_FORMATS, EXPORT_SUFFIXES, export_timeline, media_frame_count, ranges_timeline
    from reelkit.timeline.subtitles import write_captions

    out = Path(out_dir)
    parse_aspect(aspect)
    if width < 16 or width % 2:
        raise UsageError(f"--width must be an even number of pixels >= 16, got {width}")
    if out.exists() and not out.is_dir():
        raise OutputError(f"{out} is a file; give a folder for the highlights")
    if not out.parent.exists():
        raise OutputError(f"cannot write {out}: folder {out.parent} does not exist")
    names = [f"highlight_{p.rank:02d}" for p in plan.picks]
    if out.exists() and not force:
        clash = [f for f in out.iterdir() if f.stem in names or f.name.startswith("ranking.")]
        if clash:
            raise OutputExistsError(f"{clash[0]} already exists", hint="use --force to overwrite it")
    info = probe(plan.media)
    staging = Path(tempfile.mkdtemp(prefix=f".{out.name}.partial-", dir=out.parent))
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(staging, 0o777 & ~umask)  # mkdtemp makes 0700; a normal new folder follows the umask
    clips: list[dict[str, str]] = []
    try:
        work = staging / ".work"
        work.mkdir()
        style = CaptionStyle(size=0.038, bottom=0.16)
        rules = CueRules(max_chars=22, max_lines=2)
        for n, (p, name) in enumerate(zip(plan.picks, names, strict=True)):
            tl = ranges_timeline(info, [(p.start, p.end)], name=f"{plan.media.stem} {name}", rate=plan.rate)
            files = {fmt: str(out / export_timeline(tl, staging / f"{name}{EXPORT_SUFFIXES[fmt]}", fmt).name)
                     for fmt in EXPORT_FORMATS}
            cw = words_on_timeline(plan.transcript.words, plan.transcript.sample_rate, tl)
            cues = build_cues(cw, rules)
            if captions and cues:
                files["srt"] = str(out / write_captions(cues, staging / f"{name}.srt", "srt").name)
            if plan.has_video:
                from reelkit.edit.reframe import reframe
                from reelkit.render.effects import ReframeEffect

                # the clip is cut out once (reframe analyses a file), then cropped and captioned in one pass
                flat = render_timeline(tl, work / f"{name}.flat.mp4").path
                rplan = reframe(flat, aspect, width=width)
                finfo = probe(flat)
                ftl = ranges_timeline(finfo, [(0, media_frame_count(finfo, finfo.require_rate()))], name=name)
                kc = karaoke_cues(cues, cw) if captions else None
                render_timeline(ftl, staging / f"{name}.mp4", captions=kc or None, caption_style=style,
                                effects=[ReframeEffect(rplan)], crossfade_s=Fraction(0))
                files["video"] = str(out / f"{name}.mp4")
                files["reframe"] = ", ".join(sorted(set(rplan.subjects.values()))) or "none"
            else:
                render_timeline(tl, staging / f"{name}.m4a")
                files["audio"] = str(out / f"{name}.m4a")
            clips.append(files)
            if progress is not None:
                progress(n + 1, len(plan.picks))
        shutil.rmtree(work)
        ranking = {
            "media": str(plan.media),
            "rate": f"{plan.rate.numerator}/{plan.rate.denominator}",
            "weights": WEIGHTS,
            "notes": plan.notes,
            "picks": [{**p.to_dict(), "files": f} for p, f in zip(plan.picks, clips, strict=True)],
            "candidates": len(plan.candidates),
            "runners_up": [c.to_dict() for c in sorted(plan.candidates, key=lambda c: -c.score)[:20]],
        }
        rj = write_text(staging / "ranking.json", json.dumps(ranking, indent=2, ensure_ascii=False) + "\n")
        buf = io.StringIO()
        wr = csv.writer(buf)
        wr.writerow(["rank", "start_s", "end_s", "duration_s", "score", *WEIGHTS, "title", "reasons", "text"])
        for p in plan.picks:
            wr.writerow([p.rank, f"{p.start_s:.3f}", f"{p.end_s:.3f}", f"{p.end_s - p.start_s:.3f}", f"{p.score:.4f}",
                         *(f"{p.signals.get(k, 0.0):.4f}" for k in WEIGHTS), p.title, "; ".join(p.reasons), p.text])
        rc = write_text(staging / "ranking.csv", buf.getvalue())
        out_dir_final = out
        _stage_into(staging, out_dir_final, force)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return HighlightFiles(out.resolve(), clips, out / rj.name, out / rc.name)
