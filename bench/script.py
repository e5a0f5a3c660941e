"""Benchmark: parse + paginate + breakdown a ~120-page screenplay; Fountain parsers of peers on the same text.

The 120-page script is built here from the bundled sample screenplay and the afterwriting feature
script (shared data), each copy varied (scene numbers, character names, locations) so that the
breakdown sees ~100 distinct characters and locations, as in a feature. Also times a 10 MB script.

Peers (same input, same run): screenplain (``pip install screenplain``) and Jouvence
(``pip install jouvence``) — parse only: neither paginates nor breaks a script down.

Run:  .venv/bin/python bench/script.py [--repeat 5]
"""

from __future__ import annotations

import argparse
import io
import platform
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path

from reelkit.script import load_screenplay, parse_fountain
from reelkit.script.breakdown import breakdown
from reelkit.script.io import sample_script_path
from reelkit.script.paginate import paginate

REPO = Path(__file__).resolve().parents[1]
SHARED = (REPO / ".." / "shared" / "data" / "screenplay").resolve()


def build_feature(target_pages: int = 120) -> str:
    """A Fountain feature of about ``target_pages`` Letter pages (varied copies of two real scripts)."""
    sample = sample_script_path().read_text(encoding="utf-8")
    title, body = sample.split("FADE IN:", 1)
    aw = (SHARED / "afterwriting" / "test.fountain").read_text(encoding="utf-8").replace("\r\n", "\n")
    aw_body = aw[aw.index("# Act 1"):]
    out = [title.strip(), "", "FADE IN:"]
    k = 0
    pages = 0
    while pages < target_pages:
        k += 1
        part = body if k % 3 else aw_body
        part = re.sub(r"#(\d+)#", lambda m, k=k: f"#{k}-{m.group(1)}#", part)
        # vary names and places so the breakdown has many distinct entries
        for name in ("MAYA", "LEO", "ARTHUR", "COLLECTOR", "HERO 1", "HERO 2", "HERO 3"):
            part = part.replace(name, f"{name} {k % 17}" if k % 2 else name)
        part = part.replace("PALACE CINEMA", f"PALACE CINEMA {k % 11}").replace("BASIC BLOCKS", f"BLOCK {k % 7}")
        out.append(part)
        if k % 4 == 0:
            pages = paginate(parse_fountain("\n".join(out))).page_count
    return "\n".join(out)


def _time(fn, repeat: int) -> tuple[float, float, float]:
    """(median wall s, min wall s, median CPU s of this process) over ``repeat`` runs."""
    ts, cs = [], []
    for _ in range(repeat):
        t, c = time.perf_counter(), time.process_time()
        fn()
        ts.append(time.perf_counter() - t)
        cs.append(time.process_time() - c)
    return statistics.median(ts), min(ts), statistics.median(cs)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args()
    text = build_feature()
    tmp = Path(tempfile.mkdtemp(prefix="reel-bench-script-"))
    path = tmp / "feature.fountain"
    path.write_text(text, encoding="utf-8")
    sp = load_screenplay(path)
    pg = paginate(sp)
    b = breakdown(sp, pagination=pg)
    print(f"python {platform.python_version()} on {platform.machine()}, script {len(text) / 1e3:.0f} kB, "
          f"{len(sp.elements)} elements, {len(sp.scenes())} scenes, {pg.page_count} pages (Letter), "
          f"{len(b.cast)} cast, {len(b.locations)} locations")

    def full() -> None:
        s = load_screenplay(path)
        p = paginate(s)
        breakdown(s, pagination=p)

    rows: list[tuple[str, float, float, float]] = []
    rows.append(("reelkit parse+paginate+breakdown (file → sheets)", *_time(full, args.repeat)))
    rows.append(("reelkit parse only", *_time(lambda: parse_fountain(text), args.repeat)))
    rows.append(("reelkit paginate only", *_time(lambda: paginate(sp), args.repeat)))
    rows.append(("reelkit breakdown only (pagination given)", *_time(lambda: breakdown(sp, pagination=pg),
                                                                     args.repeat)))
    try:
        from screenplain.parsers.fountain import parse as sp_parse

        rows.append(("screenplain 0.12 parse", *_time(lambda: sp_parse(io.StringIO(text)), args.repeat)))
    except ImportError:
        print("screenplain not installed (pip install screenplain): skipped", file=sys.stderr)
    try:
        from jouvence.parser import JouvenceParser

        rows.append(("jouvence 0.4 parse", *_time(lambda: JouvenceParser().parseString(text), args.repeat)))
    except ImportError:
        print("jouvence not installed (pip install jouvence): skipped", file=sys.stderr)

    big = text * max(1, 10_000_000 // len(text) + 1)
    rows.append((f"reelkit parse {len(big) / 1e6:.1f} MB", *_time(lambda: parse_fountain(big), 1)))
    try:
        from screenplain.parsers.fountain import parse as sp_parse2

        rows.append((f"screenplain parse {len(big) / 1e6:.1f} MB", *_time(lambda: sp_parse2(io.StringIO(big)), 1)))
    except ImportError:
        pass
    print(f"\n{'task':<52} {'median s':>9} {'min s':>8} {'CPU s':>8}")
    for name, med, mn, cpu in rows:
        print(f"{name:<52} {med:>9.3f} {mn:>8.3f} {cpu:>8.3f}")
    target = rows[0][1]
    print(f"\ntarget: parse + paginate + breakdown of a {pg.page_count}-page script < 1 s: "
          f"{'MET' if target < 1.0 else 'NOT MET'} (median {target:.3f} s)")


if __name__ == "__main__":
    main()
