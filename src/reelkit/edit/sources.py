"""What the editing commands know about a source file, read through the media index.

``reel cut``, ``reel cutdown``, ``reel highlights`` and ``reel assemble`` all need a source's transcript,
its speech levels (energy, clipping, voice activity) and, for picture scores, whether faces are seen.
None of them decodes for that: each asks here, and here asks the media index
(:mod:`reelkit.index.analyze`), which computes a missing result in one pass of the analysis driver and
stores it — so a transcript made by ``reel transcribe`` or ``reel analyze --speech`` is never made again,
and the second command on a file decodes nothing.

:class:`IndexUse` carries the user's ``--index PATH`` / ``--no-index`` choice down to these calls.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from reelkit.analysis.levels import SpeechLevels
from reelkit.analysis.picture_samples import PictureSamples
from reelkit.analysis.speech import Transcript
from reelkit.media import MediaInfo
from reelkit.progress import ProgressFn

__all__ = ["IndexUse", "asr_options", "levels_of", "pictures_of", "source_energy", "transcript_of"]


@dataclass(frozen=True)
class IndexUse:
    """How a command uses the media index.

    Attributes:
        path: the index file (``--index``); None: ``.reelkit/index.sqlite`` beside each source, or
            ``$REELKIT_INDEX``.
        enabled: False (``--no-index``): neither read nor write it.
        warn: told (one line) when the index cannot be used (a read-only folder); results are computed then.
    """

    path: Path | None = None
    enabled: bool = True
    warn: Callable[[str], None] | None = None

    def kw(self) -> dict[str, Any]:
        """The ``index`` / ``use_index`` / ``warn`` keywords of :mod:`reelkit.index.analyze`."""
        return {"index": self.path, "use_index": self.enabled, "warn": self.warn}


def asr_options(backend: str | None, model: Path | None) -> dict[str, Any]:
    """Keyword arguments for :func:`reelkit.analysis.speech.transcribe`: only what the user chose, so the
    speech module's own default backend applies otherwise."""
    kw: dict[str, Any] = {}
    if backend is not None:
        kw["backend"] = backend
    if model is not None:
        kw["model"] = Path(model)
        kw.setdefault("backend", "faster-whisper")
    return kw


def transcript_of(path: str | Path, *, backend: str | None = None, model: Path | None = None,
                  language: str | None = None, progress: ProgressFn | None = None,
                  use: IndexUse = IndexUse()) -> Transcript:
    """The transcript of ``path`` (the speech module's defaults unless ``backend``/``model`` are given):
    from the index when one was made before with the same options, else transcribed and stored.

    Raises:
        as :func:`reelkit.analysis.speech.transcribe`; MediaIndexError: a corrupt index.
    """
    from reelkit.analysis.speech.pipeline import DEFAULT_BACKEND
    from reelkit.index.analyze import transcribe_cached

    kw = asr_options(backend, model)
    t, _cached = transcribe_cached(path, backend=kw.get("backend", DEFAULT_BACKEND), model=kw.get("model"),
                                   language=language, progress=progress, **use.kw())
    return t  # type: ignore[no-any-return]


def levels_of(path: str | Path, *, info: MediaInfo | None = None, use: IndexUse = IndexUse()) -> SpeechLevels | None:
    """The source's :class:`~reelkit.analysis.levels.SpeechLevels`, None without audio.

    Raises:
        the media errors of decoding; MediaIndexError: a corrupt index.
    """
    from reelkit.index.analyze import speech_levels

    return speech_levels(path, info=info, **use.kw())


def source_energy(path: str | Path, *, use: IndexUse = IndexUse()) -> tuple[np.ndarray, int, int] | None:
    """``(energy_db, hop_samples, sample_rate)`` of a source's mono 16 kHz audio (10 ms hop,
    :func:`reelkit.analysis.levels.frame_energy_db`), None without audio.

    Raises:
        as :func:`levels_of`.
    """
    lv = levels_of(path, use=use)
    return None if lv is None else (lv.energy_db, lv.hop, lv.sample_rate)


def pictures_of(path: str | Path, *, info: MediaInfo | None = None,
                use: IndexUse = IndexUse()) -> PictureSamples | None:
    """Faces and sharpness sampled twice a second at 480 px
    (:class:`~reelkit.analysis.picture_samples.PictureSamples`); None for audio-only media or a still.

    Raises:
        the media errors of decoding; MediaIndexError: a corrupt index.
    """
    from reelkit.index.analyze import picture_samples

    return picture_samples(path, info=info, **use.kw())
