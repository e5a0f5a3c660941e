"""Analysis jobs on the media index: one file (``reel shots``), a library (``reel analyze``), locally or on Ray.

:func:`shots` is what ``reel shots`` runs: fresh results come from the index, anything missing is
computed in ONE decode (:mod:`reelkit.analysis.driver`) and stored.

:func:`analyze_file` is the per-file job of ``reel analyze``: it fingerprints the file, runs whatever
detectors have no fresh result (shots, the shot log, loudness, speech levels) in one pass, and stores everything with
the file's ``done`` mark in one transaction — so a run killed at any moment (kill -9 included) resumes
without redoing finished files and without duplicates. Errors are recorded (``failed`` with the
message) and returned, never raised, so the rest of a library continues.

:func:`analyze_paths` runs that same job over many files: in this process (``workers=1``), in local
worker processes (``workers=N``), or as Ray tasks (``ray_address``: ``"local"`` starts a local Ray
with ``workers`` CPUs; anything else is passed to ``ray.init(address=...)``). One code path, one
index: workers write to the same SQLite file (WAL; writers wait for each other).
"""

from __future__ import annotations

import concurrent.futures as cf
import contextlib
import multiprocessing
import os
import stat
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from fractions import Fraction
from pathlib import Path
from typing import Any

import numpy as np

from reelkit.analysis.driver import Detector, run_detectors
from reelkit.analysis.levels import SpeechLevels
from reelkit.analysis.picture_samples import PictureSamples
from reelkit.analysis.shots import (
    DEFAULT_TUNING,
    ShotBoundaryDetector,
    ShotDetection,
    Transition,
    shots_from_transitions,
)
from reelkit.analysis.subjects import resolve_backend
from reelkit.errors import (
    BackendUnavailable,
    DecodeError,
    MediaError,
    MediaIndexError,
    ReelError,
    UnsupportedMediaError,
    UsageError,
)
from reelkit.fileio import check_input_file
from reelkit.index.store import INDEX_DIR, MediaIndex, ResultKey, ShotRow, WordRow, index_path_for
from reelkit.media import MediaInfo, probe
from reelkit.progress import ProgressFn
from reelkit.time import format_rate

TRANSCRIPT_VERSION = "2"
"""Version of the transcripts ``reel analyze --speech`` stores (bump when the speech pipeline's output changes)."""

__all__ = [
    "MEDIA_SUFFIXES",
    "AnalyzeOptions",
    "AnalyzeReport",
    "FileOutcome",
    "analyze_file",
    "analyze_paths",
    "cached_result",
    "detection_from_store",
    "detection_to_store",
    "discover",
    "keys_for",
    "loudness_report",
    "mouth_motion",
    "open_index",
    "picture_samples",
    "shots",
    "speech_levels",
    "transcribe_cached",
]

#: In a folder walk, a file that does not probe as media is skipped — unless its name ends like a media
#: file, then it is a bad media file and recorded as failed with its error (media is still *found* by
#: probing: a clip without a suffix, or a misnamed one, is analysed).
MEDIA_SUFFIXES = frozenset({
    ".mp4", ".m4v", ".mov", ".qt", ".mkv", ".webm", ".avi", ".mxf", ".mts", ".m2ts", ".ts", ".mpg", ".mpeg", ".wmv",
    ".flv", ".3gp", ".dv", ".y4m", ".r3d", ".braw", ".wav", ".aif", ".aiff", ".mp3", ".m4a", ".aac", ".flac", ".ogg",
    ".opus", ".wma"})

#: test hook: when this environment variable names a file that does not exist yet, the per-file job
#: creates it and kills its own process (a worker dying mid-file), once
CRASH_ONCE_ENV = "REELKIT_TEST_CRASH_ONCE"


# ------------------------------------------------------------------------------------------
# (de)serialising results
# ------------------------------------------------------------------------------------------


def detection_to_store(det: ShotDetection) -> dict[str, Any]:
    """The index form of a shot detection (shots are re-derived from the transitions)."""
    return {"rate": format_rate(det.rate), "frame_count": det.frame_count, "vfr": det.vfr,
            "transitions": [[t.type, t.start, t.end, t.confidence] for t in det.transitions],
            "times_s": det.times_s}


def detection_from_store(data: dict[str, Any], video: Path) -> ShotDetection:
    """Inverse of :func:`detection_to_store` (``video``: the path the caller asked about)."""
    rate = Fraction(data["rate"])
    trs = [Transition(t, int(a), int(b), float(c)) for t, a, b, c in data["transitions"]]
    n = int(data["frame_count"])
    times = data.get("times_s")
    return ShotDetection(video=video, rate=rate, frame_count=n, transitions=trs,
                         shots=shots_from_transitions(trs, n), times_s=None if times is None else np.asarray(times),
                         vfr=bool(data["vfr"]))


def _shotlog_store(logs: list[dict[str, Any]], jpegs: list[bytes | None]) -> dict[str, Any]:
    return {"logs": logs, "jpegs": jpegs}


# ------------------------------------------------------------------------------------------
# keys
# ------------------------------------------------------------------------------------------


def keys_for(tuning: dict[str, float] | None = None, subjects_backend: str = "auto") -> dict[str, ResultKey]:
    """The index keys of the standard results: ``shots``, ``shotlog``, ``loudness``, ``speech_levels``,
    ``transcript``.

    The subject backend is keyed by what it resolves to (``auto`` → ``mediapipe`` or ``opencv``), so
    a log made with one detector is never served for the other.
    """
    from reelkit.analysis.levels import SpeechLevelsDetector
    from reelkit.analysis.loudness import LoudnessDetector
    from reelkit.analysis.shotlog import FrameStatsDetector, RepresentativeFrames

    p = {**DEFAULT_TUNING, **(tuning or {})}
    log_version = f"{FrameStatsDetector.version}.{RepresentativeFrames.version}.1"
    return {
        "shots": ResultKey.of("shots", ShotBoundaryDetector.version, p),
        "shotlog": ResultKey.of("shotlog", log_version, {**p, "subjects_backend": resolve_backend(subjects_backend)}),
        "loudness": ResultKey.of("loudness", LoudnessDetector.version, {}),
        "speech_levels": ResultKey.of(SpeechLevelsDetector.name, SpeechLevelsDetector.version, {}),
        "transcript": transcript_key(),
    }


def transcript_key(*, backend: str = "faster-whisper", model: str | os.PathLike[str] | None = None,
                   language: str | None = None, translate: bool = False,
                   speakers: int | str | None = None) -> ResultKey | None:
    """The index key of a transcript made with these options, or None when it cannot be keyed.

    The default options give the key ``reel analyze --speech`` stores under, so ``reel transcribe``
    reuses its transcripts. A model given as a local folder is not keyed (its files may change).
    """
    if backend == "pocketsphinx":
        params: dict[str, Any] = {"backend": backend}
    else:
        m = "base" if model in (None, "base") else str(model)
        if m not in ("base", "small"):
            return None
        params = {"backend": backend, "model": m}
    if language not in (None, "auto"):
        params["language"] = language
    if translate:
        params["translate"] = True
    if speakers is not None:
        params["speakers"] = str(speakers)
    return ResultKey.of("transcript", TRANSCRIPT_VERSION, params)


def open_index(media: str | os.PathLike[str] | None, index: str | os.PathLike[str] | None = None, *,
               required: bool = True) -> tuple[MediaIndex | None, str | None]:
    """Open the index for ``media`` (see :func:`reelkit.index.store.index_path_for`).

    With ``required=False`` an index that cannot be written (read-only folder) gives ``(None, reason)``
    so the caller can compute without storing; a corrupt index always raises.

    Raises:
        MediaIndexError.
    """
    path = index_path_for(media, index)
    try:
        return MediaIndex(path), None
    except MediaIndexError as exc:
        if required or "corrupt" in exc.message or "newer reelkit" in exc.message:
            raise
        return None, str(exc)


# ------------------------------------------------------------------------------------------
# reel shots
# ------------------------------------------------------------------------------------------


def _media_row(info: MediaInfo) -> dict[str, Any]:
    v = info.video
    return {"size": info.path.stat().st_size, "duration_s": info.duration_s,
            "rate": format_rate(v.rate) if v is not None and v.rate else None,
            "container": info.container, "width": v.width if v else None, "height": v.height if v else None,
            "audio": info.audio is not None}


def _shot_rows(det: ShotDetection, logs: list[dict[str, Any]] | None, momentary: np.ndarray | None) -> list[ShotRow]:
    from reelkit.analysis.loudness import span_loudness

    rows = []
    for k, s in enumerate(det.shots):
        log = logs[k] if logs is not None else {}
        start_s = det.frame_time(s.start)
        last = s.end + 1 >= det.frame_count
        end_s = det.frame_time(s.end) + float(1 / det.rate) if last else det.frame_time(s.end + 1)
        subj = log.get("subjects") or {}
        rows.append(ShotRow(
            shot=s.index, start_s=round(start_s, 6), end_s=round(end_s, 6), start_frame=s.start, end_frame=s.end,
            size=log.get("shot_size"), movement=(log.get("camera") or {}).get("movement"),
            exposure=(log.get("exposure") or {}).get("verdict"),
            mean_luma=(log.get("exposure") or {}).get("mean_luma"),
            faces=subj.get("faces"), people=subj.get("people"),
            loudness_lufs=span_loudness(momentary, start_s, end_s) if momentary is not None else None))
    return rows


def shots(path: str | os.PathLike[str], *, index: str | os.PathLike[str] | None = None, use_index: bool = True,
          detect_only: bool = False, thumbnails: str | os.PathLike[str] | None = None, force: bool = False,
          subjects_backend: str = "auto", info: MediaInfo | None = None, progress: ProgressFn | None = None,
          warn: Callable[[str], None] | None = None, **tuning: float) -> tuple[ShotDetection, bool]:
    """``reel shots``: the shots of a video with their log (or only the boundaries), through the index.

    Fresh results for the file's content are read from the index; otherwise ONE decode computes them
    (boundaries only with ``detect_only``; boundaries + log + representative frames otherwise) and they
    are stored. An index that cannot be written (read-only folder) is reported through ``warn`` and the
    results are computed without storing.

    Returns:
        ``(detection, from_index)``.

    Raises:
        The errors of :func:`reelkit.analysis.shotlog.log_shots`; MediaIndexError for a corrupt index.
    """
    from reelkit.analysis.shotlog import log_detectors, prepare_thumbnail_dir, shot_logs, write_thumbnails

    src = check_input_file(path, what="video")
    if not detect_only:
        prepare_thumbnail_dir(thumbnails)
    ShotBoundaryDetector(**tuning)  # unknown tuning names fail before anything else
    idx: MediaIndex | None = None
    if use_index:
        idx, why = open_index(src, index, required=False)
        if why and warn:
            warn(f"not using the media index: {why}")
    keys = keys_for(tuning, subjects_backend)
    try:
        fp = idx.fingerprint(src) if idx else None
        if idx and fp:
            got = idx.get(fp, keys["shots"])
            log = None if detect_only or got is None else idx.get(fp, keys["shotlog"])
            if got is not None and (detect_only or log is not None):
                det = detection_from_store(got, src)
                if log is not None:
                    det = _with_logs(det, log["logs"])
                    if thumbnails is not None:
                        det = write_thumbnails(det, log["jpegs"], thumbnails, force=force)
                return det, True
        info = info or probe(src)
        if detect_only:
            sd = ShotBoundaryDetector(**tuning)
            det = run_detectors(src, [sd], info=info, progress=progress)["shots"]
            results: list[tuple[ResultKey, Any]] = [(keys["shots"], detection_to_store(det))]
            rows = _shot_rows(det, None, None)
        else:
            out = run_detectors(src, log_detectors(**tuning), info=info, progress=progress)
            det = out["shots"]
            logs, jpegs = shot_logs(det, out["framestats"], out["repframes"], info, subjects_backend=subjects_backend)
            results = [(keys["shots"], detection_to_store(det)), (keys["shotlog"], _shotlog_store(logs, jpegs))]
            rows = _shot_rows(det, logs, None)
            det = _with_logs(det, logs)
            if thumbnails is not None:
                det = write_thumbnails(det, jpegs, thumbnails, force=force)
        if idx and fp:
            if idx.fingerprint(src) != fp:
                raise MediaError(f"{src} changed while it was analysed; nothing was stored in the index",
                                 hint="run the command again once the file is complete")
            prior = idx.get(fp, keys["shotlog"]) if detect_only else None
            idx.put_many(fp, results, media=_media_row(info),
                         shots=rows if not detect_only or prior is None else None)
        return det, False
    finally:
        if idx:
            idx.close()


def cached_result(path: str | os.PathLike[str], key: ResultKey, compute: Callable[[MediaInfo], Any], *,
                  info: MediaInfo | None = None, index: str | os.PathLike[str] | None = None,
                  use_index: bool = True, warn: Callable[[str], None] | None = None,
                  words: Callable[[Any], Sequence[WordRow]] | None = None) -> tuple[Any, bool]:
    """:meth:`MediaIndex.get_or_compute` for a command: the index found by :func:`open_index` (one that
    cannot be written is reported through ``warn`` and the result computed without storing), opened
    and closed around the call, and the file's media row stored with the result (and, with
    ``words``, the word rows ``reel find`` searches, made from the computed result).

    ``compute(info)`` must return what the index's codec stores (JSON-able values, NumPy arrays).

    Returns:
        ``(result, from_index)``.

    Raises:
        whatever ``compute`` raises; MediaError: the file changed meanwhile; MediaIndexError: corrupt index.
    """
    src = check_input_file(path, what="media file")
    info = info or probe(src)
    idx: MediaIndex | None = None
    if use_index:
        idx, why = open_index(src, index, required=False)
        if why and warn:
            warn(f"not using the media index: {why}")
    if idx is None:
        return compute(info), False
    with idx:
        return idx.get_or_compute(src, key, lambda: compute(info), media=_media_row(info), words=words)


def _detector_result(src: Path, info: MediaInfo, det: Detector, *, to_store: Callable[[Any], Any],
                     params: dict[str, Any] | None = None, frames: tuple[int, int] | None = None,
                     progress: ProgressFn | None = None, index: str | os.PathLike[str] | None = None,
                     use_index: bool = True, warn: Callable[[str], None] | None = None) -> Any:
    """One detector's stored result for ``src`` (keyed by its name, version and ``params``, default its own
    :meth:`~reelkit.analysis.driver.Detector.params`): read from the index, or computed in one driver pass
    (over ``frames`` when given) and stored in the form ``to_store`` gives."""
    key = ResultKey.of(det.name, det.version, det.params() if params is None else params)

    def compute(inf: MediaInfo) -> Any:
        return to_store(run_detectors(src, [det], info=inf, frames=frames, progress=progress)[det.name])

    data, _cached = cached_result(src, key, compute, info=info, index=index, use_index=use_index, warn=warn)
    return data


def speech_levels(path: str | os.PathLike[str], *, info: MediaInfo | None = None,
                  index: str | os.PathLike[str] | None = None, use_index: bool = True,
                  warn: Callable[[str], None] | None = None) -> SpeechLevels | None:
    """The file's :class:`~reelkit.analysis.levels.SpeechLevels` (energy, clipping, voice activity) through
    the index: measured once (one 16 kHz decode of the audio) by whichever command or ``reel analyze``
    asks first, read back afterwards. None when the media has no audio stream.

    Raises:
        the media errors of :func:`reelkit.analysis.driver.run_detectors`; MediaIndexError: a corrupt index.
    """
    from reelkit.analysis.levels import SpeechLevels, SpeechLevelsDetector

    src = check_input_file(path, what="media file")
    info = info or probe(src)
    if info.audio is None:
        return None
    return SpeechLevels.from_store(_detector_result(src, info, SpeechLevelsDetector(), to_store=SpeechLevels.to_store,
                                                    index=index, use_index=use_index, warn=warn))


def loudness_report(path: str | os.PathLike[str], *, layout: str | None = None, dialogue: bool = False,
                    info: MediaInfo | None = None, index: str | os.PathLike[str] | None = None,
                    use_index: bool = True, warn: Callable[[str], None] | None = None,
                    progress: ProgressFn | None = None) -> dict[str, Any]:
    """The loudness of ``path`` (BS.1770-4 / EBU R128, :class:`~reelkit.analysis.loudness.LoudnessDetector`)
    through the index: metered once (one decode of the audio at its own rate and layout) by
    ``reel audio loudness`` or ``reel analyze`` — the same result row without ``layout``/``dialogue`` —
    and read back afterwards.

    Returns:
        ``{"media": str(path), **LoudnessResult.to_dict()}`` (the JSON of ``reel audio loudness``).

    Raises:
        MediaNotFoundError, UnsupportedMediaError, NoAudioStreamError, DecodeError (no sample rate);
        UsageError: an unknown ``layout`` or one with another channel count (before anything is decoded);
        MediaIndexError: a corrupt index.
    """
    from reelkit.analysis.loudness import LoudnessDetector, loudness_to_store
    from reelkit.audio.layout import resolve_layout

    src = check_input_file(path, what="media file")
    info = info or probe(src)
    a = info.require_audio()
    if not a.sample_rate:
        raise DecodeError(f"{info.path}: the audio stream has no sample rate")
    resolve_layout(int(a.channels or 1), a.layout, layout)
    data = _detector_result(src, info, LoudnessDetector(layout=layout, dialogue=dialogue), to_store=loudness_to_store,
                            progress=progress, index=index, use_index=use_index, warn=warn)
    return {"media": str(path), **{k: v for k, v in data.items() if k != "momentary"}}


def mouth_motion(path: str | os.PathLike[str], boxes: Sequence[np.ndarray], start: int, *,
                 source_size: tuple[int, int], max_side: int = 480, info: MediaInfo | None = None,
                 index: str | os.PathLike[str] | None = None, use_index: bool = True,
                 warn: Callable[[str], None] | None = None) -> np.ndarray:
    """:class:`~reelkit.analysis.mouth_motion.MouthMotion` of faces in frames ``start .. start + n - 1``
    through the index: one driver pass over those frames the first time, read back afterwards. The key
    holds a digest of the boxes, so other tracks (another subject backend, a changed tracker) are measured
    afresh.

    Args: as for :class:`~reelkit.analysis.mouth_motion.MouthMotion`.

    Returns:
        float ``(faces, n)``.

    Raises:
        the media errors of :func:`reelkit.analysis.driver.run_detectors`; MediaIndexError: a corrupt index.
    """
    import hashlib

    from reelkit.analysis.mouth_motion import MouthMotion

    src = check_input_file(path, what="video")
    info = info or probe(src)
    det = MouthMotion(boxes, start, source_size, max_side=max_side)
    n = int(det.motion.shape[1])
    if not det.boxes or n == 0:
        return det.finish()
    rounded = np.nan_to_num(np.round(np.stack(det.boxes), 1), nan=-1.0).astype(np.float32)
    params = {**det.params(), "source": list(source_size),
              "boxes": hashlib.blake2b(rounded.tobytes(), digest_size=12).hexdigest()}
    data = _detector_result(src, info, det, to_store=lambda m: m, params=params, frames=(start, start + n),
                            index=index, use_index=use_index, warn=warn)
    return np.asarray(data, dtype=float)


def picture_samples(path: str | os.PathLike[str], *, per_second: float = 2.0, max_side: int = 480,
                    backend: str = "auto", info: MediaInfo | None = None, index: str | os.PathLike[str] | None = None,
                    use_index: bool = True, warn: Callable[[str], None] | None = None,
                    progress: ProgressFn | None = None) -> PictureSamples | None:
    """The video's :class:`~reelkit.analysis.picture_samples.PictureSamples` (faces and sharpness
    ``per_second`` times a second at ``max_side`` px) through the index; None for audio or a still.

    Raises:
        the media errors of decoding; UsageError/BackendUnavailable: a bad subject backend;
        MediaIndexError: a corrupt index.
    """
    from reelkit.analysis.picture_samples import PictureSampler, sample_step

    src = check_input_file(path, what="video")
    info = info or probe(src)
    if info.video is None or _is_still(info):
        return None
    det = PictureSampler(sample_step(info.video.rate, per_second), max_side=max_side, backend=backend)
    return PictureSamples.from_store(_detector_result(src, info, det, to_store=PictureSamples.to_store,
                                                      progress=progress, index=index, use_index=use_index,
                                                      warn=warn))


def transcribe_cached(path: str | os.PathLike[str], *, backend: str = "faster-whisper",
                      model: str | os.PathLike[str] | None = None, language: str | None = None,
                      translate: bool = False, speakers: int | str | None = None,
                      progress: ProgressFn | None = None, warn: Callable[[str], None] | None = None,
                      index: str | os.PathLike[str] | None = None, use_index: bool = True) -> tuple[Any, bool]:
    """:func:`reelkit.analysis.speech.transcribe` through the media index: a transcript made before with
    the same options (by ``reel transcribe`` or ``reel analyze --speech``) of the unchanged file is read
    back instead of recognised again. The warnings of the first run (a truncated file) are stored with
    it and given to ``warn`` on every run. The words also become the rows ``reel find`` searches
    (not for ``translate``: those are not the words said).

    Returns:
        ``(Transcript, from_index)``.

    Raises:
        as :func:`~reelkit.analysis.speech.transcribe`; MediaIndexError: a corrupt index.
    """
    from reelkit.analysis.speech import Transcript
    from reelkit.analysis.speech.backends import check_backend
    from reelkit.analysis.speech.speakers import parse_speakers
    from reelkit.analysis.speech.whisper_backend import check_language

    check_backend(backend)  # bad options fail before an index is opened or created
    language = check_language(language) if backend == "faster-whisper" else language
    parse_speakers(speakers)
    key = transcript_key(backend=backend, model=model, language=language, translate=translate, speakers=speakers)

    def compute(_info: MediaInfo | None = None) -> dict[str, Any]:
        return _transcript_result(path, backend=backend, model=model, progress=progress, language=language,
                                  translate=translate, speakers=speakers)

    if key is None:
        data, cached = compute(), False
    else:
        data, cached = cached_result(path, key, compute, index=index, use_index=use_index, warn=warn,
                                     words=None if translate else _word_rows)
    if warn is not None:
        for m in data.get("warnings") or []:
            warn(m)
    return Transcript.from_dict({**data, "media": str(path)}), cached  # a moved file is found by its content


def _transcript_result(path: str | os.PathLike[str], **options: Any) -> dict[str, Any]:
    """What the index stores for a transcript: :meth:`Transcript.to_dict` plus ``warnings``, the messages
    :func:`~reelkit.analysis.speech.transcribe` gave (so a run served from the index can repeat them)."""
    from reelkit.analysis.speech import transcribe

    notes: list[str] = []
    return {**transcribe(path, warn=notes.append, **options).to_dict(), "warnings": notes}


def _word_rows(transcript: dict[str, Any]) -> list[WordRow]:
    """The words of a stored transcript (:meth:`Transcript.to_dict`: times in seconds) as rows for ``reel find``."""
    return [WordRow(w["start"], w["end"], w["text"], w["speaker"]) for w in transcript["words"]]


def _with_logs(det: ShotDetection, logs: list[dict[str, Any]]) -> ShotDetection:
    return replace(det, shots=[replace(s, log=dict(log)) for s, log in zip(det.shots, logs, strict=True)])


# ------------------------------------------------------------------------------------------
# reel analyze: one file
# ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class AnalyzeOptions:
    """What ``reel analyze`` computes (picklable: it travels to worker processes and Ray tasks)."""

    tuning: tuple[tuple[str, float], ...] = ()
    subjects_backend: str = "auto"
    full_hash: bool = False
    retry_failed: bool = False
    explicit: bool = False  # the path was named by the user (a non-media file is then an error, not skipped)
    speech: bool = False  # also transcribe (Whisper), so `reel find` can search what is said


@dataclass(frozen=True)
class FileOutcome:
    """What happened to one file: ``done`` (analysed now), ``cached`` (fresh in the index),
    ``failed`` (error recorded), ``skipped`` (not media / a still / known failure)."""

    path: str
    status: str
    fingerprint: str | None = None
    error: str | None = None
    seconds: float = 0.0
    cpu_s: float = 0.0

    def to_dict(self) -> dict[str, Any]:
        """JSON form."""
        return {"path": self.path, "status": self.status, "fingerprint": self.fingerprint, "error": self.error,
                "seconds": round(self.seconds, 3), "cpu_s": round(self.cpu_s, 3)}


def _is_still(info: MediaInfo) -> bool:
    v = info.video
    return v is not None and v.rate is None and (v.frames == 1 or info.container.endswith("_pipe")
                                                 or info.container == "image2")


def _maybe_crash() -> None:
    marker = os.environ.get(CRASH_ONCE_ENV)
    if marker and not os.path.exists(marker):
        Path(marker).write_text("crashed once\n")
        os._exit(137)


def analyze_file(path: str | os.PathLike[str], index_path: str | os.PathLike[str],
                 options: AnalyzeOptions = AnalyzeOptions()) -> FileOutcome:
    """Analyse one file into the index (the per-file job of :func:`analyze_paths`; never raises for a
    bad file: the outcome says ``failed`` and the index records the error).

    Raises:
        MediaIndexError: the index itself is unusable (corrupt, unwritable) — nothing can be recorded.
        KeyboardInterrupt: passed through (the current transaction is rolled back).
    """
    t0, c0 = time.perf_counter(), time.process_time()
    p = Path(path).resolve()
    with MediaIndex(index_path) as idx:
        fp: str | None = None

        def outcome(status: str, error: str | None = None) -> FileOutcome:
            return FileOutcome(str(p), status, fp, error, time.perf_counter() - t0, time.process_time() - c0)

        try:
            fp = idx.fingerprint(p, full=options.full_hash)
            rec = idx.file_record(p)
            keys = keys_for(dict(options.tuning), options.subjects_backend)
            if rec is not None and rec[0] == fp and rec[1] == "skipped" and not options.explicit:
                return outcome("skipped", rec[2])
            if rec is not None and rec[0] == fp and rec[1] == "failed" and not options.retry_failed:
                return outcome("failed", rec[2])
            info = probe(p)
            if info.video is None and info.audio is None:
                raise UnsupportedMediaError(f"{p}: no audio or video stream")
            if _is_still(info) and info.audio is None:
                if options.explicit:
                    raise MediaError(f"{p} is a still image, not a video")
                idx.record_file(p, fp, "skipped", "still image", time.perf_counter() - t0)
                return outcome("skipped", "still image")
            has_video = info.video is not None and not _is_still(info)
            want = (["shots", "shotlog"] if has_video else []) + (["loudness", "speech_levels"]
                                                                  if info.audio is not None else [])
            if options.speech and info.audio is not None:
                want.append("transcript")
            have = {k: idx.get(fp, keys[k]) for k in want}
            missing = [k for k in want if have[k] is None]
            if not missing:
                if rec is None or rec[0] != fp or rec[1] != "done":
                    idx.record_file(p, fp, "done", None, 0.0)
                return outcome("cached")
            _maybe_crash()
            result = _run_missing(p, info, missing, options)
            have.update(result)
            if idx.fingerprint(p) != fp:
                raise MediaError(f"{p} changed while it was analysed; nothing was stored",
                                 hint="run `reel analyze` again once the file is complete")
            det = detection_from_store(have["shots"], p) if has_video else None
            mom = np.asarray(have["loudness"]["momentary"]) if "loudness" in have else None
            rows = _shot_rows(det, have["shotlog"]["logs"], mom) if det is not None else None
            words = _word_rows(result["transcript"]) if "transcript" in result else None
            idx.put_many(fp, [(keys[k], result[k]) for k in missing], media=_media_row(info), shots=rows,
                         words=words, file=(p, time.perf_counter() - t0))
            return outcome("done")
        except MediaIndexError:
            raise
        except (ReelError, OSError) as exc:
            not_media = isinstance(exc, UnsupportedMediaError) and p.suffix.lower() not in MEDIA_SUFFIXES
            if not_media and not options.explicit:
                with contextlib.suppress(MediaIndexError):
                    idx.record_file(p, fp, "skipped", "not media", time.perf_counter() - t0)
                return outcome("skipped", "not media")
            msg = str(exc) if isinstance(exc, ReelError) else f"{type(exc).__name__}: {exc}"
            with contextlib.suppress(MediaIndexError):
                idx.record_file(p, fp, "failed", msg, time.perf_counter() - t0)
            return outcome("failed", msg)
        except (KeyboardInterrupt, SystemExit):
            raise
        except Exception as exc:  # a bug in a detector: record it, keep going with the other files
            msg = f"internal error: {type(exc).__name__}: {exc}"
            with contextlib.suppress(MediaIndexError):
                idx.record_file(p, fp, "failed", msg, time.perf_counter() - t0)
            return outcome("failed", msg)


def _run_missing(p: Path, info: MediaInfo, missing: list[str], options: AnalyzeOptions) -> dict[str, Any]:
    """One decode for every missing result."""
    from reelkit.analysis.levels import SpeechLevelsDetector
    from reelkit.analysis.loudness import LoudnessDetector, loudness_to_store
    from reelkit.analysis.shotlog import log_detectors, shot_logs

    tuning = dict(options.tuning)
    result: dict[str, Any] = {}
    if "transcript" in missing:  # Whisper reads the audio itself (its own 16 kHz pass, in chunks)
        result["transcript"] = _transcript_result(p)
        missing = [k for k in missing if k != "transcript"]
        if not missing:
            return result
    dets: list[Detector] = []
    if "shotlog" in missing:
        dets += log_detectors(**tuning)
    elif "shots" in missing:
        dets.append(ShotBoundaryDetector(**tuning))
    if "loudness" in missing:
        dets.append(LoudnessDetector())
    if "speech_levels" in missing:
        dets.append(SpeechLevelsDetector())
    out = run_detectors(p, dets, info=info)
    if "shots" in out:
        result["shots"] = detection_to_store(out["shots"])
    if "shotlog" in missing:
        logs, jpegs = shot_logs(out["shots"], out["framestats"], out["repframes"], info,
                                subjects_backend=options.subjects_backend)
        result["shotlog"] = _shotlog_store(logs, jpegs)
    if "loudness" in out:
        result["loudness"] = loudness_to_store(out["loudness"])
    if "speech_levels" in out:
        result["speech_levels"] = out["speech_levels"].to_store()
    if "shots" in missing and "shots" not in result:
        raise UsageError("internal: shots were not computed")
    return result


# ------------------------------------------------------------------------------------------
# reel analyze: many files
# ------------------------------------------------------------------------------------------


def discover(paths: Sequence[str | os.PathLike[str]]) -> list[tuple[Path, bool]]:
    """Files to analyse: named files (explicit) and every regular file under named folders (recursive,
    hidden files and ``.reelkit`` folders skipped), in sorted order without duplicates.

    Raises:
        MediaNotFoundError: a named path does not exist.
    """
    out: dict[Path, bool] = {}
    for raw in paths:
        p = Path(raw)
        if p.is_dir():
            for root, dirs, files in os.walk(p):
                dirs[:] = sorted(d for d in dirs if not d.startswith(".") and d != INDEX_DIR)
                for name in sorted(files):
                    if name.startswith("."):
                        continue
                    f = Path(root, name)
                    with contextlib.suppress(OSError):
                        if stat.S_ISREG(f.stat().st_mode) and f.stat().st_size > 0:
                            out.setdefault(f.resolve(), False)
        else:
            out[check_input_file(p, what="media file").resolve()] = True
    return sorted(out.items())


@dataclass
class AnalyzeReport:
    """The outcome of :func:`analyze_paths`."""

    index: str
    outcomes: list[FileOutcome] = field(default_factory=list)
    wall_s: float = 0.0
    mode: str = "local"

    def counts(self) -> dict[str, int]:
        """Files per status."""
        c = {"done": 0, "cached": 0, "failed": 0, "skipped": 0}
        for o in self.outcomes:
            c[o.status] = c.get(o.status, 0) + 1
        return c

    def to_dict(self) -> dict[str, Any]:
        """JSON form (``reel analyze --format json``)."""
        return {"index": self.index, "mode": self.mode, "wall_s": round(self.wall_s, 3), "counts": self.counts(),
                "files": [o.to_dict() for o in self.outcomes]}


def analyze_paths(paths: Sequence[str | os.PathLike[str]], *, index: str | os.PathLike[str] | None = None,
                  workers: int = 1, ray_address: str | None = None, options: AnalyzeOptions = AnalyzeOptions(),
                  progress: ProgressFn | None = None) -> AnalyzeReport:
    """Analyse files and folders into one index (see the module docstring).

    Args:
        paths: files and/or folders (searched recursively; media is recognised by probing).
        index: the index file (default: ``.reelkit/index.sqlite`` in the first folder, or beside the
            first file; ``$REELKIT_INDEX``).
        workers: local processes (or Ray CPUs for a local Ray).
        ray_address: None (no Ray), ``"local"`` (start a local Ray), or a cluster address.
        options: what to compute.
        progress: ``(files_finished, files_total)``.

    Returns:
        An :class:`AnalyzeReport` (bad files are in it as ``failed``; nothing is raised for them).

    Raises:
        UsageError (bad workers), MediaNotFoundError (a named path is missing), MediaIndexError (the
        index is unusable), BackendUnavailable (Ray requested but not installed), KeyboardInterrupt.
    """
    if workers < 1:
        raise UsageError(f"--workers must be at least 1, got {workers}")
    files = discover(paths)
    first = Path(paths[0]) if paths else Path.cwd()
    index_path = index_path_for(first, index)
    MediaIndex(index_path).close()  # create it (and fail early when it cannot be written)
    report = AnalyzeReport(str(index_path), mode="ray" if ray_address else ("local" if workers == 1 else "processes"))
    t0 = time.perf_counter()
    own = {index_path.resolve().with_name(index_path.name + x) for x in ("", "-wal", "-shm", "-journal")}
    jobs = [(str(f), replace(options, explicit=explicit)) for f, explicit in files if f not in own]
    if progress is not None:
        progress(0, len(jobs))
    if ray_address is not None:
        results = _run_ray(jobs, str(index_path), workers, ray_address, progress)
    elif workers == 1:
        results = []
        for k, (f, o) in enumerate(jobs, 1):
            results.append(analyze_file(f, index_path, o))
            if progress is not None:
                progress(k, len(jobs))
    else:
        results = _run_processes(jobs, str(index_path), workers, progress)
    report.outcomes = sorted(results, key=lambda o: o.path)
    report.wall_s = time.perf_counter() - t0
    return report


def _worker_init() -> None:
    """Worker processes leave Ctrl-C to the parent, which stops them (no half-printed tracebacks; an
    interrupted file's transaction is never committed, so nothing is half-written either)."""
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)


def _job(args: tuple[str, str, AnalyzeOptions]) -> FileOutcome:
    f, index_path, o = args
    return analyze_file(f, index_path, o)


def _run_processes(jobs: list[tuple[str, AnalyzeOptions]], index_path: str, workers: int,
                   progress: ProgressFn | None) -> list[FileOutcome]:
    # spawned, not forked: a parent that has run a detector holds native threads (mediapipe's graphs)
    # that a forked child would inherit dead, and crash on
    ctx = multiprocessing.get_context("spawn")
    results: list[FileOutcome] = []
    ex = cf.ProcessPoolExecutor(max_workers=workers, mp_context=ctx, initializer=_worker_init)
    try:
        futs = {ex.submit(_job, (f, index_path, o)): f for f, o in jobs}
        for fut in cf.as_completed(futs):
            try:
                results.append(fut.result())
            except cf.process.BrokenProcessPool:
                raise
            except MediaIndexError:
                raise
            except Exception as exc:  # a worker died on this file: record it, the pool is rebuilt below
                results.append(FileOutcome(futs[fut], "failed", None, f"worker failed: {exc}"))
            if progress is not None:
                progress(len(results), len(jobs))
    except cf.process.BrokenProcessPool:
        # a worker process died (killed, out of memory): finish the rest one by one in fresh pools
        _stop_pool(ex)
        done = {o.path for o in results}
        for f, o in jobs:
            if f in done:
                continue
            results.append(_isolated(f, index_path, o, ctx))
            if progress is not None:
                progress(len(results), len(jobs))
    except BaseException:
        _stop_pool(ex)
        raise
    ex.shutdown(wait=True)
    return results


def _isolated(f: str, index_path: str, o: AnalyzeOptions, ctx: Any) -> FileOutcome:
    """One file in its own process, so a crash marks only that file failed."""
    with cf.ProcessPoolExecutor(max_workers=1, mp_context=ctx, initializer=_worker_init) as one:
        try:
            return one.submit(_job, (f, index_path, o)).result()
        except cf.process.BrokenProcessPool:
            msg = "the worker process died while analysing this file"
            with contextlib.suppress(MediaIndexError), MediaIndex(index_path) as idx:
                idx.record_file(f, None, "failed", msg)
            return FileOutcome(f, "failed", None, msg)


def _stop_pool(ex: cf.ProcessPoolExecutor) -> None:
    """Cancel what has not started and terminate the workers (no orphans on Ctrl-C)."""
    procs = list(getattr(ex, "_processes", {}).values())
    ex.shutdown(wait=False, cancel_futures=True)
    for pr in procs:
        with contextlib.suppress(Exception):
            pr.terminate()
    for pr in procs:
        with contextlib.suppress(Exception):
            pr.join(5)
            if pr.is_alive():
                pr.kill()
    thread = getattr(ex, "_executor_manager_thread", None)
    with contextlib.suppress(Exception):
        ex.shutdown(wait=True)  # joins the pool's manager thread (no noise from its exit hook)
    # concurrent.futures' interpreter-exit hook wakes every manager thread it knows through a pipe; after
    # a Ctrl-C that pipe may already be closed (an "Exception ignored ... Bad file descriptor" traceback
    # at exit), so forget this pool's thread once it is stopped
    with contextlib.suppress(Exception):
        cf.process._threads_wakeups.pop(thread, None)  # type: ignore[attr-defined]


def _run_ray(jobs: list[tuple[str, AnalyzeOptions]], index_path: str, workers: int, address: str,
             progress: ProgressFn | None) -> list[FileOutcome]:
    try:
        import ray
    except ImportError:
        raise BackendUnavailable("Ray is not installed", hint="pip install 'reelkit[ray]'") from None
    started = not ray.is_initialized()
    if started:
        kw: dict[str, Any] = {"include_dashboard": False, "log_to_driver": False, "configure_logging": False}
        if address == "local":
            ray.init(num_cpus=workers, **kw)
        else:
            ray.init(address=address, **kw)
    try:
        task = ray.remote(num_cpus=1, max_retries=2, retry_exceptions=False)(_job)
        pending = {task.remote((f, index_path, o)): f for f, o in jobs}
        results: list[FileOutcome] = []
        while pending:
            ready, _ = ray.wait(list(pending), num_returns=1, timeout=1.0)
            for ref in ready:
                f = pending.pop(ref)
                try:
                    results.append(ray.get(ref))
                except ray.exceptions.RayError as exc:  # retries exhausted: the worker kept dying
                    msg = f"Ray task failed: {type(exc).__name__}"
                    with contextlib.suppress(MediaIndexError), MediaIndex(index_path) as idx:
                        idx.record_file(f, None, "failed", msg)
                    results.append(FileOutcome(f, "failed", None, msg))
                if progress is not None:
                    progress(len(results), len(jobs))
        return results
    except BaseException:
        for ref in list(locals().get("pending", {})):
            with contextlib.suppress(Exception):
                ray.cancel(ref, force=True)
        raise
    finally:
        if started:
            ray.shutdown()


def iter_statuses(report: AnalyzeReport) -> Iterator[str]:
    """One human line per file that did not simply finish."""
    for o in report.outcomes:
        if o.status in ("failed",):
            yield f"failed: {o.path}: {o.error}"

