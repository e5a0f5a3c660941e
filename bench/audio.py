"""Audio benchmark: speech cleanup vs RNNoise and noisereduce, metering vs pyloudnorm, EBU conformance, speed.

Quality (one run, same inputs for every tool): clean speech from ../shared/data/speech (16 kHz mono,
RMS −26 dBFS) is degraded in each case below and cleaned by

- reelkit ``clean_speech(target=None)`` (the default chain: hum notches if hum is found, 80 Hz
  high-pass if there is rumble, DeepFilterNet 3 with the SNR-aware blend; the loudness stage is a
  gain SI-SDR ignores) and, as an ablation, ``engine="dsp"`` (classical log-MMSE, no model),
- RNNoise (the ``librnnoise.so`` that ``pyrnnoise`` ships, weights compiled in; 48 kHz frames of
  480 samples as RNNoise requires, resampled with resample_poly, its 960-sample delay removed —
  the way pyrnnoise drives it, minus its int16 round trip),
- noisereduce ``reduce_noise`` non-stationary (its default) and stationary,

and scored with SI-SDR against the clean speech (improvement = output − input).

Cases: real CC0 street noise (../shared/data/audio/noise_cc0, looped from an offset; the held-out
clips use the second half of the noise file, the tuning clips the first) at 0/5/10/20 dB SNR;
mains hum alone (50 and 60 Hz, 8 harmonics, 1/k amplitudes) at 10 dB; the simulated room
(RT60 0.79 s, same folder) alone, and with the noise at 10 dB, scored against the dry speech
aligned to the direct path; clean input (scored as output-vs-input SI-SDR: higher = more
transparent). A music bed is missing: no redistributable real music recording is in
../shared/data and none could be added offline.

Clips: TUNING (the files the thresholds were set on) and HELD_OUT (never used for tuning); the
held-out table is the result.

Speed: seconds of audio per second of processing (wall and CPU) for 48 kHz stereo, full chain.

Usage: .venv/bin/python bench/audio.py [--quick]
"""

from __future__ import annotations

import argparse
import ctypes
import importlib.util
import math
import sys
import time
from pathlib import Path

import numpy as np
from scipy.signal import fftconvolve, resample_poly

from reelkit.audio import measure
from reelkit.audio.clean import clean_speech
from reelkit.media import read_audio

DATA = Path(__file__).resolve().parents[1] / ".." / "shared" / "data"
SR = 16000
TUNING = [
    "speech/mfa/fillers/mfa_breaths.flac",
    "speech/mfa/fillers/mfa_cutoff.flac",
    "speech/mfa/fillers/mfa_words.flac",
    "speech/lhotse/LJ002-0020.wav",
]
HELD_OUT = [
    "speech/lhotse/2412-153948-0000.flac",
    "speech/lhotse/LJ002-0035.wav",
    "speech/mfa/fillers/mfa_youknow.flac",
    "speech/mfa/fillers/mfa_laughter.flac",
    "speech/mfa/fillers/mfa_surround.flac",
    "speech/mfa/fillers/mfa_internalsil.flac",
]
SPEECH = TUNING + HELD_OUT
NOISE = "audio/noise_cc0/noise_freesound_573577.wav"
RIR = "audio/noise_cc0/rir_sim_1001_w11.7_l2.6_h2.5_rt60_0.7919.wav"
CASES = ("noise 0 dB", "noise 5 dB", "noise 10 dB", "noise 20 dB", "hum 50 Hz 10 dB", "hum 60 Hz 10 dB",
         "reverb", "reverb + noise 10 dB", "clean")


class Timer:
    """Wall-clock and process CPU time (user+sys, all threads) of a block (the machine is shared: CPU is steadier)."""

    def __enter__(self) -> Timer:
        self.w0, self.c0 = time.perf_counter(), time.process_time()
        return self

    def __exit__(self, *exc: object) -> None:
        self.wall = time.perf_counter() - self.w0
        self.cpu = time.process_time() - self.c0


def si_sdr(est: np.ndarray, ref: np.ndarray) -> tuple[float, float]:
    """(SI-SDR dB, speech level 20·log10 α dB) of ``est`` against ``ref`` (both (n,))."""
    ref = ref.astype(np.float64)
    est = est.astype(np.float64)
    alpha = float(np.dot(est, ref) / np.dot(ref, ref))
    target = alpha * ref
    err = est - target
    return 10 * math.log10(np.sum(target ** 2) / max(np.sum(err ** 2), 1e-20)), 20 * math.log10(max(alpha, 1e-9))


def hum(n: int, f0: float, rng: np.random.Generator) -> np.ndarray:
    t = np.arange(n) / SR
    h = np.zeros(n)
    for k in range(1, 9):
        h += np.sin(2 * np.pi * k * f0 * t + rng.uniform(0, 2 * np.pi)) / k
    return h


def _at_snr(s: np.ndarray, d: np.ndarray, snr: float) -> np.ndarray:
    return d * np.sqrt(np.mean(s ** 2) / np.mean(d ** 2) / 10 ** (snr / 10))


def make_cases(files: list[str], noise_half: int) -> list[dict]:
    """Every case for every clip: dicts with file, case, ref (clean reference), mix."""
    noise = read_audio(DATA / NOISE, sample_rate=SR, channels=1).samples[0].astype(np.float64)
    half = noise.size // 2
    noise = noise[:half] if noise_half == 0 else noise[half:]
    rir = read_audio(DATA / RIR, sample_rate=SR, channels=1).samples[0].astype(np.float64)
    direct = int(np.argmax(np.abs(rir)))
    rng = np.random.default_rng(7 + noise_half)
    out = []
    for rel in files:
        s = read_audio(DATA / rel, sample_rate=SR, channels=1).samples[0].astype(np.float64)
        s = s / np.sqrt(np.mean(s ** 2)) * 10 ** (-26 / 20)
        off = int(rng.integers(0, noise.size))
        nz = np.tile(noise, int(np.ceil((s.size + off) / noise.size)) + 1)[off:off + s.size]
        ref_rv = np.concatenate([np.zeros(direct), s])[:s.size]
        rv = fftconvolve(s, rir)[:s.size]
        rv *= np.sqrt(np.mean(ref_rv ** 2) / np.mean(rv ** 2))
        mixes = {
            "noise 0 dB": (s, s + _at_snr(s, nz, 0)), "noise 5 dB": (s, s + _at_snr(s, nz, 5)),
            "noise 10 dB": (s, s + _at_snr(s, nz, 10)), "noise 20 dB": (s, s + _at_snr(s, nz, 20)),
            "hum 50 Hz 10 dB": (s, s + _at_snr(s, hum(s.size, 50.0, rng), 10)),
            "hum 60 Hz 10 dB": (s, s + _at_snr(s, hum(s.size, 60.0, rng), 10)),
            "reverb": (ref_rv, rv), "reverb + noise 10 dB": (ref_rv, rv + _at_snr(rv, nz, 10)),
            "clean": (s, s.copy()),
        }
        for case, (ref, mix) in mixes.items():
            out.append({"file": Path(rel).name, "case": case, "ref": ref, "mix": mix.astype(np.float32)})
    return out


class RNNoise:
    """RNNoise through the ``librnnoise.so`` inside the pyrnnoise wheel (48 kHz, 480-sample frames)."""

    DELAY = 960  # samples at 48 kHz between input and output (measured by cross-correlation)

    def __init__(self) -> None:
        spec = importlib.util.find_spec("pyrnnoise")
        if spec is None or spec.origin is None:
            raise SystemExit("pip install pyrnnoise (the RNNoise peer)")
        lib = ctypes.CDLL(str(Path(spec.origin).parent / "librnnoise.so"))
        lib.rnnoise_create.restype = ctypes.c_void_p
        lib.rnnoise_create.argtypes = [ctypes.c_void_p]
        lib.rnnoise_destroy.argtypes = [ctypes.c_void_p]
        lib.rnnoise_process_frame.argtypes = [ctypes.c_void_p, ctypes.c_void_p, ctypes.c_void_p]
        lib.rnnoise_process_frame.restype = ctypes.c_float
        self.lib = lib

    def __call__(self, x: np.ndarray, sr: int) -> np.ndarray:
        g = math.gcd(sr, 48000)
        y = resample_poly(x, 48000 // g, sr // g).astype(np.float32) if sr != 48000 else x.astype(np.float32)
        n = y.size
        m = -(-n // 480) * 480 + 2 * 480
        buf = np.zeros(m, np.float32)
        buf[:n] = y * 32768.0
        out = np.empty_like(buf)
        st = self.lib.rnnoise_create(None)
        for i in range(0, m, 480):
            self.lib.rnnoise_process_frame(st, out.ctypes.data + 4 * i, buf.ctypes.data + 4 * i)
        self.lib.rnnoise_destroy(st)
        z = out[self.DELAY:self.DELAY + n] / 32768.0
        z = resample_poly(z, sr // g, 48000 // g) if sr != 48000 else z
        return np.pad(z, (0, max(0, x.size - z.size)))[:x.size]


def run_quality(cases: list[dict], tools: dict) -> dict[str, dict[str, list[float]]]:
    """{case: {tool: [score per clip]}}; score = ΔSI-SDR (dB), or output SI-SDR for the clean case."""
    res: dict[str, dict[str, list[float]]] = {}
    for c in cases:
        base = si_sdr(c["mix"], c["ref"])[0] if c["case"] != "clean" else 0.0
        for name, fn in tools.items():
            y = fn(c["mix"])
            res.setdefault(c["case"], {}).setdefault(name, []).append(si_sdr(y, c["ref"])[0] - base)
    return res


def print_quality(title: str, res: dict[str, dict[str, list[float]]], n_clips: int) -> bool:
    tools = list(next(iter(res.values())).keys())
    print(f"\n# {title} ({n_clips} clips; mean ΔSI-SDR in dB, worst clip in brackets; clean: output SI-SDR vs "
          "the input)\n")
    print("| case | " + " | ".join(tools) + " | reelkit − better peer | target met |")
    print("|---|" + "---|" * (len(tools) + 2))
    ok_all = True
    for case in CASES:
        r = res[case]
        mean = {k: float(np.mean(v)) for k, v in r.items()}
        peer = max(mean["RNNoise"], mean["noisereduce"], mean["noisereduce (stationary)"])
        margin = mean["reelkit"] - peer
        ok = margin >= 1.0 and (case == "clean" or min(r["reelkit"]) > 0)
        ok_all &= ok
        cells = " | ".join(f"{mean[k]:+.2f} ({min(r[k]):+.1f})" for k in tools)
        print(f"| {case} | {cells} | {margin:+.2f} | {'yes' if ok else '**no**'} |")
    print(f"\nevery case: gain > 0 on every clip and mean ≥ 1 dB over the better peer: {'yes' if ok_all else 'NO'}")
    return ok_all


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="two held-out clips, no tuning table")
    args = ap.parse_args()
    import noisereduce as nr
    import pyloudnorm as pyln

    rnnoise = RNNoise()
    times: dict[str, list[float]] = {}

    def timed(name: str, fn):
        def run(x: np.ndarray) -> np.ndarray:
            w0, c0 = time.perf_counter(), time.process_time()
            y = fn(x)
            t = times.setdefault(name, [0.0, 0.0, 0.0])
            t[0] += time.perf_counter() - w0
            t[1] += time.process_time() - c0
            t[2] += x.size / SR
            return np.asarray(y, np.float64)
        return run

    tools = {
        "reelkit": timed("reelkit", lambda x: clean_speech(x, SR, target=None).samples[0]),
        "reelkit dsp engine": timed("reelkit dsp", lambda x: clean_speech(x, SR, target=None, engine="dsp").samples[0]),
        "RNNoise": timed("RNNoise", lambda x: rnnoise(x, SR)),
        "noisereduce": timed("noisereduce", lambda x: nr.reduce_noise(y=x, sr=SR)),
        "noisereduce (stationary)": timed("noisereduce stat.", lambda x: nr.reduce_noise(y=x, sr=SR,
                                                                                           stationary=True)),
    }
    held = HELD_OUT[:2] if args.quick else HELD_OUT
    print_quality("held-out clips", run_quality(make_cases(held, 1), tools), len(held))
    if not args.quick:
        print_quality("tuning clips (thresholds were set on these)", run_quality(make_cases(TUNING, 0), tools),
                      len(TUNING))
    print("\nper-tool time on the 16 kHz mono clips above (wall / CPU, × real time):")
    for name, (w, c, dur) in times.items():
        print(f"  {name:<20} {dur:7.1f} s audio  wall {w:6.1f} s ({dur / w:5.1f}×)  CPU {c:6.1f} s ({dur / c:5.1f}×)")

    mixes = [{"mix": c["mix"]} for c in make_cases(HELD_OUT[:3], 1) if c["case"].startswith("noise")]
    total_s = sum(m["mix"].size for m in mixes) / SR
    # speed: 48 kHz stereo, full chain incl. loudness, one call; peers on the same signal
    cat = np.concatenate([m["mix"] for m in mixes])
    with Timer() as meter16:
        measure(cat, SR)
    mono48 = read_audio(DATA / HELD_OUT[0], sample_rate=48000, channels=1).samples
    stereo48 = np.tile(np.repeat(mono48, 2, 0), (1, 4))
    stereo48 = stereo48 + 0.003 * np.random.default_rng(1).standard_normal(stereo48.shape).astype(np.float32)
    dur48 = stereo48.shape[1] / 48000
    with Timer() as full48:
        clean_speech(stereo48, 48000, target="podcast")
    with Timer() as dsp48:
        clean_speech(stereo48, 48000, target="podcast", engine="dsp")
    with Timer() as rn48:
        for c in range(2):
            rnnoise(stereo48[c], 48000)
    with Timer() as nr48:
        nr.reduce_noise(y=stereo48, sr=48000)
    with Timer() as meter48:
        measure(stereo48, 48000)
    with Timer() as pyln48:
        pyln.Meter(48000).integrated_loudness(stereo48.T.astype(np.float64))
    print("\n# speed (× real time = audio seconds per processing second; 2-core machine shared by several")
    print("# engineers while measured: wall-clock timings are noisy, CPU time (user+sys) is steadier)\n")
    print("| job | audio | wall | × real time (wall) | CPU | × real time (CPU) |")
    print("|---|---|---|---|---|---|")

    def row(job: str, dur: float, wall: float, cpu: float) -> None:
        print(f"| {job} | {dur:.1f} s | {wall:.2f} s | {dur / wall:.1f}× | {cpu:.2f} s | {dur / cpu:.1f}× |")

    row("reelkit clean, default (DeepFilterNet 3 + blend), podcast target, 48 kHz stereo", dur48, full48.wall,
        full48.cpu)
    row("reelkit clean --engine dsp, podcast target, 48 kHz stereo", dur48, dsp48.wall, dsp48.cpu)
    row("RNNoise, both channels, 48 kHz stereo", dur48, rn48.wall, rn48.cpu)
    row("noisereduce non-stationary, 48 kHz stereo", dur48, nr48.wall, nr48.cpu)
    row("reelkit meter (I, LRA, M/S max, true peak), 16 kHz mono", total_s, meter16.wall, meter16.cpu)
    row("reelkit meter (I, LRA, M/S max, true peak), 48 kHz stereo", dur48, meter48.wall, meter48.cpu)
    row("pyloudnorm integrated loudness only, 48 kHz stereo", dur48, pyln48.wall, pyln48.cpu)

    # metering agreement
    print("\n# metering: reelkit vs pyloudnorm (same signals)\n")
    print("pyloudnorm's default 'K-weighting' filter approximates BS.1770 (shelf 1500 Hz/4 dB, high-pass 38 Hz);")
    print("its 'DeMan' filter class is the exact BS.1770 analogue prototype that reelkit also uses.\n")
    print("| signals | rate | max abs(I diff) vs pyloudnorm K-weighting | vs pyloudnorm DeMan | "
          "max abs(LRA diff) vs pyloudnorm |")
    print("|---|---|---|---|---|")

    def compare(signals: list[np.ndarray], fs: int) -> tuple[float, float, float]:
        dk = dd = dl = 0.0
        for x in signals:
            xx = x if x.ndim == 1 else x.T
            r = measure(x, fs)
            k = pyln.Meter(fs).integrated_loudness(xx.astype(np.float64))
            d = pyln.Meter(fs, filter_class="DeMan").integrated_loudness(xx.astype(np.float64))
            lra = pyln.Meter(fs, filter_class="DeMan").loudness_range(xx.astype(np.float64))
            dk, dd = max(dk, abs(r.integrated_lufs - k)), max(dd, abs(r.integrated_lufs - d))
            if r.lra_lu is not None and math.isfinite(lra):
                dl = max(dl, abs(r.lra_lu - lra))
        return dk, dd, dl

    from scipy.signal import resample_poly

    def whole_blocks(x: np.ndarray, fs: int) -> np.ndarray:
        """Trim to 0.4 s + k·0.1 s: pyloudnorm then has no partial final gating block (it counts one
        that runs past the end, divided by the full block length; BS.1770 gates complete blocks only)."""
        hop = fs // 10
        k = max(0, (x.shape[-1] - 4 * hop) // hop)
        return x[..., : 4 * hop + k * hop]

    mix16 = [m["mix"] for m in mixes]
    mix48 = [resample_poly(m["mix"], 3, 1).astype(np.float32) for m in mixes]
    worst = 0.0
    for label, sig, fs in (("speech + noise + hum mixes, as is", mix16, SR),
                           ("same, trimmed to whole 100 ms hops", [whole_blocks(x, SR) for x in mix16], SR),
                           ("same, resampled, trimmed", [whole_blocks(x, 48000) for x in mix48], 48000)):
        dk, dd, dl = compare(sig, fs)
        print(f"| {label} ({len(sig)}) | {fs} Hz | {dk:.3f} LU | {dd:.3f} LU | {dl:.2f} LU |")
        if "trimmed" in label:
            worst = max(worst, dd if fs == SR else max(dk, dd))
    for fs in (44100, 48000):
        tones = []
        for segs in ([(-23, 20)], [(-36, 10), (-23, 60), (-36, 10)], [(-26, 20), (-20, 20.1), (-26, 20)],
                     [(-20, 20), (-30, 20)], [(-50, 20), (-35, 20), (-20, 20), (-35, 20), (-50, 20)]):
            parts, n0 = [], 0
            for lev, dur in segs:
                n = round(dur * fs)
                parts.append(10 ** (lev / 20) * np.sin(2 * np.pi * 1000 * np.arange(n0, n0 + n) / fs))
                n0 += n
            tones.append(np.repeat(np.concatenate(parts)[None], 2, 0))
        dk, dd, dl = compare(tones, fs)
        print(f"| EBU 3341/3342 tone sequences ({len(tones)}) | {fs} Hz | {dk:.3f} LU | {dd:.3f} LU | {dl:.2f} LU |")
        worst = max(worst, dk, dd)
    print(f"\nintegrated loudness within 0.1 LU of pyloudnorm on complete gating blocks (DeMan at every rate, "
          f"K-weighting at 44.1/48 kHz): "
          f"{'yes' if worst <= 0.1 else 'NO'} (worst {worst:.3f} LU)")
    ebu_conformance()
    return 0


def ebu_conformance() -> None:
    """Every EBU Tech 3341/3342 case that can be generated from its description, metered from real WAV files."""
    import tempfile
    import wave

    from reelkit.audio import measure_file

    fs = 48000

    def tones(*segs: tuple[float, float], channels: int = 2) -> np.ndarray:
        parts, n0 = [], 0
        for lev, dur in segs:
            n = round(dur * fs)
            parts.append(10 ** (lev / 20) * np.sin(2 * np.pi * 1000 * np.arange(n0, n0 + n) / fs))
            n0 += n
        return np.repeat(np.concatenate(parts)[None], channels, 0)

    def wav(path: Path, x: np.ndarray) -> Path:  # plain PCM header: no channel mask
        pcm = np.clip(np.round(x.T * 32767), -32768, 32767).astype("<i2")
        with wave.open(str(path), "wb") as w:
            w.setnchannels(x.shape[0])
            w.setsampwidth(2)
            w.setframerate(fs)
            w.writeframes(pcm.tobytes())
        return path

    def case6(lfe: bool) -> np.ndarray:
        one = [tones((-28, 20), channels=1)[0]] * 2 + [tones((-24, 20), channels=1)[0]]
        sur = [tones((-30, 20), channels=1)[0]] * 2
        return np.stack(one + ([np.zeros(20 * fs)] if lfe else []) + sur)

    cases = [
        ("3341-1 I", tones((-23, 20)), "I", -23.0), ("3341-2 I", tones((-33, 20)), "I", -33.0),
        ("3341-3 I", tones((-36, 10), (-23, 60), (-36, 10)), "I", -23.0),
        ("3341-4 I", tones((-72, 10), (-36, 10), (-23, 60), (-36, 10), (-72, 10)), "I", -23.0),
        ("3341-5 I", tones((-26, 20), (-20, 20.1), (-26, 20)), "I", -23.0),
        ("3341-6 I, 5 ch (L R C Ls Rs), no mask", case6(False), "I", -23.0),
        ("3341-6 I, 6 ch (L R C LFE Ls Rs), no mask", case6(True), "I", -23.0),
        ("3341-9 S max", tones(*[(-20, 1.34), (-30, 1.66)] * 5), "S", -23.0),
        ("3341-12 M max", tones(*[(-20, 0.18), (-30, 0.22)] * 25), "M", -23.0),
        ("3342-1 LRA", tones((-20, 20), (-30, 20)), "LRA", 10.0),
        ("3342-2 LRA", tones((-20, 20), (-15, 20)), "LRA", 5.0),
        ("3342-3 LRA", tones((-40, 20), (-20, 20)), "LRA", 20.0),
        ("3342-4 LRA", tones((-50, 20), (-35, 20), (-20, 20), (-35, 20), (-50, 20)), "LRA", 15.0),
    ]
    print("\n# EBU Tech 3341 / 3342 conformance (signals generated per the specifications, written to 16-bit WAV,")
    print("# metered by measure_file like `reel audio loudness`)\n")
    print("| case | expected | reelkit | error | layout used |")
    print("|---|---|---|---|---|")
    worst = 0.0
    with tempfile.TemporaryDirectory() as td:
        for name, x, what, exp in cases:
            r = measure_file(wav(Path(td) / "case.wav", x))
            got = {"I": r.integrated_lufs, "S": r.short_term_max_lufs, "M": r.momentary_max_lufs,
                   "LRA": r.lra_lu}[what]
            err = float(got - exp) if got is not None else math.inf
            worst = max(worst, abs(err))
            lay = r.layout.name if r.layout else "-"
            print(f"| {name} | {exp:.1f} | {got:.2f} | {err:+.2f} | {lay} |")
    print(f"\nevery EBU case within 0.1 LU: {'yes' if worst <= 0.1 else 'NO'} (worst {worst:.3f})")


if __name__ == "__main__":
    sys.exit(main())
