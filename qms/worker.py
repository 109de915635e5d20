"""The report worker: RQ's forking worker, with the app made in the process that runs the job.

    rq worker --worker-class qms.worker.AppWorker --url "$REDIS_URL" qms-reports

RQ forks a fresh "work horse" process for every job and runs `perform_job` there: the app (its
database connections included) is created in that horse, never shared across the fork, and the
memory WeasyPrint takes goes back to the system when the horse exits. Jobs (such as
`qms.reports.jobs.render_job`) run inside a request context of that app, so templates can build
URLs (the verification address uses BASE_URL)."""

from __future__ import annotations

from rq import Worker
from rq.job import Job
from rq.queue import Queue

from qms import create_app


class AppWorker(Worker):
    def perform_job(self, job: Job, queue: Queue) -> bool:
        app = create_app()
        with app.test_request_context(base_url=app.config["BASE_URL"]):
            return super().perform_job(job, queue)
