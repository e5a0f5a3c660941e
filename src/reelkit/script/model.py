"""The typed screenplay model: frozen dataclasses shared by the parser, FDX I/O, pagination,
breakdown, analysis and the shot list.

A :class:`Screenplay` is a title page plus a flat, ordered tuple of :class:`Element` s, as a writer
sees them on the page. :meth:`Screenplay.scenes` groups the elements under their scene headings.

Text conventions:

* ``Element.text`` is *plain* text: Fountain emphasis markers (``*``, ``**``, ``***``, ``_``),
  escapes (``\\*``), notes (``[[...]]``) and boneyard (``/* ... */``) are removed. Lines are joined
  with ``"\\n"``.
* What was removed is kept in structured fields: ``emphasis`` (spans over ``text``), ``notes``
  (the text of inline notes, in order) and ``markup`` (the text with the emphasis markers as written,
  ``None`` when identical to ``text``).
* Title-page values keep their Fountain markup as written (they are free-form and often styled).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

__all__ = [
    "ELEMENT_TYPES",
    "TIME_OF_DAY_WORDS",
    "Element",
    "Emphasis",
    "Scene",
    "Screenplay",
    "parse_heading",
]

#: The element types (the JSON ``"type"`` values of ``reel script parse``).
ELEMENT_TYPES: tuple[str, ...] = (
    "scene_heading", "action", "character", "parenthetical", "dialogue", "transition", "centered",
    "lyrics", "section", "synopsis", "page_break", "note",
)

#: Types that belong to a dialogue block (they carry ``character``).
DIALOGUE_BLOCK_TYPES = frozenset({"character", "parenthetical", "dialogue", "lyrics"})

#: Words recognised as the time-of-day part of a scene heading (after the last " - ").
TIME_OF_DAY_WORDS: frozenset[str] = frozenset({
    "DAY", "NIGHT", "DAWN", "DUSK", "MORNING", "AFTERNOON", "EVENING", "NOON", "MIDNIGHT", "SUNSET",
    "SUNRISE", "TWILIGHT", "LATER", "MOMENTS LATER", "A MOMENT LATER", "CONTINUOUS", "SAME", "SAME TIME",
    "LATE NIGHT", "EARLY MORNING", "LATE AFTERNOON", "MAGIC HOUR", "GOLDEN HOUR", "PRE-DAWN", "FIRST LIGHT",
    "NIGHTFALL", "DAYBREAK", "LATE", "EARLY", "MIDDAY", "DAY/NIGHT", "NIGHT/DAY",
})

_STYLES = ("bold", "italic", "underline")


@dataclass(frozen=True, slots=True)
class Emphasis:
    """A styled span of an element's plain ``text``: characters ``[start, end)``."""

    start: int
    end: int
    style: str  # "bold" | "italic" | "underline"

    def to_dict(self) -> dict[str, Any]:
        return {"start": self.start, "end": self.end, "style": self.style}


@dataclass(frozen=True, slots=True)
class Element:
    """One screenplay element.

    Attributes:
        type: one of :data:`ELEMENT_TYPES`.
        text: plain text (see the module docstring); for ``character`` the name only
            (``"MOM"``), the extension is in ``extension``; for ``page_break`` ``""``.
        line: 1-based line of the element's first line in the Fountain source (for FDX: the 1-based
            paragraph number; 0 when unknown).
        markup: the text with Fountain emphasis markers as written, or ``None`` when equal to ``text``.
        emphasis: bold/italic/underline spans over ``text``.
        notes: inline notes ``[[...]]`` removed from this element's text, in order.
        scene_number: ``scene_heading`` only: the ``#1A#`` number without the hashes.
        extension: ``character`` only: what follows the name, as written (``"(V.O.)"``,
            ``"(on the radio)"``, ``"(O.S.) (CONT'D)"``).
        dual: dialogue blocks in dual dialogue: ``"left"`` (the first speaker) or ``"right"`` (the ``^`` one).
        level: ``section`` only: the number of ``#``.
        character: elements of a dialogue block (character, parenthetical, dialogue, lyrics): the speaker's name.
        forced: the element was forced with its Fountain prefix (``.``, ``!``, ``@``, ``>``, ``~``).
    """

    type: str
    text: str
    line: int = 0
    markup: str | None = None
    emphasis: tuple[Emphasis, ...] = ()
    notes: tuple[str, ...] = ()
    scene_number: str | None = None
    extension: str | None = None
    dual: str | None = None
    level: int | None = None
    character: str | None = None
    forced: bool = False

    @property
    def raw(self) -> str:
        """The text with its emphasis markup (``markup`` if set, else ``text``)."""
        return self.markup if self.markup is not None else self.text

    @property
    def display_name(self) -> str:
        """``character``: name and extension as printed (``"MOM (O.S.)"``); other types: ``text``."""
        if self.type == "character" and self.extension:
            return f"{self.text} {self.extension}"
        return self.text

    def to_dict(self) -> dict[str, Any]:
        """The ``reel script parse --format json`` form: ``type``, ``text``, ``line`` + the fields that are set."""
        d: dict[str, Any] = {"type": self.type, "text": self.text, "line": self.line}
        if self.scene_number is not None:
            d["scene_number"] = self.scene_number
        if self.extension is not None:
            d["extension"] = self.extension
        if self.dual is not None:
            d["dual"] = self.dual
        if self.level is not None:
            d["level"] = self.level
        if self.character is not None and self.type != "character":
            d["character"] = self.character
        if self.forced:
            d["forced"] = True
        if self.markup is not None:
            d["markup"] = self.markup
        if self.emphasis:
            d["emphasis"] = [e.to_dict() for e in self.emphasis]
        if self.notes:
            d["notes"] = list(self.notes)
        return d

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Element:
        """Inverse of :meth:`to_dict` (unknown keys are ignored)."""
        return cls(
            type=str(d["type"]), text=str(d.get("text", "")), line=int(d.get("line", 0)),
            markup=d.get("markup"),
            emphasis=tuple(Emphasis(int(e["start"]), int(e["end"]), str(e["style"])) for e in d.get("emphasis", ())),
            notes=tuple(str(n) for n in d.get("notes", ())), scene_number=d.get("scene_number"),
            extension=d.get("extension"), dual=d.get("dual"), level=d.get("level"),
            character=d.get("character", d.get("text") if d.get("type") == "character" else None),
            forced=bool(d.get("forced", False)),
        )


_INT_EXT_RE = re.compile(
    r"^\s*(INT\.?\s*/\s*EXT\.?|EXT\.?\s*/\s*INT\.?|INT\.?/EXT|I\s*/\s*E\.?|INT\.?|EXT\.?|EST\.?)(?=[\s.]|$)[\s.]*",
    re.IGNORECASE)
_TOD_SPLIT_RE = re.compile(r"\s+[-–—]+\s+")


def parse_heading(heading: str) -> tuple[str | None, str, str | None]:
    """Split a scene heading into ``(int_ext, location, time_of_day)``.

    ``int_ext`` is ``"INT"``, ``"EXT"`` or ``"INT/EXT"`` (``EST`` counts as ``EXT``), or ``None`` for a
    heading without a prefix (a forced ``.SNIPER SCOPE POV``). ``time_of_day`` is the upper-cased last
    ``" - "`` part when it is a known time-of-day word (:data:`TIME_OF_DAY_WORDS`), else ``None``.

    >>> parse_heading("INT. HOUSE - KITCHEN - NIGHT")
    ('INT', 'HOUSE - KITCHEN', 'NIGHT')
    """
    h = heading.strip()
    int_ext: str | None = None
    m = _INT_EXT_RE.match(h)
    if m:
        token = re.sub(r"[\s.]", "", m.group(1)).upper()
        int_ext = {"INT": "INT", "EXT": "EXT", "EST": "EXT"}.get(token, "INT/EXT")
        h = h[m.end():]
    parts = _TOD_SPLIT_RE.split(h)
    tod: str | None = None
    if len(parts) > 1:
        last = parts[-1].strip().rstrip(".").upper()
        if last in TIME_OF_DAY_WORDS or any(w in TIME_OF_DAY_WORDS for w in re.split(r"[\s/,()]+", last) if w):
            tod = last
            h = " - ".join(p.strip() for p in parts[:-1])
    return int_ext, h.strip(), tod


@dataclass(frozen=True, slots=True)
class Scene:
    """A scene: its heading and the elements up to the next heading.

    Attributes:
        index: 0-based position among the scenes.
        heading: the heading's plain text without the scene number (``"INT. KITCHEN - NIGHT"``).
        int_ext: ``"INT"`` | ``"EXT"`` | ``"INT/EXT"`` | ``None``.
        location: the place (``"KITCHEN"``).
        time_of_day: ``"NIGHT"``, ``"DAY"``, ``"CONTINUOUS"``... or ``None``.
        elements: the scene's elements after the heading (the heading itself excluded).
        number: the ``#12A#`` scene number as written, or ``None``.
        start: index of the heading element in :attr:`Screenplay.elements`.
        stop: index one past the scene's last element in :attr:`Screenplay.elements`.
        line: 1-based source line of the heading.
    """

    index: int
    heading: str
    int_ext: str | None
    location: str
    time_of_day: str | None
    elements: tuple[Element, ...]
    number: str | None
    start: int
    stop: int
    line: int = 0

    @property
    def speaking_characters(self) -> tuple[str, ...]:
        """Names of the characters with dialogue in this scene, in order of first line."""
        seen: dict[str, None] = {}
        for e in self.elements:
            if e.type == "character":
                seen.setdefault(e.text, None)
        return tuple(seen)

    @property
    def day_night(self) -> str | None:
        """``"DAY"`` or ``"NIGHT"`` derived from :attr:`time_of_day` (dawn/morning... count as day,
        dusk/evening... as night), or ``None`` when the heading does not say (``CONTINUOUS``, ``LATER``)."""
        tod = (self.time_of_day or "").upper()
        if not tod:
            return None
        night = ("NIGHT", "DUSK", "EVENING", "MIDNIGHT", "TWILIGHT", "SUNSET", "NIGHTFALL", "PRE-DAWN")
        day = ("DAY", "DAWN", "MORNING", "AFTERNOON", "NOON", "SUNRISE", "MAGIC HOUR", "GOLDEN HOUR",
               "FIRST LIGHT", "DAYBREAK", "MIDDAY")
        if any(w in tod for w in night):
            return "NIGHT"
        if any(w in tod for w in day):
            return "DAY"
        return None

    def to_dict(self) -> dict[str, Any]:
        return {"index": self.index, "number": self.number, "heading": self.heading, "int_ext": self.int_ext,
                "location": self.location, "time_of_day": self.time_of_day, "line": self.line,
                "characters": list(self.speaking_characters)}


@dataclass(frozen=True)
class Screenplay:
    """A parsed screenplay.

    Attributes:
        title_page: ``(key, value)`` pairs in source order; keys as written (``"Title"``), values with
            their Fountain markup, continuation lines joined with ``"\\n"``.
        elements: every element in order.
        warnings: things the parser recovered from (unterminated boneyard or note, decoding fallback).
        source: the file it came from, or ``None``.
    """

    title_page: tuple[tuple[str, str], ...] = ()
    elements: tuple[Element, ...] = ()
    warnings: tuple[str, ...] = ()
    source: str | None = field(default=None, compare=False)

    # -- derived views ---------------------------------------------------------------------------
    @cached_property
    def _scenes(self) -> tuple[Scene, ...]:
        heads = [i for i, e in enumerate(self.elements) if e.type == "scene_heading"]
        scenes: list[Scene] = []
        for k, i in enumerate(heads):
            stop = heads[k + 1] if k + 1 < len(heads) else len(self.elements)
            el = self.elements[i]
            int_ext, location, tod = parse_heading(el.text)
            scenes.append(Scene(index=k, heading=el.text, int_ext=int_ext, location=location, time_of_day=tod,
                                elements=self.elements[i + 1:stop], number=el.scene_number, start=i, stop=stop,
                                line=el.line))
        return tuple(scenes)

    def scenes(self) -> list[Scene]:
        """The scenes in order (elements before the first heading belong to no scene)."""
        return list(self._scenes)

    @property
    def title(self) -> str | None:
        """The ``Title`` value of the title page, as plain text (markup removed), or ``None``."""
        for k, v in self.title_page:
            if k.lower() == "title":
                from reelkit.script.fountain import strip_markup

                return strip_markup(v).strip() or None
        return None

    def characters(self) -> list[str]:
        """Speaking characters (names of ``character`` elements) in order of first appearance."""
        seen: dict[str, None] = {}
        for e in self.elements:
            if e.type == "character":
                seen.setdefault(e.text, None)
        return list(seen)

    def to_dict(self) -> dict[str, Any]:
        """The ``reel script parse --format json`` schema:
        ``{"title_page": [{"key", "value"}], "elements": [{"type", "text", "line", ...}]}`` (warnings are
        printed on stderr by the CLI, not part of the document)."""
        return {
            "title_page": [{"key": k, "value": v} for k, v in self.title_page],
            "elements": [e.to_dict() for e in self.elements],
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Screenplay:
        """Inverse of :meth:`to_dict`."""
        return cls(title_page=tuple((str(t["key"]), str(t["value"])) for t in d.get("title_page", ())),
                   elements=tuple(Element.from_dict(e) for e in d.get("elements", ())),
                   warnings=tuple(str(w) for w in d.get("warnings", ())))
