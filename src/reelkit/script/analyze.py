"""Script analysis: structure, pacing, dialogue share, emotional arc, dialogue/action balance, reading time.

* **Structure** — act breaks from the script's own top-level sections (``# ACT TWO``) when it has
  them, else by page position (the classic 1/4 – 1/2 – 1/4 three-act split: the first scene starting
  at or after 25 % and 75 % of the pages).
* **Pacing** — scene lengths in eighths (from :mod:`reelkit.script.paginate`), their statistics and
  scenes per ten pages along the script.
* **Dialogue share** — words, speeches and scenes per character.
* **Emotional arc** — VADER sentiment (the lexicon that ships inside ``vaderSentiment``) of each
  scene's action and dialogue: the word-weighted mean compound score per scene, in [-1, 1].
* **Balance** — dialogue words vs action words, per scene and overall.
* **Reading time** — words at 200 words per minute (screenplays read slower than prose because of
  their layout); screen time at one page per minute.
"""

from __future__ import annotations

import base64
import html
import io
import re
import statistics
from dataclasses import dataclass
from typing import Any

from reelkit.errors import BackendUnavailable
from reelkit.script.model import Screenplay
from reelkit.script.paginate import Pagination, format_eighths, paginate

__all__ = ["READING_WPM", "Analysis", "analysis_html", "analyze"]

READING_WPM = 200
_WORD_RE = re.compile(r"[\w'’-]+")
_SENT_RE = re.compile(r"(?<=[.!?])\s+")


def _words(text: str) -> int:
    return len(_WORD_RE.findall(text))


@dataclass(frozen=True)
class Analysis:
    """The result of :func:`analyze`; :meth:`to_dict` is the ``reel script analyze --format json`` schema."""

    title: str | None
    page_count: int
    length_eighths: int
    screen_time_s: float
    reading_time_min: float
    words: dict[str, int]
    acts: tuple[dict[str, Any], ...]
    act_source: str
    acts_by_page: tuple[dict[str, Any], ...]
    scenes: tuple[dict[str, Any], ...]
    scene_stats: dict[str, Any]
    pacing: tuple[dict[str, Any], ...]
    characters: tuple[dict[str, Any], ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            "title": self.title, "page_count": self.page_count, "length_eighths": self.length_eighths,
            "length": format_eighths(self.length_eighths), "screen_time_s": self.screen_time_s,
            "reading_time_min": self.reading_time_min, "scene_count": len(self.scenes),
            "words": self.words, "dialogue_ratio": self.dialogue_ratio,
            "structure": {"source": self.act_source, "acts": list(self.acts),
                          "acts_by_page_position": list(self.acts_by_page)},
            "scene_stats": self.scene_stats, "pacing": list(self.pacing), "characters": list(self.characters),
            "scenes": list(self.scenes),
        }

    @property
    def dialogue_ratio(self) -> float:
        """Dialogue words / (dialogue + action words), 0 when there is neither."""
        d, a = self.words["dialogue"], self.words["action"]
        return round(d / (d + a), 3) if d + a else 0.0


def _sentiment():
    try:
        from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer
    except ImportError as exc:  # a declared dependency; still, say what to do
        raise BackendUnavailable("the emotional arc needs vaderSentiment",
                                 hint="pip install vaderSentiment") from exc
    return SentimentIntensityAnalyzer()


def analyze(sp: Screenplay, *, pagination: Pagination | None = None) -> Analysis:
    """Analyse ``sp`` (see the module docstring). Works on scripts without scene headings too (one
    pseudo-scene then covers the whole text)."""
    pg = pagination or paginate(sp)
    scenes = sp.scenes()
    lengths = {s.index: s for s in pg.scenes}
    vader = _sentiment()
    total_words = {"dialogue": 0, "action": 0, "other": 0}
    per_char: dict[str, dict[str, Any]] = {}
    scene_rows: list[dict[str, Any]] = []

    spans: list[tuple[int | None, int, int]] = [(sc.index, sc.start + 1, sc.stop) for sc in scenes]
    if not scenes:
        spans = [(None, 0, len(sp.elements))]
    # words before the first scene count towards the totals
    first = scenes[0].start if scenes else len(sp.elements)
    for e in sp.elements[:first] if scenes else ():
        total_words["dialogue" if e.type in ("dialogue", "lyrics") else
                    "action" if e.type == "action" else "other"] += _words(e.text)

    for idx, a, b in spans:
        dw = aw = 0
        score_sum = 0.0
        score_w = 0
        pos = neg = 0.0
        speakers: dict[str, int] = {}
        for e in sp.elements[a:b]:
            if e.type in ("section", "synopsis", "note", "page_break"):
                continue
            n = _words(e.text)
            if e.type in ("dialogue", "lyrics") and e.character:
                dw += n
                name = e.character.upper()
                c = per_char.setdefault(name, {"name": name, "words": 0, "speeches": 0, "scenes": set()})
                c["words"] += n
                if idx is not None:
                    c["scenes"].add(idx)
                speakers[name] = speakers.get(name, 0) + n
            elif e.type == "character":
                name = e.text.upper()
                per_char.setdefault(name, {"name": name, "words": 0, "speeches": 0, "scenes": set()})
                per_char[name]["speeches"] += 1
                continue
            elif e.type == "action":
                aw += n
            else:
                total_words["other"] += n
            if e.type in ("dialogue", "lyrics", "action", "parenthetical") and n:
                for sent in _SENT_RE.split(e.text.replace("\n", " ")):
                    k = _words(sent)
                    if not k:
                        continue
                    s = vader.polarity_scores(sent)
                    score_sum += s["compound"] * k
                    pos += s["pos"] * k
                    neg += s["neg"] * k
                    score_w += k
        total_words["dialogue"] += dw
        total_words["action"] += aw
        if idx is None:
            continue
        sc = scenes[idx]
        ln = lengths.get(idx)
        scene_rows.append({
            "index": idx, "number": sc.number or str(idx + 1), "heading": sc.heading,
            "eighths": ln.eighths if ln else 0, "length": ln.length if ln else "0/8",
            "start_page": ln.start_page if ln else 0,
            "dialogue_words": dw, "action_words": aw,
            "dialogue_ratio": round(dw / (dw + aw), 3) if dw + aw else 0.0,
            "sentiment": round(score_sum / score_w, 4) if score_w else 0.0,
            "positive": round(pos / score_w, 4) if score_w else 0.0,
            "negative": round(neg / score_w, 4) if score_w else 0.0,
            "speakers": speakers,
        })

    # acts
    acts, source = _acts(sp, scene_rows, pg)
    by_page = _acts_by_page(scene_rows, pg) if scene_rows else []
    for r in scene_rows:
        r["act"] = next((a["act"] for a in reversed(acts) if r["index"] >= a["start_scene_index"]), 1)

    eighths = [r["eighths"] for r in scene_rows]
    stats: dict[str, Any] = {"count": len(scene_rows)}
    if eighths:
        longest = max(scene_rows, key=lambda r: r["eighths"])
        shortest = min(scene_rows, key=lambda r: r["eighths"])
        stats.update({"mean_eighths": round(statistics.fmean(eighths), 2), "median_eighths": statistics.median(eighths),
                      "longest": {"number": longest["number"], "eighths": longest["eighths"]},
                      "shortest": {"number": shortest["number"], "eighths": shortest["eighths"]},
                      "over_3_pages": [r["number"] for r in scene_rows if r["eighths"] > 24]})
    pacing = []
    if pg.page_count:
        for start in range(1, pg.page_count + 1, 10):
            win = [r for r in scene_rows if start <= r["start_page"] < start + 10]
            pacing.append({"pages": f"{start}-{min(start + 9, pg.page_count)}", "scenes": len(win),
                           "mean_eighths": round(statistics.fmean([r["eighths"] for r in win]), 2) if win else 0.0,
                           "sentiment": round(statistics.fmean([r["sentiment"] for r in win]), 4) if win else 0.0})
    total_dialogue = sum(c["words"] for c in per_char.values()) or 1
    chars = sorted(per_char.values(), key=lambda c: -c["words"])
    char_rows = tuple({"name": c["name"], "words": c["words"], "speeches": c["speeches"], "scenes": len(c["scenes"]),
                       "share": round(c["words"] / total_dialogue, 4)} for c in chars)
    all_words = sum(total_words.values())
    return Analysis(
        title=sp.title, page_count=pg.page_count, length_eighths=pg.length_eighths,
        screen_time_s=round(pg.screen_time_s, 1), reading_time_min=round(all_words / READING_WPM, 1),
        words={**total_words, "total": all_words}, acts=tuple(acts), act_source=source,
        acts_by_page=tuple(by_page), scenes=tuple(scene_rows),
        scene_stats=stats, pacing=tuple(pacing), characters=char_rows)


def _acts(sp: Screenplay, rows: list[dict[str, Any]], pg: Pagination) -> tuple[list[dict[str, Any]], str]:
    """Act starts from level-1 sections mentioning "act", else from page position (25 % / 75 %)."""
    if not rows:
        return [], "none"
    scenes = sp.scenes()
    secs = [(i, e.text) for i, e in enumerate(sp.elements)
            if e.type == "section" and (e.level or 1) == 1 and re.search(r"\bact\b", e.text, re.IGNORECASE)]
    acts: list[dict[str, Any]] = []
    if len(secs) >= 2:
        for k, (i, title) in enumerate(secs):
            sc = next((s for s in scenes if s.start > i), None)
            if sc is None:
                continue
            row = rows[sc.index]
            acts.append({"act": k + 1, "title": title, "start_scene": row["number"], "start_scene_index": sc.index,
                         "start_page": row["start_page"]})
        if len(acts) >= 2:
            acts[0]["start_scene_index"] = 0
            return acts, "sections"
    return _acts_by_page(rows, pg), "page position"


def _acts_by_page(rows: list[dict[str, Any]], pg: Pagination) -> list[dict[str, Any]]:
    """Three acts split at 25 % and 75 % of the script's length (the first scene starting at or after)."""
    acts = [{"act": 1, "title": "Act I (setup)", "start_scene": rows[0]["number"], "start_scene_index": 0,
             "start_page": rows[0]["start_page"]}]
    total = pg.length_eighths or 1
    cum = 0
    marks = [(0.25, "Act II (confrontation)"), (0.75, "Act III (resolution)")]
    for r in rows:
        pos = cum / total
        while marks and pos >= marks[0][0] and r["index"] > acts[-1]["start_scene_index"]:
            _, title = marks.pop(0)
            acts.append({"act": len(acts) + 1, "title": title, "start_scene": r["number"],
                         "start_scene_index": r["index"], "start_page": r["start_page"]})
        cum += r["eighths"]
    return acts


# ---------------------------------------------------------------------------------------------------
def _png(fig: Any) -> str:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=96, bbox_inches="tight")
    import matplotlib.pyplot as plt

    plt.close(fig)
    return base64.b64encode(buf.getvalue()).decode("ascii")


def analysis_plots(an: Analysis) -> dict[str, bytes]:
    """The report's plots as PNG bytes: ``scene_lengths``, ``emotional_arc``, ``dialogue_share``, ``balance``."""
    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt

    rows = list(an.scenes)
    xs = list(range(1, len(rows) + 1))
    labels = [r["number"] for r in rows]
    step = max(1, len(rows) // 30)
    out: dict[str, bytes] = {}

    def ticks(ax: Any) -> None:
        ax.set_xticks(xs[::step])
        ax.set_xticklabels(labels[::step], rotation=90 if len(rows) > 20 else 0, fontsize=8)
        for a in an.acts[1:]:
            ax.axvline(a["start_scene_index"] + 0.5, color="crimson", ls="--", lw=1)

    fig, ax = plt.subplots(figsize=(9, 3))
    ax.bar(xs, [r["eighths"] / 8 for r in rows], color="#4a78b5")
    ax.set_ylabel("pages")
    ax.set_xlabel("scene")
    ax.set_title("Scene lengths (dashed: act breaks)")
    ticks(ax)
    out["scene_lengths"] = base64.b64decode(_png(fig))

    fig, ax = plt.subplots(figsize=(9, 3))
    vals = [r["sentiment"] for r in rows]
    ax.axhline(0, color="#999", lw=0.8)
    ax.fill_between(xs, vals, 0, where=[v >= 0 for v in vals], color="#7cc47c", alpha=0.6, interpolate=True)
    ax.fill_between(xs, vals, 0, where=[v < 0 for v in vals], color="#d9534f", alpha=0.6, interpolate=True)
    ax.plot(xs, vals, color="#333", lw=1, marker="o", ms=3)
    ax.set_ylim(-1, 1)
    ax.set_ylabel("VADER compound")
    ax.set_title("Emotional arc by scene")
    ticks(ax)
    out["emotional_arc"] = base64.b64decode(_png(fig))

    chars = list(an.characters)[:12]
    fig, ax = plt.subplots(figsize=(6, max(2.0, 0.35 * len(chars) + 0.8)))
    ax.barh([c["name"] for c in chars][::-1], [100 * c["share"] for c in chars][::-1], color="#e0a040")
    ax.set_xlabel("% of dialogue words")
    ax.set_title("Dialogue share")
    out["dialogue_share"] = base64.b64decode(_png(fig))

    fig, ax = plt.subplots(figsize=(9, 3))
    ax.bar(xs, [r["action_words"] for r in rows], label="action", color="#888")
    ax.bar(xs, [r["dialogue_words"] for r in rows], bottom=[r["action_words"] for r in rows], label="dialogue",
           color="#4a78b5")
    ax.set_ylabel("words")
    ax.legend(fontsize=8)
    ax.set_title("Dialogue vs action by scene")
    ticks(ax)
    out["balance"] = base64.b64decode(_png(fig))
    return out


def analysis_html(an: Analysis) -> str:
    """A self-contained HTML report (plots embedded as base64 PNG)."""
    e = html.escape
    plots = analysis_plots(an)
    img = {k: f"<img alt='{k}' src='data:image/png;base64,{base64.b64encode(v).decode('ascii')}'>"
           for k, v in plots.items()}
    m, s = divmod(int(an.screen_time_s), 60)
    out = ["<!DOCTYPE html><html><head><meta charset='utf-8'>",
           f"<title>Analysis — {e(an.title or 'screenplay')}</title><style>",
           "body{font-family:system-ui,sans-serif;margin:2em;color:#222;max-width:1000px} table{border-collapse:"
           "collapse;font-size:13px} th,td{border:1px solid #bbb;padding:3px 6px;text-align:left} th{background:#eee}"
           " .kpi span{display:inline-block;margin-right:2em} img{max-width:100%}</style></head><body>",
           f"<h1>Script analysis: {e(an.title or 'untitled')}</h1>",
           f"<p class='kpi'><span><b>{an.page_count}</b> pages</span><span><b>{len(an.scenes)}</b> scenes</span>"
           f"<span>screen time ≈ <b>{m}:{s:02d}</b></span><span>reading time ≈ <b>{an.reading_time_min}</b> min"
           f"</span><span>dialogue <b>{round(100 * an.dialogue_ratio)}%</b> of words</span></p>",
           f"<h2>Structure ({e(an.act_source)})</h2><table><tr><th>Act</th><th>Title</th><th>Starts at scene</th>"
           "<th>Page</th></tr>"]
    for a in an.acts:
        out.append(f"<tr><td>{a['act']}</td><td>{e(a['title'])}</td><td>{e(a['start_scene'])}</td>"
                   f"<td>{a['start_page']}</td></tr>")
    if an.act_source != "page position" and an.acts_by_page:
        out.append("<tr><td colspan='4'>By page position (25 % / 75 %): acts start at scenes "
                   + e(", ".join(a["start_scene"] for a in an.acts_by_page)) + "</td></tr>")
    out.append(f"</table>{img['scene_lengths']}<h2>Emotional arc</h2>{img['emotional_arc']}")
    out.append(f"<h2>Dialogue share</h2>{img['dialogue_share']}<table><tr><th>Character</th><th>Words</th>"
               "<th>Speeches</th><th>Scenes</th><th>Share</th></tr>")
    for c in an.characters:
        out.append(f"<tr><td>{e(c['name'])}</td><td>{c['words']}</td><td>{c['speeches']}</td><td>{c['scenes']}</td>"
                   f"<td>{100 * c['share']:.1f}%</td></tr>")
    out.append(f"</table><h2>Dialogue vs action</h2>{img['balance']}")
    out.append("<h2>Scenes</h2><table><tr><th>Sc</th><th>Heading</th><th>Act</th><th>Length</th><th>Page</th>"
               "<th>Dialogue %</th><th>Sentiment</th></tr>")
    for r in an.scenes:
        out.append(f"<tr><td>{e(r['number'])}</td><td>{e(r['heading'])}</td><td>{r['act']}</td><td>{e(r['length'])}"
                   f"</td><td>{r['start_page']}</td><td>{round(100 * r['dialogue_ratio'])}</td>"
                   f"<td>{r['sentiment']:+.2f}</td></tr>")
    out.append("</table><p>Sentiment: VADER compound score (−1 … +1), word-weighted over the scene's sentences."
               "</p></body></html>")
    return "\n".join(out)
