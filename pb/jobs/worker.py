"""The worker's entry point: `huey_consumer pb.jobs.worker.huey` (add `-w 4 -k thread` for four
threads). It builds pb's app once, from the same settings as the web server, and runs every job
inside it."""
from pb.app import create_app
from pb.jobs import (
    huey,
    tasks,  # noqa: F401  (registers the jobs and the schedule with the queue)
    use_app,
)

use_app(create_app())

__all__ = ["huey"]
