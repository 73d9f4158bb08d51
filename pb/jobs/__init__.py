"""Background jobs, with Huey: emails go out from a worker, and the daily jobs run on a schedule.

The queue lives in `instance/jobs.sqlite3` (PB_JOBS_DB moves it), or in Redis when REDIS_URL is set
(several app servers and workers share it). With PB_JOBS_IMMEDIATE=1 (the tests) a job runs at
once, inside whatever queued it, and nothing is stored.

Start a worker with `huey_consumer pb.jobs.worker.huey` (`make run` starts one beside the web
server); the operator's guide in docs/ says how to run workers in production.
"""
from __future__ import annotations

import functools
import os
from pathlib import Path

from flask import has_app_context
from huey import Huey, RedisHuey, SqliteHuey
from huey.storage import MemoryStorage

from pb.extensions import db

ROOT = Path(__file__).resolve().parent.parent.parent


def make_queue(environ=os.environ) -> Huey:
    if environ.get("PB_JOBS_IMMEDIATE") == "1":
        return Huey("pb", immediate=True, storage_class=MemoryStorage)
    if environ.get("REDIS_URL"):
        return RedisHuey("pb", url=environ["REDIS_URL"])
    instance = Path(environ.get("PB_INSTANCE_PATH") or ROOT / "instance")
    path = Path(environ.get("PB_JOBS_DB") or instance / "jobs.sqlite3")
    path.parent.mkdir(parents=True, exist_ok=True)
    return SqliteHuey("pb", filename=str(path))


huey = make_queue()
_worker_app = None


def use_app(app) -> None:
    """The worker's app (pb.jobs.worker): jobs run inside its app context."""
    global _worker_app
    _worker_app = app


def in_app(job):
    """Run the job inside an app context: the caller's (immediate mode, the CLI) or the worker's."""
    @functools.wraps(job)
    def run(*args, **kwargs):
        if has_app_context():
            return job(*args, **kwargs)
        if _worker_app is None:
            raise RuntimeError("This job needs pb's app: run workers with `huey_consumer pb.jobs.worker.huey`")
        with _worker_app.app_context():
            try:
                return job(*args, **kwargs)
            finally:
                db.session.remove()
    return run
