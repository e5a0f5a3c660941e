"""Forced alignment of a known text (a script, a corrected transcript) to audio, with PocketSphinx.

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

__all__ = ["ALIGN_SETTINGS", "align", "align_audio", "letter_to_sound", "parse_align_text", "pronounce"]

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


def align(path: str | os.PathLike[str], text: str, *, progress: ProgressFn | None = None) -> Transcript:
    """Force-align ``text`` (the words said in ``path``) to the media's audio.

    ``text`` may be plain text, a script's lines, or ``reel transcribe --format txt`` output (tags and
    ``#`` comments are skipped). Each non-empty line becomes a segment when the text has several lines;
    a single paragraph is split into segments at pauses.

    Returns:
        a :class:`Transcript` at 16 kHz with ``backend="pocketsphinx-align"``; confidences are the
        aligner's posteriors; fillers are marked (an ``um`` in the text stays a word, flagged filler).

    Raises:
        the media errors of :func:`~reelkit.analysis.speech.pipeline.load_speech_audio`;
        MediaLimitError: audio longer than :data:`MAX_ALIGN_S`;
        InputFormatError: empty text, or text that cannot be aligned to the audio.
    """
    lines = parse_align_text(text)
    if not lines:
        raise InputFormatError("the text to align has no words")
    x = load_speech_audio(path)
    if len(x) > MAX_ALIGN_S * ASR_RATE:
        raise MediaLimitError(f"{Path(path)} is {len(x) / ASR_RATE:.0f} s long; align at most "
                              f"{MAX_ALIGN_S:.0f} s at a time (split the media and the text)")
    if progress:
        progress(0, len(x))
    words = mark_fillers(align_audio(x, lines), audio=x, sample_rate=ASR_RATE)
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
    return Transcript(media=str(path), language="en", backend="pocketsphinx-align", sample_rate=ASR_RATE,
                      words=words, segments=segments)
