"""Request-wide behaviour: security headers with a per-request CSP nonce, error pages (HTML or
JSON), the read-only guard, and what every template can use."""

from __future__ import annotations

import secrets
import time
from typing import Any
from urllib.parse import urlsplit

from flask import (
    Flask,
    Response,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import get_locale, ngettext
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import (
    HTTPException,
    InternalServerError,
    RequestEntityTooLarge,
    TooManyRequests,
)

from qms.core import access, charts
from qms.core.errors import DomainError, PermissionDenied, json_error
from qms.core.history import describe_history, history_of
from qms.core.registry import nav_for
from qms.extensions import db, limiter

#: endpoints a read-only user may still POST to: their own session, preferences and API
#: tokens (which read with the same read-only permissions), generating a report (it writes
#: to the report archive, never to a quality record) and comparing a PDF with the archive
READ_ONLY_ALLOWED = frozenset(
    {
        "accounts.logout",
        "accounts.change_password",
        "accounts.set_language",
        "accounts.login",
        "accounts.tokens",
        "accounts.revoke_token",
        "accounts.end_session",
        "reports.generate",
        "reports.quick",
        "verify.check",
        "api.request_report",
        "api.verify",
    }
)


def wants_json() -> bool:
    """The API, and a page's script sending a form in the background (the checklist's rows):
    their refusals are JSON, not a page or a redirect."""
    return request.path.startswith("/api/") or request.headers.get("X-Requested-With") == "fetch"


def _csp_nonce() -> str:
    if "csp_nonce" not in g:
        g.csp_nonce = secrets.token_urlsafe(16)
    return g.csp_nonce


def _security_headers(response: Response) -> Response:
    nonce = g.get("csp_nonce", "")
    response.headers["Content-Security-Policy"] = (
        "default-src 'self'; img-src 'self' data:; style-src 'self'; "
        f"script-src 'self' 'nonce-{nonce}'; object-src 'none'; base-uri 'self'; "
        "frame-ancestors 'none'; form-action 'self'"
    )
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["X-Frame-Options"] = "DENY"
    response.headers["Referrer-Policy"] = "same-origin"
    if current_app.config.get("HSTS_SECONDS"):
        response.headers["Strict-Transport-Security"] = (
            f"max-age={current_app.config['HSTS_SECONDS']}; includeSubDomains"
        )
    if request.endpoint and not request.endpoint.startswith("static"):
        response.headers.setdefault("Cache-Control", "no-store")
    return response


def _refuse_read_only_writes() -> Any:
    """BSN reviewers and management viewers never write, whatever a view forgets."""
    if request.method in ("GET", "HEAD", "OPTIONS") or request.endpoint in READ_ONLY_ALLOWED:
        return None
    if current_user.is_authenticated and current_user.is_read_only:
        message = _("Your role is read-only.")
        if wants_json():
            return json_error(403, message)
        flash(message, "error")
        return redirect(request.referrer or url_for("home.index")), 303
    return None


def _handle_http(error: HTTPException) -> Any:
    if wants_json():
        # werkzeug's own descriptions are English: the common refusals in the user's language
        message = {
            403: _("You are not allowed to do this."),
            404: _("This record does not exist, or you may not see it."),
        }.get(error.code or 500, error.description or error.name)
        return json_error(error.code or 500, message)
    # a message of ours rides on the error for the codes that carry one (410: a missing file)
    message = error.description if error.code == 410 else None
    return render_template("errors.html", error=error, message=message), error.code


def _handle_server_error(error: InternalServerError) -> Any:
    """Whatever went wrong (a database error included), the transaction is rolled back before
    anything else reads the database, and an API client still gets JSON."""
    db.session.rollback()
    current_app.logger.error("unexpected error", exc_info=error.original_exception or error)
    message = _("Something went wrong on our side; nothing was saved. Please try again.")
    if wants_json():
        return json_error(500, message)
    try:
        return render_template("errors.html", error=error, message=message), 500
    except Exception:  # the page itself needs the database: answer without it
        return Response(message, status=500, mimetype="text/plain")


def _handle_too_many(error: TooManyRequests) -> Any:
    """Throttled: say when to try again, in words and in Retry-After."""
    limit = limiter.current_limit
    seconds = max(int(limit.reset_at - time.time()), 1) if limit else 60
    minutes = max(round(seconds / 60), 1)
    current_app.logger.warning(
        "throttled %s %s from %s", request.method, request.path, request.remote_addr
    )
    message = ngettext(
        "Too many attempts. Try again in %(num)s minute.",
        "Too many attempts. Try again in %(num)s minutes.",
        minutes,
    )
    if wants_json():
        response, status = json_error(429, message)
    else:
        response = current_app.make_response(
            (render_template("errors.html", error=error, message=message), 429)
        )
        status = 429
    response.headers["Retry-After"] = str(seconds)
    return response, status


def _handle_too_large(error: RequestEntityTooLarge) -> Any:
    """A body over MAX_CONTENT_LENGTH is cut off before any view sees it: say why, as the
    upload check does for a file just over the limit."""
    message = _("The file is larger than %(mb)s MB.", mb=current_app.config["MAX_UPLOAD_MB"])
    if wants_json():
        return json_error(413, message, {"file": [message]})
    return render_template("errors.html", error=error, message=message), 413


def _handle_domain(error: DomainError) -> Any:
    db.session.rollback()
    if wants_json():
        fields = getattr(error, "errors", None) or (
            {error.field: [str(error.message)]} if error.field else None
        )
        return json_error(error.status_code, str(error.message), fields)
    if isinstance(error, PermissionDenied):
        return render_template("errors.html", error=error, message=str(error.message)), 403
    flash(str(error.message), "error")
    return redirect(request.referrer or url_for("home.index")), 303


def _handle_csrf(error: CSRFError) -> Any:
    if wants_json():
        return json_error(400, error.description)
    return render_template(
        "errors.html",
        error=error,
        message=_("The form expired or was sent from elsewhere. Reload the page and try again."),
    ), 400


def page_address() -> str:
    """Where the page being shown can be opened again by a GET: its own address, or, for the
    answer to a refused form, the page the form was sent from (the form's own address may take
    POST only). The language switch returns there."""
    if request.method == "GET":
        return request.full_path.rstrip("?")
    referrer = urlsplit(request.referrer or "")
    if referrer.netloc == request.host and referrer.path.startswith("/"):
        return referrer.path + (f"?{referrer.query}" if referrer.query else "")
    return request.path


def init_app(app: Flask) -> None:
    app.after_request(_security_headers)
    app.before_request(_refuse_read_only_writes)
    app.register_error_handler(HTTPException, _handle_http)
    app.register_error_handler(InternalServerError, _handle_server_error)
    app.register_error_handler(RequestEntityTooLarge, _handle_too_large)
    app.register_error_handler(TooManyRequests, _handle_too_many)
    app.register_error_handler(DomainError, _handle_domain)
    app.register_error_handler(CSRFError, _handle_csrf)
    app.jinja_env.globals.update(history_of=history_of, describe_history=describe_history)
    app.jinja_env.globals.update(charts.template_globals())

    @app.context_processor
    def _template_globals() -> dict[str, Any]:
        return {
            "csp_nonce": _csp_nonce,
            "get_locale": get_locale,
            "page_address": page_address,
            "nav_items": nav_for(current_user) if current_user else [],
            "can": lambda action, record: access.can(current_user, action, record),
        }
