"""Script-to-take assembly: the assistant editor's first cut, in script order, best take per line.

1. The script's dialogue lines (Fountain or FDX, :func:`reelkit.script.io.load_screenplay`) become token
   sequences (case-folded, punctuation dropped, digits spelled out: "P2" = "p two").
2. Every take in the footage folder is transcribed (:func:`reelkit.analysis.speech.transcribe`, Whisper when the
   speech module's default or ``--model`` says so). Files that are not media, have no audio or speech, are in
   another language than the script, or are longer than the take limit are skipped with the reason.
3. Each line is aligned to each take's words by a semi-global Smith-Waterman alignment (the whole line against
   any stretch of the take; fuzzy word matches count half; insertions and deletions cost): takes that start
   mid-scene, skip or paraphrase words, or hold slate and crew chatter around the line still match. A take can
   hold the same line several times (a flub, then a restart): every reading above ``min_accuracy`` is kept.
   The same words of a take read one line only (the more accurate reading keeps them), and a line with no
   reading above ``min_accuracy`` keeps its *weak* readings (≥ ``weak_accuracy``), named in the notes.
4. Each reading is scored: dialogue accuracy against the script (matched words / line words, insertions
   inside the reading count against it), flubs (fillers, repeated words, cut-off starts inside it), audio
   (clipping share, speech-to-noise ratio) and, for video, sharpness (variance of the Laplacian) and framing
   (a face in frame, its size). ``score = 0.5·accuracy + 0.2·fluency + audio/picture shares`` (module table),
   less :data:`UNCLEAN_CUT_PENALTY` when the reading cannot be cut in silence at both ends.
5. The assembly takes the best reading of each line in script order, cut on word boundaries at silent frame
   boundaries of the pause before and after it; the other readings are kept as alternates in the clip's
   metadata (``reelkit.alternates``) and as OTIO markers on it. Takes are grouped by scene (the scene whose
   lines they hold) and setup (picture size and shot size from the face height: CU/MS/WS).

Positions are integer samples at the transcript's rate for words, integer frames at the assembly's edit rate
on the timeline.
"""

from __future__ import annotations

import dataclasses
import html
import itertools
import math
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path
from typing import Any

import numpy as np
import opentimelineio as otio

from reelkit.analysis.levels import SpeechLevels
from reelkit.analysis.picture_samples import PictureSamples
from reelkit.analysis.speech import Transcript
from reelkit.edit.sentences import boundary_levels, silence_threshold, silent_frames
from reelkit.edit.sources import IndexUse, levels_of, pictures_of, transcript_of
from reelkit.errors import MediaError, ReelError, ScriptError, UsageError
from reelkit.progress import ProgressFn
from reelkit.timeline import media_frame_count

__all__ = ["Assembly", "Reading", "ScriptLine", "Take", "assemble", "assembly_outputs", "coverage_html", "script_lines",
           "tokens", "write_assembly"]

MEDIA_SUFFIXES = frozenset({".mp4", ".mov", ".mkv", ".mxf", ".avi", ".mpg", ".mpeg", ".m4v", ".webm", ".wav",
                            ".flac", ".mp3", ".m4a", ".aac", ".ogg", ".opus", ".aif", ".aiff", ".mts", ".ts"})

#: score taken off a reading whose in or out point cannot fall in silence (its words touch the next ones):
#: another take of the line that cuts cleanly wins unless it is much worse
UNCLEAN_CUT_PENALTY = 0.2
_ONES = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven", "twelve",
         "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen", "nineteen"]
_TENS = ["_", "_", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"]


def _number_words(n: int) -> list[str]:
    if n < 20:
        return [_ONES[n]]
    if n < 100:
        return [_TENS[n // 10]] + ([_ONES[n % 10]] if n % 10 else [])
    if n < 1000:
        return [_ONES[n // 100], "hundred"] + (_number_words(n % 100) if n % 100 else [])
    if n < 10000 and n % 100 and 1100 <= n < 2100:  # years: 1813 = eighteen thirteen
        return _number_words(n // 100) + _number_words(n % 100)
    if n < 1_000_000:
        return _number_words(n // 1000) + ["thousand"] + (_number_words(n % 1000) if n % 1000 else [])
    return [str(n)]


def tokens(text: str) -> list[str]:
    """Comparison tokens of a text: case-folded words, punctuation dropped, letter/digit runs split, numbers
    spelled out (``"P2"`` → ``["p", "two"]``, ``"1813"`` → ``["eighteen", "thirteen"]``, ``"100%"`` → ``["one",
    "hundred", "percent"]``)."""
    out: list[str] = []
    t = text.casefold().replace("%", " percent ").replace("&", " and ")
    for raw in re.findall(r"[a-z\u00c0-\u024f']+|\d+", t):
        if raw.isdigit():
            out.extend(_number_words(int(raw)))
        else:
            w = raw.strip("'")
            if w:
                out.append(w)
    return out


def _skeleton(w: str) -> str:
    """A rough sound skeleton of a word: consonants only, soft/hard c resolved, voiced/unvoiced pairs merged,
    doubles collapsed (``forced`` and ``forest`` → ``frst``; ``aligner`` → ``lknr``)."""
    w = w.replace("ph", "f").replace("ck", "k").replace("qu", "kw")
    out = []
    for i, ch in enumerate(w):
        nxt = w[i + 1] if i + 1 < len(w) else ""
        if ch in "aeiouyhw'":
            continue
        c = {"c": "s" if nxt in "eiy" else "k", "q": "k", "g": "k", "z": "s", "d": "t", "b": "p", "v": "f",
             "x": "ks", "j": "k"}.get(ch, ch)
        if not out or out[-1] != c:
            out.append(c)
    return "".join(out)


def _similar(a: str, b: str) -> float:
    """1 for equal tokens, 0.5 for close spellings or sound skeletons (similarity >= 0.75 — how an ASR
    mis-hears a rare word: 'forced' / 'Forrest', 'aligner' / 'Alainer'), else 0."""
    if a == b:
        return 1.0
    if min(len(a), len(b)) < 4 or abs(len(a) - len(b)) > 3:
        return 0.0
    from difflib import SequenceMatcher

    if SequenceMatcher(None, a, b).ratio() >= 0.75:
        return 0.5
    sa, sb = _skeleton(a), _skeleton(b)
    if len(sa) >= 3 and len(sb) >= 3 and SequenceMatcher(None, sa, sb).ratio() >= 0.75:
        return 0.5
    return 0.0


@dataclass(frozen=True)
class ScriptLine:
    """One dialogue line: ``index`` in script order, its scene, speaker, text and comparison tokens."""

    index: int
    scene: int
    heading: str
    character: str
    text: str
    tokens: tuple[str, ...]


def script_lines(path: str | Path) -> list[ScriptLine]:
    """The dialogue lines of a screenplay file, in order.

    Raises:
        ScriptError: the script has no dialogue (nothing to assemble), or cannot be parsed.
        MediaNotFoundError: missing or empty file.
    """
    from reelkit.script.io import load_screenplay

    sp = load_screenplay(path)
    out: list[ScriptLine] = []
    scene, heading, speaker = -1, "(before the first scene)", ""
    for e in sp.elements:
        if e.type == "scene_heading":
            scene += 1
            heading = e.text
        elif e.type == "character":
            speaker = e.text
        elif e.type == "dialogue" and e.text.strip():
            tok = tokens(e.text)
            if tok:
                out.append(ScriptLine(len(out), max(scene, 0), heading, e.character or speaker, e.text.strip(),
                                      tuple(tok)))
    if not out:
        raise ScriptError(f"{path} has no dialogue: an assembly matches takes to dialogue lines",
                          hint="check that the script's character cues are in capitals above their lines")
    return out


@dataclass(frozen=True)
class Reading:
    """One reading of a script line inside a take.

    Attributes:
        line, take: indices into the script lines and the takes.
        first, last: the take's word indices of the reading (inclusive).
        start, end: samples (take transcript rate) of its first word's start and last word's end.
        accuracy: matched line words / line words, less 0.5 per inserted word per line word (clipped at 0);
            a close spelling counts half. Below ``min_accuracy`` only as a weak reading (see :func:`assemble`).
        fillers, restarts: flubs inside the reading (filled pauses; repeated or cut-off words).
        audio: 0..1 (speech-to-noise ratio over 30 dB, less clipping); picture: 0..1 or None (audio-only).
        score: the combined score (module docstring), less :data:`UNCLEAN_CUT_PENALTY` when
            ``clean_cut`` is False.
        clean_cut: its in and out points both fall in silence on the audio (see :func:`_cut_span`).
    """

    line: int
    take: int
    first: int
    last: int
    start: int
    end: int
    accuracy: float
    matched: float
    inserted: int
    fillers: int
    restarts: int
    audio: float
    picture: float | None
    score: float
    clean_cut: bool = True

    def to_dict(self, takes: Sequence[Take]) -> dict[str, Any]:
        t = takes[self.take]
        sr = t.transcript.sample_rate if t.transcript else 16000
        return {"take": t.path.name, "start_s": round(self.start / sr, 3), "end_s": round(self.end / sr, 3),
                "accuracy": round(self.accuracy, 3), "fillers": self.fillers, "restarts": self.restarts,
                "audio": round(self.audio, 3), "picture": None if self.picture is None else round(self.picture, 3),
                "score": round(self.score, 4)}


@dataclass
class Take:
    """A file of the footage folder and what was found in it (``status`` is ``"ok"`` or why it was skipped)."""

    path: Path
    status: str = "ok"
    info: Any = None
    transcript: Transcript | None = None
    scene: int | None = None
    setup: str = ""
    levels: SpeechLevels | None = None
    detected_language: str | None = None  # Whisper's detection, when it differed from the script's language


@dataclass
class Assembly:
    """The result of :func:`assemble`.

    Attributes:
        timeline: the OTIO assembly (V1 when the takes have video, A1), one clip per covered line.
        lines, takes: the script's lines and every file considered.
        readings: per line, its readings best first (``readings[i][0]`` is in the timeline).
        rate: edit rate. notes: what was skipped or could not be covered.
    """

    timeline: otio.schema.Timeline
    rate: Fraction
    lines: list[ScriptLine]
    takes: list[Take]
    readings: list[list[Reading]]
    notes: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        """JSON summary (schema in the README's assembly section)."""
        return {
            "rate": f"{self.rate.numerator}/{self.rate.denominator}",
            "lines": [{"index": ln.index, "scene": ln.scene, "heading": ln.heading, "character": ln.character,
                       "text": ln.text, "best": (self.readings[ln.index][0].to_dict(self.takes)
                                                 if self.readings[ln.index] else None),
                       "alternates": [r.to_dict(self.takes) for r in self.readings[ln.index][1:]]}
                      for ln in self.lines],
            "takes": [{"file": t.path.name, "status": t.status, "scene": t.scene, "setup": t.setup}
                      for t in self.takes],
            "covered": sum(1 for r in self.readings if r),
            "notes": list(self.notes),
        }


# -- alignment ----------------------------------------------------------------------------------------------------


def _align(line: Sequence[str], take: Sequence[str]) -> tuple[float, int, int, float, int] | None:
    """Semi-global alignment of the whole ``line`` against any stretch of ``take`` (free start and end in the take).

    Returns ``(score, first, last, matched, inserted)`` (take token indices inclusive; ``matched`` counts a
    close spelling as half a word) or None when nothing matches.
    Scores: match +2 (close spelling +1), substitution -1, a skipped line word -1.5, an extra take word -1.
    """
    m, n = len(line), len(take)
    if m == 0 or n == 0:
        return None
    neg = -1e9
    # H[i][j]: best score aligning line[:i] ending at take[:j]; S: start column; M/I: matches/insertions
    prev = [0.0] * (n + 1)
    pstart = list(range(n + 1))
    pm = [0.0] * (n + 1)
    pi = [0] * (n + 1)
    for i in range(1, m + 1):
        cur = [neg] * (n + 1)
        cstart = [0] * (n + 1)
        cm = [0.0] * (n + 1)
        ci = [0] * (n + 1)
        cur[0] = prev[0] - 1.5
        cstart[0] = 0
        cm[0], ci[0] = pm[0], pi[0]
        a = line[i - 1]
        for j in range(1, n + 1):
            sim = _similar(a, take[j - 1]) if take[j - 1] else 0.0
            diag = prev[j - 1] + (2.0 * sim if sim else -1.0)
            up = prev[j] - 1.5        # line word skipped
            left = cur[j - 1] - 1.0   # extra take word inside the reading
            best = diag
            if up > best:
                best = up
            if left > best:
                best = left
            cur[j] = best
            if best == diag:
                cstart[j], cm[j], ci[j] = pstart[j - 1], pm[j - 1] + sim, pi[j - 1]
            elif best == up:
                cstart[j], cm[j], ci[j] = pstart[j], pm[j], pi[j]
            else:
                cstart[j], cm[j], ci[j] = cstart[j - 1], cm[j - 1], ci[j - 1] + 1
        prev, pstart, pm, pi = cur, cstart, cm, ci
    j = int(np.argmax(prev[1:])) + 1
    if prev[j] <= 0 or pm[j] <= 0:
        return None
    first = pstart[j]
    # trim leading/trailing insertions (the path may start or end on unmatched take words)
    last = j - 1
    return prev[j], first, last, pm[j], pi[j]


def _readings_in(line: ScriptLine, toks: list[str], max_readings: int = 4
                 ) -> list[tuple[int, int, float, int, float]]:
    """Every reading of ``line`` in a take's tokens: ``(first, last, matched, inserted, score)``, best first."""
    work = list(toks)
    out = []
    for _ in range(max_readings):
        r = _align(line.tokens, work)
        if r is None:
            break
        score, first, last, matched, ins = r
        # tighten to the first and last token that match a line word
        while first < last and not any(_similar(work[first], a) for a in line.tokens):
            first += 1
            ins = max(0, ins - 1)
        while last > first and not any(_similar(work[last], a) for a in line.tokens):
            last -= 1
            ins = max(0, ins - 1)
        out.append((first, last, matched, ins, score))
        for k in range(first, last + 1):
            work[k] = ""
    return out


# -- takes --------------------------------------------------------------------------------------------------------


def _list_footage(folder: Path) -> tuple[list[Path], list[str]]:
    if not folder.is_dir():
        raise UsageError(f"{folder} is not a folder of takes")
    media, skipped = [], []
    for p in sorted(folder.iterdir()):
        if p.name.startswith(".") or p.is_dir():
            continue
        if p.suffix.lower() in MEDIA_SUFFIXES:
            media.append(p)
        else:
            skipped.append(f"{p.name}: not a media file (skipped)")
    return media, skipped


def _framing(samples: PictureSamples | None, frames: Sequence[int]) -> tuple[float, float, str]:
    """(sharpness, framing 0..1, shot size) of a take from its picture samples nearest ``frames``:
    Laplacian variance, face presence and how central the most confident face is, its height."""
    sharp, faces, sizes = [], [], []
    picked = [] if samples is None else [samples.nearest(f) for f in frames]
    for k in sorted({k for k in picked if k is not None}):
        sharp.append(float(samples.sharpness[k]))  # type: ignore[union-attr]
        found = samples.faces[k]  # type: ignore[union-attr]
        if len(found):
            x, _y, w, h, _conf = (float(v) for v in found[0])
            sizes.append(h)
            faces.append(0.5 + 0.5 * (1.0 - min(1.0, abs(x + w / 2 - 0.5) * 2)))
        else:
            faces.append(0.0)
    size = float(np.median(sizes)) if sizes else 0.0
    shot = "CU" if size > 0.35 else "MS" if size > 0.15 else "WS" if size > 0 else "no face"
    return (float(np.median(sharp)) if sharp else 0.0, float(np.mean(faces)) if faces else 0.0, shot)


def assemble(
    script: str | Path,
    footage: str | Path,
    *,
    backend: str | None = None,
    model: Path | None = None,
    language: str = "en",
    min_accuracy: float = 0.6,
    weak_accuracy: float = 0.45,
    max_take_s: float = 1800.0,
    rate: Fraction | None = None,
    transcripts: dict[Path, Transcript] | None = None,
    progress: ProgressFn | None = None,
    use: IndexUse = IndexUse(),
) -> Assembly:
    """Assemble the takes of ``footage`` against the dialogue of ``script``.

    Args:
        script: Fountain (or FDX) screenplay.
        footage: folder of takes (video or audio files; other files are skipped with a note).
        backend, model: transcription (None: the speech module's defaults).
        language: the script's language. A take whose detected language differs is transcribed again in
            the script's language (an accent can tip the detection) and skipped, with the reason, only when
            it then holds no script line. Known ``transcripts`` in another language are re-transcribed too.
        min_accuracy: a reading counts when at least this share of the line's words matches.
        weak_accuracy: a line with no reading of ``min_accuracy`` keeps its readings of at least this
            share as *weak* ones (the best goes in the timeline; the notes and the report name it): a
            take the recogniser misheard ("bimble f two now" for "bin blue at f two now") is a better
            start than a hole.
        max_take_s: takes longer than this are skipped (a 3-hour file in a folder of takes is a mistake).
        rate: edit rate for audio-only takes (default 25; video takes use their own, which must agree).
        transcripts: known transcripts per absolute take path (skips transcribing those).
        progress: ``(takes done, takes)``.
        use: the media index each take's transcript, speech levels and picture samples are read from and
            stored in (nothing is decoded for a take analysed before).

    Raises:
        ScriptError: no dialogue in the script. UsageError: not a folder.
        MediaError: no usable take at all (each file's reason is in the message).
    """
    from reelkit.media import probe

    lines = script_lines(script)
    files, notes = _list_footage(Path(footage))
    takes: list[Take] = []
    for k, p in enumerate(files):
        take = Take(p.absolute())  # not resolved: a linked take keeps its name in the folder
        takes.append(take)
        try:
            take.info = probe(take.path)
        except ReelError as exc:
            take.status = f"skipped: {exc}"
            continue
        dur = take.info.duration_s or 0.0
        if dur > max_take_s:
            def hm(x: float) -> str:
                return f"{x / 3600:.1f} h" if x >= 3600 else f"{x / 60:.0f} min" if x >= 120 else f"{x:.1f} s"

            take.status = (f"skipped: lasts {hm(dur)}, above the {hm(max_take_s)} take limit "
                           "(raise --max-take-minutes if it really is one take)")
            continue
        if take.info.audio is None:
            take.status = "skipped: no audio stream (nothing to match to the script)"
            continue
        try:
            known = transcripts or {}
            t = known.get(take.path) or known.get(take.path.resolve()) or transcript_of(
                take.path, backend=backend, model=model, use=use)
        except ReelError as exc:
            take.status = f"skipped: {exc}"
            continue
        if not t.words:
            take.status = "skipped: no speech found"
            continue
        if t.language and language and t.language.split("-")[0] != language.split("-")[0]:
            # an accent can tip Whisper's language detection (Walter Lewin's English: "nl"): transcribe in
            # the script's language; a take really in another language then matches no line
            take.detected_language = t.language
            try:
                t = transcript_of(take.path, backend=backend, model=model, language=language, use=use)
            except ReelError as exc:
                take.status = f"skipped: speech detected as {take.detected_language}, the script is {language}: {exc}"
                continue
        take.transcript = t
        take.levels = levels_of(take.path, info=take.info, use=use)
        assert take.levels is not None  # the take has audio
        if progress is not None:
            progress(k + 1, len(files))
    _require_usable(takes, footage)
    video_rates = {t.info.require_rate() for t in takes if t.status == "ok" and t.info.video is not None}
    if len(video_rates) > 1:
        keep = max(video_rates, key=lambda r: sum(1 for t in takes if t.status == "ok" and t.info.video is not None
                                                  and t.info.require_rate() == r))
        for t in takes:
            if t.status == "ok" and t.info.video is not None and t.info.require_rate() != keep:
                t.status = f"skipped: {t.info.require_rate()} fps differs from the other takes' {keep} fps"
        video_rates = {keep}
    edit_rate = next(iter(video_rates)) if video_rates else (rate or Fraction(25))

    # readings of every line in every take
    readings: list[list[Reading]] = [[] for _ in lines]
    take_tokens: dict[int, tuple[list[str], list[int]]] = {}
    for ti, take in enumerate(takes):
        if take.status != "ok":
            continue
        assert take.transcript is not None
        toks, owner = [], []
        for wi, w in enumerate(take.transcript.words):
            for tok in tokens(w.text):
                toks.append(tok)
                owner.append(wi)
        take_tokens[ti] = (toks, owner)
    found: list[tuple[int, int, int, int, float, float, int]] = []  # line, take, first word, last word, ...
    for ln in lines:
        line_set = set(ln.tokens)
        for ti, (toks, owner) in take_tokens.items():
            if len(line_set & set(toks)) < max(1, 0.4 * len(line_set)):
                continue
            for first, last, matched, ins, _score in _readings_in(ln, toks):
                acc = max(0.0, (matched - 0.5 * ins) / len(ln.tokens))
                if acc >= min(weak_accuracy, min_accuracy):
                    found.append((ln.index, ti, owner[first], owner[last], acc, matched, ins))
    raw = _claim_words(found, min_accuracy, min(weak_accuracy, min_accuracy))
    # picture measures per take (a few frames over each take's readings)
    picture: dict[int, tuple[float, float, str]] = {}
    for ti in {r[1] for r in raw}:
        take = takes[ti]
        if take.info.video is None:
            take.setup = "audio only"
            continue
        n = int(take.info.video.frames or 0) or int((take.info.duration_s or 1) * float(edit_rate))
        picture[ti] = _framing(pictures_of(take.path, info=take.info, use=use), [n // 4, n // 2, (3 * n) // 4])
        v = take.info.require_video()
        take.setup = f"{v.display_size[0]}x{v.display_size[1]} {picture[ti][2]}"
    sharp_all = sorted(p[0] for p in picture.values())
    for li, ti, w0, w1, acc, matched, ins in raw:
        take = takes[ti]
        assert take.transcript is not None and take.levels is not None
        words = take.transcript.words[w0:w1 + 1]
        sr = take.transcript.sample_rate
        fillers = sum(1 for w in words if w.filler)
        texts = [tokens(w.text) for w in words]
        flat = [t for ts in texts for t in ts]
        restarts = sum(1 for a, b in itertools.pairwise(flat) if a == b or (len(a) >= 2 and b.startswith(a)
                                                                                     and a != b))
        start, end = words[0].start, max(w.end for w in words)
        lv = take.levels
        a16, b16 = round(start * lv.sample_rate / sr), round(end * lv.sample_rate / sr)
        clip_share = lv.clip_share(a16, b16)
        e = lv.energy_db
        speech = float(np.percentile(e[a16 // lv.hop:max(a16 // lv.hop + 1, b16 // lv.hop)], 90))
        snr = speech - float(np.percentile(e, 10))
        audio = max(0.0, min(1.0, snr / 30.0) - min(1.0, clip_share * 20))
        fluency = max(0.0, 1.0 - 2.0 * (fillers + restarts) / len(lines[li].tokens))
        pic = None
        if ti in picture:
            sharp, framing, _ = picture[ti]
            sharp_rank = (sharp_all.index(sharp) / (len(sharp_all) - 1)) if len(sharp_all) > 1 else 1.0
            pic = 0.5 * sharp_rank + 0.5 * framing
        score = 0.5 * acc + 0.2 * fluency + (0.15 * audio + 0.15 * pic if pic is not None else 0.3 * audio)
        all_words = take.transcript.words
        r = Reading(li, ti, w0, w1, start, end, acc, matched, ins, fillers, restarts, audio, pic, score)
        *_, clean = _cut_span(take, r, all_words[w0 - 1].end if w0 > 0 else None,
                              all_words[w1 + 1].start if w1 + 1 < len(all_words) else None, edit_rate,
                              media_frame_count(take.info, edit_rate))
        if not clean:  # a take whose line runs into the next words with no pause cannot be cut cleanly
            r = dataclasses.replace(r, score=score - UNCLEAN_CUT_PENALTY, clean_cut=False)
        readings[li].append(r)
    for rs in readings:
        rs.sort(key=lambda r: (-r.score, -r.accuracy, r.take, r.start))
    # takes → scenes (the scene whose lines they hold best)
    for ti, take in enumerate(takes):
        held = [lines[r.line].scene for rs in readings for r in rs if r.take == ti]
        if held:
            take.scene = max(set(held), key=held.count)
        elif take.status == "ok" and take.detected_language:
            take.status = (f"skipped: speech in another language ({take.detected_language}, the script is "
                           f"{language}; no script line found in it when transcribed as {language} either)")
        elif take.status == "ok":
            take.status = "ok: no script line found in it (slate, chatter or another scene's material)"
        if held and take.detected_language:
            notes.append(f"{take.path.name}: speech detected as {take.detected_language}, transcribed as {language} "
                         f"(the script's language): {len(held)} reading(s) of script lines found")
    _require_usable(takes, footage)  # takes in another language are known to be unusable only now
    for ln in lines:
        if not readings[ln.index]:
            notes.append(f"line {ln.index + 1} ({ln.character}: {ln.text[:40]!r}) has no usable take")
        elif readings[ln.index][0].accuracy < min_accuracy:
            r = readings[ln.index][0]
            notes.append(f"line {ln.index + 1} ({ln.character}: {ln.text[:40]!r}) has only a weak match: "
                         f"{takes[r.take].path.name}, {r.accuracy:.0%} of its words recognised — check it")
    notes.extend(f"{t.path.name}: {t.status}" for t in takes if t.status != "ok")
    tl = _timeline(Path(script).stem, lines, takes, readings, edit_rate)
    return Assembly(tl, edit_rate, lines, takes, readings, notes)


def _require_usable(takes: Sequence[Take], footage: str | Path) -> None:
    """Raise MediaError naming every file's reason when no take is usable (status ``ok...``)."""
    if not any(t.status.startswith("ok") for t in takes):
        why = "; ".join(f"{t.path.name}: {t.status}" for t in takes) or "the folder holds no media files"
        raise MediaError(f"no usable take in {footage}: {why}")


def _claim_words(found: list[tuple[int, int, int, int, float, float, int]], min_accuracy: float,
                 weak_accuracy: float) -> list[tuple[int, int, int, int, float, float, int]]:
    """Readings ``(line, take, first word, last word, accuracy, matched, inserted)`` that survive two rules:
    the same words of a take read one line only (where readings of different lines overlap, the more
    accurate one keeps them: "this is all very high pitched" is line 5's, not a poor reading of "this
    is all very whispered"); and readings under ``min_accuracy`` stay only for a line that has none
    above it."""
    keep = []
    for r in found:
        li, ti, w0, w1, acc = r[:5]
        if any(o[1] == ti and o[0] != li and o[2] <= w1 and w0 <= o[3] and o[4] > acc for o in found):
            continue
        keep.append(r)
    strong = {r[0] for r in keep if r[4] >= min_accuracy}
    return [r for r in keep if r[4] >= min_accuracy or (r[0] not in strong and r[4] >= weak_accuracy)]


def _cut_span(take: Take, r: Reading, prev_end: int | None, next_start: int | None, rate: Fraction,
              total: int) -> tuple[int, int, bool]:
    """Source frames ``[a, b)`` of a reading and whether both are silent: silent boundaries within 0.5 s before
    its first and after its last word, else the nearest silent boundary of the pause (never inside the
    neighbouring words), else the nearest silent boundary within 2 s even across touching words; else (not
    clean) the quietest boundary of the pause within 0.5 s of the word edge."""
    assert take.transcript is not None and take.levels is not None
    sr = take.transcript.sample_rate
    e, hop, esr = take.levels.energy_db, take.levels.hop, take.levels.sample_rate
    thr = silence_threshold(e)
    s0, e1 = Fraction(r.start, sr) * rate, Fraction(r.end, sr) * rate
    lo = Fraction(prev_end, sr) * rate if prev_end is not None else Fraction(0)
    hi = Fraction(next_start, sr) * rate if next_start is not None else Fraction(total)
    near = rate / 2
    ins = (silent_frames(e, hop, esr, rate, max(lo, s0 - near), s0, thr)
           or silent_frames(e, hop, esr, rate, lo, s0, thr)[-1:]
           # no silence before the next word out: the words touch (often the line's own words, misrecognised);
           # take them in up to the nearest silence within 2 s rather than cut into speech
           or silent_frames(e, hop, esr, rate, max(Fraction(0), s0 - 4 * near), s0, thr)[-1:])
    outs = (silent_frames(e, hop, esr, rate, e1, min(hi, e1 + near), thr)
            or silent_frames(e, hop, esr, rate, e1, hi, thr)[:1]
            or silent_frames(e, hop, esr, rate, e1, min(Fraction(total), e1 + 4 * near), thr)[:1])
    a = ins[len(ins) // 2] if ins else _quietest(e, hop, esr, rate, max(lo, s0 - near), s0, math.floor(s0))
    b = outs[len(outs) // 2] if outs else _quietest(e, hop, esr, rate, e1, min(hi, e1 + near), math.ceil(e1))
    return max(0, a), min(total, max(b, a + 1)), bool(ins and outs)


def _quietest(energy_db: np.ndarray, hop: int, sample_rate: int, rate: Fraction, lo: Fraction, hi: Fraction,
              default: int) -> int:
    """The frame boundary in ``[lo, hi]`` with the lowest level (a reverberant hall's pause never reaches the
    silence threshold; its quietest moment is still the best place to cut), ``default`` when there is none."""
    levels = [fl for fl in boundary_levels(energy_db, hop, sample_rate, rate, lo, hi) if fl[1] < math.inf]
    return min(levels, key=lambda fl: fl[1])[0] if levels else default


def _covered(lines: Sequence[ScriptLine], readings: Sequence[Sequence[Reading]]
             ) -> Iterator[tuple[ScriptLine, Sequence[Reading]]]:
    """The lines that have readings, in script order, with their readings (best first)."""
    for ln in lines:
        if readings[ln.index]:
            yield ln, readings[ln.index]


def _join_spans(lines: Sequence[ScriptLine], takes: Sequence[Take], readings: Sequence[Sequence[Reading]],
                rate: Fraction) -> dict[int, tuple[int, int]]:
    """Source frames ``[a, b)`` of each covered line's best reading (:func:`_cut_span`), with one rule on top:
    when the next covered line comes from the same take and the two spans would overlap (the lines are said
    without a pause, so each one's nearest silence lies inside the other), both are cut at the frame
    between the first line's last word and the second's first word. The two clips then join seamlessly
    (the source runs on) instead of playing the same words twice."""
    spans: dict[int, tuple[int, int]] = {}
    prev: tuple[int, Reading] | None = None
    for ln, rs in _covered(lines, readings):
        best = rs[0]
        take = takes[best.take]
        assert take.transcript is not None
        words = take.transcript.words
        prev_end = words[best.first - 1].end if best.first > 0 else None
        next_start = words[best.last + 1].start if best.last + 1 < len(words) else None
        a, b, _clean = _cut_span(take, best, prev_end, next_start, rate, media_frame_count(take.info, rate))
        if prev is not None and prev[1].take == best.take and a < spans[prev[0]][1] and prev[1].last < best.first:
            pa, _pb = spans[prev[0]]
            sr = take.transcript.sample_rate
            j = round(Fraction(words[prev[1].last].end + words[best.first].start, 2 * sr) * rate)
            if pa < j < b:
                spans[prev[0]] = (pa, j)
                a = j
        spans[ln.index] = (a, b)
        prev = (ln.index, best)
    return spans


def _timeline(name: str, lines: Sequence[ScriptLine], takes: Sequence[Take], readings: Sequence[Sequence[Reading]],
              rate: Fraction) -> otio.schema.Timeline:
    from reelkit.time import format_rate, to_rational_time
    from reelkit.timeline import ranges_timeline

    tl = otio.schema.Timeline(name=f"{name} assembly")
    tl.global_start_time = to_rational_time(0, rate)
    any_video = any(takes[rs[0].take].info.video is not None for rs in readings if rs)
    tracks = {"video": otio.schema.Track(name="V1", kind=otio.schema.TrackKind.Video)} if any_video else {}
    tracks["audio"] = otio.schema.Track(name="A1", kind=otio.schema.TrackKind.Audio)
    spans = _join_spans(lines, takes, readings, rate)
    for ln, rs in _covered(lines, readings):
        best = rs[0]
        take = takes[best.take]
        a, b = spans[ln.index]
        one = ranges_timeline(take.info, [(a, b)], name=name, rate=rate)
        alts = [{"take": takes[r.take].path.name, "path": str(takes[r.take].path),
                 "start_s": round(r.start / takes[r.take].transcript.sample_rate, 3),  # type: ignore[union-attr]
                 "end_s": round(r.end / takes[r.take].transcript.sample_rate, 3),  # type: ignore[union-attr]
                 "score": round(r.score, 4), "accuracy": round(r.accuracy, 3)} for r in rs[1:]]
        for src in one.tracks:
            kind = "video" if src.kind == otio.schema.TrackKind.Video else "audio"
            clip = src[0]
            src.remove(clip)
            clip.name = f"{ln.index + 1:03d} {ln.character}: {ln.text[:32]}"
            meta = dict(clip.metadata.get("reelkit", {}))
            meta.update({"line": ln.index, "scene": ln.scene, "character": ln.character, "text": ln.text,
                         "take": take.path.name, "score": round(best.score, 4), "accuracy": round(best.accuracy, 3),
                         "alternates": alts})
            clip.metadata["reelkit"] = meta
            marker = otio.schema.Marker(
                name=f"line {ln.index + 1}: {len(alts)} alternate(s)",
                marked_range=otio.opentime.TimeRange(clip.source_range.start_time,
                                                     otio.opentime.RationalTime(1, float(rate))),
                color=otio.schema.MarkerColor.GREEN if alts else otio.schema.MarkerColor.RED,
                metadata={"reelkit": {"alternates": [f"{x['take']} {x['start_s']}-{x['end_s']} s" for x in alts]}})
            clip.markers.append(marker)
            if kind in tracks:
                tracks[kind].append(clip)
        if any_video and take.info.video is None:  # audio-only take: keep picture and sound in step
            tracks["video"].append(otio.schema.Gap(source_range=otio.opentime.TimeRange(
                to_rational_time(0, rate), to_rational_time(b - a, rate))))
    for t in tracks.values():
        tl.tracks.append(t)
    tl.metadata["reelkit"] = {"rate": format_rate(rate), "assembly": {"lines": len(lines),
                                                                      "covered": sum(1 for r in readings if r)}}
    return tl


def write_assembly(asm: Assembly, output: str | Path, *, report: str | Path | None = None,
                   force: bool = False) -> tuple[dict[str, str], list[str]]:
    """Write the assembly's timeline as ``output`` (.otio) and, beside it, as FCPXML (.fcpxml), FCP7 XML
    (.xml) and EDL (.edl), plus the coverage report (HTML) when ``report`` is given.

    Every format is made in memory before anything is written: a format that cannot hold this timeline
    (an EDL wants one reel per clip, FCPXML wants the sound to follow the picture) is left out with a note
    instead of failing after the takes were transcribed, and the files written are complete.

    Returns:
        ``(files, notes)``: format → path written; one note per format left out.

    Raises:
        UsageError: ``output`` is not .otio; OutputExistsError: an output exists without ``force``
        (nothing is written); InputFormatError: not even OTIO can hold the timeline.
    """
    from reelkit.errors import InputFormatError
    from reelkit.fileio import write_text
    from reelkit.timeline import export_timeline
    from reelkit.timeline.export import timeline_to_string

    output = Path(output)
    paths = assembly_outputs(output, report, force=force)
    notes: list[str] = []
    texts: dict[str, str] = {}
    for fmt in ("otio", "fcpxml", "fcp7", "edl"):
        try:
            texts[fmt] = timeline_to_string(asm.timeline, fmt)
        except InputFormatError as e:
            if fmt == "otio":
                raise
            notes.append(f"{paths[fmt].name} not written: {e.message}")
    files = {fmt: str(export_timeline(asm.timeline, paths[fmt], fmt, force=force, text=text))
             for fmt, text in texts.items()}
    if report is not None:
        files["report"] = str(write_text(report, coverage_html(asm), force=force))
    return files, notes


def assembly_outputs(output: Path, report: str | Path | None, *, force: bool = False) -> dict[str, Path]:
    """The files :func:`write_assembly` writes for ``output``, checked before any work.

    Raises:
        UsageError: ``output`` is not .otio; OutputExistsError / OutputError: as
        :func:`reelkit.fileio.check_output_path`.
    """
    from reelkit.fileio import check_output_path

    if output.suffix.lower() != ".otio":
        raise UsageError(f"{output}: the assembly is written as .otio (the other NLE formats go beside it)")
    paths = {"otio": output, "fcpxml": output.with_suffix(".fcpxml"), "fcp7": output.with_suffix(".xml"),
             "edl": output.with_suffix(".edl")}
    for p in [*paths.values(), *([Path(report)] if report else [])]:
        check_output_path(p, force=force)
    return paths


def coverage_html(asm: Assembly) -> str:
    """The coverage report: per scene its lines with the chosen take, the alternates and the scores; lines with no
    usable take; takes per line; scenes shot from one setup only; files that were skipped and why."""
    esc = html.escape
    rows = []
    scenes: dict[int, list[ScriptLine]] = {}
    for ln in asm.lines:
        scenes.setdefault(ln.scene, []).append(ln)
    out = ["<!doctype html><html><head><meta charset='utf-8'><title>Coverage report</title><style>",
           "body{font:14px system-ui,sans-serif;margin:2em;max-width:1100px}table{border-collapse:collapse;width:100%}"
           "td,th{border:1px solid #ccc;padding:4px 6px;vertical-align:top}th{background:#eee}.miss{background:#fdd}"
           ".one{background:#ffe9b3}.ok{color:#070}</style></head><body>",
           f"<h1>Coverage report</h1><p>{sum(1 for r in asm.readings if r)} of {len(asm.lines)} lines covered; "
           f"{sum(1 for t in asm.takes if t.status.startswith('ok'))} usable takes of {len(asm.takes)} files.</p>"]
    for sc, lns in scenes.items():
        takes_in = sorted({asm.takes[r.take].path.name for ln in lns for r in asm.readings[ln.index]})
        setups = sorted({asm.takes[r.take].setup for ln in lns for r in asm.readings[ln.index]})
        one = len(setups) <= 1
        out.append(f"<h2>Scene {sc + 1}: {esc(lns[0].heading)}</h2>")
        out.append(f"<p class='{'one' if one else 'ok'}'>setups: {esc(', '.join(setups) or 'none')}"
                   f"{' — only one angle' if one else ''}; takes: {esc(', '.join(takes_in) or 'none')}</p>")
        out.append("<table><tr><th>#</th><th>line</th><th>takes</th><th>chosen take (score: accuracy, flubs, audio, "
                   "picture)</th><th>alternates</th></tr>")
        for ln in lns:
            rs = asm.readings[ln.index]
            if rs:
                b = rs[0].to_dict(asm.takes)
                chosen = (f"{esc(b['take'])} {b['start_s']:.2f}–{b['end_s']:.2f} s (<b>{b['score']:.2f}</b>: "
                          f"{b['accuracy']:.0%}, {b['fillers']} filler(s), {b['restarts']} restart(s), audio "
                          f"{b['audio']:.2f}, picture {b['picture'] if b['picture'] is not None else '–'})")
                alts = "<br>".join(f"{esc(a['take'])} {a['start_s']:.2f}–{a['end_s']:.2f} s ({a['score']:.2f})"
                                   for a in (r.to_dict(asm.takes) for r in rs[1:]))
                cls = ""
            else:
                chosen, alts, cls = "<b>no usable take</b>", "", " class='miss'"
            out.append(f"<tr{cls}><td>{ln.index + 1}</td><td>{esc(ln.character)}: {esc(ln.text)}</td>"
                       f"<td>{len({r.take for r in rs})}</td><td>{chosen}</td><td>{alts}</td></tr>")
        out.append("</table>")
    skipped = [t for t in asm.takes if t.status != "ok"]
    extra = [n for n in asm.notes if ":" in n and not n.startswith("line ")
             and not any(n.startswith(t.path.name + ":") for t in asm.takes)]
    if skipped or extra:
        out.append("<h2>Files not used</h2><ul>")
        out += [f"<li>{esc(t.path.name)}: {esc(t.status)}</li>" for t in skipped]
        out += [f"<li>{esc(n)}</li>" for n in extra]
        out.append("</ul>")
    out.append("</body></html>\n")
    rows.append("")
    return "\n".join(out)
