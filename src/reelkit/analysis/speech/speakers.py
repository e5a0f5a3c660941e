"""Who said each word: neural voice vectors (GE2E, Resemblyzer's weights) clustered per turn window.

Words are grouped into *turn windows* (consecutive words with pauses under :data:`JOIN_GAP_S`,
at most :data:`MAX_WINDOW_S` long); each window gets a voice vector. With Resemblyzer's wheel
installed (``pip install --no-deps resemblyzer==0.1.4``; :mod:`reelkit.analysis.speech.voice_encoder`
runs its network in NumPy) the vector is the window's 256-d d-vector and the windows are clustered by
average linkage on cosine distance; ``"auto"`` cuts the tree at cosine distance :data:`AUTO_CUT`
(chosen on the development recording of bench/speech.py: same-talker windows sit at 0.05-0.25, different
talkers at 0.45-0.65). Without those weights (a one-line note on stderr, once per process) the
classical vector is used: the mean of 19 MFCCs (c1..c19, 25 ms / 10 ms frames, 40 mel bands
60-7600 Hz) over the window's voiced frames, standardised over the recording and clustered by Ward
linkage, ``"auto"`` picking the count by the best silhouette (one speaker when below
:data:`MIN_SILHOUETTE`). ``speakers=N`` cuts either tree into N clusters. Labels are ``S1``, ``S2``...
in order of first appearance. Windows shorter than 0.4 s of speech take the label of the nearest
window in time.

Vectors are computed chunk by chunk while a long file streams (:func:`window_vectors`), and the
clustering runs once at the end (:func:`assign_speakers`).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

import numpy as np

from reelkit.analysis.speech.backends import ASR_RATE
from reelkit.analysis.speech.model import Word
from reelkit.errors import UsageError

__all__ = ["AUTO_CUT", "JOIN_GAP_S", "MAX_WINDOW_S", "MIN_SILHOUETTE", "assign_speakers", "cluster", "neural_available",
           "parse_speakers", "turn_windows", "voice_vector", "window_vectors"]

JOIN_GAP_S = 0.5
MAX_WINDOW_S = 6.0
MIN_SILHOUETTE = 0.12
MIN_VOICED_S = 0.4
AUTO_CUT = 0.40
_NEURAL_DIM = 256
_NOTED: set[str] = set()


def neural_available() -> bool:
    """True when Resemblyzer's encoder weights are installed and match the pinned file; otherwise a
    one-line note on stderr (once per process) says how to install them and False is returned."""
    from reelkit.analysis.speech.voice_encoder import load_encoder
    from reelkit.errors import BackendUnavailable

    try:
        load_encoder()
        return True
    except BackendUnavailable as e:
        if "neural" not in _NOTED:
            import sys

            _NOTED.add("neural")
            print(f"note: {e}; speakers use the weaker MFCC clustering", file=sys.stderr)
        return False
_N_MFCC = 20
_N_MEL = 40


def parse_speakers(value: str | int | None) -> int | str | None:
    """``None``/``""``/``"0"`` → None (no speakers), ``"auto"`` → ``"auto"``, ``"3"`` → 3.

    Raises:
        UsageError: anything else, or a count outside 1..32.
    """
    if value is None:
        return None
    v = str(value).strip().casefold()
    if v in ("", "0", "none", "off"):
        return None
    if v == "auto":
        return "auto"
    if not v.isdigit() or not 1 <= int(v) <= 32:
        raise UsageError(f"--speakers takes a number of speakers (1-32) or auto, not {value!r}")
    return int(v)


def _mel_bank(n_fft: int, sr: int) -> np.ndarray:
    def hz2mel(f: np.ndarray | float) -> np.ndarray:
        return 2595.0 * np.log10(1.0 + np.asarray(f) / 700.0)

    mels = np.linspace(hz2mel(60.0), hz2mel(7600.0), _N_MEL + 2)
    hz = 700.0 * (10 ** (mels / 2595.0) - 1.0)
    bins = np.floor((n_fft + 1) * hz / sr).astype(int)
    bank = np.zeros((_N_MEL, n_fft // 2 + 1), np.float32)
    for m in range(1, _N_MEL + 1):
        a, c, b = bins[m - 1], bins[m], bins[m + 1]
        if c > a:
            bank[m - 1, a:c] = (np.arange(a, c) - a) / (c - a)
        if b > c:
            bank[m - 1, c:b] = (b - np.arange(c, b)) / (b - c)
    return bank


_BANK = _mel_bank(512, ASR_RATE)
_DCT = np.cos(np.pi / _N_MEL * (np.arange(_N_MEL)[None, :] + 0.5) * np.arange(_N_MFCC)[:, None]).astype(np.float32)


def _voiced_frames(x: np.ndarray) -> np.ndarray | None:
    """``(n, 400)`` 25 ms frames of ``x`` (10 ms hops) within 30 dB of the loudest, or None under
    :data:`MIN_VOICED_S` of them."""
    frame, hop = 400, 160
    if len(x) < frame:
        return None
    frames = np.lib.stride_tricks.sliding_window_view(np.asarray(x, np.float32), frame)[::hop]
    energy = 10 * np.log10((frames.astype(np.float64) ** 2).mean(axis=1) + 1e-12)
    voiced = energy > energy.max() - 30.0
    if voiced.sum() * hop < MIN_VOICED_S * ASR_RATE:
        return None
    return frames[voiced]


def voice_vector(x: np.ndarray, *, neural: bool = False) -> np.ndarray | None:
    """Voice vector of 16 kHz mono speech ``x``: the ``(256,)`` unit d-vector when ``neural`` (see
    :mod:`reelkit.analysis.speech.voice_encoder`), else the ``(19,)`` mean MFCC (below).

    Returns None with under :data:`MIN_VOICED_S` of voiced frames.
    """
    if neural:
        if _voiced_frames(x) is None:
            return None
        from reelkit.analysis.speech.voice_encoder import embed

        return embed([np.asarray(x, np.float32)])[0]
    return _mfcc_vector(x)


def _mfcc_vector(x: np.ndarray) -> np.ndarray | None:
    """Voice vector of 16 kHz mono speech ``x``: the mean of MFCC c1..c19 over voiced frames.

    Returns ``(19,)`` float32, or None with under :data:`MIN_VOICED_S` of voiced frames.
    """
    voiced = _voiced_frames(x)
    if voiced is None:
        return None
    f = voiced * np.hamming(voiced.shape[1]).astype(np.float32)
    spec = np.abs(np.fft.rfft(f, n=512, axis=1)) ** 2
    mfcc = np.log(spec @ _BANK.T + 1e-10) @ _DCT.T
    c = mfcc[:, 1:]
    return c.mean(axis=0).astype(np.float32)


def turn_windows(words: Sequence[Word]) -> list[tuple[int, int]]:
    """Word index ranges ``[i, j)`` that are voiced as one window (see the module docstring)."""
    out: list[tuple[int, int]] = []
    i = 0
    for k in range(1, len(words) + 1):
        if k == len(words) or (words[k].start - words[k - 1].end > JOIN_GAP_S * ASR_RATE
                               or words[k].end - words[i].start > MAX_WINDOW_S * ASR_RATE):
            out.append((i, k))
            i = k
    return out


def window_vectors(words: Sequence[Word], audio: np.ndarray, *, offset: int = 0, neural: bool | None = None
                   ) -> list[tuple[int, int, int, np.ndarray | None]]:
    """``[(first word, end word, mid sample, vector or None)]`` for the turn windows of ``words``
    (indices into ``words``; ``audio[0]`` is sample ``offset``). ``neural=None`` uses the neural
    encoder when :func:`neural_available`."""
    if neural is None:
        neural = neural_available()
    out = []
    for i, j in turn_windows(words):
        a, b = words[i].start - offset, words[j - 1].end - offset
        out.append((i, j, (a + b) // 2 + offset, voice_vector(audio[max(0, a):max(0, b)], neural=neural)))
    return out


def _silhouette(d: np.ndarray, labels: np.ndarray) -> float:
    ks = np.unique(labels)
    if len(ks) < 2:
        return -1.0
    s = []
    for n in range(len(labels)):
        same = labels == labels[n]
        if same.sum() <= 1:
            s.append(0.0)
            continue
        a = d[n, same].sum() / (same.sum() - 1)
        b = min(d[n, labels == k].mean() for k in ks if k != labels[n])
        s.append((b - a) / max(a, b, 1e-12))
    return float(np.mean(s))


def cluster(vectors: np.ndarray, speakers: int | str) -> np.ndarray:
    """Cluster ``(n, d)`` voice vectors; returns ``(n,)`` int labels 0..k-1.

    ``speakers`` is a count or ``"auto"`` (see the module docstring). 256-d vectors are the neural
    encoder's (cosine, average linkage); others are MFCC means (standardised, Ward).
    """
    from scipy.cluster.hierarchy import fcluster, linkage
    from scipy.spatial.distance import pdist, squareform

    n = len(vectors)
    if n == 0:
        return np.zeros(0, int)
    if n == 1 or speakers == 1:
        return np.zeros(n, int)
    if vectors.shape[1] == _NEURAL_DIM:
        tree = linkage(pdist(vectors, "cosine"), "average")
        if speakers == "auto":
            return fcluster(tree, t=AUTO_CUT, criterion="distance") - 1
        return fcluster(tree, t=min(int(speakers), n), criterion="maxclust") - 1
    z = (vectors - vectors.mean(axis=0)) / (vectors.std(axis=0) + 1e-6)
    dist = pdist(z, "euclidean")
    tree = linkage(z, "ward")
    if speakers != "auto":
        return fcluster(tree, t=min(int(speakers), n), criterion="maxclust") - 1
    d = squareform(dist)
    best, best_s = np.zeros(n, int), MIN_SILHOUETTE
    for k in range(2, min(8, n - 1) + 1):
        labels = fcluster(tree, t=k, criterion="maxclust") - 1
        s = _silhouette(d, labels)
        if s > best_s:
            best, best_s = labels, s
    return best


def assign_speakers(words: Sequence[Word], windows: Sequence[tuple[int, int, int, np.ndarray | None]],
                    speakers: int | str) -> list[Word]:
    """Label ``words`` from their windows' vectors (from :func:`window_vectors`, indices into ``words``).

    Windows without a vector take the label of the nearest window in time. (Clustering only the
    windows of ≥ 1.2 s and giving shorter ones the nearest cluster centre was tried: on the development
    recording it scored 79.6 % instead of 85.7 % with the count given, 83.7 % both with ``auto``.)
    """
    have = [n for n, w in enumerate(windows) if w[3] is not None]
    out = list(words)
    if not windows:
        return out
    if not have:
        return [dataclasses.replace(w, speaker="S1") for w in out]
    labels = cluster(np.stack([windows[n][3] for n in have]), speakers)  # type: ignore[misc]
    lab_of = dict(zip(have, labels.tolist(), strict=True))
    mids = np.array([windows[n][2] for n in have])
    names: dict[int, str] = {}
    for n, (i, j, mid, _) in enumerate(windows):
        lab = lab_of.get(n)
        if lab is None:
            lab = lab_of[have[int(np.argmin(np.abs(mids - mid)))]]
        name = names.setdefault(lab, f"S{len(names) + 1}")
        for k in range(i, j):
            out[k] = dataclasses.replace(out[k], speaker=name)
    return out
