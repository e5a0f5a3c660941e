"""Final Draft XML (``.fdx``) import and export.

Reading uses :mod:`defusedxml` with DTDs forbidden: a file with a ``<!DOCTYPE>``, entity
declarations or external references is refused with a :class:`~reelkit.errors.ScriptError`, so
XXE and entity-expansion attacks are never resolved. Final Draft itself never writes a DTD.

Mapping (Final Draft paragraph ``Type`` ↔ element type): Scene Heading ↔ scene_heading (the
``Number`` attribute ↔ ``scene_number``), Action/General/Shot/Cast List → action, Character ↔
character (name and extension split as in Fountain), Parenthetical, Dialogue (consecutive Dialogue
paragraphs of one speech join with ``"\\n"``), Transition, ``Alignment="Center"`` Action ↔ centered,
``StartsNewPage="Yes"`` ↔ page_break, ``<DualDialogue>`` ↔ ``dual`` left/right, ``Text Style`` Bold/
Italic/Underline ↔ emphasis. Lyrics, sections, synopses and notes have no Final Draft paragraph
type: they are written as paragraphs of type ``Lyrics``, ``Section`` (with ``Level``), ``Synopsis`` and
``Note`` (Final Draft shows unknown types as General text) and read back as such. "New Act" reads as
a level-1 section, "End of Act" as centered text.
"""

from __future__ import annotations

import itertools
import os
import xml.etree.ElementTree as ET
from dataclasses import replace
from pathlib import Path
from typing import Any

from defusedxml import DefusedXmlException
from defusedxml import ElementTree as DET

from reelkit.errors import ScriptError
from reelkit.fileio import atomic_output, check_input_file
from reelkit.script.fountain import _character_parts, strip_markup
from reelkit.script.io import _max_bytes
from reelkit.script.model import Element, Emphasis, Screenplay

__all__ = ["fdx_bytes", "parse_fdx", "read_fdx", "write_fdx"]

_ACTION_TYPES = {"Action", "General", "Shot", "Cast List"}


def read_fdx(path: str | os.PathLike[str]) -> Screenplay:
    """Read a Final Draft ``.fdx`` file.

    Raises:
        MediaNotFoundError: missing/unreadable/empty file.
        ScriptError: not well-formed XML, not a FinalDraft document, too large, or it declares a DTD,
            entities or external references (refused, never resolved).
    """
    p = check_input_file(path, what="Final Draft file")
    size = p.stat().st_size
    if size > _max_bytes():
        raise ScriptError(f"FDX file {p} is {size / 1e6:.1f} MB, over the limit",
                          hint="set REELKIT_MAX_SCRIPT_MB to raise it")
    sp = parse_fdx(p.read_bytes(), name=str(p))
    return replace(sp, source=str(p))


def _styled_text(par: Any) -> tuple[str, str, tuple[Emphasis, ...]]:
    """Plain text, Fountain-markup text and emphasis spans of a Paragraph's <Text> runs."""
    plain: list[str] = []
    markup: list[str] = []
    spans: list[Emphasis] = []
    pos = 0
    for t in par.findall("Text"):
        s = t.text or ""
        style = (t.get("Style") or "").lower()
        flags = [st for st in ("bold", "italic", "underline") if st in style]
        if s and flags and s.strip():
            for st in flags:
                spans.append(Emphasis(pos, pos + len(s), st))
            open_ = ("_" if "underline" in flags else "") + {(True, True): "***", (True, False): "**",
                                                              (False, True): "*", (False, False): ""}[
                ("bold" in flags, "italic" in flags)]
            lead = len(s) - len(s.lstrip())
            trail = len(s) - len(s.rstrip())
            core = s.strip()
            markup.append(s[:lead] + open_ + core + open_[::-1] + (s[len(s) - trail:] if trail else ""))
        else:
            markup.append(s.replace("*", "\\*").replace("_", "\\_") if flags or "*" in s or "_" in s else s)
        plain.append(s)
        pos += len(s)
    text = "".join(plain)
    mk = "".join(markup)
    merged: list[Emphasis] = []
    for sp in sorted(spans, key=lambda e: (e.style, e.start)):
        if merged and merged[-1].style == sp.style and merged[-1].end == sp.start:
            merged[-1] = Emphasis(merged[-1].start, sp.end, sp.style)
        else:
            merged.append(sp)
    return text, mk, tuple(sorted(merged, key=lambda e: (e.start, e.end, e.style)))


def parse_fdx(data: bytes, *, name: str = "FDX") -> Screenplay:
    """Parse Final Draft XML bytes (see :func:`read_fdx`)."""
    try:
        root = DET.fromstring(data, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except DefusedXmlException as exc:
        raise ScriptError(f"{name} declares a DTD, entities or external references ({type(exc).__name__}); "
                          "refused for safety (XXE)", hint="re-export it from Final Draft") from None
    except ET.ParseError as exc:
        raise ScriptError(f"{name} is not well-formed XML: {exc}") from None
    if root.tag != "FinalDraft":
        raise ScriptError(f"{name} is not a Final Draft document (root element <{root.tag}>)")
    content = root.find("Content")
    elements: list[Element] = []
    counter = 0
    speaker: str | None = None

    def emit(par: Any, dual: str | None = None) -> None:
        nonlocal counter, speaker
        counter += 1
        ptype = par.get("Type") or "Action"
        text, markup, spans = _styled_text(par)
        text = text.replace("\r\n", "\n").replace("\r", "\n").rstrip("\n")
        markup = markup.replace("\r\n", "\n").replace("\r", "\n").rstrip("\n")
        if par.get("StartsNewPage") == "Yes" and elements:
            elements.append(Element("page_break", "", counter))
        mk = markup if markup != text else None
        spans = tuple(s for s in spans if s.end <= len(text))
        if ptype == "Scene Heading":
            speaker = None
            elements.append(Element("scene_heading", text.strip(), counter, markup=mk, emphasis=spans,
                                    scene_number=par.get("Number") or None))
        elif ptype == "Character":
            cp = _character_parts(text) or (text.strip(), None, False, True)
            nm, ext, _dual, _forced = cp
            speaker = nm
            elements.append(Element("character", nm, counter, extension=ext, dual=dual, character=nm,
                                    forced=_LOWER(nm)))
        elif ptype in ("Dialogue", "Parenthetical", "Lyrics") and speaker is not None:
            kind = ptype.lower()
            prev = elements[-1] if elements else None
            if kind == "dialogue" and prev is not None and prev.type == "dialogue" and prev.character == speaker \
                    and prev.dual == dual:
                elements[-1] = replace(prev, text=prev.text + "\n" + text,
                                       markup=(prev.raw + "\n" + markup) if (prev.markup or mk) else None,
                                       emphasis=prev.emphasis + tuple(Emphasis(s.start + len(prev.text) + 1,
                                                                               s.end + len(prev.text) + 1, s.style)
                                                                      for s in spans))
            else:
                elements.append(Element(kind, text, counter, markup=mk, emphasis=spans, character=speaker, dual=dual))
        elif ptype == "Transition":
            speaker = None
            elements.append(Element("transition", text.strip(), counter, markup=mk, emphasis=spans))
        elif ptype in ("Section", "New Act"):
            speaker = None
            lvl = int(par.get("Level") or 1) if (par.get("Level") or "1").isdigit() else 1
            elements.append(Element("section", text.strip(), counter, level=lvl))
        elif ptype == "Synopsis":
            elements.append(Element("synopsis", text.strip(), counter))
        elif ptype == "Note":
            elements.append(Element("note", text.strip(), counter))
        elif ptype == "End of Act" or (par.get("Alignment") == "Center" and ptype in _ACTION_TYPES):
            speaker = None
            elements.append(Element("centered", text.strip(), counter, markup=mk, emphasis=spans))
        else:
            speaker = None
            elements.append(Element("action", text, counter, markup=mk, emphasis=spans, forced=ptype == "Shot"))

    if content is not None:
        for par in content.findall("Paragraph"):
            dd = par.find("DualDialogue")
            if dd is not None:
                side = None
                for inner in dd.findall("Paragraph"):
                    if inner.get("Type") == "Character":
                        side = "left" if side is None else "right"
                    emit(inner, dual=side)
                speaker = None
                continue
            emit(par)
    title_page = _read_title_page(root)
    return Screenplay(title_page=tuple(title_page), elements=tuple(elements), source=name)


def _LOWER(name: str) -> bool:
    return any(c.islower() for c in name)


def _read_title_page(root: Any) -> list[tuple[str, str]]:
    tp = root.find("TitlePage")
    if tp is None:
        return []
    lines = []
    keyed: list[tuple[str, list[str]]] = []
    for par in tp.iter("Paragraph"):
        t = "".join(x.text or "" for x in par.findall("Text")).strip()
        key = par.get("ReelkitKey")  # written by reelkit: the Fountain title-page key and raw value
        if key:
            t = par.get("ReelkitRaw", t)
            if keyed and keyed[-1][0] == key:
                keyed[-1][1].append(t)
            else:
                keyed.append((key, [t]))
        if t:
            lines.append(t)
    if keyed:
        return [(k, "\n".join(v)) for k, v in keyed]
    out: list[tuple[str, str]] = []
    rest: list[str] = []
    i = 0
    if lines:
        out.append(("Title", lines[0]))
        i = 1
    if i < len(lines) and lines[i].lower().rstrip(":") in ("written by", "by", "screenplay by", "story by",
                                                             "teleplay by"):
        out.append(("Credit", lines[i]))
        i += 1
        if i < len(lines):
            out.append(("Author", lines[i]))
            i += 1
    rest = lines[i:]
    if rest:
        out.append(("Contact", "\n".join(rest)))
    return out


# ---------------------------------------------------------------------------------------------------
def _text_runs(par: ET.Element, e: Element) -> None:
    text = e.text
    if not e.emphasis:
        ET.SubElement(par, "Text").text = text
        return
    cuts = sorted({0, len(text), *(s.start for s in e.emphasis), *(s.end for s in e.emphasis)})
    for a, b in itertools.pairwise(cuts):
        if a >= b:
            continue
        styles = [st for st in ("Bold", "Italic", "Underline")
                  if any(s.start <= a and b <= s.end and s.style == st.lower() for s in e.emphasis)]
        t = ET.SubElement(par, "Text")
        if styles:
            t.set("Style", "+".join(styles))
        t.text = text[a:b]


def fdx_bytes(sp: Screenplay) -> bytes:
    """Serialise ``sp`` as Final Draft XML (UTF-8)."""
    root = ET.Element("FinalDraft", {"DocumentType": "Script", "Template": "No", "Version": "5"})
    content = ET.SubElement(root, "Content")
    types = {"scene_heading": "Scene Heading", "action": "Action", "character": "Character",
             "parenthetical": "Parenthetical", "dialogue": "Dialogue", "transition": "Transition",
             "centered": "Action", "lyrics": "Lyrics", "section": "Section", "synopsis": "Synopsis", "note": "Note"}
    new_page = False
    dual_wrap: ET.Element | None = None
    for e in sp.elements:
        if e.type == "page_break":
            new_page = True
            continue
        if e.dual == "left" and e.type == "character":
            holder = ET.SubElement(content, "Paragraph")
            dual_wrap = ET.SubElement(holder, "DualDialogue")
        elif e.dual is None:
            dual_wrap = None
        parent = dual_wrap if (dual_wrap is not None and e.dual) else content
        attrs = {"Type": types[e.type]}
        if e.type == "centered":
            attrs["Alignment"] = "Center"
        if e.type == "scene_heading" and e.scene_number:
            attrs["Number"] = e.scene_number
        if e.type == "section":
            attrs["Level"] = str(e.level or 1)
        if new_page:
            attrs["StartsNewPage"] = "Yes"
            new_page = False
        par = ET.SubElement(parent, "Paragraph", attrs)
        if e.type == "character":
            ET.SubElement(par, "Text").text = e.display_name
        elif e.type == "dialogue":
            # one Dialogue paragraph per line, as Final Draft stores hard returns inside a speech
            lines = e.text.split("\n")
            if len(lines) > 1 and not e.emphasis:
                parent.remove(par)
                for ln in lines:
                    p2 = ET.SubElement(parent, "Paragraph", {"Type": "Dialogue"})
                    ET.SubElement(p2, "Text").text = ln
                continue
            _text_runs(par, e)
        else:
            _text_runs(par, e)
    if sp.title_page:
        tp = ET.SubElement(root, "TitlePage")
        tc = ET.SubElement(tp, "Content")
        for k, v in sp.title_page:
            centered = k.lower() in ("title", "credit", "author", "authors", "source")
            for ln in v.split("\n"):
                p = ET.SubElement(tc, "Paragraph", {"Alignment": "Center" if centered else "Left", "Type": "General",
                                                    "ReelkitKey": k, "ReelkitRaw": ln})
                ET.SubElement(p, "Text").text = strip_markup(ln)
    ET.indent(root, space="  ")
    body = ET.tostring(root, encoding="unicode")
    return ('<?xml version="1.0" encoding="UTF-8" standalone="no" ?>\n' + body + "\n").encode("utf-8")


def write_fdx(sp: Screenplay, path: str | os.PathLike[str], *, force: bool = False) -> Path:
    """Write ``sp`` as a ``.fdx`` file atomically (refuses to overwrite without ``force``)."""
    data = fdx_bytes(sp)
    with atomic_output(path, force=force) as tmp:
        tmp.write_bytes(data)
    return Path(path)
