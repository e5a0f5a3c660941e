"""One file per shot: each shot's frames (and the audio of the same span) rendered by the one renderer."""

from __future__ import annotations

from collections.abc import Sequence
from fractions import Fraction
from pathlib import Path

from reelkit.errors import OutputError
from reelkit.fileio import check_output_path
from reelkit.media import MediaInfo
from reelkit.progress import ProgressFn
from reelkit.render.timeline import render_timeline
from reelkit.timeline.build import ranges_timeline

__all__ = ["split_shots"]


def split_shots(info: MediaInfo, shots: Sequence[tuple[int, int]], out_dir: Path, *, rate: Fraction | None = None,
                force: bool = False, progress: ProgressFn | None = None) -> list[Path]:
    """Write ``<stem>-shot-NNNN.mp4`` (H.264 + AAC) per shot ``(start, end)`` (inclusive source frames).

    Each file holds exactly the shot's frames (no frame of a neighbouring shot) and the audio samples
    of the same span; nothing is cross-faded. ``progress`` gets ``(frames done, frames in all shots)``.

    Raises:
        OutputExistsError: a target exists and ``force`` is false (checked before anything is written).
        OutputError: ``out_dir`` cannot be created or is a file; and the renderer's errors.
    """
    if not out_dir.exists():
        try:
            out_dir.mkdir(parents=True)
        except OSError as exc:
            raise OutputError(f"cannot create {out_dir}: {exc.strerror or exc}") from None
    elif not out_dir.is_dir():
        raise OutputError(f"{out_dir} is not a folder")
    stem = Path(info.path).stem
    targets = [out_dir / f"{stem}-shot-{k + 1:04d}.mp4" for k in range(len(shots))]
    for t in targets:
        check_output_path(t, force=force)
    total = sum(e - s + 1 for s, e in shots)
    done = 0
    for k, ((s, e), target) in enumerate(zip(shots, targets, strict=True)):
        tl = ranges_timeline(info, [(s, e + 1)], name=f"{stem} shot {k + 1}", rate=rate,
                             audio=info.audio is not None, frames=shots[-1][1] + 1)

        def step(d: int, _t: int | None, base: int = done) -> None:
            if progress is not None:
                progress(base + d, total)

        render_timeline(tl, target, force=force, crf=18, crossfade_s=Fraction(0), progress=step)
        done += e - s + 1
    return targets
