"""Where a PDF is rendered.

With REDIS_URL set (production), the request only queues the job on the RQ queue
"qms-reports" and returns; a worker renders it (`make worker`, i.e. `rq worker --worker-class
qms.worker.AppWorker --url "$REDIS_URL" qms-reports`). RQ's default worker forks a fresh "work
horse" process for every job and the horse exits when the job is done, so the memory WeasyPrint
takes for a large report (which it never hands back while the process lives) is returned to
the system after each job; the long-lived worker process itself never renders. Do not run the
worker with rq.SimpleWorker in production: it renders in its own process.

Without REDIS_URL (development, the test suite), the report renders in-process before the
request returns. The page that shows a report's status works the same either way.
"""

from __future__ import annotations

from typing import Any

from flask import current_app, has_app_context
from redis import Redis
from redis.exceptions import RedisError
from rq import Queue

from qms.accounts.models import User
from qms.extensions import db
from qms.reports import archive
from qms.reports.models import GeneratedReport
from qms.reports.registry import ReportRequest, ReportType

QUEUE_NAME = "qms-reports"
#: the city summary of a large city may take minutes; a stuck render must still end
JOB_TIMEOUT_SECONDS = 30 * 60


def report_queue() -> Queue | None:
    url = current_app.config.get("REDIS_URL")
    return Queue(QUEUE_NAME, connection=Redis.from_url(url)) if url else None


def submit(user: User, rtype: ReportType, request: ReportRequest) -> archive.Submission:
    """Serve the archived PDF for unchanged data, or record a new report and have it rendered
    (queued for the worker, or right now without Redis)."""
    submission = archive.request_report(user, rtype, request)
    db.session.commit()  # the worker must find the archive entry
    if submission.needs_render:
        _dispatch(submission.report, submission.data or {})
    return submission


def _dispatch(report: GeneratedReport, data: dict[str, Any]) -> None:
    queue = report_queue()
    if queue is None:
        render_job(report.id, data)
        return
    try:
        queue.enqueue(
            render_job,
            report.id,
            data,
            job_timeout=JOB_TIMEOUT_SECONDS,
            result_ttl=3600,
            failure_ttl=7 * 24 * 3600,
        )
    except RedisError as error:
        archive.mark_failed(report, error)
        db.session.commit()


def render_job(report_id: int, data: dict[str, Any]) -> None:
    """The RQ job (and the in-process render). It runs in an app: the request's, or the one
    the worker makes for each job (qms/worker.py); the CLI has no request, so one is made here
    for templates to build URLs (the verification address uses BASE_URL)."""
    if not has_app_context():
        raise RuntimeError("run the report worker as qms.worker.AppWorker (see qms/worker.py)")
    app = current_app._get_current_object()
    with app.test_request_context(base_url=app.config["BASE_URL"]):
        _render(report_id, data)


def _render(report_id: int, data: dict[str, Any]) -> None:
    report = db.session.get(GeneratedReport, report_id)
    if report is None or report.is_finished:
        return
    archive.mark_rendering(report)
    db.session.commit()  # the status page shows "rendering" meanwhile
    try:
        archive.render(report, data)
    except Exception as error:
        db.session.rollback()
        archive.mark_failed(db.session.get(GeneratedReport, report_id), error)
    db.session.commit()
