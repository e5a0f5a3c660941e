"""The studio's HTTP API and static front end (FastAPI), wrapped in :class:`reelkit.studio.security.Guard`.

Routes (all need the session token; POSTs also the ``X-Reel-Token`` header and a same-origin request):

=====================================  =========================================================================
``GET  /``                             the app (``/?token=T`` sets the cookie and redirects here)
``GET  /api/health``                   ``{"ok": true, "version", "project"}`` — a fixed probe for monitoring
``GET  /api/media``                    the bin: every media file with probe, analysis status
``GET  /api/media/detail?path=P``      one file: bin entry, shots, transcript, saved edit
``GET  /api/poster?path=P``            JPEG poster frame
``GET  /api/thumb?path=P&name=N``      JPEG thumbnail of a shot
``GET  /media/P``                      the project file P itself, with HTTP Range (exports, downloads)
``GET  /api/play?path=P``              what the player streams (P, or its H.264 proxy), with HTTP Range
``POST /api/analyse {path}``           start analysis (shots + transcript) → job
``POST /api/edit {path, edit, save}``  kept frame ranges of a transcript edit (saved as OTIO when ``save``)
``POST /api/export {path, edit, format}``  otio/fcpxml/fcp7/edl/srt/vtt at once; mp4 → job
``GET  /api/grade?path=P[&ref=R]``     the auto (or match-to-R) grade and its numbers
``GET  /api/grade/frame?path=P&frame=F&strength=S[&ref=R][&graded=0]``  JPEG of a frame, graded or not
``POST /api/grade/lut {path, strength, ref}``  bake the grade into exports/<stem>.<kind>.cube
``GET  /api/reframe?path=P&aspect=A``  the reframe plan (windows per frame, shots, subjects, keyframes)
``POST /api/reframe/plan {path, aspect}``  plan it (``reel reframe``'s planner) → job
``POST /api/reframe/keyframe {path, aspect, frame, x, y}``  move a crop keyframe
``POST /api/reframe/export {path, aspect, format}``  otio/fcpxml at once; mp4 → job
``GET  /api/scripts``                  screenplays of the folder
``GET  /api/script?path=P``            breakdown + shot list (+ panels rendered so far)
``POST /api/storyboard {path, scenes}``  render storyboard panels → job
``GET  /api/panel?path=P&name=N``      PNG storyboard panel
``GET  /api/jobs``, ``/api/jobs/ID``   job states
``GET  /api/events``                   server-sent events: one ``job`` event per job change
=====================================  =========================================================================

Errors are JSON ``{"ok": false, "error": "one line"}``: 400 for a ReelError, 404 for a refused path,
413 for a big body, 500 for a bug (the server keeps running).
"""

from __future__ import annotations

import asyncio
import json
from concurrent.futures import ThreadPoolExecutor
from importlib import resources
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import FileResponse, JSONResponse, Response, StreamingResponse

from reelkit import __version__
from reelkit.errors import ReelError, UsageError
from reelkit.studio.data import CAPTION_FORMATS, TIMELINE_FORMATS, EditSpec, Project
from reelkit.studio.jobs import JobRunner
from reelkit.studio.security import Guard, PathRefused

__all__ = ["STATIC", "create_app"]

#: the front end's folder inside the package
STATIC = Path(str(resources.files("reelkit.studio") / "static"))
_TYPES = {".js": "text/javascript", ".css": "text/css", ".html": "text/html", ".svg": "image/svg+xml",
          ".png": "image/png"}


def _html(text: str) -> str:
    import html

    return html.escape(text, quote=True)


def create_app(root: str | Path, *, token: str, port: int, extra_hosts: tuple[str, ...] = (),
               max_body: int = 1 << 20, jobs: JobRunner | None = None) -> Guard:
    """The studio as an ASGI app for ``root`` (a folder), guarded by ``token`` on ``port``.

    Returns the :class:`Guard`; its ``.app`` is the FastAPI app, ``.app.state.jobs`` the job runner.
    Call ``guard.set_port(port)`` if the port is known only after binding.

    Raises:
        UsageError: ``root`` is not a folder.
    """
    project = Project(root)
    runner = jobs or JobRunner(str(project.root))
    app = FastAPI(title="reel studio", version=__version__, docs_url=None, redoc_url=None, openapi_url=None)
    app.state.project, app.state.jobs = project, runner
    saver = ThreadPoolExecutor(max_workers=1, thread_name_prefix="reel-studio-save")  # one writer: saves in order

    @app.exception_handler(ReelError)
    async def _reel_error(_req: Request, exc: ReelError) -> JSONResponse:
        status = 404 if isinstance(exc, PathRefused) else 400
        return JSONResponse({"ok": False, "error": str(exc)}, status_code=status)

    @app.exception_handler(Exception)
    async def _bug(_req: Request, exc: Exception) -> JSONResponse:
        return JSONResponse({"ok": False, "error": f"internal error: {type(exc).__name__}: {exc}"}, status_code=500)

    async def body(req: Request) -> dict[str, Any]:
        try:
            data = json.loads(await req.body() or b"{}")
        except (json.JSONDecodeError, UnicodeDecodeError):
            raise UsageError("request body must be JSON") from None
        if not isinstance(data, dict):
            raise UsageError("request body must be a JSON object")
        return data

    def media_arg(data: dict[str, Any]) -> str:
        rel = data.get("path")
        if not isinstance(rel, str):
            raise UsageError("'path' (the media file, relative to the project folder) is required")
        project.path(rel)
        return rel

    # -- pages ---------------------------------------------------------------------------------------------

    page = (STATIC / "index.html").read_text(encoding="utf-8")

    @app.get("/")
    def index() -> Response:  # the token goes into the page (only a request that already holds it gets here)
        return Response(page.replace("{{TOKEN}}", token).replace("{{PROJECT}}", _html(project.root.name)),
                        media_type="text/html", headers={"cache-control": "no-store"})

    @app.get("/static/{name:path}")
    def static(name: str) -> Response:
        f = (STATIC / name).resolve()
        if not f.is_relative_to(STATIC.resolve()) or not f.is_file() or f.suffix not in _TYPES:
            return JSONResponse({"ok": False, "error": "not found"}, status_code=404)
        return FileResponse(f, media_type=_TYPES[f.suffix], headers={"cache-control": "no-cache"})

    # -- API -------------------------------------------------------------------------------------------------

    @app.get("/api/health")
    def health() -> dict[str, Any]:
        return {"ok": True, "version": __version__, "project": project.root.name}

    @app.get("/api/media")
    def media_list() -> dict[str, Any]:
        return {"ok": True, "root": project.root.name, "media": project.list_media()}

    @app.get("/api/media/detail")
    def media_detail(path: str) -> dict[str, Any]:
        entry = project.entry(path)
        edit = project.load_edit(path) if entry["analysed"]["transcript"] else EditSpec()
        return {"ok": True, "entry": entry, "shots": project.shots(path), "transcript": project.transcript(path),
                "edit": edit.to_json()}

    @app.get("/api/poster")
    def poster(path: str) -> Response:
        return FileResponse(project.poster(path), media_type="image/jpeg", headers={"cache-control": "max-age=3600"})

    @app.get("/api/thumb")
    def thumb(path: str, name: str) -> Response:
        return FileResponse(project.thumbnail(path, name), media_type="image/jpeg",
                            headers={"cache-control": "max-age=3600"})

    @app.get("/media/{rel:path}")
    def media_file(rel: str) -> Response:
        return FileResponse(project.path(rel), headers={"cache-control": "no-cache"})

    @app.get("/api/play")
    def play(path: str) -> Response:  # what the player streams: the media, or its browser proxy
        return FileResponse(project.playable(path), media_type="video/mp4" if not project.probe(path).get(
            "browser_playable") else None, headers={"cache-control": "no-cache"})

    @app.post("/api/analyse")
    async def analyse(req: Request) -> dict[str, Any]:
        rel = media_arg(await body(req))
        job = runner.active("analyse", rel) or runner.submit("analyse", rel, "analyse", rel)
        return {"ok": True, **job.to_dict()}

    @app.post("/api/edit")
    async def edit(req: Request) -> dict[str, Any]:
        data = await body(req)
        rel = media_arg(data)
        spec = EditSpec.from_json(data.get("edit") or {})
        r = await asyncio.to_thread(project.keep_ranges, rel, spec)
        if data.get("save"):  # the preview answers first; the OTIO is written right after, in order
            r["file"] = project.edit_file(rel).relative_to(project.root).as_posix()
            saver.submit(project.write_edit, rel, spec, r)
        return {"ok": True, **r}

    @app.post("/api/export")
    async def export(req: Request) -> dict[str, Any]:
        data = await body(req)
        rel = media_arg(data)
        fmt = str(data.get("format") or "")
        spec = EditSpec.from_json(data.get("edit") or {})
        if fmt in TIMELINE_FORMATS or fmt in CAPTION_FORMATS:
            res = await asyncio.to_thread(project.export, rel, spec, fmt)
            return {"ok": True, "state": "done", "result": res}
        if fmt != "mp4":
            raise UsageError(f"unknown export format {fmt!r}; choose one of "
                             f"{', '.join((*TIMELINE_FORMATS, *CAPTION_FORMATS, 'mp4'))}")
        job = runner.submit("render", rel, "export", rel, {"edit": spec.to_json()}, "mp4")
        return {"ok": True, **job.to_dict()}

    @app.get("/api/grade")
    def grade_info(path: str, ref: str | None = None) -> dict[str, Any]:
        return {"ok": True, **project.fit_grade(path, ref or None)[1]}

    @app.get("/api/grade/frame")
    def grade_frame(path: str, frame: int = 0, strength: float = 1.0, ref: str | None = None,
                    graded: int = 1) -> Response:
        data = project.graded_frame(path, frame, strength=strength, ref=ref or None, graded=bool(graded))
        return Response(data, media_type="image/jpeg", headers={"cache-control": "no-cache"})

    @app.post("/api/grade/lut")
    async def grade_lut(req: Request) -> dict[str, Any]:
        data = await body(req)
        rel = media_arg(data)
        ref = data.get("ref") or None
        if ref is not None and not isinstance(ref, str):
            raise UsageError("'ref' must be a project file path")
        try:
            strength = float(data.get("strength", 1.0))
        except (TypeError, ValueError):
            raise UsageError("'strength' must be a number between 0 and 1") from None
        return {"ok": True, **await asyncio.to_thread(project.export_lut, rel, strength=strength, ref=ref)}

    def aspect_arg(value: Any) -> str:
        if not isinstance(value, str) or value not in ("9:16", "1:1", "4:5", "16:9", "4:3"):
            raise UsageError("'aspect' must be one of 9:16, 1:1, 4:5, 16:9, 4:3")
        return value

    @app.get("/api/reframe")
    def reframe_view(path: str, aspect: str = "9:16") -> dict[str, Any]:
        return {"ok": True, **project.reframe_view(path, aspect_arg(aspect))}

    @app.post("/api/reframe/plan")
    async def reframe_plan(req: Request) -> dict[str, Any]:
        data = await body(req)
        rel, aspect = media_arg(data), aspect_arg(data.get("aspect", "9:16"))
        job = runner.active("reframe", rel) or runner.submit("reframe", rel, "plan_reframe", rel, aspect)
        return {"ok": True, **job.to_dict()}

    @app.post("/api/reframe/keyframe")
    async def reframe_keyframe(req: Request) -> dict[str, Any]:
        data = await body(req)
        rel, aspect = media_arg(data), aspect_arg(data.get("aspect", "9:16"))
        try:
            frame, x, y = int(data["frame"]), float(data["x"]), float(data["y"])
        except (KeyError, TypeError, ValueError):
            raise UsageError("'frame' (int), 'x' and 'y' (source pixels) are required") from None
        return {"ok": True, **await asyncio.to_thread(project.move_reframe_keyframe, rel, aspect, frame, x, y)}

    @app.post("/api/reframe/export")
    async def reframe_export(req: Request) -> dict[str, Any]:
        data = await body(req)
        rel, aspect, fmt = media_arg(data), aspect_arg(data.get("aspect", "9:16")), str(data.get("format", ""))
        if fmt == "mp4":
            job = runner.submit("render", rel, "export_reframe", rel, aspect, "mp4")
            return {"ok": True, **job.to_dict()}
        res = await asyncio.to_thread(project.export_reframe, rel, aspect, fmt)
        return {"ok": True, "state": "done", "result": res}

    @app.get("/api/scripts")
    def scripts() -> dict[str, Any]:
        return {"ok": True, "scripts": project.list_scripts()}

    @app.get("/api/script")
    def script(path: str) -> dict[str, Any]:
        return {"ok": True, **project.script(path)}

    @app.post("/api/storyboard")
    async def storyboard(req: Request) -> dict[str, Any]:
        data = await body(req)
        rel = media_arg(data)
        scenes = data.get("scenes")
        if scenes is not None and not isinstance(scenes, str):
            raise UsageError("'scenes' must be a scene list such as \"1,3-5\"")
        job = runner.active("storyboard", rel) or runner.submit("storyboard", rel, "storyboard", rel, scenes)
        return {"ok": True, **job.to_dict()}

    @app.get("/api/panel")
    def panel(path: str, name: str) -> Response:
        return FileResponse(project.panel(path, name), media_type="image/png",
                            headers={"cache-control": "max-age=3600"})

    @app.get("/api/jobs")
    def jobs_list() -> dict[str, Any]:
        return {"ok": True, "jobs": [j.to_dict() for j in runner.jobs.values()]}

    @app.get("/api/jobs/{job_id}")
    def job_get(job_id: int) -> Response:
        job = runner.jobs.get(job_id)
        if job is None:
            return JSONResponse({"ok": False, "error": f"no job {job_id}"}, status_code=404)
        return JSONResponse({"ok": True, **job.to_dict()})

    @app.get("/api/events")
    async def events(req: Request) -> StreamingResponse:
        loop = asyncio.get_running_loop()
        q: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        unsubscribe = runner.subscribe(lambda ev: loop.call_soon_threadsafe(q.put_nowait, ev))

        async def stream() -> Any:
            try:
                yield b"retry: 2000\n\n"
                for j in list(runner.jobs.values()):
                    yield f"event: job\ndata: {json.dumps(j.to_dict())}\n\n".encode()
                while not await req.is_disconnected():
                    try:
                        ev = await asyncio.wait_for(q.get(), 10)
                    except TimeoutError:
                        yield b": keep-alive\n\n"
                        continue
                    yield f"event: job\ndata: {json.dumps(ev)}\n\n".encode()
            finally:
                unsubscribe()

        return StreamingResponse(stream(), media_type="text/event-stream",
                                 headers={"cache-control": "no-store", "x-accel-buffering": "no"})

    return Guard(app, token=token, port=port, extra_hosts=extra_hosts, max_body=max_body)
