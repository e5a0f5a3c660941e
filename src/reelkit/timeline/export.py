"""``export_timeline``: write a timeline as OTIO, FCPXML, FCP7 XML or CMX3600 EDL (atomically)."""

from __future__ import annotations

import os
from pathlib import Path

import opentimelineio as otio

from reelkit.errors import UsageError
from reelkit.fileio import write_text

__all__ = ["EXPORT_FORMATS", "EXPORT_SUFFIXES", "export_timeline", "timeline_to_string"]

#: format name → what it is for
EXPORT_FORMATS: dict[str, str] = {
    "otio": "OpenTimelineIO JSON (Resolve 18.5+, OTIO tools)",
    "fcpxml": "Final Cut Pro XML 1.9 (Final Cut Pro, Resolve)",
    "fcp7": "Final Cut Pro 7 XML / xmeml 4 (Premiere Pro, Resolve)",
    "edl": "CMX3600 EDL (Premiere Pro, Resolve, Avid)",
}
#: format name → usual file suffix
EXPORT_SUFFIXES: dict[str, str] = {"otio": ".otio", "fcpxml": ".fcpxml", "fcp7": ".xml", "edl": ".edl"}


def timeline_to_string(timeline: otio.schema.Timeline, fmt: str) -> str:
    """Serialise ``timeline`` in format ``fmt`` (a key of :data:`EXPORT_FORMATS`).

    Raises:
        UsageError: unknown format.
        InputFormatError: the timeline uses something the format cannot express (transitions...).
    """
    if fmt == "otio":
        return otio.adapters.write_to_string(timeline, "otio_json")
    if fmt == "edl":
        from reelkit.timeline.edl import timeline_to_edl

        return timeline_to_edl(timeline)
    if fmt == "fcpxml":
        from reelkit.timeline.fcpxml import timeline_to_fcpxml

        return timeline_to_fcpxml(timeline)
    if fmt == "fcp7":
        from reelkit.timeline.fcp7 import timeline_to_fcp7

        return timeline_to_fcp7(timeline)
    raise UsageError(f"unknown export format {fmt!r}; choose one of {', '.join(EXPORT_FORMATS)}")


def export_timeline(timeline: otio.schema.Timeline, path: str | os.PathLike[str], fmt: str, *,
                    force: bool = False, text: str | None = None) -> Path:
    """Write ``timeline`` to ``path`` in format ``fmt`` atomically and return the path.

    ``text``: the timeline already serialised in ``fmt`` (:func:`timeline_to_string`), by a caller that made
    every format before writing any.

    Raises:
        UsageError: unknown format.
        OutputExistsError: ``path`` exists and ``force`` is false (nothing is written).
        OutputError: the folder is missing or the write failed (no partial file is left).
    """
    if fmt not in EXPORT_FORMATS:
        raise UsageError(f"unknown export format {fmt!r}; choose one of {', '.join(EXPORT_FORMATS)}")
    from reelkit.fileio import check_output_path
    from reelkit.provenance import declare_timeline

    check_output_path(path, force=force)  # refuse before doing the work
    declare_timeline(path, timeline)  # provenance sidecar: the media it cuts, as ingredients
    return write_text(path, timeline_to_string(timeline, fmt) if text is None else text, force=force)
