"""Alignment of a known text (a script, a corrected transcript) to audio.

:func:`align` never fails wholesale: it transcribes the media with Whisper, sequence-aligns the
text with the recognised words, takes the times of matched words, force-aligns the rest with
PocketSphinx where there is audio for them and interpolates what is left (``Word.aligned`` says
which). :func:`align_audio` is the plain PocketSphinx forced alignment of a whole text (all or nothing).

The text's words keep their spelling and punctuation in the result; for the acoustic model they
are lower-cased and stripped of edge punctuation. Words missing from the bundled CMU dictionary
get a pronunciation from the dictionary parts they are made of (``aligner`` → ``align`` + ``er``)
or from simple letter-to-sound rules, so any text aligns. The decoder places optional silences
between words; word boundaries are 10 ms frames.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import numpy as np

from reelkit.analysis.speech.backends import ASR_RATE
from reelkit.analysis.speech.fillers import mark_fillers
from reelkit.analysis.speech.model import Segment, Transcript, Word
from reelkit.analysis.speech.pipeline import build_segments, load_speech_audio
from reelkit.analysis.speech.pocketsphinx_backend import _lock, decoder, pcm16
from reelkit.analysis.speech.text import normalize_word
from reelkit.errors import InputFormatError, MediaLimitError
from reelkit.progress import ProgressFn

__all__ = ["ALIGN_SETTINGS", "align", "align_audio", "align_to_recognised", "aligned_share",
           "letter_to_sound", "parse_align_text", "pronounce"]

#: decoder settings for alignment (wide beams: the search space is one word sequence)
ALIGN_SETTINGS = {"beam": 1e-80, "pbeam": 1e-80, "wbeam": 1e-60, "lm": None, "bestpath": False}
#: longest audio aligned in one pass
MAX_ALIGN_S = 900.0

_TAG = re.compile(r"^\s*\[(?:\d+:)?\d{1,3}:\d{2}\.\d{2}\]\s*")

# letter-to-sound rules (ARPAbet, CMU phone set), longest match first
_RULES: list[tuple[str, str]] = sorted([
    ("tion", "SH AH N"), ("sion", "ZH AH N"), ("ough", "AO"), ("igh", "AY"), ("tch", "CH"), ("sch", "S K"),
    ("ch", "CH"), ("sh", "SH"), ("th", "TH"), ("ph", "F"), ("wh", "W"), ("ck", "K"), ("ng", "NG"), ("qu", "K W"),
    ("ee", "IY"), ("ea", "IY"), ("oo", "UW"), ("ou", "AW"), ("ow", "OW"), ("oi", "OY"), ("oy", "OY"),
    ("ai", "EY"), ("ay", "EY"), ("au", "AO"), ("aw", "AO"), ("er", "ER"), ("ir", "ER"), ("ur", "ER"),
    ("ar", "AA R"), ("or", "AO R"), ("ie", "IY"), ("ei", "EY"), ("ey", "IY"),
    ("a", "AE"), ("b", "B"), ("c", "K"), ("d", "D"), ("e", "EH"), ("f", "F"), ("g", "G"), ("h", "HH"),
    ("i", "IH"), ("j", "JH"), ("k", "K"), ("l", "L"), ("m", "M"), ("n", "N"), ("o", "AA"), ("p", "P"),
    ("q", "K"), ("r", "R"), ("s", "S"), ("t", "T"), ("u", "AH"), ("v", "V"), ("w", "W"), ("x", "K S"),
    ("y", "IY"), ("z", "Z"),
], key=lambda r: -len(r[0]))
_DIGITS = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"]


def letter_to_sound(word: str) -> str:
    """A rough ARPAbet pronunciation from spelling (for words missing from the dictionary)."""
    w = re.sub(r"[^a-z]", "", word.casefold())
    w = re.sub(r"(.)\1", r"\1", w)  # doubled letters sound once
    if len(w) > 2 and w.endswith("e") and w[-2] not in "aeiou":
        w = w[:-1]  # silent final e
    phones: list[str] = []
    i = 0
    while i < len(w):
        for g, p in _RULES:
            if w.startswith(g, i):
                phones.extend(p.split())
                i += len(g)
                break
        else:  # pragma: no cover - every letter has a rule
            i += 1
    return " ".join(phones) or "AH"


def pronounce(dec: object, key: str) -> str | None:
    """Dictionary pronunciation of ``key``, from its dictionary parts, from digits, or None."""
    lookup = dec.lookup_word  # type: ignore[attr-defined]
    if not key:
        return None
    p = lookup(key)
    if p:
        return p
    if key.isdigit():
        return " ".join(lookup(_DIGITS[int(c)]) for c in key)
    mixed = re.findall(r"[a-z]+|\d+", key)
    if len(mixed) > 1 and "".join(mixed) == key:  # "p2", "mp3": letters and digits said apart
        said = [pronounce(dec, m) or letter_to_sound(m) for m in mixed]
        return " ".join(said)
    parts = [s for s in re.split(r"[-'_]", key) if s]
    if len(parts) > 1 and all(lookup(s) for s in parts):
        return " ".join(lookup(s) for s in parts)
    # best split into a dictionary head and a dictionary tail (≥ 2 letters each)
    for cut in range(len(key) - 2, 1, -1):
        head, tail = lookup(key[:cut]), lookup(key[cut:])
        if head and tail:
            return f"{head} {tail}"
    return None


def parse_align_text(text: str) -> list[list[str]]:
    """Lines of words to align. ``#`` comment lines, blank lines and ``[mm:ss.cc]`` tags (the reel text
    format) are skipped; words are whitespace-separated; pure punctuation tokens are dropped."""
    lines = []
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        line = _TAG.sub("", line)
        words = [t for t in line.split() if normalize_word(t)]
        if words:
            lines.append(words)
    return lines


def _decode_align(x: np.ndarray, keys: list[str]) -> list[tuple[int, int, float]] | None:
    for widen in (1.0, 1e-20):
        settings = dict(ALIGN_SETTINGS, beam=ALIGN_SETTINGS["beam"] * widen,
                        pbeam=ALIGN_SETTINGS["pbeam"] * widen)
        dec = decoder(**settings)
        with _lock:
            for k in keys:
                if not dec.lookup_word(k):
                    dec.add_word(k, pronounce(dec, k) or letter_to_sound(k), True)
            dec.set_align_text(" ".join(keys))
            dec.reinit_feat()
            dec.start_utt()
            dec.process_raw(pcm16(x), full_utt=True)
            dec.end_utt()
            if dec.hyp() is None:
                continue
            spans = [(s.start_frame, s.end_frame, float(s.prob)) for s in dec.seg()
                     if s.word not in ("<s>", "</s>", "<sil>") and not s.word.startswith(("[", "++"))]
        if len(spans) == len(keys):
            return spans
    return None


def align_audio(x: np.ndarray, lines: list[list[str]]) -> list[Word]:
    """Align the words of ``lines`` to 16 kHz mono ``x``; return one :class:`Word` per text word.

    Raises:
        InputFormatError: the text cannot be aligned to this audio (it does not match the speech).
    """
    tokens = [t for line in lines for t in line]
    if not tokens:
        return []
    keys = [normalize_word(t) for t in tokens]
    spans = _decode_align(x, keys)
    if spans is None:
        raise InputFormatError(f"could not align the {len(tokens)} words of the text to the audio; "
                               "check that the text is what is said in the media")
    frame = ASR_RATE // 100
    return [Word(tok, s * frame, (e + 1) * frame, min(1.0, max(0.0, p)))
            for tok, (s, e, p) in zip(tokens, spans, strict=True)]


def _voiced_share(x: np.ndarray, a: int, b: int) -> float:
    hop = ASR_RATE // 100
    if b - a < hop or len(x) < hop:
        return 0.0
    k = len(x) // hop
    db = 10 * np.log10((x[:k * hop].astype(np.float64).reshape(k, hop) ** 2).mean(axis=1) + 1e-12)
    thresh = max(float(np.percentile(db, 10)) + 15.0, float(db.max()) - 30.0)
    seg = db[a // hop:max(a // hop + 1, b // hop)]
    return float((seg > thresh).mean()) if len(seg) else 0.0


def _similar(a: str, b: str) -> bool:
    """Same word spelt differently ("abbie"/"abby", "colour"/"color", "ok"/"okay")."""
    import difflib

    if not a or not b:
        return False
    return difflib.SequenceMatcher(a=a, b=b, autojunk=False).ratio() >= 0.6


def _refine_replace(op: tuple[str, int, int, int, int], keys: list[str], rkeys: list[str]
                    ) -> list[tuple[str, int, int, int, int]]:
    """Split a difflib ``replace`` block by a small global alignment (Needleman-Wunsch) in which
    similar spellings count as matches; returns difflib-style equal/replace/insert/delete opcodes."""
    _, i1, i2, j1, j2 = op
    n, m = i2 - i1, j2 - j1
    if n * m > 40000:
        return [op]
    score = np.zeros((n + 1, m + 1))
    score[:, 0] = -np.arange(n + 1)
    score[0, :] = -np.arange(m + 1)
    sim = [[_similar(keys[i1 + i], rkeys[j1 + j]) for j in range(m)] for i in range(n)]
    for i in range(1, n + 1):
        for j in range(1, m + 1):
            score[i, j] = max(score[i - 1, j - 1] + (1.5 if sim[i - 1][j - 1] else -1.0),
                              score[i - 1, j] - 0.6, score[i, j - 1] - 0.6)
    pairs: list[tuple[int, int]] = []  # matched (i, j), back-tracked
    i, j = n, m
    while i > 0 and j > 0:
        if score[i, j] == score[i - 1, j - 1] + (1.5 if sim[i - 1][j - 1] else -1.0):
            if sim[i - 1][j - 1]:
                pairs.append((i - 1, j - 1))
            i, j = i - 1, j - 1
        elif score[i, j] == score[i - 1, j] - 0.6:
            i -= 1
        else:
            j -= 1
    pairs.reverse()
    out: list[tuple[str, int, int, int, int]] = []
    pi, pj = 0, 0
    for a, b in [*pairs, (n, m)]:
        if a > pi or b > pj:
            # difflib's meaning: "delete" = text words with no recognised counterpart, "insert" = the reverse
            tag = "replace" if a > pi and b > pj else ("delete" if a > pi else "insert")
            out.append((tag, i1 + pi, i1 + a, j1 + pj, j1 + b))
        if a < n:
            out.append(("equal", i1 + a, i1 + a + 1, j1 + b, j1 + b + 1))
        pi, pj = a + 1, b + 1
    return out


def align_to_recognised(x: np.ndarray, tokens: list[str], recognised: list[Word]) -> list[Word]:
    """Align the text ``tokens`` to 16 kHz mono ``x`` using recognised words as anchors.

    The normalised text is sequence-aligned (difflib, no junk heuristic) with the recognised words:

    * a text word matched to a recognised word (or to a similar spelling inside a mismatched
      stretch: ``Abbie``/``Abby``) takes its time: ``aligned=True``;
    * a run of text words facing other recognised words (a misrecognition) is force-aligned with
      PocketSphinx inside those words' span: ``aligned=True`` when that succeeds;
    * a run with no recognised counterpart is force-aligned in the pause between its neighbours
      when the pause is long enough (0.12 s a word) and mostly voiced: ``aligned=True``;
    * otherwise its words are spread over the available span by letter count: ``aligned=False``.

    Recognised words missing from the text (fillers, extra speech) are left out. Never raises for
    text that does not match: the share of ``aligned`` words says how well it matched.
    """
    import difflib

    n = len(tokens)
    keys = [normalize_word(t) or "ah" for t in tokens]
    rkeys = [normalize_word(w.text) for w in recognised]
    times: list[tuple[int, int, float] | None] = [None] * n
    ok = [False] * n
    sm = difflib.SequenceMatcher(a=keys, b=rkeys, autojunk=False)
    ops = []
    for op in sm.get_opcodes():
        ops.extend(_refine_replace(op, keys, rkeys) if op[0] == "replace" else [op])
    for tag, i1, i2, j1, j2 in ops:
        if tag == "equal":
            for i, j in zip(range(i1, i2), range(j1, j2), strict=True):
                w = recognised[j]
                times[i], ok[i] = (w.start, w.end, w.confidence), True
    for tag, i1, i2, j1, j2 in ops:
        if tag not in ("replace", "delete"):  # "delete": text words missing from the recognised ones
            continue
        prev_end = next((times[i][1] for i in range(i1 - 1, -1, -1) if times[i] is not None), 0)
        next_start = next((times[i][0] for i in range(i2, n) if times[i] is not None), len(x))
        if tag == "replace":
            a = max(prev_end, recognised[j1].start - ASR_RATE // 10)
            b = min(next_start, recognised[j2 - 1].end + ASR_RATE // 10)
            try_align = b - a >= ASR_RATE // 10
        else:
            a, b = prev_end, next_start
            try_align = (b - a >= 0.12 * ASR_RATE * (i2 - i1)) and _voiced_share(x, a, b) >= 0.3
        spans = None
        if try_align:
            from reelkit.analysis.speech.boundaries import align_run

            spans = align_run(x, keys[i1:i2], a, b)
        if spans is not None:
            for i, (s0, s1, p) in zip(range(i1, i2), spans, strict=True):
                times[i], ok[i] = (s0, s1, min(1.0, max(0.0, p))), True
            continue
        # interpolate by letter count over [a, b)
        b = max(a, b)
        lens = np.array([max(1, len(k)) for k in keys[i1:i2]], float)
        cuts = a + np.concatenate([[0.0], np.cumsum(lens)]) / lens.sum() * (b - a)
        for m, i in enumerate(range(i1, i2)):
            times[i] = (round(cuts[m]), round(cuts[m + 1]), 0.0)
    out = []
    for tok, t, good in zip(tokens, times, ok, strict=True):
        s0, s1, p = t  # type: ignore[misc]
        out.append(Word(tok, int(s0), int(max(s0, s1)), float(p), aligned=good))
    return out


def align(path: str | os.PathLike[str], text: str, *, progress: ProgressFn | None = None,
          model: Path | str | None = None, recognised: Transcript | None = None) -> Transcript:
    """Align ``text`` (the words said in ``path``) to the media's audio; never fails on mismatch.

    ``text`` may be plain text, a script's lines, or ``reel transcribe --format txt`` output (tags and
    ``#`` comments are skipped). The media is transcribed with Whisper (``model``; or ``recognised``
    is used when given; when Whisper detected another language than English and under 90 % of the
    text is found, it is transcribed again as English and the better alignment kept) and the text is
    aligned to the recognised words
    (:func:`align_to_recognised`): every text word comes back, ``aligned=True`` where it was found
    in the audio and ``aligned=False`` where its time is interpolated. Each non-empty line becomes a
    segment when the text has several lines; a single paragraph is split into segments at pauses.

    Returns:
        a :class:`Transcript` at 16 kHz with ``backend="faster-whisper+align"``; fillers in the text
        are flagged.

    Raises:
        the media errors of :func:`~reelkit.analysis.speech.pipeline.load_speech_audio`;
        MediaLimitError: audio longer than :data:`MAX_ALIGN_S`;
        InputFormatError: the text has no words.
        BackendUnavailable: the Whisper model is missing or fails its check.
    """
    from reelkit.analysis.speech.pipeline import transcribe

    lines = parse_align_text(text)
    if not lines:
        raise InputFormatError("the text to align has no words")
    x = load_speech_audio(path, normalize=False)
    if len(x) > MAX_ALIGN_S * ASR_RATE:
        raise MediaLimitError(f"{Path(path)} is {len(x) / ASR_RATE:.0f} s long; align at most "
                              f"{MAX_ALIGN_S:.0f} s at a time (split the media and the text)")
    if progress:
        progress(0, len(x))
    rec = recognised if recognised is not None else transcribe(path, model=model)
    tokens = [t for line in lines for t in line]
    words = align_to_recognised(x, tokens, list(rec.words))
    if recognised is None and (rec.language or "en") != "en" and _share(words) < 0.9:
        # an accent can tip Whisper's language detection (Walter Lewin's English lecture: "nl"), and the
        # text then matches little of the recognised words: try English (the forced aligner's language)
        rec_en = transcribe(path, model=model, language="en")
        words_en = align_to_recognised(x, tokens, list(rec_en.words))
        if _share(words_en) > _share(words):
            rec, words = rec_en, words_en
    words = mark_fillers(words, audio=x, sample_rate=ASR_RATE)
    if progress:
        progress(len(x), len(x))
    if len(lines) > 1:
        segments, i = [], 0
        for line in lines:
            ws = words[i:i + len(line)]
            i += len(line)
            segments.append(Segment(ws[0].start, ws[-1].end, " ".join(w.text for w in ws)))
    else:
        segments = build_segments(words)
    return Transcript(media=str(path), language=rec.language or "en", backend="faster-whisper+align",
                      sample_rate=ASR_RATE, words=words, segments=segments)


def _share(words: list[Word]) -> float:
    flags = [w.aligned for w in words if w.aligned is not None]
    return sum(flags) / len(flags) if flags else 1.0


def aligned_share(t: Transcript) -> float:
    """Share (0..1) of the words of an aligned transcript that were found in the audio (1.0 if none)."""
    return _share(list(t.words))
