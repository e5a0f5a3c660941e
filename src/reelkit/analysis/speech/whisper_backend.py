"""Optional ASR backend: faster-whisper (CTranslate2) from a local model directory.

Install with ``pip install 'reelkit[whisper]'`` and point ``--model`` at a converted CTranslate2
Whisper model folder (it holds ``model.bin`` and ``config.json``, e.g. a copy of
``Systran/faster-whisper-small``). Nothing is downloaded at run time.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from reelkit.analysis.speech.backends import ASR_RATE, AsrResult
from reelkit.analysis.speech.model import Segment, Word
from reelkit.errors import BackendUnavailable
from reelkit.progress import ProgressFn

__all__ = ["WhisperBackend", "check_model_dir", "create"]

_INSTALL = "pip install 'reelkit[whisper]'"


def check_model_dir(model: Path | None) -> Path:
    """Check that ``model`` is a local CTranslate2 Whisper model folder and return it.

    Raises:
        BackendUnavailable: no path given, missing folder, or no ``model.bin``/``config.json`` in it.
    """
    where = ("download a CTranslate2 Whisper model (e.g. Systran/faster-whisper-small) once, on a machine "
             "with network access, and pass its folder with --model PATH")
    if model is None:
        raise BackendUnavailable("the faster-whisper backend needs a local model folder (--model PATH)", hint=where)
    p = Path(model)
    if not p.is_dir():
        raise BackendUnavailable(f"whisper model folder not found: {p}", hint=where)
    missing = [f for f in ("model.bin", "config.json") if not (p / f).is_file()]
    if missing:
        raise BackendUnavailable(f"{p} is not a CTranslate2 Whisper model folder (missing {', '.join(missing)})",
                                 hint=where)
    return p


class WhisperBackend:
    """faster-whisper with word timestamps; uses Whisper's own segments."""

    name = "faster-whisper"

    def __init__(self, model_dir: Path, *, device: str = "auto", compute_type: str = "default") -> None:
        try:
            from faster_whisper import WhisperModel
        except ImportError:
            raise BackendUnavailable("the faster-whisper backend is not installed", hint=_INSTALL) from None
        try:
            self._model: Any = WhisperModel(str(model_dir), device=device, compute_type=compute_type,
                                            local_files_only=True)
        except Exception as exc:  # CTranslate2 raises plain RuntimeError/ValueError on bad models
            raise BackendUnavailable(f"cannot load the whisper model in {model_dir}: {exc}") from None

    def transcribe(self, audio: np.ndarray, *, regions: Sequence[tuple[int, int]],
                   progress: ProgressFn | None = None) -> AsrResult:
        """Transcribe 16 kHz mono ``audio`` (Whisper runs its own VAD; ``regions`` are not needed)."""
        segments_iter, info = self._model.transcribe(np.asarray(audio, np.float32), word_timestamps=True,
                                                     vad_filter=False)
        words: list[Word] = []
        segments: list[Segment] = []
        total = len(audio)
        for seg in segments_iter:
            s0, s1 = round(seg.start * ASR_RATE), round(seg.end * ASR_RATE)
            for w in seg.words or []:
                text = w.word.strip()
                if text:
                    words.append(Word(text, round(w.start * ASR_RATE), max(round(w.start * ASR_RATE),
                                      round(w.end * ASR_RATE)), float(w.probability)))
            segments.append(Segment(s0, max(s0, s1), seg.text.strip()))
            if progress:
                progress(min(total, s1), total)
        return AsrResult(words=words, segments=segments, language=getattr(info, "language", None) or "en")


def create(model: Path | None) -> WhisperBackend:
    """Factory for the registry: checks the model folder, then the package."""
    model_dir = check_model_dir(model)
    try:
        import faster_whisper  # noqa: F401
    except ImportError:
        raise BackendUnavailable("the faster-whisper backend is not installed", hint=_INSTALL) from None
    return WhisperBackend(model_dir)
