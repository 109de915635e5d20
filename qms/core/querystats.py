"""Per-request SQL statistics for measurement (the page benchmark, bench/pages.py): with
QMS_QUERY_STATS=1 every response carries `X-Query-Count` (statements executed) and
`X-Query-Time` (milliseconds spent in them). Off by default: production does not pay for it."""

from __future__ import annotations

import time
from typing import Any

from flask import Flask, Response, g, has_request_context
from sqlalchemy import event
from sqlalchemy.engine import Engine


def _started(conn: Any, cursor: Any, statement: str, parameters: Any, context: Any, many: bool):
    if has_request_context():
        conn.info.setdefault("query_started", []).append(time.perf_counter())


def _finished(conn: Any, cursor: Any, statement: str, parameters: Any, context: Any, many: bool):
    started = conn.info.get("query_started")
    if not has_request_context() or not started:
        return
    g.query_count = g.get("query_count", 0) + 1
    g.query_seconds = g.get("query_seconds", 0.0) + time.perf_counter() - started.pop()


def _headers(response: Response) -> Response:
    response.headers["X-Query-Count"] = str(g.get("query_count", 0))
    response.headers["X-Query-Time"] = f"{g.get('query_seconds', 0.0) * 1000:.1f}"
    return response


def init_app(app: Flask) -> None:
    if not app.config.get("QUERY_STATS"):
        return
    if not event.contains(Engine, "before_cursor_execute", _started):
        event.listen(Engine, "before_cursor_execute", _started)
        event.listen(Engine, "after_cursor_execute", _finished)
    app.after_request(_headers)
