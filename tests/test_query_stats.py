"""The SQL statistics the page benchmark reads (qms/core/querystats.py): on when configured,
counting the request's own statements; absent otherwise."""

from __future__ import annotations

from qms import create_app
from qms.extensions import db


def test_responses_tell_their_queries_only_when_configured(app, test_settings):
    measured = create_app("testing", {**test_settings, "QUERY_STATS": True})
    with measured.test_client() as client:
        page = client.get("/login")
        assert page.status_code == 200
        assert page.headers["X-Query-Count"] == "0"
        assert float(page.headers["X-Query-Time"]) == 0.0
        found = client.get("/verify/QMS-NOT-THERE")
        assert int(found.headers["X-Query-Count"]) >= 1
        assert float(found.headers["X-Query-Time"]) > 0
    plain = create_app("testing", test_settings)
    with plain.test_client() as client:
        assert "X-Query-Count" not in client.get("/verify/QMS-NOT-THERE").headers
    for made in (measured, plain):
        with made.app_context():
            db.engine.dispose()
