"""A neural speaker encoder without torch: the GE2E d-vector network of Resemblyzer, run in NumPy.

Resemblyzer (Apache-2.0, ``pip install --no-deps resemblyzer==0.1.4``) ships a speaker encoder trained
with the generalised end-to-end loss (Wan et al., ICASSP 2018) inside its wheel (``pretrained.pt``,
17 090 379 bytes, sha256 pinned in :data:`WEIGHTS_SHA256`): a 3-layer LSTM (40 mel bands in, 256
hidden) and a 256 → 256 linear layer with ReLU, whose L2-normalised output is the voice vector. The
package's own code needs torch, librosa and webrtcvad; reelkit needs none of them: it reads the
weights from the legacy (pre-zip) torch checkpoint with a restricted unpickler (:func:`load_weights`:
only tensors, dicts and OrderedDicts are accepted, nothing is executed) and runs the network in NumPy
(:func:`embed`). The front end is the one the network was trained on: 16 kHz audio normalised up to
−30 dBFS, 25 ms Hann windows every 10 ms (centred, zero padded), power spectrum, 40 Slaney mel bands
0-8 kHz with Slaney area normalisation (librosa's defaults), no log.

An utterance is cut into 1.6 s partials (160 frames) 1/1.3 s apart, each partial is embedded, and
the utterance's vector is the normalised mean of its partials' vectors (Resemblyzer's
``embed_utterance``). Cost: about 10 ms of CPU per second of speech on one core.
"""

from __future__ import annotations

import collections
import hashlib
import pickle
import struct
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

from reelkit.errors import BackendUnavailable

__all__ = ["WEIGHTS_SHA256", "Encoder", "embed", "find_weights", "load_encoder", "load_weights", "mel_frames"]

WEIGHTS_SHA256 = "39373b86598fa3da9fcddee6142382efe09777e8d37dc9c0561f41f0070f134e"
WEIGHTS_SIZE = 17_090_379
RATE = 16000
_N_FFT, _HOP, _N_MEL = 400, 160, 40
PARTIAL_FRAMES = 160
PARTIAL_RATE = 1.3
_INSTALL = "pip install --no-deps resemblyzer==0.1.4"


@dataclass(frozen=True)
class Encoder:
    """The network's weights as float32 arrays (PyTorch's LSTM layout: gates i, f, g, o)."""

    w_ih: tuple[np.ndarray, ...]  # (1024, in) per layer
    w_hh: tuple[np.ndarray, ...]  # (1024, 256)
    bias: tuple[np.ndarray, ...]  # (1024,) = b_ih + b_hh
    lin_w: np.ndarray  # (256, 256)
    lin_b: np.ndarray  # (256,)


def find_weights() -> Path:
    """Path of Resemblyzer's ``pretrained.pt`` in the installed distribution (the package is not imported).

    Raises:
        BackendUnavailable: Resemblyzer's wheel is not installed.
    """
    from importlib import metadata

    try:
        dist = metadata.distribution("resemblyzer")
    except metadata.PackageNotFoundError:
        raise BackendUnavailable(f"the neural speaker encoder needs Resemblyzer's weights: {_INSTALL}") from None
    path = Path(str(dist.locate_file("resemblyzer/pretrained.pt")))
    if not path.is_file():
        raise BackendUnavailable(f"Resemblyzer is installed but {path} is missing: reinstall with {_INSTALL}")
    return path


class _Restricted(pickle.Unpickler):
    """Reads a legacy torch checkpoint: tensors become ``(storage key, offset, shape, stride)``."""

    def __init__(self, f, storages: dict[str, str]) -> None:  # type: ignore[no-untyped-def]
        super().__init__(f)
        self._storages = storages

    def find_class(self, module: str, name: str):  # type: ignore[no-untyped-def]
        if module == "torch._utils" and name == "_rebuild_tensor_v2":
            return lambda storage, offset, shape, stride, *_: (storage, offset, tuple(shape), tuple(stride))
        if module == "torch" and name == "FloatStorage":
            return name
        if module == "collections" and name == "OrderedDict":
            return collections.OrderedDict
        raise pickle.UnpicklingError(f"unexpected object {module}.{name} in the speaker encoder's weights")

    def persistent_load(self, pid):  # type: ignore[no-untyped-def]
        kind, stype, key = pid[0], pid[1], pid[2]
        if kind != "storage" or stype != "FloatStorage":
            raise pickle.UnpicklingError(f"unexpected storage {kind}/{stype} in the speaker encoder's weights")
        self._storages[key] = stype
        return key


def load_weights(path: Path, *, check_hash: bool = True) -> dict[str, np.ndarray]:
    """The ``model_state`` tensors of a legacy-format torch checkpoint, as float32 arrays.

    Raises:
        BackendUnavailable: the file's size or sha256 differs from the pinned one, or it is not a
            checkpoint of the expected kind.
    """
    raw = Path(path).read_bytes()
    if check_hash and (len(raw) != WEIGHTS_SIZE or hashlib.sha256(raw).hexdigest() != WEIGHTS_SHA256):
        raise BackendUnavailable(f"{path} is not the pinned Resemblyzer 0.1.4 encoder (size or sha256 differs): "
                                 f"reinstall with {_INSTALL}")
    import io

    f = io.BytesIO(raw)
    storages: dict[str, str] = {}
    try:
        for _ in range(3):  # magic number, protocol version, system info
            pickle.load(f)  # plain ints and dicts: the first three records of the format
        state = _Restricted(f, storages).load()
        keys = pickle.load(f)  # a list of storage keys
        data: dict[str, np.ndarray] = {}
        for key in keys:
            (n,) = struct.unpack("<q", f.read(8))
            data[key] = np.frombuffer(f.read(4 * n), "<f4")
    except (pickle.UnpicklingError, EOFError, struct.error, ValueError) as e:
        raise BackendUnavailable(f"cannot read the speaker encoder's weights in {path}: {e}") from None
    out = {}
    for name, (key, offset, shape, _stride) in state["model_state"].items():
        size = int(np.prod(shape))
        out[name] = np.ascontiguousarray(data[key][offset:offset + size].reshape(shape), np.float32)
    return out


@lru_cache(maxsize=1)
def load_encoder() -> Encoder:
    """The encoder from the installed Resemblyzer wheel (read once per process).

    Raises:
        BackendUnavailable: the weights are missing or do not match the pinned file.
    """
    w = load_weights(find_weights())
    return Encoder(
        w_ih=tuple(w[f"lstm.weight_ih_l{k}"] for k in range(3)),
        w_hh=tuple(w[f"lstm.weight_hh_l{k}"] for k in range(3)),
        bias=tuple(w[f"lstm.bias_ih_l{k}"] + w[f"lstm.bias_hh_l{k}"] for k in range(3)),
        lin_w=w["linear.weight"], lin_b=w["linear.bias"])


def _slaney_mel_bank() -> np.ndarray:
    """``(40, 201)`` Slaney-scale, area-normalised triangular filters for a 400-point FFT at 16 kHz."""
    f_sp, min_log_hz = 200.0 / 3, 1000.0
    min_log_mel, logstep = min_log_hz / f_sp, np.log(6.4) / 27.0

    def hz_to_mel(f: float) -> float:
        return f / f_sp if f < min_log_hz else min_log_mel + np.log(f / min_log_hz) / logstep

    mels = np.linspace(hz_to_mel(0.0), hz_to_mel(RATE / 2), _N_MEL + 2)
    hz = np.where(mels < min_log_mel, mels * f_sp, min_log_hz * np.exp(logstep * (mels - min_log_mel)))
    fft_f = np.linspace(0, RATE / 2, _N_FFT // 2 + 1)
    fdiff = np.diff(hz)
    ramps = hz[:, None] - fft_f[None, :]
    lower = -ramps[:-2] / fdiff[:-1, None]
    upper = ramps[2:] / fdiff[1:, None]
    bank = np.maximum(0.0, np.minimum(lower, upper))
    bank *= (2.0 / (hz[2:] - hz[:-2]))[:, None]
    return bank.astype(np.float32)


_BANK = _slaney_mel_bank()
_WINDOW = (0.5 - 0.5 * np.cos(2 * np.pi * np.arange(_N_FFT) / _N_FFT)).astype(np.float32)  # periodic Hann


def mel_frames(x: np.ndarray) -> np.ndarray:
    """``(frames, 40)`` float32 mel power spectrogram of 16 kHz mono ``x`` (``len(x) // 160 + 1`` frames)."""
    x = np.asarray(x, np.float32)
    rms = float(np.sqrt(np.mean((x.astype(np.float64)) ** 2))) if len(x) else 0.0
    if rms > 0:
        gain = 10 ** ((-30.0 - 20 * np.log10(rms)) / 20)
        if gain > 1.0:  # normalise up only, like Resemblyzer's preprocessing
            x = x * np.float32(gain)
    pad = np.pad(x, (_N_FFT // 2, _N_FFT // 2))
    frames = np.lib.stride_tricks.sliding_window_view(pad, _N_FFT)[::_HOP]
    spec = np.abs(np.fft.rfft(frames * _WINDOW, axis=1)) ** 2
    return (spec.astype(np.float32) @ _BANK.T).astype(np.float32)


def _sigmoid(z: np.ndarray) -> np.ndarray:
    return 0.5 * (1.0 + np.tanh(0.5 * z))


def _forward(enc: Encoder, mels: np.ndarray) -> np.ndarray:
    """``(batch, 160, 40)`` partials → ``(batch, 256)`` L2-normalised embeddings."""
    seq = mels
    b, t, _ = seq.shape
    h = np.zeros((b, 256), np.float32)
    for layer in range(3):
        xw = seq @ enc.w_ih[layer].T + enc.bias[layer]  # (b, t, 1024)
        h = np.zeros((b, 256), np.float32)
        c = np.zeros((b, 256), np.float32)
        outs = np.empty((b, t, 256), np.float32) if layer < 2 else None
        whh = enc.w_hh[layer].T
        for k in range(t):
            g = xw[:, k] + h @ whh
            i, f, gg, o = _sigmoid(g[:, :256]), _sigmoid(g[:, 256:512]), np.tanh(g[:, 512:768]), _sigmoid(g[:, 768:])
            c = f * c + i * gg
            h = o * np.tanh(c)
            if outs is not None:
                outs[:, k] = h
        if outs is not None:
            seq = outs
    e = np.maximum(h @ enc.lin_w.T + enc.lin_b, 0.0)
    return e / np.maximum(np.linalg.norm(e, axis=1, keepdims=True), 1e-9)


def _partials(n_frames: int) -> list[int]:
    """Start frames of the 1.6 s partials covering ``n_frames`` (the last is kept at ≥ 75 % coverage)."""
    step = round(RATE / PARTIAL_RATE / _HOP)
    starts = list(range(0, max(1, n_frames - PARTIAL_FRAMES + step + 1), step))
    if len(starts) > 1 and (n_frames - starts[-1]) / PARTIAL_FRAMES < 0.75:
        starts.pop()
    return starts


def embed(utterances: list[np.ndarray]) -> np.ndarray:
    """``(n, 256)`` float32 voice vectors of ``n`` 16 kHz mono utterances (any length; short ones are
    zero padded to one 1.6 s partial). Unit length, cosine similarity ≈ same-speaker likelihood.

    Raises:
        BackendUnavailable: the encoder's weights are not installed (see :func:`find_weights`).
    """
    enc = load_encoder()
    if not utterances:
        return np.zeros((0, 256), np.float32)
    batch, owner = [], []
    for n, x in enumerate(utterances):
        m = mel_frames(x)
        starts = _partials(len(m))
        need = starts[-1] + PARTIAL_FRAMES
        if len(m) < need:
            m = np.pad(m, ((0, need - len(m)), (0, 0)))
        for s in starts:
            batch.append(m[s:s + PARTIAL_FRAMES])
            owner.append(n)
    e = _forward(enc, np.stack(batch))
    own = np.array(owner)
    out = np.stack([e[own == n].mean(axis=0) for n in range(len(utterances))])
    return (out / np.maximum(np.linalg.norm(out, axis=1, keepdims=True), 1e-9)).astype(np.float32)
