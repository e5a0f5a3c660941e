"""All of the studio's data access, in one module: media of the folder, analysis results, edits, exports.

The studio holds no logic of its own: every number here comes from the library call the CLI uses
(:func:`reelkit.media.probe`, :func:`reelkit.analysis.shotlog.log_shots`, :func:`reelkit.analysis.speech.transcribe`,
:func:`reelkit.edit.word_removals` / :func:`~reelkit.edit.silence_removals` / :func:`~reelkit.edit.keep_ranges`
as in ``reel cut``, :func:`reelkit.timeline.ranges_timeline`, :func:`reelkit.timeline.export_timeline`,
:func:`reelkit.edit.captions.build_cues`, :func:`reelkit.render.render_timeline`). Results are cached as JSON
under ``<project>/.reelkit/studio/`` keyed by the file's relative path, size and modification time.

When the media index (``reelkit.index``) lands, this is the one module to switch: :meth:`Project.probe`,
:meth:`Project.shots` and :meth:`Project.transcript` read the index instead of the JSON cache, and
:meth:`Project.analyse` becomes the index's one-pass driver.

Times: the client sees frames at the video rate (``rate`` as ``"num/den"``) and seconds as floats for
display; words are indices into the cached transcript. Paths the client sends are relative POSIX paths
checked by :func:`reelkit.studio.security.project_path`.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Iterable
from fractions import Fraction
from pathlib import Path
from typing import Any

from reelkit.errors import MediaError, UsageError
from reelkit.fileio import write_text
from reelkit.progress import ProgressFn
from reelkit.studio.security import project_path

__all__ = ["CAPTION_FORMATS", "MEDIA_SUFFIXES", "SCRIPT_SUFFIXES", "TIMELINE_FORMATS", "EditSpec", "Project"]

#: file suffixes the bin lists (lower case)
MEDIA_SUFFIXES = frozenset({".mp4", ".mov", ".m4v", ".mkv", ".webm", ".avi", ".mxf", ".mts", ".m2ts", ".ts", ".mpg",
                            ".mpeg", ".m2v", ".vob", ".3gp", ".wmv", ".flv", ".dv",
                            ".wav", ".mp3", ".m4a", ".aac", ".flac", ".ogg", ".opus"})
#: screenplay suffixes the Script view lists
SCRIPT_SUFFIXES = frozenset({".fountain", ".spmd", ".fdx"})
TIMELINE_FORMATS = ("otio", "fcpxml", "fcp7", "edl")
CAPTION_FORMATS = ("srt", "vtt")
_POSTER_SIDE = 320
#: bump when the cached JSON changes shape: every cache entry is then made again
_CACHE_VERSION = 2
_WEB_VIDEO = {"h264", "vp8", "vp9", "av1"}
_WEB_AUDIO = {"aac", "opus", "mp3", "vorbis", "flac"}
_WEB_CONTAINERS = ("mov", "mp4", "webm", "matroska")
_MAX_FILES = 5000


class EditSpec:
    """A transcript edit as the client sends it: deleted word indices and deleted pauses.

    Attributes:
        deleted: indices of deleted words.
        pauses: deleted pauses, each named by the index of the word BEFORE the pause (-1: the head).
        margin_s: pause kept beside kept speech at each cut (seconds, as ``reel cut --margin``).
        min_silence_s: a pause counts when the silence left after the margins is longer (``--min-silence``).
    """

    def __init__(self, deleted: Iterable[int] = (), pauses: Iterable[int] = (), *,
                 margin_s: Fraction = Fraction(15, 100), min_silence_s: Fraction = Fraction(1, 2)) -> None:
        self.deleted = sorted({int(i) for i in deleted})
        self.pauses = sorted({int(i) for i in pauses})
        self.margin_s, self.min_silence_s = margin_s, min_silence_s

    @classmethod
    def from_json(cls, d: Any) -> EditSpec:
        """From ``{"deleted": [int], "pauses": [int]}``; raises UsageError on anything else."""
        if not isinstance(d, dict):
            raise UsageError("edit must be an object with 'deleted' and 'pauses'")
        lists = []
        for key in ("deleted", "pauses"):
            v = d.get(key) or []
            if not isinstance(v, list) or not all(isinstance(i, int) and not isinstance(i, bool) for i in v):
                raise UsageError(f"edit '{key}' must be a list of integers")
            lists.append(v)
        dels, pauses = lists
        return cls(dels, pauses)

    def to_json(self) -> dict[str, Any]:
        """``{"deleted": [...], "pauses": [...]}``."""
        return {"deleted": self.deleted, "pauses": self.pauses}


def _rate_str(rate: Fraction) -> str:
    return f"{rate.numerator}/{rate.denominator}"


class Project:
    """A studio project: a folder of media and its ``.reelkit/studio/`` cache.

    Args:
        root: the project folder (must exist).

    Raises:
        UsageError: ``root`` is not a folder.
    """

    def __init__(self, root: str | os.PathLike[str]) -> None:
        r = Path(root).expanduser()
        if not r.is_dir():
            raise UsageError(f"{r} is not a folder", hint="give the folder of your clips (default: the current one)")
        self.root = r.resolve()
        self.cache = self.root / ".reelkit" / "studio"
        self._transcripts: dict[str, tuple[int, Any]] = {}  # cache file -> (mtime_ns, Transcript)
        self._grades: dict[tuple[str, str, str | None, str], tuple[Any, dict[str, Any]]] = {}

    # -- paths and cache -------------------------------------------------------------------------------

    def path(self, rel: str) -> Path:
        """The absolute path of a project file named by the client (see :func:`project_path`)."""
        return project_path(self.root, rel)

    def rel(self, path: Path) -> str:
        """The client name of a project file."""
        return path.resolve().relative_to(self.root).as_posix()

    def _key(self, rel: str) -> str:
        p = self.path(rel)
        st = p.stat()
        ident = f"v{_CACHE_VERSION}\0{self.rel(p)}\0{st.st_size}\0{st.st_mtime_ns}"
        return hashlib.sha1(ident.encode()).hexdigest()[:20]

    def media_dir(self, rel: str) -> Path:
        """The cache folder of one media file (created)."""
        d = self.cache / "media" / self._key(rel)
        d.mkdir(parents=True, exist_ok=True)
        return d

    def _read(self, rel: str, name: str) -> Any:
        f = self.cache / "media" / self._key(rel) / name
        try:
            return json.loads(f.read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError):
            return None

    def _write(self, rel: str, name: str, data: Any) -> None:
        write_text(self.media_dir(rel) / name, json.dumps(data), force=True)

    # -- the bin ------------------------------------------------------------------------------------------

    def _walk(self, suffixes: frozenset[str]) -> list[str]:
        """Relative paths of the folder's files with these suffixes (recursive, hidden and exports/ skipped)."""
        out: list[str] = []
        for dirpath, dirnames, filenames in os.walk(self.root):
            top = Path(dirpath) == self.root
            dirnames[:] = sorted(d for d in dirnames if not d.startswith(".") and not (top and d == "exports"))
            for name in sorted(filenames):
                if name.startswith(".") or Path(name).suffix.lower() not in suffixes:
                    continue
                try:
                    rel = self.rel(Path(dirpath) / name)
                    self.path(rel)
                except (UsageError, ValueError):
                    continue  # a symlink out of the folder, or a broken one
                out.append(rel)
                if len(out) >= _MAX_FILES:
                    return out
        return out

    def list_media(self) -> list[dict[str, Any]]:
        """Every media file of the folder (recursively; hidden folders and ``exports/`` skipped).

        Each entry: ``{"path", "size", "probe" (or None when unreadable), "error",
        "analysed": {"shots": bool, "transcript": bool}}``. Files are probed on first listing (cached).
        """
        return [self.entry(rel) for rel in self._walk(MEDIA_SUFFIXES)]

    def list_scripts(self) -> list[dict[str, Any]]:
        """Screenplays of the folder (Fountain, Final Draft): ``[{"path", "size"}]``."""
        return [{"path": rel, "size": self.path(rel).stat().st_size} for rel in self._walk(SCRIPT_SUFFIXES)]

    def entry(self, rel: str) -> dict[str, Any]:
        """One bin entry (see :meth:`list_media`)."""
        p = self.path(rel)
        info, error = None, None
        try:
            info = self.probe(rel)
        except MediaError as exc:
            error = str(exc)
        d = self.cache / "media" / self._key(rel)
        return {"path": rel, "size": p.stat().st_size, "probe": info, "error": error,
                "analysed": {"shots": (d / "shots.json").is_file(), "transcript": (d / "transcript.json").is_file(),
                             "proxy": (d / "proxy.mp4").is_file()}}

    def probe(self, rel: str) -> dict[str, Any]:
        """The probe JSON of ``reel probe -f json`` plus ``rate``/``frames`` for the player (cached).

        Raises:
            MediaError: unreadable media (the error is cached too, so a bad file is not re-read each listing).
        """
        cached = self._read(rel, "probe.json")
        if cached is not None:
            if "error" in cached:
                raise MediaError(cached["error"])
            return cached
        from reelkit.media import probe
        from reelkit.timeline import media_frame_count

        try:
            info = probe(self.path(rel))
        except MediaError as exc:
            self._write(rel, "probe.json", {"error": str(exc)})
            raise
        d = info.to_dict()
        d["path"] = rel
        if info.video is not None:
            d["video"]["codec"] = info.video.codec
        if info.audio is not None:
            d["audio"]["codec"] = info.audio.codec
        d["browser_playable"] = self._playable(info)
        rate = info.video.rate if info.video is not None else None
        d["rate"] = _rate_str(rate) if rate else None
        d["frames"] = media_frame_count(info, rate) if rate else None
        self._write(rel, "probe.json", d)
        return d

    @staticmethod
    def _playable(info: Any) -> bool:
        """Whether a browser plays the file as it is (H.264/VP8/VP9/AV1 8-bit 4:2:0 in MP4/MOV/WebM/MKV)."""
        if not any(c in info.container for c in _WEB_CONTAINERS):
            return False
        if info.video is not None and (info.video.codec not in _WEB_VIDEO
                                       or info.video.pix_fmt not in ("yuv420p", "yuvj420p") or info.video.rotation):
            return False
        return info.audio is None or info.audio.codec in _WEB_AUDIO

    def playable(self, rel: str) -> Path:
        """The file the player streams: the media itself, or its proxy once made (see :meth:`make_proxy`).

        Raises:
            UsageError: the media needs a proxy that has not been made yet (analyse it first).
        """
        if self.probe(rel).get("browser_playable"):
            return self.path(rel)
        proxy = self.cache / "media" / self._key(rel) / "proxy.mp4"
        if not proxy.is_file():
            raise UsageError(f"{rel} needs a browser proxy", hint="analyse it first")
        return proxy

    def make_proxy(self, rel: str, *, progress: ProgressFn | None = None) -> Path | None:
        """A browser-playable H.264/AAC copy with the same frames (one per source frame, same rate), for
        media a browser cannot play (ProRes, DNxHD, MPEG-1/2, 10-bit...): :func:`reelkit.render.render_timeline`
        of the whole clip. Returns None when the media plays as it is. Made once.
        """
        info = self.probe(rel)
        if info.get("browser_playable") or not info.get("video") or not info.get("frames"):
            return None
        proxy = self.media_dir(rel) / "proxy.mp4"
        if proxy.is_file():
            return proxy
        from reelkit.media import probe
        from reelkit.render import render_timeline
        from reelkit.timeline import ranges_timeline

        tl = ranges_timeline(probe(self.path(rel)), [(0, int(info["frames"]))], name=f"{Path(rel).stem} proxy")
        render_timeline(tl, proxy, progress=progress, crf=23, force=True)
        return proxy

    def frame_image(self, rel: str, frame: int, *, max_side: int = 960) -> Any:
        """Decoded RGB uint8 ``(h, w, 3)`` of source frame ``frame`` (max side ``max_side``), or None.

        Seeks first; containers whose seeking fails (MPEG program streams...) are decoded from the start."""
        from reelkit.media import read_frames

        frame = max(0, int(frame))
        for f in read_frames(self.path(rel), max_side=max_side, start=frame, end=frame + 1):
            return f.image
        img = None
        for f in read_frames(self.path(rel), max_side=max_side, end=frame + 1):
            img = f.image
        return img

    def poster(self, rel: str) -> Path:
        """A JPEG poster frame (max side 320 px, at 10 % of the duration), made once.

        Raises:
            MediaError: no video stream or no decodable frame.
        """
        target = self.media_dir(rel) / "poster.jpg"
        if target.is_file():
            return target
        from PIL import Image

        from reelkit.fileio import atomic_output

        info = self.probe(rel)
        if info.get("video") is None:
            raise MediaError(f"{rel} has no video: no poster frame")
        img = self.frame_image(rel, int((info.get("frames") or 0) * 0.1), max_side=_POSTER_SIDE)
        if img is None:
            raise MediaError(f"{rel}: no frame could be decoded for the poster")
        with atomic_output(target, force=True) as tmp:
            Image.fromarray(img).save(tmp, format="JPEG", quality=85)
        return target

    # -- analysis --------------------------------------------------------------------------------------

    def analyse(self, rel: str, *, progress: ProgressFn | None = None,
                steps: Iterable[str] = ("proxy", "shots", "transcript")) -> dict[str, Any]:
        """Run the analysis the studio shows: a browser proxy when needed, shots with their log and
        thumbnails, and the transcript.

        ``progress`` gets ``(done, 1000)``: shots are the first half for video with audio.
        Results are cached; a file already analysed is not analysed again.

        Raises:
            The media errors of the detectors; BackendUnavailable for a missing ASR backend.
        """
        info = self.probe(rel)
        d = self.cache / "media" / self._key(rel)
        needs_proxy = bool(info.get("video")) and not info.get("browser_playable") and not (d / "proxy.mp4").is_file()
        todo = [s for s in steps if s == "proxy" or not (d / f"{s}.json").is_file()]
        todo = [s for s in todo if (s == "shots" and info.get("video")) or (s == "transcript" and info.get("audio"))
                or (s == "proxy" and needs_proxy)]
        share = 1000 // max(1, len(todo))
        for k, step in enumerate(todo):
            base = k * share

            def prog(done: int, total: int | None, base: int = base) -> None:
                if progress is not None and total:
                    progress(base + min(share, share * done // total), 1000)

            if step == "proxy":
                self.make_proxy(rel, progress=prog)
            elif step == "shots":
                from reelkit.analysis.shotlog import log_shots

                thumbs = self.media_dir(rel) / "thumbs"
                det = log_shots(self.path(rel), thumbnails=thumbs, force=True, progress=prog)
                d = det.to_dict()
                d["video"] = rel
                for s in d["shots"]:
                    if s.get("thumbnail"):
                        s["thumbnail"] = Path(s["thumbnail"]).name
                self._write(rel, "shots.json", d)
            else:
                from reelkit.analysis.speech import transcribe

                self.import_transcript(rel, transcribe(self.path(rel), progress=prog))
        if progress is not None:
            progress(1000, 1000)
        return self.entry(rel)

    def shots(self, rel: str) -> dict[str, Any] | None:
        """The cached shot log (``reel shots -f json`` schema, thumbnails as file names), or None."""
        return self._read(rel, "shots.json")

    def thumbnail(self, rel: str, name: str) -> Path:
        """A shot thumbnail file of ``rel`` by its bare name (``shot_0001.jpg``).

        Raises:
            UsageError: not a thumbnail name or not there.
        """
        if not (name.startswith("shot_") and name.endswith(".jpg") and name[5:-4].isdigit()):
            raise UsageError(f"not a thumbnail name: {name!r}")
        f = self.cache / "media" / self._key(rel) / "thumbs" / name
        if not f.is_file():
            raise UsageError(f"no thumbnail {name} for {rel}")
        return f

    def transcript(self, rel: str) -> dict[str, Any] | None:
        """The cached transcript for the editor, or None.

        ``{"media", "language", "backend", "sample_rate", "words": [{"text", "start", "end", "confidence",
        "filler", "speaker"}], "segments": [...], "pauses": [{"after", "start", "end"}]}``; times in seconds;
        ``pauses`` lists the silences between words that ``reel cut --silence`` would shorten (longer than
        ``min_silence + 2·margin``); ``after`` is the index of the word before (-1 at the head).
        """
        d = self._read(rel, "transcript.json")
        if d is None:
            return None
        t = self._load_transcript(rel)
        from reelkit.analysis.speech import segment_word_ranges

        speakers: list[str | None] = [None] * len(t.words)
        for seg, (a, b) in zip(t.segments, segment_word_ranges(t), strict=True):
            for i in range(a, b):
                speakers[i] = seg.speaker
        for w, spk in zip(d["words"], speakers, strict=True):
            w["speaker"] = spk
        spec = EditSpec()
        gap_min = float(spec.min_silence_s + 2 * spec.margin_s)
        pauses = []
        prev_end = 0.0
        for i, w in enumerate(d["words"]):
            if w["start"] - prev_end > gap_min:
                pauses.append({"after": i - 1, "start": prev_end, "end": w["start"]})
            prev_end = max(prev_end, w["end"])
        d["pauses"] = pauses
        return d

    def import_transcript(self, rel: str, transcript: Any) -> None:
        """Store a :class:`reelkit.analysis.speech.Transcript` of ``rel`` as its analysis (e.g. one made by
        ``reel transcribe -f json`` and read with ``Transcript.from_dict``), replacing any cached one."""
        d = transcript.to_dict()
        d["media"] = rel
        d["sample_rate"] = transcript.sample_rate
        self._write(rel, "transcript.json", d)

    def _load_transcript(self, rel: str) -> Any:
        """The cached transcript as a Transcript (kept in memory while its file is unchanged)."""
        from reelkit.analysis.speech import Transcript

        f = self.cache / "media" / self._key(rel) / "transcript.json"
        try:
            mtime = f.stat().st_mtime_ns
        except OSError:
            raise UsageError(f"{rel} has no transcript yet", hint="analyse it first") from None
        hit = self._transcripts.get(str(f))
        if hit is not None and hit[0] == mtime:
            return hit[1]
        d = self._read(rel, "transcript.json")
        if d is None:
            raise UsageError(f"{rel} has no transcript yet", hint="analyse it first")
        t = Transcript.from_dict(d, sample_rate=int(d.get("sample_rate") or 16000))
        self._transcripts[str(f)] = (mtime, t)
        return t

    # -- edits -----------------------------------------------------------------------------------------

    def keep_ranges(self, rel: str, edit: EditSpec) -> dict[str, Any]:
        """Kept source-frame ranges of a transcript edit, exactly as ``reel cut`` computes them.

        Deleted words go through :func:`reelkit.edit.word_removals`; deleted pauses through
        :func:`reelkit.edit.silence_removals` over the kept words (only the removals that overlap a chosen
        pause); both through :func:`reelkit.edit.keep_ranges`.

        Returns:
            ``{"rate": "num/den", "total_frames", "keep": [[start, end), ...], "kept_frames", "kept_s"}``.

        Raises:
            UsageError: no transcript, an index out of range, everything deleted.
        """
        from reelkit.edit import keep_ranges, silence_removals, word_removals

        info = self.probe(rel)
        t = self._load_transcript(rel)
        rate = Fraction(info["rate"]) if info.get("rate") else Fraction(30)
        total = int(info["frames"]) if info.get("frames") else int(Fraction(repr(info["duration_s"] or 0)) * rate)
        words, sr = list(t.words), t.sample_rate
        n = len(words)
        if any(i < 0 or i >= n for i in edit.deleted):
            raise UsageError(f"deleted word index out of range (transcript has {n} words)")
        removals: list[list[tuple[int, int]]] = []
        if edit.deleted:
            removals.append(word_removals(words, edit.deleted, sample_rate=sr, rate=rate, total_frames=total,
                                          margin_s=edit.margin_s))
        if edit.pauses:
            if any(i < -1 or i >= n for i in edit.pauses):
                raise UsageError("pause index out of range")
            dels = set(edit.deleted)
            kept = [w for i, w in enumerate(words) if i not in dels]
            cuts = silence_removals([], sample_rate=sr, rate=rate, total_frames=total, margin_s=edit.margin_s,
                                    min_silence_s=edit.min_silence_s, words=kept)
            chosen = []
            for i in edit.pauses:  # the gap between word i and i+1, in frames
                g0 = Fraction(words[i].end * rate, sr) if i >= 0 else Fraction(0)
                g1 = Fraction(words[i + 1].start * rate, sr) if i + 1 < n else Fraction(total)
                chosen += [(s, e) for s, e in cuts if s < g1 and e > g0]
            removals.append(chosen)
        keep = keep_ranges(total, *removals)
        if not keep:
            raise UsageError("nothing would remain: every word was deleted")
        kept = sum(e - s for s, e in keep)
        return {"rate": _rate_str(rate), "total_frames": total, "keep": [[s, e] for s, e in keep],
                "kept_frames": kept, "kept_s": round(float(kept / rate), 3)}

    def timeline(self, rel: str, edit: EditSpec, ranges: dict[str, Any] | None = None) -> Any:
        """The OTIO timeline of an edit (:func:`reelkit.timeline.ranges_timeline`, as ``reel cut``);
        ``ranges``: a :meth:`keep_ranges` result of the same edit, to skip computing it again."""
        from reelkit.media import probe
        from reelkit.timeline import ranges_timeline

        r = ranges or self.keep_ranges(rel, edit)
        info = probe(self.path(rel))
        tl = ranges_timeline(info, [tuple(k) for k in r["keep"]], name=f"{Path(rel).stem} cut",
                             rate=Fraction(r["rate"]))
        tl.metadata.setdefault("reelkit", {})["studio_edit"] = edit.to_json()
        return tl

    def edit_file(self, rel: str) -> Path:
        """Where the edit of ``rel`` is saved: ``.reelkit/studio/edits/<path with / as __>.otio``."""
        d = self.cache / "edits"
        d.mkdir(parents=True, exist_ok=True)
        return d / (rel.replace("/", "__") + ".otio")

    def save_edit(self, rel: str, edit: EditSpec) -> dict[str, Any]:
        """Save the edit as an OTIO timeline in the project and return :meth:`keep_ranges` plus ``file``."""

        r = self.keep_ranges(rel, edit)
        return {**r, "file": self.write_edit(rel, edit, r)}

    def write_edit(self, rel: str, edit: EditSpec, ranges: dict[str, Any]) -> str:
        """Write the OTIO of an edit whose :meth:`keep_ranges` are ``ranges``; returns its project path."""
        from reelkit.timeline import export_timeline

        out = export_timeline(self.timeline(rel, edit, ranges), self.edit_file(rel), "otio", force=True)
        return out.relative_to(self.root).as_posix()

    def load_edit(self, rel: str) -> EditSpec:
        """The saved edit of ``rel`` (empty when none)."""
        import opentimelineio as otio

        f = self.edit_file(rel)
        if not f.is_file():
            return EditSpec()
        try:
            tl = otio.adapters.read_from_file(str(f))
            meta = tl.metadata.get("reelkit", {}).get("studio_edit", {})
            return EditSpec.from_json({k: [int(i) for i in meta.get(k, [])] for k in ("deleted", "pauses")})
        except Exception:  # a hand-edited or foreign file: start from no edit rather than fail the view
            return EditSpec()

    # -- grade -------------------------------------------------------------------------------------------

    def fit_grade(self, rel: str, ref: str | None = None, *, method: str = "pdf") -> tuple[Any, dict[str, Any]]:
        """The grade ``reel grade auto`` (``ref`` None) or ``reel grade match --ref`` fits for ``rel``, and
        its summary. Fitted on 8 frames spread over the clip; kept in memory while the files are unchanged.

        Returns:
            ``(grade, info)``; ``info``: ``{"kind": "auto"|"match", "reference", "method", "grade", "notes",
            "white_gains", "exposure_stops"}`` (auto) or ``"mean_delta_e_before"/"_after"`` (match).

        Raises:
            The media errors of the frame reader; UsageError for an unknown method.
        """
        from reelkit.color.jobs import fit_auto, fit_match

        key = (rel, self._key(rel), ref, method)
        if ref is not None:
            key = (rel, self._key(rel) + self._key(ref), ref, method)
        hit = self._grades.get(key)
        if hit is not None:
            return hit
        info: dict[str, Any]
        if ref is None:
            bal = fit_auto(self.path(rel))
            grade = bal.grade
            info = {"kind": "auto", "reference": None, "method": "combined",
                    "white_gains": [round(g, 4) for g in bal.white_gains], "exposure_stops": bal.exposure_stops,
                    "notes": list(bal.notes)}
        else:
            import numpy as np

            from reelkit.color.even import mean_colour_difference

            fit = fit_match(self.path(rel), self.path(ref), method=method)
            grade = fit.result.grade
            info = {"kind": "match", "reference": ref, "method": fit.result.method, "notes": list(fit.result.notes),
                    "mean_delta_e_before": round(mean_colour_difference(fit.src_px, fit.ref_px), 3),
                    "mean_delta_e_after": round(mean_colour_difference(np.clip(grade(fit.src_px), 0, 1),
                                                                       fit.ref_px), 3)}
        info["grade"] = grade.describe()
        self._grades[key] = (grade, info)
        return grade, info

    def graded_frame(self, rel: str, frame: int, *, strength: float = 1.0, ref: str | None = None,
                     graded: bool = True, max_side: int = 960) -> bytes:
        """JPEG of source frame ``frame`` (max side ``max_side``), graded at ``strength`` (0..1) when ``graded``.

        Raises:
            UsageError: strength outside 0..1, or a frame past the end; media errors.
        """
        import io

        from PIL import Image

        from reelkit.color.grade import MixGrade, apply_grade_image

        if not 0.0 <= strength <= 1.0:
            raise UsageError("strength must be between 0 and 1")
        img = self.frame_image(rel, frame, max_side=max_side)
        if img is None:
            raise UsageError(f"{rel} has no frame {frame}")
        if graded:
            grade, _info = self.fit_grade(rel, ref)
            out = apply_grade_image(grade if strength >= 1.0 else MixGrade(grade, strength), img)
            img = (out * 255.0 + 0.5).astype("uint8")
        buf = io.BytesIO()
        Image.fromarray(img).save(buf, format="JPEG", quality=88)
        return buf.getvalue()

    def export_lut(self, rel: str, *, strength: float = 1.0, ref: str | None = None) -> dict[str, Any]:
        """Bake the grade at ``strength`` into a .cube LUT (as ``reel grade ... --lut``) in ``exports/``.

        Returns ``{"file", "format": "cube", "max_error"}`` (max error vs the grade, in 1/255 steps).
        """
        from reelkit.color.grade import MixGrade
        from reelkit.color.lut import Lut, write_cube

        if not 0.0 <= strength <= 1.0:
            raise UsageError("strength must be between 0 and 1")
        grade, info = self.fit_grade(rel, ref)
        g = grade if strength >= 1.0 else MixGrade(grade, strength)
        lut, err = g.to_lut()
        what = f"match to {Path(ref).name}" if ref else "auto balance"
        lut = Lut(cube=lut.cube, title=f"reelkit {what} {Path(rel).name} @ {strength:.2f}",
                  comments=(f"made by reel studio: max error {err * 255:.3f}/255 vs the grade",))
        d = self.root / "exports"
        d.mkdir(exist_ok=True)
        kind = f"match-{Path(ref).stem}" if ref else "auto"
        out = write_cube(lut, d / f"{Path(rel).stem}.{kind}.cube", force=True)
        return {"file": Path(out).relative_to(self.root).as_posix(), "format": "cube",
                "max_error": round(err * 255, 3), "info": info}

    # -- reframe -----------------------------------------------------------------------------------------

    @staticmethod
    def _aspect_name(aspect: str) -> str:
        from reelkit.camera.reframe_path import parse_aspect

        a = parse_aspect(aspect)
        return f"{a.numerator}x{a.denominator}"

    def plan_reframe(self, rel: str, aspect: str = "9:16", *, progress: ProgressFn | None = None) -> dict[str, Any]:
        """Run ``reel reframe``'s planner (:func:`reelkit.edit.reframe.reframe`) for ``aspect`` on the
        analysed shots (or its own detection) and cache the plan; returns :meth:`reframe_view`."""
        from reelkit.edit.reframe import reframe
        from reelkit.edit.reframe_edit import plan_to_dict

        shots = self.shots(rel)
        spans = [(int(s["start"]), int(s["end"])) for s in shots["shots"]] if shots else None
        plan = reframe(self.path(rel), aspect, shots=spans, progress=progress)
        d = plan_to_dict(plan)
        d["video"] = rel
        self._write(rel, f"reframe-{self._aspect_name(aspect)}.json", d)
        moves = self.media_dir(rel) / f"reframe-{self._aspect_name(aspect)}.moves.json"
        moves.unlink(missing_ok=True)  # a new plan: earlier keyframe moves no longer apply
        return self.reframe_view(rel, aspect)

    def _reframe_plan(self, rel: str, aspect: str, *, moved: bool = True,
                      extra: dict[str, list[float]] | None = None) -> Any:
        """The cached plan, with the saved keyframe moves (plus ``extra``) applied when ``moved``; or None.

        Moves always name keyframes of the planner's own path, so they apply in any order."""
        from reelkit.edit.reframe_edit import move_keyframes, plan_from_dict
        from reelkit.media import probe

        d = self._read(rel, f"reframe-{self._aspect_name(aspect)}.json")
        if d is None:
            return None
        plan = plan_from_dict(d, probe(self.path(rel)))
        moves = {**(self._read(rel, f"reframe-{self._aspect_name(aspect)}.moves.json") or {}), **(extra or {})}
        if moved and moves:
            plan = move_keyframes(plan, {int(k): (float(v[0]), float(v[1])) for k, v in moves.items()})
        return plan

    def reframe_view(self, rel: str, aspect: str = "9:16") -> dict[str, Any]:
        """The Reframe view of ``rel`` at ``aspect``: ``{"planned": False}`` before planning, else
        ``{"planned": True, "aspect", "source_size", "output_size", "windows": [[x, y, w, h] per frame],
        "shots": [{"start", "end", "mode", "subject", "speaker", "keyframes": [...]}], "moves": {frame: [x, y]}}``."""
        from reelkit.edit.reframe_edit import plan_keyframes

        plan = self._reframe_plan(rel, aspect)
        if plan is None:
            return {"planned": False, "aspect": aspect}
        moves = self._read(rel, f"reframe-{self._aspect_name(aspect)}.moves.json") or {}
        keys = plan_keyframes(self._reframe_plan(rel, aspect, moved=False))
        for kf in keys:  # the planner's keyframes, where the person moved them
            for k in kf:
                if str(k["frame"]) in moves:
                    k["x"], k["y"], k["moved"] = *moves[str(k["frame"])], True
        shots = [{**s.to_dict(), "subject": plan.subjects.get(i), "speaker": plan.speakers.get(i),
                  "keyframes": k} for i, (s, k) in enumerate(zip(plan.path.shots, keys, strict=True))]
        return {"planned": True, "aspect": aspect, "source_size": list(plan.path.source_size),
                "output_size": list(plan.output_size),
                "windows": [[round(float(v), 2) for v in w] for w in plan.path.windows.tolist()],
                "shots": shots, "moves": moves}

    def move_reframe_keyframe(self, rel: str, aspect: str, frame: int, x: float, y: float) -> dict[str, Any]:
        """Move the crop keyframe at ``frame`` to ``(x, y)`` (source pixels), save, return :meth:`reframe_view`.

        Raises:
            UsageError: no plan yet, or ``frame`` is not a movable keyframe.
        """
        new = {str(int(frame)): [round(float(x), 2), round(float(y), 2)]}
        if self._reframe_plan(rel, aspect, extra=new) is None:  # applying all moves validates the new one
            raise UsageError(f"{rel} has no {aspect} reframe plan yet", hint="plan the reframe first")
        name = f"reframe-{self._aspect_name(aspect)}.moves.json"
        moves = self._read(rel, name) or {}
        moves[str(int(frame))] = [round(float(x), 2), round(float(y), 2)]
        self._write(rel, name, moves)
        return self.reframe_view(rel, aspect)

    def export_reframe(self, rel: str, aspect: str, fmt: str, *, progress: ProgressFn | None = None
                       ) -> dict[str, Any]:
        """Export the (moved) reframe as ``otio``/``fcpxml`` (:func:`reelkit.edit.reframe.path_timeline`) or
        render it as ``mp4`` (:func:`reelkit.render.reframe.render_reframe`) into ``exports/``.

        Raises:
            UsageError: no plan, unknown format; the exporters' and renderer's errors.
        """
        from reelkit.edit.reframe import path_timeline

        plan = self._reframe_plan(rel, aspect)
        if plan is None:
            raise UsageError(f"{rel} has no {aspect} reframe plan yet", hint="plan the reframe first")
        suffix = {"otio": ".otio", "fcpxml": ".fcpxml", "mp4": ".mp4"}.get(fmt)
        if suffix is None:
            raise UsageError(f"unknown reframe export {fmt!r}; choose otio, fcpxml or mp4")
        d = self.root / "exports"
        d.mkdir(exist_ok=True)
        out = d / f"{Path(rel).stem}.reframe-{self._aspect_name(aspect)}{suffix}"
        if fmt == "mp4":
            from reelkit.render.reframe import render_reframe

            render_reframe(plan, out, force=True, progress=progress)
        else:
            from reelkit.timeline import export_timeline

            export_timeline(path_timeline(plan), out, fmt, force=True)
        return {"file": out.relative_to(self.root).as_posix(), "format": fmt}

    # -- scripts -------------------------------------------------------------------------------------------

    def script(self, rel: str) -> dict[str, Any]:
        """Breakdown and shot list of a screenplay, as ``reel script breakdown`` / ``reel script shotlist``
        give them (JSON schemas of their ``--format json``), plus parser ``warnings`` and the storyboard
        ``panels`` already rendered (cached).

        Raises:
            ScriptError / InputFormatError: not a screenplay the parser reads.
        """
        cached = self._read(rel, "script.json")
        if cached is None:
            from reelkit.script import load_screenplay
            from reelkit.script.breakdown import breakdown
            from reelkit.script.paginate import paginate
            from reelkit.script.shotlist import generate_shotlist

            sp = load_screenplay(self.path(rel))
            cached = {"path": rel, "breakdown": breakdown(sp, pagination=paginate(sp)).to_dict(),
                      "shotlist": generate_shotlist(sp).to_dict(), "warnings": [str(w) for w in sp.warnings]}
            self._write(rel, "script.json", cached)
        return {**cached, "panels": self._read(rel, "panels.json") or []}

    def storyboard(self, rel: str, scenes: str | None = None, *, progress: ProgressFn | None = None
                   ) -> list[dict[str, Any]]:
        """Render storyboard panels (:func:`reelkit.script.board.render_panels`, 480×270) of the chosen
        ``scenes`` (``reel script board --scenes`` syntax; all when None) into the cache.

        Returns (and caches) every panel rendered so far, in script order:
        ``[{"name", "scene", "scene_index", "beat", "shot", "kind", "new_shot", "duration_s", "caption"}]``.

        Raises:
            UsageError: a scene spec that matches nothing; the errors of :meth:`script`.
        """
        from reelkit.script import load_screenplay
        from reelkit.script.board import render_panels
        from reelkit.script.shotlist import generate_shotlist, select_scenes

        sl = generate_shotlist(load_screenplay(self.path(rel)))
        if scenes:
            sl = select_scenes(sl, scenes)
        folder = self.media_dir(rel) / "panels"
        folder.mkdir(exist_ok=True)
        from reelkit.fileio import write_bytes

        order = {sc.number: k for k, sc in enumerate(generate_shotlist(load_screenplay(self.path(rel))).scenes)}
        have = {(p["scene"], p["beat"]): p for p in self._read(rel, "panels.json") or []}
        per_scene: dict[str, int] = {}
        for panel in render_panels(sl, width=480, height=270, progress=progress):
            sc = panel.scene.number
            per_scene[sc] = per_scene.get(sc, 0) + 1
            beat = per_scene[sc]
            name = f"panel_s{order[sc]:03d}_{beat:04d}.png"
            write_bytes(folder / name, panel.png, force=True)
            have[(sc, beat)] = {"name": name, "scene": sc, "scene_index": order[sc], "beat": beat,
                                "shot": panel.shot.code, "kind": panel.beat.kind, "new_shot": panel.new_shot,
                                "duration_s": round(float(panel.beat.duration), 2),
                                "caption": panel.beat.dialogue or panel.beat.action}
        panels = sorted(have.values(), key=lambda p: (p["scene_index"], p["beat"]))
        self._write(rel, "panels.json", panels)
        return panels

    def panel(self, rel: str, name: str) -> Path:
        """A rendered storyboard panel PNG of ``rel`` by its bare name.

        Raises:
            UsageError: not a panel name, or not rendered.
        """
        import re

        if not re.fullmatch(r"panel_s\d{3}_\d{4}\.png", name):
            raise UsageError(f"not a panel name: {name!r}")
        f = self.cache / "media" / self._key(rel) / "panels" / name
        if not f.is_file():
            raise UsageError(f"no panel {name} for {rel}")
        return f

    # -- exports ---------------------------------------------------------------------------------------

    def export_path(self, rel: str, fmt: str) -> Path:
        """``<project>/exports/<stem>.cut.<ext>`` (the folder is created)."""
        from reelkit.timeline import EXPORT_SUFFIXES

        suffix = EXPORT_SUFFIXES.get(fmt) or {"srt": ".srt", "vtt": ".vtt", "mp4": ".mp4"}.get(fmt)
        if suffix is None:
            raise UsageError(f"unknown export format {fmt!r}; choose one of "
                             f"{', '.join((*TIMELINE_FORMATS, *CAPTION_FORMATS, 'mp4'))}")
        d = self.root / "exports"
        d.mkdir(exist_ok=True)
        return d / f"{Path(rel).stem}.cut{suffix}"

    def export(self, rel: str, edit: EditSpec, fmt: str, *, progress: ProgressFn | None = None) -> dict[str, Any]:
        """Write the edit as ``fmt`` (otio, fcpxml, fcp7, edl, srt, vtt, mp4) into ``exports/``; overwrites.

        Returns ``{"file": relative path, "format": fmt}``.

        Raises:
            UsageError: unknown format, no transcript for captions; OutputError; media errors while rendering.
        """
        out = self.export_path(rel, fmt)
        tl = self.timeline(rel, edit)
        if fmt in TIMELINE_FORMATS:
            from reelkit.timeline import export_timeline

            export_timeline(tl, out, fmt, force=True)
        elif fmt in CAPTION_FORMATS:
            from reelkit.edit.captions import build_cues, words_on_timeline
            from reelkit.timeline.subtitles import write_captions

            t = self._load_transcript(rel)
            write_captions(build_cues(words_on_timeline(t.words, t.sample_rate, tl)), out, fmt, force=True)
        else:
            from reelkit.render import render_timeline

            render_timeline(tl, out, progress=progress, force=True)
        return {"file": out.relative_to(self.root).as_posix(), "format": fmt}
