"""Screenplays: Fountain/FDX parsing, pagination, breakdown and analysis.

The model is in :mod:`reelkit.script.model`; :func:`parse_fountain` and :func:`load_screenplay` are
the entry points.
"""

from __future__ import annotations

from reelkit.script.fountain import parse_fountain, to_fountain
from reelkit.script.io import load_screenplay
from reelkit.script.model import ELEMENT_TYPES, Element, Emphasis, Scene, Screenplay, parse_heading

__all__ = [
    "ELEMENT_TYPES",
    "Element",
    "Emphasis",
    "Scene",
    "Screenplay",
    "load_screenplay",
    "parse_fountain",
    "parse_heading",
    "to_fountain",
]
