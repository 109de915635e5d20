"""The year-end review of an audit programme (ISO 19011 5.7), recorded from its page."""

from __future__ import annotations

from flask import flash, redirect, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import TextAreaField
from wtforms.validators import Optional

from qms.audits import programme_review
from qms.audits.models import AuditProgramme
from qms.audits.views import bp
from qms.core import access
from qms.core.forms import DayField
from qms.core.labels import label_of
from qms.core.views import saved


class ProgrammeReviewForm(FlaskForm):
    reviewed_on = DayField(_l("Reviewed on (empty: today)"), validators=[Optional()])
    achieved = TextAreaField(label_of(programme_review.ProgrammeReview, "achieved"))
    changes = TextAreaField(label_of(programme_review.ProgrammeReview, "changes"))


@bp.post("/programmes/<int:programme_id>/review")
def review_programme(programme_id: int):
    record = access.get_visible(AuditProgramme, programme_id, current_user)
    form = ProgrammeReviewForm()
    if saved(
        form,
        lambda: programme_review.record_review(
            current_user,
            record,
            {name: field.data for name, field in form._fields.items()},
        ),
        forbidden_on_form=False,
    ):
        flash(_("The programme's year-end review is recorded."), "success")
    else:
        for errors in form.errors.values():
            for error in errors:
                flash(str(error), "error")
    return redirect(url_for("audits.programme", programme_id=record.id) + "#programme-review")
