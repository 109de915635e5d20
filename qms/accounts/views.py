from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from flask import (
    Blueprint,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user

from qms.accounts import authentication, operations, queries, sessions
from qms.accounts.forms import ChangePasswordForm, LoginForm, NotificationForm, TokenForm
from qms.accounts.models import ApiToken, SessionEnd, UserSession
from qms.core.errors import DomainError
from qms.core.views import commit_and_redirect, not_found
from qms.extensions import db, limiter

bp = Blueprint("accounts", __name__)


def _safe_next(target: str | None) -> str:
    if target and not urlsplit(target).netloc and target.startswith("/"):
        return target
    return url_for("home.index")


def _refused(response) -> bool:
    return response.status_code == 422


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(
    lambda: current_app.config["LOGIN_ADDRESS_LIMIT"], methods=["POST"], deduct_when=_refused
)
def login():
    if current_user.is_authenticated:
        return redirect(url_for("home.index"))
    form = LoginForm()
    if form.validate_on_submit():
        try:
            user = authentication.authenticate(form.email.data, form.password.data)
        except DomainError as error:
            db.session.commit()  # keep the failed-login count
            form.form_errors.append(str(error.message))
        else:
            db.session.commit()
            # a new session (and CSRF token) at login: nothing issued before it stays valid
            session.clear()
            sessions.start(user)
            db.session.commit()
            login_user(user)
            return redirect(_safe_next(request.args.get("next")))
    return render_template("accounts/login.html", form=form), 200 if not form.errors else 422


@bp.post("/logout")
@login_required
def logout():
    record = sessions.current()
    if record is not None:
        sessions.end(record, SessionEnd.LOGOUT)
        db.session.commit()
    logout_user()
    session.clear()
    flash(_("You are logged out."), "info")
    return redirect(url_for("accounts.login"))


@bp.route("/account/password", methods=["GET", "POST"])
@login_required
def change_password():
    form = ChangePasswordForm()
    if form.validate_on_submit():
        try:
            authentication.change_password(
                current_user, form.current_password.data, form.password.data
            )
        except DomainError as error:
            db.session.rollback()
            getattr(form, error.field or "password").errors.append(str(error.message))
        else:
            sessions.end_others(current_user, SessionEnd.PASSWORD_CHANGED, sessions.current())
            return commit_and_redirect(
                url_for("home.index"),
                _(
                    "Your password was changed. Your other sessions were ended and your API "
                    "tokens revoked: make a new token if a program needs one."
                ),
            )
    return render_template(
        "accounts/password.html", form=form, notifications=_notification_form()
    ), 200 if not form.errors else 422


def _notification_form(formdata=None) -> NotificationForm:
    form = NotificationForm(formdata=formdata, data={"notify": current_user.notify})
    return form


@bp.post("/account/notifications")
@login_required
def notifications():
    """How the user hears of what waits for them (immediately, or in the daily digest)."""
    form = _notification_form(request.form)
    if form.validate():
        try:
            operations.set_notification_preference(current_user, form.notify.data)
        except DomainError as error:
            db.session.rollback()
            form.notify.errors.append(str(error.message))
        else:
            return commit_and_redirect(
                url_for("accounts.change_password"), _("Your notification preference was saved.")
            )
    return render_template(
        "accounts/password.html", form=ChangePasswordForm(formdata=None), notifications=form
    ), 422


@bp.post("/language/<locale>")
def set_language(locale: str):
    if current_user.is_authenticated:
        operations.set_locale(current_user, locale)
        db.session.commit()
    elif locale in ("id", "en"):
        session["locale"] = locale
    return redirect(_safe_next(request.form.get("next")))


@bp.route("/account/tokens", methods=["GET", "POST"])
@login_required
def tokens():
    form = TokenForm()
    new_token = None
    if form.validate_on_submit():
        _token, new_token = authentication.issue_token(current_user, form.name.data)
        db.session.commit()
        form = TokenForm(formdata=None)
    return render_template(
        "accounts/tokens.html",
        form=form,
        tokens=queries.tokens_of(current_user),
        new_token=new_token,
    )


def _own(model: type, record_id: int) -> Any:
    """The user's own token or session of that id, or None."""
    record = db.session.get(model, record_id)
    return record if record is not None and record.user_id == current_user.id else None


@bp.post("/account/tokens/<int:token_id>/revoke")
@login_required
def revoke_token(token_id: int):
    token = _own(ApiToken, token_id)
    if token is None:
        return not_found()
    authentication.revoke_token(current_user, token)
    return commit_and_redirect(url_for("accounts.tokens"), _("The token was revoked."))


@bp.get("/account/sessions")
@login_required
def sessions_page():
    return render_template(
        "accounts/sessions.html",
        sessions=sessions.live_sessions(current_user),
        this_session=sessions.current(),
    )


@bp.post("/account/sessions/<int:session_id>/end")
@login_required
def end_session(session_id: int):
    record = _own(UserSession, session_id)
    if record is None:
        return not_found()
    ending_this_one = record.id == getattr(sessions.current(), "id", None)
    sessions.end(record, SessionEnd.ENDED_BY_USER)
    if ending_this_one:
        db.session.commit()
        logout_user()
        session.clear()
        return redirect(url_for("accounts.login"))
    return commit_and_redirect(url_for("accounts.sessions_page"), _("The session was ended."))
