"""Long studio jobs (analysis, rendering) in child processes, with progress events for the browser.

Each job runs ``Project(root).<method>(*args, progress=...)`` in a fresh *spawned* process, so a job that
raises, runs out of memory or crashes outright (a segfault in a decoder) ends as a failed job while the
server keeps serving. One job runs at a time (the others queue): the work is CPU-bound.

Events (``{"job", "kind", "media", "state", "done", "total", "result", "error"}``) are fanned out to
subscribers (the server-sent-events stream of :mod:`reelkit.studio.app`); ``state`` is one of ``queued``,
``running``, ``done``, ``failed``.
"""

from __future__ import annotations

import contextlib
import itertools
import multiprocessing as mp
import queue
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

__all__ = ["Job", "JobRunner", "project_call"]


@dataclass
class Job:
    """One job's state (what the client sees)."""

    id: int
    kind: str
    media: str
    state: str = "queued"
    done: int = 0
    total: int = 1000
    result: Any = None
    error: str | None = None
    started: float = field(default_factory=time.time)

    def to_dict(self) -> dict[str, Any]:
        """JSON form sent to the browser."""
        return {"job": self.id, "kind": self.kind, "media": self.media, "state": self.state, "done": self.done,
                "total": self.total, "result": self.result, "error": self.error}


def project_call(root: str, method: str, *args: Any, progress: Callable[[int, int | None], None],
                 **kwargs: Any) -> Any:
    """``Project(root).<method>(*args, progress=progress, **kwargs)``.

    An argument ``{"edit": {...}}`` becomes an :class:`~reelkit.studio.data.EditSpec`."""
    from reelkit.studio.data import EditSpec, Project

    project = Project(root)
    args = tuple(EditSpec.from_json(a["edit"]) if isinstance(a, dict) and "edit" in a else a for a in args)
    return getattr(project, method)(*args, progress=progress, **kwargs)


def _child(fn: Callable[..., Any], args: tuple[Any, ...], kwargs: dict[str, Any], conn: Any) -> None:
    """Child process body: run ``fn``, send progress and the result (or the error line) over ``conn``."""
    from reelkit.errors import ReelError

    last = [0.0]

    def progress(done: int, total: int | None) -> None:
        now = time.monotonic()
        if now - last[0] > 0.1 or (total and done >= total):
            last[0] = now
            conn.send(("progress", int(done), int(total or 0)))

    try:
        conn.send(("done", fn(*args, progress=progress, **kwargs)))
    except ReelError as exc:
        conn.send(("failed", str(exc)))
    except Exception as exc:
        conn.send(("failed", f"internal error: {type(exc).__name__}: {exc}"))
    finally:
        conn.close()


class JobRunner:
    """Queue of jobs run one at a time in spawned processes.

    Args:
        root: project folder given to :class:`reelkit.studio.data.Project` in the child.
        timeout_s: a job running longer is killed and fails.
    """

    def __init__(self, root: str, *, timeout_s: float = 6 * 3600) -> None:
        self.root, self.timeout_s = root, timeout_s
        self.jobs: dict[int, Job] = {}
        self._ids = itertools.count(1)
        self._queue: queue.Queue[tuple[Job, Callable[..., Any], tuple[Any, ...], dict[str, Any]] | None] = queue.Queue()
        self._subs: list[Callable[[dict[str, Any]], None]] = []
        self._lock = threading.Lock()
        self._ctx = mp.get_context("spawn")
        self._worker = threading.Thread(target=self._loop, name="reel-studio-jobs", daemon=True)
        self._worker.start()

    def subscribe(self, fn: Callable[[dict[str, Any]], None]) -> Callable[[], None]:
        """Call ``fn(event)`` for every job event (from a worker thread); returns the unsubscribe function."""
        with self._lock:
            self._subs.append(fn)

        def unsubscribe() -> None:
            with self._lock:
                if fn in self._subs:
                    self._subs.remove(fn)

        return unsubscribe

    def _emit(self, job: Job) -> None:
        ev = job.to_dict()
        with self._lock:
            subs = list(self._subs)
        for fn in subs:
            with contextlib.suppress(Exception):  # a broken subscriber must not stop the jobs
                fn(ev)

    def submit(self, kind: str, media: str, method: str, *args: Any, **kwargs: Any) -> Job:
        """Queue ``Project(root).<method>(*args, **kwargs)`` (see :func:`project_call`)."""
        return self.submit_call(kind, media, project_call, self.root, method, *args, **kwargs)

    def submit_call(self, kind: str, media: str, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Job:
        """Queue ``fn(*args, progress=..., **kwargs)``; ``fn`` must be importable (module level) and its
        arguments and result picklable: it runs in a spawned process."""
        job = Job(next(self._ids), kind, media)
        self.jobs[job.id] = job
        self._queue.put((job, fn, args, kwargs))
        self._emit(job)
        return job

    def active(self, kind: str, media: str) -> Job | None:
        """A queued or running job of this kind on this media, if any."""
        for j in self.jobs.values():
            if j.kind == kind and j.media == media and j.state in ("queued", "running"):
                return j
        return None

    def close(self) -> None:
        """Stop taking jobs (the running one is left to finish or be killed with the process)."""
        self._queue.put(None)

    def _loop(self) -> None:
        while True:
            item = self._queue.get()
            if item is None:
                return
            job, fn, args, kwargs = item
            try:
                self._run(job, fn, args, kwargs)
            except Exception as exc:  # never let the loop die
                job.state, job.error = "failed", f"internal error: {type(exc).__name__}: {exc}"
            self._emit(job)

    def _run(self, job: Job, fn: Callable[..., Any], args: tuple[Any, ...], kwargs: dict[str, Any]) -> None:
        parent, child = self._ctx.Pipe(duplex=False)
        proc = self._ctx.Process(target=_child, args=(fn, args, kwargs, child), daemon=True)
        job.state = "running"
        self._emit(job)
        proc.start()
        child.close()
        deadline = time.monotonic() + self.timeout_s
        finished = False
        while not finished:
            if time.monotonic() > deadline:
                proc.kill()
                job.state, job.error = "failed", f"timed out after {self.timeout_s:.0f} s"
                break
            try:
                if not parent.poll(0.25):
                    if not proc.is_alive():
                        break
                    continue
                msg = parent.recv()
            except (EOFError, OSError):
                break
            if msg[0] == "progress":
                job.done, job.total = msg[1], msg[2] or job.total
                self._emit(job)
            elif msg[0] == "done":
                job.state, job.result, job.done = "done", msg[1], job.total
                finished = True
            else:
                job.state, job.error = "failed", msg[1]
                finished = True
        proc.join(5)
        if proc.is_alive():
            proc.kill()
            proc.join(5)
        if job.state == "running":
            job.state = "failed"
            job.error = f"the job's process died (exit code {proc.exitcode}); the studio is still running"
        parent.close()
