"""The default ASR backend: CMU PocketSphinx 5 with the en-US model bundled in its wheel.

VAD speech regions are padded and merged across pauses shorter than 2 s into utterances of at most
25 s (longer stretches are split at their quietest frame), and each utterance is decoded with tuned
search settings (see :data:`DECODER_SETTINGS` and bench/RESULTS.md). Decoding every short region on
its own loses the language model's context and the cepstral mean of longer stretches (worse on clean
read speech); decoding a whole file as one utterance wastes time on silence and lets noise in long
pauses become words. Word confidences are the decoder's lattice posteriors.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from reelkit.analysis.speech.backends import ASR_RATE, AsrResult
from reelkit.analysis.speech.fillers import filler_token_text
from reelkit.analysis.speech.model import Word
from reelkit.errors import BackendUnavailable, UsageError
from reelkit.progress import ProgressFn

__all__ = ["DECODER_SETTINGS", "PocketSphinxBackend", "create", "decoder", "pcm16", "plan_utterances"]

#: search settings that differ from PocketSphinx's defaults: a higher language-model weight in the
#: flat-lexicon and lattice passes (defaults 8.5 / 9.5). Chosen on 14 of the bench clips (bench/RESULTS.md
#: lists what was tried); wider beams, topn 8, word insertion penalty 0.2 and remove_noise off did not help.
DECODER_SETTINGS: dict[str, Any] = {"fwdflatlw": 10.0, "bestpathlw": 11.0}

#: samples per PocketSphinx frame (100 frames per second at 16 kHz)
FRAME = ASR_RATE // 100
#: tokens the decoder emits that are not words
NON_WORDS = frozenset({"<s>", "</s>", "<sil>", "[NOISE]", "[SPEECH]", "[noise]", "[speech]"})

_lock = threading.Lock()
_decoders: dict[tuple[tuple[str, Any], ...], Any] = {}


def decoder(**settings: Any) -> Any:
    """A cached ``pocketsphinx.Decoder`` with the bundled en-US model and ``settings`` (not thread-safe to share).

    Raises:
        BackendUnavailable: pocketsphinx is not installed or its model cannot be loaded.
    """
    key = tuple(sorted(settings.items()))
    with _lock:
        if key in _decoders:
            return _decoders[key]
        try:
            import pocketsphinx
        except ImportError:  # pragma: no cover - a core dependency
            raise BackendUnavailable("pocketsphinx is not installed", hint="pip install 'pocketsphinx>=5'") from None
        try:
            pocketsphinx.set_loglevel("FATAL")
            dec = pocketsphinx.Decoder(loglevel="FATAL", **settings)
        except (RuntimeError, ValueError) as exc:
            raise BackendUnavailable(f"cannot load the PocketSphinx en-US model: {exc}",
                                     hint="reinstall pocketsphinx>=5 (its wheel bundles the model)") from None
        _decoders[key] = dec
        return dec


def pcm16(x: np.ndarray) -> bytes:
    """``(n,)`` float32 in [-1, 1] → little-endian int16 bytes (clipped)."""
    return (np.clip(x, -1.0, 1.0) * 32767.0).astype("<i2").tobytes()


def plan_utterances(regions: Sequence[tuple[int, int]], audio: np.ndarray, *, pad_s: float = 0.25,
                    merge_gap_s: float = 2.0, max_s: float = 25.0) -> list[tuple[int, int]]:
    """Turn VAD regions into decoder utterances: padded, merged when closer than ``merge_gap_s``
    (after padding) and not longer than ``max_s`` together, split when long.

    Long stretches are split at the quietest 10 ms frame of their middle half, so words are not cut.
    Returns ``[(start, end), ...]`` samples at 16 kHz.
    """
    n = len(audio)
    pad = round(pad_s * ASR_RATE)
    gap = round(merge_gap_s * ASR_RATE)
    limit0 = round(max_s * ASR_RATE)
    merged: list[list[int]] = []
    for a, b in regions:
        a, b = max(0, a - pad), min(n, b + pad)
        if merged and (a <= merged[-1][1] or (a - merged[-1][1] <= gap and b - merged[-1][0] <= limit0)):
            merged[-1][1] = max(merged[-1][1], b)
        else:
            merged.append([a, b])
    out: list[tuple[int, int]] = []
    limit = round(max_s * ASR_RATE)
    stack = [(a, b) for a, b in reversed(merged)]
    while stack:
        a, b = stack.pop()
        if b - a <= limit:
            out.append((a, b))
            continue
        lo, hi = a + (b - a) // 4, a + 3 * (b - a) // 4
        seg = audio[lo:hi]
        k = len(seg) // FRAME
        energy = (seg[:k * FRAME].reshape(k, FRAME) ** 2).mean(axis=1)
        cut = lo + int(np.argmin(energy)) * FRAME + FRAME // 2
        stack.append((cut, b))
        stack.append((a, cut))
    return out


def words_from_segments(segs: Any, offset: int, *, min_confidence: float = 0.0) -> list[Word]:
    """Convert ``Decoder.seg()`` entries into :class:`Word` (absolute 16 kHz samples)."""
    words = []
    for s in segs:
        token = s.word
        if token in NON_WORDS:
            continue
        filler = False
        if token.startswith("++"):  # filler-dictionary tokens: ++UH++ -> "uh" (a filler), others dropped
            text = filler_token_text(token)
            if text is None:
                continue
            filler = True
        else:
            text = token.split("(", 1)[0] if token.endswith(")") else token
        conf = float(min(1.0, max(0.0, s.prob)))
        if conf < min_confidence:
            continue
        words.append(Word(text, offset + s.start_frame * FRAME, offset + (s.end_frame + 1) * FRAME, conf, filler))
    return words


class PocketSphinxBackend:
    """Decode each speech region as one PocketSphinx utterance (see the module docstring)."""

    name = "pocketsphinx"

    def __init__(self, settings: dict[str, Any] | None = None) -> None:
        self.settings = dict(DECODER_SETTINGS if settings is None else settings)
        self._decoder = decoder(**self.settings)

    def transcribe(self, audio: np.ndarray, *, regions: Sequence[tuple[int, int]],
                   progress: ProgressFn | None = None) -> AsrResult:
        """Recognise the speech regions of 16 kHz mono ``audio``; see :class:`~.backends.AsrBackend`."""
        utts = plan_utterances(regions, audio)
        total = sum(b - a for a, b in utts)
        done = 0
        words: list[Word] = []
        dec = self._decoder
        with _lock:
            for a, b in utts:
                dec.reinit_feat()  # reset feature state (noise estimate, CMN prior): same audio, same words
                dec.start_utt()
                dec.process_raw(pcm16(audio[a:b]), full_utt=True)
                dec.end_utt()
                if dec.hyp() is not None:
                    words.extend(words_from_segments(dec.seg(), a))
                done += b - a
                if progress:
                    progress(done, total)
        return AsrResult(words=words, language="en")


def create(model: Path | str | None, *, language: str | None = None, task: str = "transcribe") -> PocketSphinxBackend:
    """Factory for the registry; ``model`` is not used (the en-US model ships in the wheel).

    Raises:
        UsageError: a model, a language other than English, or translation was asked for.
    """
    if model is not None:
        raise UsageError("the pocketsphinx backend uses its bundled en-US model; --model is for --backend "
                         "faster-whisper")
    if language not in (None, "en", "auto") or task != "transcribe":
        raise UsageError("the pocketsphinx backend is English-only and cannot translate; use --backend "
                         "faster-whisper for --language/--translate")
    return PocketSphinxBackend()
