"""Audio benchmark: speech cleanup vs noisereduce, metering vs pyloudnorm, speed — one run, same inputs.

Quality: clean speech from ../shared/data/speech (LibriSpeech, LJSpeech, MFA clips; 16 kHz mono) is
mixed with the CC0 freesound noise of ../shared/data/audio/noise_cc0 (looped from a per-clip offset)
plus mains hum (50 or 60 Hz with 8 harmonics, −6 dB relative to the noise) at 0, 5 and 10 dB SNR
(speech power over noise+hum power). Each mix is cleaned by

- reelkit ``clean_speech`` (the whole chain: high-pass, hum notches, log-MMSE, de-ess, compressor;
  loudness stage off, it is a gain that SI-SDR ignores — see the speech-level column instead),
- noisereduce ``reduce_noise`` non-stationary (its default) and stationary,

and scored with SI-SDR against the clean speech (improvement = output − mix). "speech level" is
20·log10(α), α the projection of the output on the clean speech: < 0 dB means the speech came out
quieter than it went in.

Metering: integrated loudness by reelkit and pyloudnorm (BS.1770-4, both gated) on every mix and
on EBU tone sequences at 44.1 / 48 kHz.

Speed: seconds of audio per second of processing (× real time) for the cleanup chain (with the
loudness stage on) and for metering, on the concatenated mixes; noisereduce timed in the same run.

Usage: .venv/bin/python bench/audio.py [--quick]
"""

from __future__ import annotations

import argparse
import math
import sys
import time
from pathlib import Path

import numpy as np

from reelkit.audio import measure
from reelkit.audio.clean import clean_speech
from reelkit.media import read_audio

DATA = Path(__file__).resolve().parents[1] / ".." / "shared" / "data"
SR = 16000
SPEECH = [
    "speech/lhotse/2412-153948-0000.flac",
    "speech/lhotse/LJ002-0020.wav",
    "speech/lhotse/LJ002-0035.wav",
    "speech/mfa/fillers/mfa_breaths.flac",
    "speech/mfa/fillers/mfa_cutoff.flac",
    "speech/mfa/fillers/mfa_internalsil.flac",
    "speech/mfa/fillers/mfa_words.flac",
    "speech/mfa/fillers/mfa_uhum.flac",
]
NOISE = "audio/noise_cc0/noise_freesound_573577.wav"
SNRS = (0, 5, 10)


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


def make_mixes(quick: bool) -> list[dict]:
    noise = read_audio(DATA / NOISE, sample_rate=SR, channels=1).samples[0].astype(np.float64)
    rng = np.random.default_rng(7)
    mixes = []
    files = SPEECH[:3] if quick else SPEECH
    for i, rel in enumerate(files):
        s = read_audio(DATA / rel, sample_rate=SR, channels=1).samples[0].astype(np.float64)
        s = s / np.sqrt(np.mean(s ** 2)) * 10 ** (-26 / 20)  # speech at −26 dBFS RMS
        off = int(rng.integers(0, noise.size))
        reps = int(np.ceil((s.size + off) / noise.size)) + 1
        nz = np.tile(noise, reps)[off:off + s.size]
        hm = hum(s.size, 50.0 if i % 2 == 0 else 60.0, rng)
        hm *= np.sqrt(np.mean(nz ** 2) / np.mean(hm ** 2)) * 10 ** (-6 / 20)
        d = nz + hm
        for snr in SNRS:
            g = np.sqrt(np.mean(s ** 2) / np.mean(d ** 2) / 10 ** (snr / 10))
            mixes.append({"file": Path(rel).name, "snr": snr, "clean": s, "mix": (s + g * d).astype(np.float32)})
    return mixes


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="three clips only")
    args = ap.parse_args()
    import noisereduce as nr
    import pyloudnorm as pyln

    mixes = make_mixes(args.quick)
    total_s = sum(m["mix"].size for m in mixes) / SR
    rows = []
    t_rk = t_nr = t_nrs = 0.0
    for m in mixes:
        x = m["mix"]
        t0 = time.perf_counter()
        ours = clean_speech(x, SR, target=None).samples[0]
        t_rk += time.perf_counter() - t0
        t0 = time.perf_counter()
        peer = nr.reduce_noise(y=x, sr=SR)
        t_nr += time.perf_counter() - t0
        t0 = time.perf_counter()
        peer_s = nr.reduce_noise(y=x, sr=SR, stationary=True)
        t_nrs += time.perf_counter() - t0
        base, _ = si_sdr(x, m["clean"])
        o, o_lv = si_sdr(ours, m["clean"])
        p, p_lv = si_sdr(peer, m["clean"])
        ps, ps_lv = si_sdr(peer_s, m["clean"])
        rows.append((m["file"], m["snr"], base, o - base, o_lv, p - base, p_lv, ps - base, ps_lv))

    print(f"# speech cleanup: {len(mixes)} mixes, {total_s:.1f} s of audio at {SR} Hz\n")
    print("| SNR in | clips | SI-SDR in | reelkit ΔSI-SDR | reelkit speech level | noisereduce (non-stat.) ΔSI-SDR "
          "| its speech level | noisereduce (stationary) ΔSI-SDR | its speech level | reelkit better at every clip |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    all_ok = True
    for snr in SNRS:
        r = [row for row in rows if row[1] == snr]
        a = np.array([row[2:] for row in r])
        better = all(row[3] > max(row[5], row[7]) for row in r)
        all_ok &= bool(a[:, 1].mean() > max(a[:, 3].mean(), a[:, 5].mean()))
        print(f"| {snr} dB | {len(r)} | {a[:, 0].mean():.2f} | **{a[:, 1].mean():+.2f} dB** | {a[:, 2].mean():+.2f} dB "
              f"| {a[:, 3].mean():+.2f} dB | {a[:, 4].mean():+.2f} dB | {a[:, 5].mean():+.2f} dB "
              f"| {a[:, 6].mean():+.2f} dB | {'yes' if better else 'no'} |")
    print(f"\nmean ΔSI-SDR higher than both noisereduce modes at every SNR: {'yes' if all_ok else 'NO'}")
    print("\nper clip (SNR, file, ΔSI-SDR reelkit / nr / nr-stationary):")
    for row in rows:
        print(f"  {row[1]:>2} dB {row[0]:<28} {row[3]:+6.2f} {row[5]:+6.2f} {row[7]:+6.2f}")

    # speed (full chain incl. loudness) on all mixes concatenated
    cat = np.concatenate([m["mix"] for m in mixes])
    t0 = time.perf_counter()
    clean_speech(cat, SR, target="podcast")
    t_full = time.perf_counter() - t0
    t0 = time.perf_counter()
    measure(cat, SR)
    t_meter = time.perf_counter() - t0
    stereo48 = np.repeat(read_audio(DATA / SPEECH[0], sample_rate=48000, channels=1).samples, 2, 0)
    stereo48 = np.tile(stereo48, (1, 6))
    t0 = time.perf_counter()
    clean_speech(stereo48, 48000, target="podcast")
    t_full48 = time.perf_counter() - t0
    dur48 = stereo48.shape[1] / 48000
    t0 = time.perf_counter()
    measure(stereo48, 48000)
    t_meter48 = time.perf_counter() - t0
    print("\n# speed (× real time, higher is better; machine shared, timings noisy)\n")
    print("| job | audio | time | × real time |")
    print("|---|---|---|---|")
    print(f"| reelkit clean (per-clip calls, no loudness stage), 16 kHz mono | {total_s:.1f} s | {t_rk:.2f} s "
          f"| {total_s / t_rk:.0f}× |")
    print(f"| noisereduce non-stationary, 16 kHz mono | {total_s:.1f} s | {t_nr:.2f} s | {total_s / t_nr:.0f}× |")
    print(f"| noisereduce stationary, 16 kHz mono | {total_s:.1f} s | {t_nrs:.2f} s | {total_s / t_nrs:.0f}× |")
    print(f"| reelkit clean full chain (podcast), 16 kHz mono, one call | {total_s:.1f} s | {t_full:.2f} s "
          f"| {total_s / t_full:.0f}× |")
    print(f"| reelkit clean full chain (podcast), 48 kHz stereo | {dur48:.1f} s | {t_full48:.2f} s "
          f"| {dur48 / t_full48:.0f}× |")
    print(f"| reelkit meter (I, LRA, M/S, true peak), 16 kHz mono | {total_s:.1f} s | {t_meter:.3f} s "
          f"| {total_s / t_meter:.0f}× |")
    print(f"| reelkit meter, 48 kHz stereo | {dur48:.1f} s | {t_meter48:.3f} s | {dur48 / t_meter48:.0f}× |")
    t0 = time.perf_counter()
    pyln.Meter(48000).integrated_loudness(stereo48.T.astype(np.float64))
    t_pyln = time.perf_counter() - t0
    print(f"| pyloudnorm integrated only, 48 kHz stereo | {dur48:.1f} s | {t_pyln:.3f} s | {dur48 / t_pyln:.0f}× |")

    # metering agreement
    print("\n# integrated loudness: reelkit vs pyloudnorm\n")
    diffs = []
    for m in mixes:
        ours = measure(m["mix"], SR).integrated_lufs
        theirs = pyln.Meter(SR).integrated_loudness(m["mix"].astype(np.float64))
        diffs.append(abs(ours - theirs))
    tone_rows = []
    for fs in (44100, 48000):
        for segs in ([(-23, 20)], [(-36, 10), (-23, 60), (-36, 10)], [(-26, 20), (-20, 20.1), (-26, 20)],
                     [(-20, 20), (-30, 20)]):
            parts, n0 = [], 0
            for lev, dur in segs:
                n = round(dur * fs)
                parts.append(10 ** (lev / 20) * np.sin(2 * np.pi * 1000 * np.arange(n0, n0 + n) / fs))
                n0 += n
            x = np.repeat(np.concatenate(parts)[None], 2, 0)
            ours = measure(x, fs).integrated_lufs
            theirs = pyln.Meter(fs).integrated_loudness(x.T)
            tone_rows.append((fs, segs, ours, theirs))
            diffs.append(abs(ours - theirs))
    print(f"{len(mixes)} speech mixes (16 kHz): max |reelkit − pyloudnorm| = "
          f"{max(diffs[:len(mixes)]):.3f} LU, mean {np.mean(diffs[:len(mixes)]):.3f} LU")
    for fs, segs, o, t in tone_rows:
        print(f"  {fs} Hz stereo tones {segs}: reelkit {o:.3f}, pyloudnorm {t:.3f} LUFS")
    print(f"max difference over all {len(diffs)} signals: {max(diffs):.3f} LU "
          f"({'within' if max(diffs) <= 0.1 else 'NOT within'} 0.1 LU)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
