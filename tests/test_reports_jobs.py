"""Background rendering through RQ. Runs against the Redis named by QMS_TEST_REDIS_URL (CI sets
redis://127.0.0.1:6379/15); without it the in-process path is what the other tests exercise."""

from __future__ import annotations

import os

import pytest
from redis import Redis
from rq import Queue, SimpleWorker

from qms.core.roles import Role
from qms.extensions import db
from qms.reports import jobs
from qms.reports.models import GeneratedReport, ReportStatus
from tests.factories import AgencyFactory, user_with_role

REDIS_URL = os.environ.get("QMS_TEST_REDIS_URL")

pytestmark = pytest.mark.skipif(not REDIS_URL, reason="QMS_TEST_REDIS_URL is not set")


@pytest.fixture
def queue(app, web_app):
    connection = Redis.from_url(REDIS_URL)
    queue = Queue(jobs.QUEUE_NAME, connection=connection)
    queue.empty()
    web_app.config["REDIS_URL"] = REDIS_URL
    yield queue
    queue.empty()
    connection.close()


def test_the_request_queues_and_the_worker_renders(app, client, auth, queue):
    agency = AgencyFactory(name="Dinas Kependudukan dan Pencatatan Sipil")
    reviewer = user_with_role(Role.BSN_REVIEWER)
    auth.login(reviewer)
    response = client.post(
        "/reports/generate",
        data={"report": "city-directory", "city_id": agency.city_id, "locale": "en"},
    )
    assert response.status_code == 303
    report = db.session.scalar(db.select(GeneratedReport))
    assert report.status is ReportStatus.QUEUED and queue.count == 1
    status = client.get(f"/reports/{report.ident}/status").get_json()
    assert status["status"] == "queued" and status["download_url"] is None

    SimpleWorker([queue], connection=queue.connection).work(burst=True)

    db.session.expire_all()
    assert report.status is ReportStatus.DONE, report.error
    assert report.pages >= 3 and report.render_seconds is not None  # cover, contents, directory
    status = client.get(f"/reports/{report.ident}/status").get_json()
    assert status["finished"] and status["download_url"]
