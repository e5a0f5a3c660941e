"""Script breakdown: per-scene elements a production needs, a cast-by-scene table and a location list.

Per scene: INT/EXT, day/night, location, length in eighths (from :mod:`reelkit.script.paginate`),
cast (speaking: the character cues; non-speaking: characters named in action — the capitalised first
mention ``MAYA ORTIZ (30s)`` or a later mention of a known character's name), extras, props, wardrobe,
vehicles, animals, SFX, sound, makeup, and what was tagged explicitly in notes (``[[prop: gun]]``).

Sources, in order of trust: explicit notes, capitalised words in action (the screenwriting
convention for first mentions of characters, props and sounds), then lower-case nouns of the
category word lists in :mod:`reelkit.script.lexicon`. Capitalised phrases that fit no category are
listed under ``other`` for a person to sort, never dropped. This is a first pass for a 1st AD, not a
replacement for reading the script.
"""

from __future__ import annotations

import bisect
import csv
import html
import io
import re
from dataclasses import dataclass, field
from typing import Any

from reelkit.script.lexicon import LEXICON, NOTE_CATEGORIES, PERSON_NOUNS, PHRASE_FIRST_WORDS, lookup, singular
from reelkit.script.model import Scene, Screenplay
from reelkit.script.paginate import Pagination, format_eighths, paginate

__all__ = ["CATEGORIES", "Breakdown", "CastRow", "LocationRow", "SceneBreakdown", "breakdown"]

#: Item categories of a breakdown sheet (besides cast), in column order.
CATEGORIES: tuple[str, ...] = ("extras", "props", "wardrobe", "vehicles", "animals", "sfx", "sound", "makeup", "other")

# Capitalised phrase: words of 2+ upper-case letters (apostrophes, hyphens, dots and digits allowed inside).
_CAPS_RE = re.compile(r"(?<![\w'])([A-Z][A-Z0-9'’\-.]*[A-Z0-9](?:\s+[A-Z][A-Z0-9'’\-.]*[A-Z0-9])*)(?![\w'])")
_AGE_RE = re.compile(r"\s*\((?:[^)]{0,20}\d\d?s?[^)]{0,20}|[a-z ]*(?:teens|twenties|thirties|forties|fifties|"
                     r"sixties|seventies|eighties|nineties)[a-z ]*)\)")
_WORD_RE = re.compile(r"[A-Za-z][A-Za-z'’\-]*")
# words that are too often not nouns (or not the item) to count when written in lower case
_AMBIGUOUS = frozenset({
    "can", "still", "match", "matches", "ring", "rings", "file", "record", "present", "card", "cards", "bill", "remote",
    "screen", "sign", "frame", "club", "bow", "watch", "shot", "shots", "cut", "wet", "pale", "band", "fly", "bat",
    "tank", "cart", "key", "film", "tie", "box", "glass", "light", "static", "silence", "echo", "water", "wave",
    "waves", "tea", "coffee", "crew", "staff", "team", "background", "players", "people", "ash", "hood", "pipe",
    "fire", "flame", "burn", "mask", "picture", "sheet", "pot", "pan", "plate", "paper", "tape", "dirty", "bald",
    "crying", "tears", "flare", "flicker", "strobe", "click", "clicks", "hum", "tick", "ticking", "shout", "shouts",
    "cheer", "cheers", "crash", "thud", "slam", "slams", "knock", "knocks", "horn", "roar", "roars", "screams",
    "scream", "collar", "cap", "trainers", "shoe", "heels", "cane", "crutch", "pills", "bag", "book", "safe",
    "marker", "pen", "drum", "vest", "suit", "seal", "collapse", "blast", "spark", "sparks", "flood", "tremor",
    "cruiser", "cab", "bike", "jumper", "coat", "trunk", "party", "gang", "mob", "army", "dust", "hammer", "hammers",
    "speaker", "speakers", "drill", "saw", "monitor", "spade", "ball", "kite", "medal", "flag",
    "stamp", "bolt", "lighter", "pilot", "ice", "bear", "wolf", "fox", "duck", "bull", "mouse", "bug", "bugs",
})
_STOP_CAPS = frozenset({"I", "A", "OK", "TV", "CONT'D", "CONT’D", "V.O.", "O.S.", "O.C.", "POV", "CU", "ECU",
                        "INT", "EXT", "DAY", "NIGHT", "THE END", "FADE IN", "FADE OUT", "CUT TO", "LATER",
                        "CONTINUOUS", "MORE", "BACK TO SCENE", "ANGLE ON", "CLOSE ON", "INSERT", "FLASHBACK",
                        "SUPER", "TITLE", "MONTAGE", "SERIES OF SHOTS", "END OF", "BEAT", "WE SEE"})
_SAME_TIME = frozenset({"CONTINUOUS", "LATER", "MOMENTS LATER", "A MOMENT LATER", "SAME", "SAME TIME"})
_SOUND_CAPS_SUFFIXES = ("S", "ES", "ING")


@dataclass(frozen=True)
class SceneBreakdown:
    """One breakdown sheet (one scene). ``items`` maps each of :data:`CATEGORIES` to its items (lower case,
    as written, first-seen order)."""

    index: int
    number: str
    heading: str
    int_ext: str | None
    day_night: str | None
    time_of_day: str | None
    location: str
    eighths: int
    start_page: int
    cast_speaking: tuple[str, ...]
    cast_non_speaking: tuple[str, ...]
    items: dict[str, tuple[str, ...]] = field(default_factory=dict)
    synopsis: str | None = None
    notes: tuple[str, ...] = ()

    @property
    def cast(self) -> tuple[str, ...]:
        return self.cast_speaking + self.cast_non_speaking

    @property
    def pages(self) -> str:
        return format_eighths(self.eighths)

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {
            "index": self.index, "number": self.number, "heading": self.heading, "int_ext": self.int_ext,
            "day_night": self.day_night, "time_of_day": self.time_of_day, "location": self.location,
            "eighths": self.eighths, "pages": self.pages, "start_page": self.start_page,
            "cast": {"speaking": list(self.cast_speaking), "non_speaking": list(self.cast_non_speaking)},
        }
        for c in CATEGORIES:
            d[c] = list(self.items.get(c, ()))
        d["synopsis"] = self.synopsis
        d["notes"] = list(self.notes)
        return d


@dataclass(frozen=True)
class CastRow:
    """A day-out-of-days style row: a cast member across the scenes (``"S"`` speaks, ``"X"`` present)."""

    id: int
    name: str
    marks: tuple[str, ...]  # one per scene: "S", "X" or ""
    scenes: int
    speaking_scenes: int
    eighths: int
    first_scene: str
    last_scene: str

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "name": self.name, "scenes": self.scenes, "speaking_scenes": self.speaking_scenes,
                "eighths": self.eighths, "pages": format_eighths(self.eighths), "first_scene": self.first_scene,
                "last_scene": self.last_scene, "marks": list(self.marks)}


@dataclass(frozen=True)
class LocationRow:
    """A location and the scenes set there."""

    location: str
    int_ext: tuple[str, ...]
    day_night: tuple[str, ...]
    scenes: tuple[str, ...]
    eighths: int

    def to_dict(self) -> dict[str, Any]:
        return {"location": self.location, "int_ext": list(self.int_ext), "day_night": list(self.day_night),
                "scenes": list(self.scenes), "eighths": self.eighths, "pages": format_eighths(self.eighths)}


@dataclass(frozen=True)
class Breakdown:
    """The whole breakdown: sheets, cast-by-scene table, locations."""

    title: str | None
    page_count: int
    length_eighths: int
    scenes: tuple[SceneBreakdown, ...]
    cast: tuple[CastRow, ...]
    locations: tuple[LocationRow, ...]

    def to_dict(self) -> dict[str, Any]:
        return {"title": self.title, "page_count": self.page_count, "length_eighths": self.length_eighths,
                "length": format_eighths(self.length_eighths),
                "scenes": [s.to_dict() for s in self.scenes],
                "day_out_of_days": {"scenes": [s.number for s in self.scenes],
                                    "cast": [c.to_dict() for c in self.cast]},
                "locations": [loc.to_dict() for loc in self.locations]}

    def to_csv(self) -> str:
        """The breakdown sheets as CSV, one row per scene; lists joined with ``"; "``."""
        buf = io.StringIO()
        w = csv.writer(buf, lineterminator="\n")
        w.writerow(["scene", "heading", "int_ext", "day_night", "location", "pages", "eighths", "start_page",
                    "cast_speaking", "cast_non_speaking", *CATEGORIES, "synopsis", "notes"])
        for s in self.scenes:
            w.writerow([s.number, s.heading, s.int_ext or "", s.day_night or "", s.location, s.pages, s.eighths,
                        s.start_page, "; ".join(s.cast_speaking), "; ".join(s.cast_non_speaking),
                        *("; ".join(s.items.get(c, ())) for c in CATEGORIES), s.synopsis or "",
                        "; ".join(s.notes)])
        return buf.getvalue()

    def dood_csv(self) -> str:
        """The cast-by-scene table as CSV (a row per cast member, a column per scene)."""
        buf = io.StringIO()
        w = csv.writer(buf, lineterminator="\n")
        w.writerow(["id", "cast", *[f"sc {s.number}" for s in self.scenes], "scenes", "pages"])
        for c in self.cast:
            w.writerow([c.id, c.name, *c.marks, c.scenes, format_eighths(c.eighths)])
        return buf.getvalue()

    def to_html(self) -> str:
        """A self-contained HTML report: summary, breakdown sheets, cast-by-scene table, locations."""
        return _html(self)


# ---------------------------------------------------------------------------------------------------
def _norm_name(name: str) -> str:
    return re.sub(r"\s+", " ", name.replace("’", "'")).strip().upper()


def _scene_texts(scene: Scene) -> list[str]:
    return [e.text for e in scene.elements if e.type == "action"]


def breakdown(sp: Screenplay, *, pagination: Pagination | None = None) -> Breakdown:
    """Break ``sp`` down scene by scene (see the module docstring).

    Args:
        pagination: reuse a :func:`~reelkit.script.paginate.paginate` result (computed when ``None``).
    """
    pg = pagination or paginate(sp)
    scenes = sp.scenes()
    speaking_all = {_norm_name(n) for n in sp.characters()}
    # names introduced in action with an age, e.g. "MAYA ORTIZ (30s)"; map to a speaking name when one matches
    alias: dict[str, str] = {n: n for n in speaking_all}
    for sc in scenes:
        for t in _scene_texts(sc):
            for m in _CAPS_RE.finditer(t):
                phrase = _norm_name(m.group(1))
                if _AGE_RE.match(t, m.end()):
                    alias[phrase] = _canonical(phrase, speaking_all)
    known = {a: c for a, c in alias.items()}
    # first word of a multi-word cast name, e.g. "MAYA" for "MAYA ORTIZ" (only when unambiguous)
    firsts: dict[str, set[str]] = {}
    for a, c in alias.items():
        firsts.setdefault(a.split()[0], set()).add(c)
    for f, cs in firsts.items():
        if len(cs) == 1 and f not in known and len(f) > 2:
            known[f] = next(iter(cs))
    # one alternation for every known name in mixed case ("Maya"), longest first
    by_title = {name.title(): known[name] for name in known if len(name) > 2}
    mention_re = re.compile(r"(?<![\w'])(" + "|".join(re.escape(t) for t in sorted(by_title, key=len, reverse=True))
                            + r")(?![\w])") if by_title else None

    sheets: list[SceneBreakdown] = []
    lengths = {s.index: s for s in pg.scenes}
    prev_dn: str | None = None
    for sc in scenes:
        day_night = sc.day_night
        if day_night is None and (sc.time_of_day or "") in _SAME_TIME:
            day_night = prev_dn  # CONTINUOUS / LATER / SAME keep the previous scene's day or night
        prev_dn = day_night
        speaking: dict[str, None] = {}
        for e in sc.elements:
            if e.type == "character":
                speaking.setdefault(_canonical(_norm_name(e.text), speaking_all), None)
        present: dict[str, None] = {}
        items: dict[str, dict[str, str]] = {c: {} for c in CATEGORIES}
        notes: list[str] = []

        def add(cat: str, item: str, items: dict[str, dict[str, str]] = items) -> None:
            item = item.strip().strip(".,;:!?").lower()
            if item:
                items[cat].setdefault(singular(item), item)

        synopsis = next((e.text for e in sc.elements if e.type == "synopsis"), None)
        for e in sc.elements:
            for note in (*e.notes, *([e.text] if e.type == "note" else [])):
                cat, item = _note_category(note)
                if cat == "cast":
                    present.setdefault(_canonical(_norm_name(item), speaking_all), None)
                elif cat is not None:
                    add(cat, item)
                else:
                    notes.append(note)
            if e.type != "action":
                continue
            t = e.text
            covered: list[tuple[int, int]] = []
            for m in _CAPS_RE.finditer(t):
                phrase = _norm_name(m.group(1))
                covered.append(m.span())
                if phrase in _STOP_CAPS or len(phrase) < 2 or phrase == sc.location.upper() \
                        or phrase in sc.location.upper().split(" - "):
                    continue
                if phrase in known:
                    present.setdefault(known[phrase], None)
                    continue
                if _AGE_RE.match(t, m.end()):
                    present.setdefault(_canonical(phrase, speaking_all), None)
                    continue
                cat = lookup(phrase)
                if cat is None:
                    low = phrase.lower()
                    if low in PERSON_NOUNS or singular(low) in PERSON_NOUNS \
                            or (" " in low and low.split()[-1] in PERSON_NOUNS):
                        cat = "extras"
                    else:
                        cat = _caps_phrase_category(phrase)
                add(cat, phrase)
            # known characters mentioned by name in mixed case
            if mention_re is not None:
                for mm in mention_re.finditer(t):
                    present.setdefault(by_title[mm.group(1)], None)
            # lower-case nouns of the word lists (two-word phrases first)
            _scan_lowercase(t, covered, add)
        non_speaking = tuple(n for n in present if n not in speaking)
        ln = lengths.get(sc.index)
        sheets.append(SceneBreakdown(
            index=sc.index, number=sc.number or str(sc.index + 1), heading=sc.heading, int_ext=sc.int_ext,
            day_night=day_night, time_of_day=sc.time_of_day, location=sc.location,
            eighths=ln.eighths if ln else 0, start_page=ln.start_page if ln else 0,
            cast_speaking=tuple(speaking), cast_non_speaking=non_speaking,
            items={c: _dedupe(tuple(v.values())) for c, v in items.items()}, synopsis=synopsis,
            notes=tuple(notes)))

    return Breakdown(title=sp.title, page_count=pg.page_count, length_eighths=pg.length_eighths,
                     scenes=tuple(sheets), cast=_dood(sheets), locations=_locations(sheets))


def _dedupe(items: tuple[str, ...]) -> tuple[str, ...]:
    """Drop an item that is the head noun of a longer one (``can`` beside ``film can``)."""
    keys = [singular(i.split()[-1]) if " " in i else None for i in items]
    heads = {k for k in keys if k}
    return tuple(i for i in items if " " in i or singular(i) not in heads)


def _canonical(phrase: str, speaking: set[str]) -> str:
    """Map an action mention (``MAYA ORTIZ``) to the speaking name (``MAYA``) when one matches."""
    if phrase in speaking:
        return phrase
    words = phrase.split()
    for k in range(len(words) - 1, 0, -1):
        head = " ".join(words[:k])
        if head in speaking:
            return head
    for s in speaking:
        if s.startswith(phrase + " ") or s.split()[0] == phrase:
            return s
    return phrase


def _note_category(note: str) -> tuple[str | None, str]:
    m = re.match(r"^\s*([A-Za-z][A-Za-z /\-]{0,20})\s*:\s*(.+)$", note, re.DOTALL)
    if not m:
        return None, note
    cat = NOTE_CATEGORIES.get(m.group(1).strip().lower())
    return cat, m.group(2).strip()


def _caps_phrase_category(phrase: str) -> str:
    """A capitalised phrase in no word list: a sound when its words are sound verbs, else ``other``."""
    last = phrase.split()[-1].lower()
    if lookup(last) == "sound":
        return "sound"
    for suf in _SOUND_CAPS_SUFFIXES:
        if last.endswith(suf.lower()) and lookup(last[: -len(suf)]) == "sound":
            return "sound"
    return "other"


def _scan_lowercase(text: str, covered: list[tuple[int, int]], add: Any) -> None:
    """Add the word-list nouns of ``text`` outside the ``covered`` (capitalised) spans. Linear in the text."""
    words = [(m.start(), m.group()) for m in _WORD_RE.finditer(text)]
    starts = [a for a, _ in covered]  # finditer order: sorted, non-overlapping

    def is_covered(pos: int) -> bool:
        i = bisect.bisect_right(starts, pos) - 1
        return i >= 0 and pos < covered[i][1]

    cov = [is_covered(s) for s, _ in words] if covered else [False] * len(words)
    skip = set()
    for k in range(len(words) - 1):
        s0, w0 = words[k]
        if cov[k] or w0.lower() not in PHRASE_FIRST_WORDS:
            continue
        w1 = words[k + 1][1]
        if not (w0.islower() or w1.islower()) or text[s0 + len(w0):words[k + 1][0]] != " ":
            continue
        phrase = f"{w0} {w1}".lower()
        cat = lookup(phrase)
        if cat is not None:
            add(cat, phrase)
            skip.update((k, k + 1))
    prev_end = 0
    for k, (s, w) in enumerate(words):
        gap = text[prev_end:s]
        prev_end = s + len(w)
        if k in skip or cov[k]:
            continue
        if not w.islower():
            # a capitalised word counts only at the start of a sentence ("Rain hammers the street.")
            if not w[1:].islower():
                continue
            g = gap.strip()
            if k > 0 and not (g and g[-1] in ".!?:"):
                continue
            w = w.lower()
        if w in _AMBIGUOUS:
            continue
        cat = lookup(w)
        if cat is None or singular(w) in _AMBIGUOUS:
            continue
        if cat != "sound" or (w in LEXICON["sound"] and len(w) > 4):
            add(cat, w)


def _dood(sheets: list[SceneBreakdown]) -> tuple[CastRow, ...]:
    order: dict[str, int] = {}
    speak_sets = [set(s.cast_speaking) for s in sheets]
    present_sets = [set(s.cast) for s in sheets]
    for s in sheets:
        for n in s.cast:
            order.setdefault(n, len(order))
    scenes_of: dict[str, list[int]] = {n: [] for n in order}
    for k, ps in enumerate(present_sets):
        for n in ps:
            scenes_of[n].append(k)
    speak = {n: sum(1 for k in scenes_of[n] if n in speak_sets[k]) for n in order}
    ranked = sorted(order, key=lambda n: (-speak[n], -len(scenes_of[n]), order[n]))
    rows = []
    for rank, n in enumerate(ranked, 1):
        idx = scenes_of[n]
        marks = tuple("S" if n in speak_sets[k] else ("X" if n in present_sets[k] else "") for k in range(len(sheets)))
        rows.append(CastRow(id=rank, name=n, marks=marks, scenes=len(idx), speaking_scenes=speak[n],
                            eighths=sum(sheets[k].eighths for k in idx), first_scene=sheets[idx[0]].number,
                            last_scene=sheets[idx[-1]].number))
    return tuple(rows)


def _locations(sheets: list[SceneBreakdown]) -> tuple[LocationRow, ...]:
    groups: dict[str, list[SceneBreakdown]] = {}
    for s in sheets:
        groups.setdefault(s.location.upper() or s.heading.upper(), []).append(s)
    rows = []
    for loc, ss in groups.items():
        rows.append(LocationRow(
            location=loc, int_ext=tuple(dict.fromkeys(s.int_ext for s in ss if s.int_ext)),
            day_night=tuple(dict.fromkeys(s.day_night for s in ss if s.day_night)),
            scenes=tuple(s.number for s in ss), eighths=sum(s.eighths for s in ss)))
    return tuple(rows)


# ---------------------------------------------------------------------------------------------------
_CSS = """
body{font-family:system-ui,sans-serif;margin:2em;color:#222} h1{margin-bottom:0} .muted{color:#666}
table{border-collapse:collapse;margin:1em 0;font-size:13px} th,td{border:1px solid #bbb;padding:3px 6px;
vertical-align:top;text-align:left} th{background:#eee} .sheet{border:2px solid #444;margin:1.2em 0;padding:.6em 1em;
page-break-inside:avoid} .sheet h3{margin:.2em 0} .NIGHT{background:#1f2a44;color:#fff} .DAY{background:#fff7c2}
.dood td.S{background:#7cc47c;text-align:center} .dood td.X{background:#cfe8cf;text-align:center}
.cat{font-weight:600;width:9em}
"""


def _html(b: Breakdown) -> str:
    e = html.escape
    out = ["<!DOCTYPE html><html><head><meta charset='utf-8'>",
           f"<title>Breakdown — {e(b.title or 'screenplay')}</title><style>{_CSS}</style></head><body>",
           f"<h1>Breakdown: {e(b.title or 'untitled')}</h1>",
           f"<p class='muted'>{len(b.scenes)} scenes · {b.page_count} pages ({format_eighths(b.length_eighths)}"
           f" in eighths) · {len(b.cast)} cast · {len(b.locations)} locations</p>",
           "<h2>Scenes</h2><table><tr><th>Sc</th><th>I/E</th><th>D/N</th><th>Location</th><th>Pages</th>"
           "<th>Page</th><th>Cast</th></tr>"]
    for s in b.scenes:
        out.append(f"<tr><td>{e(s.number)}</td><td>{e(s.int_ext or '')}</td><td class='{e(s.day_night or '')}'>"
                   f"{e(s.day_night or '')}</td><td>{e(s.location)}</td><td>{e(s.pages)}</td><td>{s.start_page}</td>"
                   f"<td>{e(', '.join(s.cast))}</td></tr>")
    out.append("</table><h2>Cast by scene (day-out-of-days style)</h2><table class='dood'><tr><th>#</th>"
               "<th>Cast</th>" + "".join(f"<th>{e(s.number)}</th>" for s in b.scenes)
               + "<th>Scenes</th><th>Pages</th></tr>")
    for c in b.cast:
        out.append(f"<tr><td>{c.id}</td><td>{e(c.name)}</td>"
                   + "".join(f"<td class='{m}'>{m}</td>" for m in c.marks)
                   + f"<td>{c.scenes}</td><td>{format_eighths(c.eighths)}</td></tr>")
    out.append("</table><p class='muted'>S = speaks, X = in the scene without dialogue.</p>")
    out.append("<h2>Locations</h2><table><tr><th>Location</th><th>I/E</th><th>D/N</th><th>Scenes</th><th>Pages</th>"
               "</tr>")
    for loc in b.locations:
        out.append(f"<tr><td>{e(loc.location)}</td><td>{e('/'.join(loc.int_ext))}</td>"
                   f"<td>{e('/'.join(loc.day_night))}</td><td>{e(', '.join(loc.scenes))}</td>"
                   f"<td>{format_eighths(loc.eighths)}</td></tr>")
    out.append("</table><h2>Breakdown sheets</h2>")
    for s in b.scenes:
        out.append(f"<div class='sheet'><h3>Scene {e(s.number)} — {e(s.heading)}</h3>"
                   f"<p class='muted'>{e(s.int_ext or '?')} · {e(s.day_night or '?')} · {e(s.pages)} pages · "
                   f"page {s.start_page}</p>")
        if s.synopsis:
            out.append(f"<p><i>{e(s.synopsis)}</i></p>")
        out.append("<table>")
        out.append(f"<tr><td class='cat'>Cast (speaking)</td><td>{e(', '.join(s.cast_speaking))}</td></tr>")
        out.append(f"<tr><td class='cat'>Cast (non-speaking)</td><td>{e(', '.join(s.cast_non_speaking))}</td></tr>")
        for c in CATEGORIES:
            if s.items.get(c):
                out.append(f"<tr><td class='cat'>{e(c)}</td><td>{e(', '.join(s.items[c]))}</td></tr>")
        if s.notes:
            out.append(f"<tr><td class='cat'>notes</td><td>{e(' / '.join(s.notes))}</td></tr>")
        out.append("</table></div>")
    out.append("</body></html>")
    return "\n".join(out)
