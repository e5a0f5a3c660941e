"""reel studio speed: first paint of the app, and edit-preview latency on a 10-minute transcript.

Runs the real ``reel studio`` process and Debian's headless Chromium (Playwright), like the e2e test.

* **first paint**: a fresh page opens the token URL; ``first-contentful-paint`` and ``reel-ready`` (the bin
  listed) from the Performance API, median of ``--repeats`` page loads (first load included).
* **edit preview**: on a 10-minute clip with a 10-minute transcript (generated: 1,500 words at 150 wpm,
  5 % fillers, pauses — a mechanics input, the latency does not depend on what is said), a word is clicked
  and Delete pressed; latency = keydown → the player holds the new edit list and the next frame is painted
  (``requestAnimationFrame`` after the update). Every edit is saved as OTIO too (what the studio does).
  Also the server-side library call alone (``Project.keep_ranges``), wall and CPU.

    .venv/bin/python bench/studio.py [--repeats 5] [--edits 30]
"""

from __future__ import annotations

import argparse
import random
import shutil
import statistics
import sys
import tempfile
import time
from fractions import Fraction
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.studio.conftest import start_studio, stop_studio

from reelkit.analysis.speech import Segment, Transcript, Word
from reelkit.media import MediaWriter
from reelkit.studio.data import EditSpec, Project

ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--no-first-run"]
SR = 16000


def make_clip(path: Path, seconds: int = 600, rate: int = 25) -> Path:
    """A 10-minute 160x90 clip with silent stereo audio (fast to encode)."""
    frame = np.zeros((90, 160, 3), np.uint8)
    with MediaWriter(path, width=160, height=90, rate=Fraction(rate), crf=35, audio_rate=48000,
                     audio_channels=2) as out:
        silence = np.zeros((2, 48000), np.float32)
        for i in range(seconds * rate):
            frame[:, :, 0] = (i * 3) % 256
            out.write_video(frame)
            if i % rate == rate - 1:
                out.write_audio(silence)
    return path


def make_transcript(media: Path, seconds: int = 600, seed: int = 1) -> Transcript:
    """1,500 words over ~``seconds``: 0.18-0.34 s words, short gaps, a long pause every ~25 words."""
    rng = random.Random(seed)
    vocab = ["the", "a", "we", "and", "so", "this", "is", "what", "you", "can", "do", "for", "your", "country",
             "ask", "not", "of", "how", "when", "time"]
    words, t = [], 0.3
    while t < seconds - 1 and len(words) < 1500:
        filler = rng.random() < 0.05
        text = rng.choice(["um", "uh"]) if filler else rng.choice(vocab)
        d = rng.uniform(0.18, 0.34)
        words.append(Word(text, round(t * SR), round((t + d) * SR), 0.9, filler))
        t += d + (rng.uniform(0.9, 1.6) if rng.random() < 0.04 else rng.uniform(0.02, 0.12))
    segs, start = [], 0
    for i in range(1, len(words) + 1):
        if i == len(words) or words[i].start - words[i - 1].end > 0.5 * SR or i - start >= 30:
            segs.append(Segment(words[start].start, words[i - 1].end,
                                " ".join(w.text for w in words[start:i]), f"Speaker {1 + (len(segs) // 4) % 2}"))
            start = i
    return Transcript(media=str(media), language="en", backend="bench", sample_rate=SR, words=words, segments=segs)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--edits", type=int, default=30)
    ap.add_argument("--chromium", default=shutil.which("chromium") or "/usr/bin/chromium")
    a = ap.parse_args()
    from playwright.sync_api import sync_playwright

    tmp = Path(tempfile.mkdtemp(prefix="reel-studio-bench-"))
    folder = tmp / "project"
    folder.mkdir()
    t0 = time.perf_counter()
    media = make_clip(folder / "talk10min.mp4")
    t = make_transcript(media)
    project = Project(folder)
    project.import_transcript("talk10min.mp4", t)
    print(f"input: {media.name} 600 s 25 fps, {len(t.words)} words to {t.words[-1].end / SR:.0f} s, "
          f"{sum(w.filler for w in t.words)} fillers, {len(t.segments)} segments "
          f"(made in {time.perf_counter() - t0:.1f} s)")

    # the library call alone
    rng = random.Random(7)
    wall, cpu = [], []
    deleted: set[int] = set()
    for _ in range(a.edits):
        deleted.add(rng.randrange(len(t.words)))
        w0, c0 = time.perf_counter(), time.process_time()
        project.keep_ranges("talk10min.mp4", EditSpec(sorted(deleted)))
        wall.append(1000 * (time.perf_counter() - w0))
        cpu.append(1000 * (time.process_time() - c0))
    print(f"keep_ranges (library, {a.edits} growing edits): wall median {statistics.median(wall):.1f} ms "
          f"max {max(wall):.1f} ms; CPU median {statistics.median(cpu):.1f} ms")

    studio = start_studio(folder)
    try:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=a.chromium, args=ARGS)
            fcp, ready = [], []
            for _ in range(a.repeats):
                page = browser.new_page(viewport={"width": 1360, "height": 820})
                page.goto(studio.url)
                page.wait_for_selector('body[data-ready="1"]')
                fcp.append(page.evaluate("() => performance.getEntriesByName('first-contentful-paint')[0].startTime"))
                ready.append(page.evaluate("() => performance.getEntriesByName('reel-ready')[0].startTime"))
                page.close()
            print(f"first contentful paint: median {statistics.median(fcp):.0f} ms, max {max(fcp):.0f} ms "
                  f"(first load {fcp[0]:.0f} ms); bin ready: median {statistics.median(ready):.0f} ms, "
                  f"max {max(ready):.0f} ms  [{a.repeats} loads]")

            page = browser.new_page(viewport={"width": 1360, "height": 820})
            page.goto(studio.url)
            page.wait_for_selector('body[data-ready="1"]')
            page.locator('.card[data-path="talk10min.mp4"] button.open').click()
            page.wait_for_selector("#transcript .w")
            n = page.locator("#transcript .w").count()
            page.evaluate("""() => {
                window.__lat = []; window.__t0 = 0;
                document.addEventListener('keydown', () => { window.__t0 = performance.now(); }, true);
                new MutationObserver(() => requestAnimationFrame(() =>
                    window.__lat.push(performance.now() - window.__t0)))
                  .observe(document.body, { attributes: true, attributeFilter: ['data-edit-seq'] });
            }""")
            for k in range(a.edits):
                i = rng.randrange(n)
                before = page.evaluate("() => window.__lat.length")
                page.locator(f'#transcript .w[data-i="{i}"]').click()
                page.keyboard.press("Delete")
                page.wait_for_function(f"() => window.__lat.length > {before}")
                if k == 0:
                    page.wait_for_timeout(200)
            lat = page.evaluate("() => window.__lat")
            browser.close()
        lat = sorted(lat)
        p95 = lat[min(len(lat) - 1, int(0.95 * len(lat)))]
        print(f"edit preview in the browser ({n} words, {len(lat)} edits): median {statistics.median(lat):.0f} ms, "
              f"p95 {p95:.0f} ms, max {max(lat):.0f} ms")
    finally:
        stop_studio(studio)
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
