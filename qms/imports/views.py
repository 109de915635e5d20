"""The import pages: upload → mapping → report → confirm, for every register a feature
declares (`/imports/<kind>/new`, `/imports/<id>/mapping`, `/imports/<id>`, `…/confirm`)."""

from __future__ import annotations

from flask import Blueprint, abort, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from qms.core import access
from qms.core.errors import DomainError
from qms.core.forms import choices
from qms.core.spreadsheets import column_letter
from qms.core.views import (
    commit_and_redirect,
    page_with_form,
    refused,
    require_login,
    saved_then,
    show_on_form,
)
from qms.extensions import db
from qms.imports import operations
from qms.imports.forms import MappingForm, UploadForm, mapping_of
from qms.imports.models import ImportBatch
from qms.imports.registry import importer_for

bp = Blueprint("imports", __name__, url_prefix="/imports")
require_login(bp)


@bp.route("/<kind>/new", methods=["GET", "POST"])
def upload(kind: str):
    importer = importer_for(kind)
    if importer is None:
        abort(404)
    owners = operations.owners_for(current_user, importer)
    if not owners:
        return refused(_("You may not import here."))
    form = UploadForm()
    form.owner_id.choices = choices((o.id, o.name) for o in owners)

    def hold() -> ImportBatch:
        # the one place offered may be left out; a place not offered is refused
        chosen = form.owner_id.data or (owners[0].id if len(owners) == 1 else None)
        owner = next((o for o in owners if o.id == chosen), None)
        if owner is None:
            raise DomainError(_("Choose where to import."), field="owner_id")
        upload = form.file.data
        with upload.stream:  # a large upload is spooled to a temporary file: closed here
            data = upload.read()
        return operations.upload(current_user, importer, owner, upload.filename, data)

    batch = saved_then(form, hold, lambda batch: url_for("imports.mapping", batch_id=batch.id))
    return batch or page_with_form("imports/upload.html", form, importer=importer, owners=owners)


def _batch(batch_id: int) -> ImportBatch:
    return access.get_visible(ImportBatch, batch_id, current_user)


@bp.route("/<int:batch_id>/mapping", methods=["GET", "POST"])
def mapping(batch_id: int):
    batch = _batch(batch_id)
    importer = operations.importer_of(batch)
    if not access.can(current_user, access.EDIT, batch) or batch.confirmed_at is not None:
        return redirect(url_for("imports.report", batch_id=batch.id))
    form = MappingForm()
    status = 200
    if form.validate_on_submit():
        try:
            if request.form.get("sheet") and request.form["sheet"] != batch.sheet:
                operations.choose_sheet(current_user, batch, request.form["sheet"])
                return commit_and_redirect(url_for("imports.mapping", batch_id=batch.id))
            operations.set_mapping(current_user, batch, mapping_of(request.form, importer.fields))
        except DomainError as error:
            show_on_form(form, error)
            db.session.refresh(batch)
            status = 422
        else:
            return commit_and_redirect(url_for("imports.report", batch_id=batch.id))
    elif form.errors:
        status = 422
    columns = [
        (i, f"{column_letter(i)}: {h}" if h else column_letter(i))
        for i, h in enumerate(batch.headings)
    ]
    return render_template(
        "imports/mapping.html",
        batch=batch,
        importer=importer,
        form=form,
        columns=columns,
    ), status


@bp.get("/<int:batch_id>")
def report(batch_id: int):
    batch = _batch(batch_id)
    return render_template(
        "imports/report.html",
        batch=batch,
        importer=operations.importer_of(batch),
        may_confirm=operations.may_confirm(current_user, batch),
        may_map=batch.confirmed_at is None and access.can(current_user, access.EDIT, batch),
    )


@bp.post("/<int:batch_id>/confirm")
def confirm(batch_id: int):
    batch = _batch(batch_id)
    result = operations.confirm(current_user, batch)
    return commit_and_redirect(
        url_for("imports.report", batch_id=batch.id),
        _(
            "Imported: %(new)s new; %(present)s already in the register; %(bad)s bad rows.",
            new=result["imported"],
            present=result["present"],
            bad=result["error_count"],
        ),
    )
