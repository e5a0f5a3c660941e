"""Benchmark ``reel cut``: silence cutting vs peers, and render throughput vs a plain transcode.

Builds a talk-like test file from the real speech in ../shared/data/speech (JFK, LibriSpeech,
LJSpeech, MFA clips) separated by pauses of 0.25-3 s over low room tone, muxed with a 1080p picture
at 29.97 fps. Because we place the speech ourselves, the ground truth is known: a good silence cut
keeps 100 % of the speech and as little of the pauses as its margins allow.

Measured in ONE run on the same input:

1. silence cut — ``reel cut --silence`` (the real CLI, process start included) and the library call,
   vs FFmpeg's ``silencedetect`` filter (run through PyAV's bundled FFmpeg, the same margin applied),
   and auto-editor when it can run here. Reported: seconds, kept duration, speech kept (%).
2. render — ``render_timeline`` of the silence cut (decode, cut, crossfade, encode H.264 veryfast
   crf 18 + AAC) vs a plain PyAV transcode of the same number of frames with the same encoder
   settings; frames per second and the peak RSS of each (in a fresh subprocess).

Usage::

    .venv/bin/python bench/cut.py --minutes 2 --out /tmp/reel-bench-cut
"""

from __future__ import annotations

import argparse
import json
import resource
import shutil
import subprocess
import sys
import time
from fractions import Fraction
from pathlib import Path

import av
import numpy as np

REPO = Path(__file__).resolve().parents[1]
SPEECH = (REPO / ".." / "shared" / "data" / "speech").resolve()
RATE = Fraction(30000, 1001)
SR = 48000


def build_input(path: Path, minutes: float, width: int, height: int, noise_db: float | None = None
                ) -> list[tuple[float, float]]:
    """Write the test file; return the true speech intervals (seconds).

    ``noise_db``: instead of a faint -54 dBFS hiss, loop the real CC0 noise recording from
    ../shared/data/audio/noise_cc0 under everything at this RMS level (dBFS).
    """
    from reelkit.media import MediaWriter, read_audio

    clips = sorted(SPEECH.rglob("*.flac")) + sorted(SPEECH.rglob("*.wav"))
    voices = [read_audio(p, sample_rate=SR, channels=1).samples[0] for p in clips]
    rng = np.random.default_rng(7)
    target = int(minutes * 60 * SR)
    pieces: list[np.ndarray] = []
    truth: list[tuple[float, float]] = []
    pos = 0
    k = 0
    while pos < target:
        gap = int(rng.uniform(0.25, 3.0) * SR)
        pieces.append(np.zeros(gap, np.float32))
        pos += gap
        v = voices[k % len(voices)]
        k += 1
        v = v * (0.25 / max(1e-6, float(np.sqrt(np.mean(v ** 2)))) * 0.3)  # comparable levels
        # oracle speech activity from the CLEAN clip (before room tone is added): 10 ms frames within
        # 40 dB of the clip's loudest frame, pauses shorter than 0.3 s bridged (they are not cuttable)
        hop = SR // 100
        nfr = len(v) // hop
        energy = (v[:nfr * hop].reshape(nfr, hop) ** 2).mean(axis=1)
        active = energy > energy.max() * 1e-4
        idx = np.nonzero(active)[0]
        if len(idx):
            a0 = prev = int(idx[0])
            for i in map(int, idx[1:]):
                if i - prev > 30:
                    truth.append(((pos + a0 * hop) / SR, (pos + (prev + 1) * hop) / SR))
                    a0 = i
                prev = i
            truth.append(((pos + a0 * hop) / SR, (pos + (prev + 1) * hop) / SR))
        pieces.append(v.astype(np.float32))
        pos += len(v)
    audio = np.concatenate(pieces)[:target]
    if noise_db is None:
        audio = audio + (rng.standard_normal(audio.shape[0]) * 0.002).astype(np.float32)  # room tone (-54 dBFS)
    else:
        noise = read_audio(SPEECH.parent / "audio" / "noise_cc0" / "noise_freesound_573577.wav", sample_rate=SR,
                           channels=1).samples[0]
        noise = np.tile(noise, audio.shape[0] // len(noise) + 1)[:audio.shape[0]]
        noise = noise / max(1e-9, float(np.sqrt(np.mean(noise ** 2)))) * 10 ** (noise_db / 20)
        audio = audio + noise.astype(np.float32)
    truth = [(a, min(b, target / SR)) for a, b in truth if a < target / SR]
    n_frames = int(Fraction(target, SR) * RATE)
    # I420 frames (Y plane, then U, then V): a gradient with a moving white box
    base = np.full((height * 3 // 2, width), 128, np.uint8)
    base[:height] = np.linspace(16, 235, width, dtype=np.uint8)[None, :]
    base[height:height + height // 4] = 90
    with MediaWriter(path, width=width, height=height, rate=RATE, audio_rate=SR, audio_channels=2, crf=23,
                     preset="ultrafast", force=True) as w:
        for f in range(n_frames):
            img = base.copy()
            x = (f * 8) % (width - 64)
            img[height // 2 - 32:height // 2 + 32, x:x + 64] = 235
            w.write_video(img)
            a0 = int(Fraction(f) / RATE * SR)
            a1 = int(Fraction(f + 1) / RATE * SR)
            block = audio[a0:a1]
            w.write_audio(np.stack([block, block]))
    return truth


def coverage(keep_s: list[tuple[float, float]], truth: list[tuple[float, float]]) -> float:
    """Fraction of true speech time inside the kept ranges."""
    total = sum(b - a for a, b in truth)
    inside = 0.0
    for a, b in truth:
        for s, e in keep_s:
            inside += max(0.0, min(b, e) - max(a, s))
    return inside / total if total else 1.0


def silencedetect_keep(path: Path, margin: float, noise_db: float, min_silence: float
                       ) -> tuple[list[tuple[float, float]], float]:
    """FFmpeg silencedetect through PyAV: the silences it reports, minus ``margin`` at each side."""
    t0 = time.perf_counter()
    silences: list[tuple[float, float]] = []
    start: float | None = None
    duration = 0.0
    with av.open(str(path)) as c:
        s = c.streams.audio[0]
        duration = float(c.duration / av.time_base)
        g = av.filter.Graph()
        src = g.add_abuffer(template=s)
        det = g.add("silencedetect", f"noise={noise_db}dB:d={min_silence + 2 * margin}")
        sink = g.add("abuffersink")
        src.link_to(det)
        det.link_to(sink)
        g.configure()
        for frame in c.decode(s):
            g.push(frame)
            while True:
                try:
                    out = g.pull()
                except (av.error.BlockingIOError, av.error.EOFError):
                    break
                md = out.metadata
                if "lavfi.silence_start" in md:
                    start = float(md["lavfi.silence_start"])
                if "lavfi.silence_end" in md and start is not None:
                    silences.append((start, float(md["lavfi.silence_end"])))
                    start = None
    if start is not None:
        silences.append((start, duration))
    keep: list[tuple[float, float]] = []
    pos = 0.0
    for a, b in silences:
        a2, b2 = (a + margin if a > 0 else 0.0), (b - margin if b < duration else duration)
        if b2 > a2:
            if a2 > pos:
                keep.append((pos, a2))
            pos = b2
    if pos < duration:
        keep.append((pos, duration))
    return keep, time.perf_counter() - t0


# VmHWM (peak RSS of this process image); ru_maxrss would include the parent's peak inherited over fork/exec
_HWM = """
def hwm():
    for line in open("/proc/self/status"):
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
"""

RENDER_CODE = _HWM + """
import json, time, opentimelineio as otio
from reelkit.render import render_timeline
tl = otio.adapters.read_from_file({tl!r})
t = time.perf_counter()
r = render_timeline(tl, {out!r}, force=True)
import resource as _r
_u = _r.getrusage(_r.RUSAGE_SELF)
print(json.dumps({{"s": time.perf_counter() - t, "frames": r.frames, "cpu": _u.ru_utime + _u.ru_stime,
                  "rss_mib": hwm()}}))
"""

TRANSCODE_CODE = _HWM + """
import json, time, av
from fractions import Fraction
t = time.perf_counter()
n = {frames}
with av.open({src!r}) as i, av.open({out!r}, "w") as o:
    vi, ai = i.streams.video[0], i.streams.audio[0]
    vi.thread_type = "AUTO"
    vo = o.add_stream("libx264", rate=Fraction(30000, 1001))
    vo.width, vo.height, vo.pix_fmt = vi.width, vi.height, "yuv420p"
    vo.options = {{"crf": "18", "preset": "veryfast"}}
    vo.thread_type = "AUTO"
    vo.time_base = Fraction(1001, 30000)
    ao = o.add_stream("aac", rate=ai.rate)
    ao.layout = ai.layout.name
    done = 0
    samples = 0
    limit_t = n / (30000 / 1001)
    for pkt in i.demux(vi, ai):
        if done >= n and pkt.pts is not None and float(pkt.pts * pkt.time_base) > limit_t + 1:
            break
        for fr in pkt.decode():
            if pkt.stream.type == "video":
                if done >= n:
                    continue
                fr.pts = done
                fr.time_base = Fraction(1001, 30000)
                o.mux(vo.encode(fr))
                done += 1
            elif fr.time is not None and fr.time < limit_t:
                fr.pts = samples
                fr.time_base = Fraction(1, fr.sample_rate)
                samples += fr.samples
                o.mux(ao.encode(fr))
    o.mux(vo.encode(None))
    o.mux(ao.encode(None))
import resource as _r
_u = _r.getrusage(_r.RUSAGE_SELF)
print(json.dumps({{"s": time.perf_counter() - t, "frames": done, "cpu": _u.ru_utime + _u.ru_stime,
                  "rss_mib": hwm()}}))
"""


def run_child(code: str) -> dict[str, float]:
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    if proc.returncode:
        raise RuntimeError(proc.stderr[-3000:])
    return json.loads(proc.stdout.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--minutes", type=float, default=2.0)
    ap.add_argument("--width", type=int, default=1920)
    ap.add_argument("--height", type=int, default=1080)
    ap.add_argument("--margin", type=float, default=0.15)
    ap.add_argument("--out", type=Path, default=Path("/tmp/reel-bench-cut"))
    ap.add_argument("--skip-render", action="store_true")
    ap.add_argument("--repeat", type=int, default=2, help="render/transcode repetitions (best is reported)")
    ap.add_argument("--reuse", action="store_true", help="reuse an input built by an earlier run")
    ap.add_argument("--noise-db", type=float, default=None, help="real background noise at this RMS dBFS")
    args = ap.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    noise = "" if args.noise_db is None else f"_noise{args.noise_db:g}dB"
    src = args.out / f"talk_{args.minutes:g}min_{args.height}p{noise}.mp4"
    truth_file = src.with_suffix(".truth.json")
    t = time.perf_counter()
    if args.reuse and src.exists() and truth_file.exists():
        truth = [tuple(x) for x in json.loads(truth_file.read_text())]
    else:
        truth = build_input(src, args.minutes, args.width, args.height, args.noise_db)
        truth_file.write_text(json.dumps(truth))
    print(f"input: {src} ({args.minutes:g} min, {args.width}x{args.height} @ 29.97, {len(truth)} speech runs, "
          f"{sum(b - a for a, b in truth):.1f} s of speech; ready in {time.perf_counter() - t:.0f} s)")
    rows: list[tuple[str, float, float, float]] = []

    # -- reel cut --silence: CLI (process start included) and library --------------------------------
    tl_path = args.out / "cut.otio"
    t = time.perf_counter()
    proc = subprocess.run([sys.executable, "-m", "reelkit.cli.main", "cut", str(src), "--silence", "--margin",
                           str(args.margin), "--export", "otio", "-o", str(tl_path), "--force", "-f", "json"],
                          capture_output=True, text=True)
    cli_s = time.perf_counter() - t
    if proc.returncode:
        raise SystemExit(proc.stderr)
    summary = json.loads(proc.stdout)
    rate = RATE
    keep_s = [(float(Fraction(s) / rate), float(Fraction(e) / rate)) for s, e in summary["ranges"]]
    rows.append(("reel cut --silence (CLI)", cli_s, summary["kept_s"], coverage(keep_s, truth)))
    from reelkit.edit.cut import plan_cut
    from reelkit.edit.sources import IndexUse

    t = time.perf_counter()
    plan = plan_cut(src, silence=True, margin=args.margin, use=IndexUse(enabled=False))
    lib_s = time.perf_counter() - t
    rows.append(("reelkit plan_cut(silence) (library)", lib_s, summary["kept_s"], coverage(keep_s, truth)))

    # -- peers ----------------------------------------------------------------------------------------
    keep, s = silencedetect_keep(src, args.margin, -35.0, 0.5)
    rows.append(("ffmpeg silencedetect -35dB d=0.5+2m (PyAV)", s, sum(b - a for a, b in keep), coverage(keep, truth)))
    ae = shutil.which("auto-editor") or (str(Path(sys.executable).with_name("auto-editor"))
                                         if Path(sys.executable).with_name("auto-editor").exists() else None)
    ae_note = "not installed"
    if ae:
        t = time.perf_counter()
        p = subprocess.run([ae, str(src), "--margin", f"{args.margin}s", "--export", "timeline:api=1",
                            "-o", str(args.out / "ae.json")], capture_output=True, text=True, timeout=600)
        ae_s = time.perf_counter() - t
        if p.returncode == 0:
            rows.append(("auto-editor", ae_s, float("nan"), float("nan")))
            ae_note = "ran"
        else:
            ae_note = (p.stderr or p.stdout).strip().splitlines()[-1][:160] if (p.stderr or p.stdout) else "failed"
    speech_total = sum(b - a for a, b in truth)
    bg = "-54 dBFS hiss" if args.noise_db is None else f"real noise at {args.noise_db:g} dBFS"
    print(f"\nsilence cut of {args.minutes:g} min ({summary['source_s']:.1f} s, true speech {speech_total:.1f} s, "
          f"margin {args.margin} s, background {bg}); auto-editor: {ae_note}")
    print(f"{'method':44s} {'seconds':>8s} {'kept s':>8s} {'speech kept':>12s}")
    for name, sec, kept, cov in rows:
        print(f"{name:44s} {sec:8.2f} {kept:8.1f} {cov * 100:11.2f}%")

    if args.skip_render:
        return
    # -- render throughput ------------------------------------------------------------------------------
    frames = sum(e - s for s, e in plan.keep)
    runs: dict[str, list[dict[str, float]]] = {"render": [], "transcode": []}
    for _ in range(args.repeat):  # alternate, keep the best of each: the machine is shared and noisy
        runs["transcode"].append(run_child(TRANSCODE_CODE.format(src=str(src), out=str(args.out / "transcode.mp4"),
                                                                 frames=frames)))
        runs["render"].append(run_child(RENDER_CODE.format(tl=str(tl_path), out=str(args.out / "render.mp4"))))
    print(f"\nrender of the cut ({frames} frames, {args.width}x{args.height}, H.264 veryfast crf 18 + AAC; "
          f"best of {args.repeat}, alternating)")
    print(f"{'method':44s} {'wall s':>8s} {'fps':>8s} {'CPU s':>8s} {'peak RSS MiB':>13s}")
    for name, key in (("reelkit render_timeline (cuts+xfades)", "render"),
                      ("plain PyAV transcode, same frames", "transcode")):
        wall = min(x["s"] for x in runs[key])
        cpu = min(x["cpu"] for x in runs[key])
        rss = max(x["rss_mib"] for x in runs[key])
        print(f"{name:44s} {wall:8.1f} {runs[key][0]['frames'] / wall:8.1f} {cpu:8.1f} {rss:13.0f}")
    print(f"\nmax RSS of this driver: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MiB")


if __name__ == "__main__":
    main()
