"""Edit operations that produce keep-ranges and timelines: silence, filler and text cuts, captions.

>>> from reelkit.edit import word_removals, silence_removals, keep_ranges   # doctest: +SKIP
"""

from reelkit.edit.ranges import (
    clamp_ranges,
    invert_ranges,
    keep_ranges,
    kept_frames,
    merge_ranges,
    silence_removals,
    subtract_ranges,
    word_removals,
)

__all__ = [
    "clamp_ranges",
    "invert_ranges",
    "keep_ranges",
    "kept_frames",
    "merge_ranges",
    "silence_removals",
    "subtract_ranges",
    "word_removals",
]
