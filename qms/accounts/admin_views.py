"""User administration for system and city administrators: accounts, their roles, unlocking and
password resets. Thin: every rule is in the accounts' operations and policies."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from qms.accounts import operations, policies, queries
from qms.accounts.forms import NewUserForm, ResetPasswordForm, RoleForm, UserEditForm
from qms.accounts.models import User
from qms.core import access
from qms.core.errors import PermissionDenied
from qms.core.history import history_of
from qms.core.pagination import paginate
from qms.core.roles import ROLE_LABELS, Role
from qms.core.views import RecordPages, commit_and_redirect, form_page, saved_then
from qms.extensions import db
from qms.organisations import queries as organisations
from qms.organisations.models import Agency, City

bp = Blueprint("users", __name__, url_prefix="/users")
USERS = RecordPages(User, ".show", "user_id", ".index")


@bp.before_request
@login_required
def _administrators_only() -> None:
    if not policies.grantable_roles(current_user):
        raise PermissionDenied(_("Only administrators manage users."))


def _scope_choices() -> dict[str, list[tuple[Any, Any]]]:
    """What the administrator may hand out: roles, their cities, and those cities' agencies."""
    cities = organisations.cities_managed_by(current_user)
    city_ids = {c.id for c in cities}
    agencies = [a for a in organisations.visible_agencies(current_user) if a.city_id in city_ids]
    several = len(cities) > 1
    return {
        "role": [(r.value, ROLE_LABELS[r]) for r in policies.grantable_roles(current_user)],
        "city_id": [(0, "—"), *((c.id, c.name) for c in cities)],
        "agency_id": [
            (0, "—"),
            *((a.id, f"{a.city.name} — {a.name}" if several else a.name) for a in agencies),
        ],
    }


def _scope(form: RoleForm) -> dict[str, Any]:
    return {
        "role": Role(form.role.data),
        "city": db.session.get(City, form.city_id.data) if form.city_id.data else None,
        "agency": db.session.get(Agency, form.agency_id.data) if form.agency_id.data else None,
    }


@bp.get("")
def index():
    return render_template(
        "accounts/users.html",
        users=paginate(queries.visible_users(current_user, request.args.get("q", ""))),
    )


@bp.route("/new", methods=["GET", "POST"])
def new():
    form = NewUserForm(choices=_scope_choices())
    created = saved_then(
        form,
        lambda: operations.register_user(
            current_user,
            email=form.email.data,
            name=form.name.data,
            password=form.password.data,
            locale=form.locale.data,
            **_scope(form),
        ),
        USERS.url,
        _("The account was created. Give the person the initial password."),
        forbidden_on_form=False,
    )
    return created or form_page(form, _("New user"), url_for(".index"))


def _page(user: User, *, role_form: RoleForm | None = None, status: int = 200):
    role_form = role_form or RoleForm(choices=_scope_choices(), formdata=None)
    entries = sorted([*history_of(user), *queries.role_history(user)], key=lambda e: (e.at, e.id))
    return render_template(
        "accounts/user.html",
        user=user,
        role_form=role_form,
        password_form=ResetPasswordForm(formdata=None),
        may_edit=access.can(current_user, access.EDIT, user),
        may_revoke={a.id for a in user.roles if policies.may_revoke(current_user, a)},
        entries=entries,
    ), status


USERS.record_page(bp, "/<int:user_id>", _page)


@bp.route("/<int:user_id>/edit", methods=["GET", "POST"])
def edit(user_id: int):
    user = USERS.editable(user_id)
    form = UserEditForm(obj=user)
    updated = saved_then(
        form,
        lambda: operations.update_user(
            current_user, user, name=form.name.data, active=form.active.data
        ),
        USERS.url(user),
        _("Saved."),
        forbidden_on_form=False,
    )
    return updated or form_page(form, _("Edit %(name)s", name=user.name), USERS.url(user))


@bp.post("/<int:user_id>/roles")
def add_role(user_id: int):
    user = USERS.get(user_id)
    form = RoleForm(choices=_scope_choices())
    added = saved_then(
        form,
        lambda: operations.assign_role(current_user, user, **_scope(form)),
        USERS.url(user),
        _("The role was added."),
        forbidden_on_form=False,
    )
    return added or _page(user, role_form=form, status=422)


@bp.post("/<int:user_id>/roles/<int:assignment_id>/revoke")
def revoke_role(user_id: int, assignment_id: int):
    user = USERS.get(user_id)
    assignment = next((a for a in user.roles if a.id == assignment_id), None)
    if assignment is None:
        return render_template("errors.html", message=_("Not found.")), 404
    operations.revoke_role(current_user, assignment)
    return commit_and_redirect(USERS.url(user), _("The role was removed."))


@bp.post("/<int:user_id>/unlock")
def unlock(user_id: int):
    user = USERS.get(user_id)
    operations.unlock(current_user, user)
    return commit_and_redirect(USERS.url(user), _("The account was unlocked."))


@bp.post("/<int:user_id>/password")
def reset_password(user_id: int):
    user = USERS.get(user_id)
    form = ResetPasswordForm()
    reset = saved_then(
        form,
        lambda: operations.reset_password(current_user, user, form.password.data),
        USERS.url(user),
        _("The password was reset; it must be changed at the next login."),
        forbidden_on_form=False,
    )
    if reset is not None:
        return reset
    flash(" ".join(str(m) for messages in form.errors.values() for m in messages), "error")
    return redirect(USERS.url(user)), 303
