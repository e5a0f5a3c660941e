"""Filler detection: filled pauses, stutter repeats and false starts, from words and audio.

Rules (each marks ``Word.filler = True``; the text is kept):

* **filled pauses** — the word is one of :data:`FILLER_WORDS` (um, uh, er, ah, hm, ...), as the
  recogniser writes them (PocketSphinx's ``++UM++`` style filler tokens are mapped to ``um`` etc.);
* **long hesitation sounds** (needs the audio) — a word held for at least 0.35 s with a very
  steady spectrum (a held vowel or hum: real words move between sounds), or one the recogniser often
  writes for an "uh"/"um" (``a``, ``the``, ``oh``, ``i'm``...) held as long with a steady spectrum.
  Thresholds come from the MFA filler clips (the only filler ground truth here: held "uh"/"um"/"hm"
  had median spectral flux ≤ 1.31, words ≥ 1.40);
* **stutter repeats** — a short word (≤ 3 letters) said again right away (< 0.5 s gap): every
  copy but the last is a filler (``I I think`` → the first ``I``). Longer repeated words
  (``word word``) are kept: they are more often meant;
* **false starts** — a word written with a trailing hyphen (``mon-``), or a word of two or more
  letters that is a proper prefix of the next word said within 1 s (``mon montreal``, ``fore
  forced``), except common words that often start longer ones (``the theory``, ``in inside``).
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Sequence

import numpy as np

from reelkit.analysis.speech.model import Word
from reelkit.analysis.speech.text import normalize_word

__all__ = ["FILLER_WORDS", "filler_token_text", "find_gap_fillers", "is_filler_word", "mark_fillers"]

#: filled pauses (normalised spelling)
FILLER_WORDS = frozenset({"um", "uh", "uhm", "umm", "uhh", "er", "erm", "err", "ah", "ahh", "hm", "hmm", "mm",
                          "mhm", "eh"})
#: words a recogniser writes for a filled pause; fillers only when long and steady (see module doc)
_HESITATION_LOOKALIKES = frozenset({"a", "the", "oh", "ah", "uh", "um", "huh", "eh", "i'm", "and", "an", "all"})
#: common words that often precede a longer word starting with them ("the theory", "in inside")
_COMMON_PREFIX_WORDS = frozenset({"the", "to", "in", "on", "at", "an", "be", "it", "is", "as", "or", "he", "we",
                                  "me", "no", "so", "do", "go", "all", "and", "not", "but", "can", "his", "her",
                                  "our", "are", "was", "you", "of", "off", "up", "us", "my", "by", "out", "one",
                                  "any", "man", "car", "she", "new", "now", "how", "who", "way", "can't"})


def filler_token_text(token: str) -> str | None:
    """``++UM++`` / ``<um>`` / ``[uh]`` style recogniser filler tokens → ``um``; other tokens → None."""
    t = token.strip("+<>[]").casefold()
    return t if t in FILLER_WORDS else None


def is_filler_word(text: str) -> bool:
    """True for a filled-pause spelling (``um``, ``Uh,`` ...)."""
    return normalize_word(text) in FILLER_WORDS


def _steadiness(audio: np.ndarray, sample_rate: int, start: int, end: int) -> tuple[float, float] | None:
    """(median frame-to-frame log-spectral flux, spectral spread over time) of ``audio[start:end]``;
    low values mean a held vowel or hum. None when shorter than four frames."""
    seg = audio[start:end]
    frame = int(0.025 * sample_rate)
    hop = int(0.010 * sample_rate)
    if len(seg) < frame * 4:
        return None
    frames = np.lib.stride_tricks.sliding_window_view(seg, frame)[::hop] * np.hanning(frame)
    spec = np.log(np.abs(np.fft.rfft(frames, axis=1))[:, 1:frame // 4] ** 2 + 1e-9)
    spec -= spec.mean(axis=1, keepdims=True)
    flux = np.sqrt(np.mean(np.diff(spec, axis=0) ** 2, axis=1))
    spread = np.sqrt(np.mean((spec - spec.mean(axis=0)) ** 2))
    return float(np.median(flux)), float(spread)


def mark_fillers(words: Sequence[Word], *, audio: np.ndarray | None = None,
                 sample_rate: int = 16000, offset: int = 0) -> list[Word]:
    """Return ``words`` with ``filler`` set by the rules in the module docstring.

    Args:
        words: in time order; start/end in samples at ``sample_rate``.
        audio: optional ``(n,)`` mono float32 at ``sample_rate`` for the audio-based rule.
        offset: sample position of ``audio[0]`` (when ``audio`` is one chunk of a stream).
    """
    out = list(words)
    keys = [normalize_word(w.text) for w in out]
    flags = [w.filler or k in FILLER_WORDS for w, k in zip(out, keys, strict=True)]
    for i, w in enumerate(out):
        k = keys[i]
        if audio is not None and not flags[i] and w.end - w.start >= 0.35 * sample_rate:
            st = _steadiness(audio, sample_rate, w.start - offset, w.end - offset)
            if st is not None and ((st[0] < 1.15 and st[1] < 1.35)
                                   or (k in _HESITATION_LOOKALIKES and st[0] < 1.35 and st[1] < 1.6)):
                flags[i] = True
        if w.text.endswith("-") and k:
            flags[i] = True
        if i + 1 < len(out):
            nxt, gap = keys[i + 1], out[i + 1].start - w.end
            repeat = k and k == nxt and len(k) <= 3 and gap < 0.5 * sample_rate
            false_start = (len(k) >= 2 and k not in _COMMON_PREFIX_WORDS and nxt.startswith(k)
                           and len(nxt) > len(k) and gap < 1.0 * sample_rate)
            if repeat or false_start:
                flags[i] = True
    return [dataclasses.replace(w, filler=f) if w.filler != f else w for w, f in zip(out, flags, strict=True)]


_HELD = re.compile(r"^(?:u+[hm]+|h+m+|e+r+m*|a+h+|m+h*m+)$")


def _hesitation(text: str) -> bool:
    """A filled pause as the recogniser spelt it, held ones included (``um``, ``Ummmmmm``, ``hmm``)."""
    return is_filler_word(text) or bool(_HELD.match(normalize_word(text)))


def _frame_db(x: np.ndarray, hop: int) -> np.ndarray:
    k = len(x) // hop
    return 10 * np.log10((x[:k * hop].astype(np.float64).reshape(k, hop) ** 2).mean(axis=1) + 1e-12)


def find_gap_fillers(words: Sequence[Word], audio: np.ndarray, *, offset: int = 0, sample_rate: int = 16000,
                     min_gap_s: float = 0.3, min_voiced_s: float = 0.2) -> list[Word]:
    """Add the filled pauses a recogniser left out: steady voiced sounds in the gaps between words.

    A gap of at least ``min_gap_s`` (30 ms trimmed at each side) is searched for its longest run of
    voiced 10 ms frames (15 dB over the chunk's noise floor and within 30 dB of its loudest frame);
    a run of at least ``min_voiced_s`` whose spectrum is steady (the held-vowel test of
    :func:`mark_fillers`) becomes a word ``uh`` (``um`` when its high band fades at the end, a closing
    nasal), ``filler=True``, confidence 0.5 — unless it touches (within 80 ms of) a filler the
    recogniser wrote down, whose held tail it is.

    Args:
        words: time-ordered words inside ``audio`` (absolute samples; ``audio[0]`` is ``offset``).
        audio: ``(n,)`` mono float32 at ``sample_rate``.
    Returns:
        ``words`` with the found fillers inserted in time order.
    """
    hop = sample_rate // 100
    if len(audio) < 10 * hop:
        return list(words)
    db = _frame_db(audio, hop)
    floor, top = float(np.percentile(db, 10)), float(db.max())
    thresh = max(floor + 15.0, top - 30.0)
    edges = [0, *[v for w in words for v in (w.start - offset, w.end - offset)], len(audio)]
    trim = 3 * hop
    touch = trim + 5 * hop  # a voiced run within 50 ms of the trimmed gap edge touches that word
    found: list[Word] = []
    for g in range(0, len(edges), 2):
        a, b = edges[g] + trim, edges[g + 1] - trim
        if b - a < min_gap_s * sample_rate - 2 * trim:
            continue
        voiced = db[a // hop:b // hop] > thresh
        best, run, best_at = 0, 0, 0
        for n, v in enumerate(voiced):
            run = run + 1 if v else 0
            if run > best:
                best, best_at = run, n
        if best * hop < min_voiced_s * sample_rate:
            continue
        s0 = a + (best_at - best + 1) * hop
        s1 = s0 + best * hop
        # a held sound running on from (or into) a filler the recogniser did write down is that
        # filler's tail (Whisper times a long "ummm" short), not a second one
        before = words[g // 2 - 1] if g else None
        after = words[g // 2] if g // 2 < len(words) else None
        if ((before is not None and _hesitation(before.text) and s0 - (before.end - offset) <= touch)
                or (after is not None and _hesitation(after.text) and (after.start - offset) - s1 <= touch)):
            continue
        st = _steadiness(audio, sample_rate, s0, s1)
        if st is None or not (st[0] < 1.35 and st[1] < 1.6):
            continue
        seg = audio[s0:s1]
        third = len(seg) // 3
        spec0 = np.abs(np.fft.rfft(seg[:third]))
        spec2 = np.abs(np.fft.rfft(seg[-third:]))
        hi0 = spec0[len(spec0) * 1000 * 2 // sample_rate:].sum() / (spec0.sum() + 1e-9)
        hi2 = spec2[len(spec2) * 1000 * 2 // sample_rate:].sum() / (spec2.sum() + 1e-9)
        text = "um" if hi2 < 0.5 * hi0 else "uh"
        found.append(Word(text, s0 + offset, s1 + offset, 0.5, filler=True))
    if not found:
        return list(words)
    return sorted([*words, *found], key=lambda w: (w.start, w.end))
