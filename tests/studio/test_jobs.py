"""Studio jobs run in child processes: a job that raises or dies is a failed job, the next one still runs."""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any

from reelkit.studio.jobs import JobRunner


def _die(*, progress: Any) -> None:
    progress(1, 2)
    os._exit(9)  # a hard crash (as a segfaulting decoder would), no exception to catch


def _boom(*, progress: Any) -> None:
    raise RuntimeError("the job raised")


def _ok(x: int, *, progress: Any) -> int:
    progress(1, 1)
    return x * 2


def _wait(runner: JobRunner, job_id: int, timeout: float = 60) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        job = runner.jobs[job_id]
        if job.state in ("done", "failed"):
            return job
        time.sleep(0.05)
    raise AssertionError("job did not finish")


def test_crashing_and_raising_jobs_fail_and_the_runner_goes_on(tmp_path: Path) -> None:
    runner = JobRunner(str(tmp_path))
    events: list[dict[str, Any]] = []
    runner.subscribe(events.append)
    dead = runner.submit_call("drill", "x", _die)
    raised = runner.submit_call("drill", "x", _boom)
    ok = runner.submit_call("drill", "x", _ok, 21)
    d, r, o = _wait(runner, dead.id), _wait(runner, raised.id), _wait(runner, ok.id)
    assert d.state == "failed" and "exit code 9" in d.error
    assert r.state == "failed" and "RuntimeError: the job raised" in r.error
    assert o.state == "done" and o.result == 42
    deadline = time.monotonic() + 5  # the last event is sent just after the state changes
    while not any(e["job"] == ok.id and e["state"] == "done" for e in events) and time.monotonic() < deadline:
        time.sleep(0.02)
    states = [e["state"] for e in events if e["job"] == ok.id]
    assert states[0] == "queued" and "running" in states and states[-1] == "done"
    runner.close()


def test_a_project_error_is_one_line(tmp_path: Path) -> None:
    (tmp_path / "bad.mp4").write_bytes(b"not a video at all" * 100)
    runner = JobRunner(str(tmp_path))
    job = _wait(runner, runner.submit("analyse", "bad.mp4", "analyse", "bad.mp4").id)
    assert job.state == "failed" and "\n" not in job.error and "bad.mp4" in job.error
    runner.close()
