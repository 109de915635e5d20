"""The audit programme's coverage and its year-end review (ISO 19011 5.4 and 5.7): the
programme page warns about the clauses its audits leave out within the cycle (coverage.py),
and once the year ends those who plan the city's audits record what the programme achieved and
what to change for the next year — one review per programme, kept in the history."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import ColumnElement, ForeignKey, Text, select
from sqlalchemy.orm import Mapped, mapped_column, relationship

from qms.accounts.models import User
from qms.audits import coverage
from qms.audits.models import AuditProgramme
from qms.audits.policies import ProgrammePolicy
from qms.core import access
from qms.core.errors import DomainError, not_in_future
from qms.core.labels import labelled
from qms.core.models import AuditedMixin, TimestampMixin
from qms.core.timeutil import today as local_today
from qms.extensions import db

#: the year-end review may be recorded from this month of the programme's year on
REVIEW_FROM_MONTH = 11


class ProgrammeReview(AuditedMixin, TimestampMixin, db.Model):
    __tablename__ = "audit_programme_reviews"

    programme_id: Mapped[int] = mapped_column(
        ForeignKey("audit_programmes.id"), unique=True, info=labelled(_l("Audit programme"))
    )
    reviewed_on: Mapped[date] = mapped_column(info=labelled(_l("Reviewed on")))
    achieved: Mapped[str] = mapped_column(Text, info=labelled(_l("What the programme achieved")))
    changes: Mapped[str] = mapped_column(Text, info=labelled(_l("What to change next year")))
    reviewed_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))

    programme: Mapped[AuditProgramme] = relationship()
    reviewed_by: Mapped[User] = relationship()

    @property
    def record_label(self) -> str:
        return f"{self.programme.title} · {self.reviewed_on.isoformat()}"


class ProgrammeReviewPolicy(access.Policy):
    def visible(self, user: access.User) -> ColumnElement[bool]:
        return ProgrammeReview.programme_id.in_(
            select(AuditProgramme.id).where(ProgrammePolicy().visible(user))
        )

    def allows(self, user: access.User, action: str, record: Any) -> bool:
        return access.can(user, access.EDIT, record.programme)


def review_of(programme: AuditProgramme) -> ProgrammeReview | None:
    return db.session.scalar(
        select(ProgrammeReview).where(ProgrammeReview.programme_id == programme.id)
    )


def record_review(
    actor: User, programme: AuditProgramme, values: dict[str, Any], today: date | None = None
) -> ProgrammeReview:
    today = today or local_today()
    access.authorize(actor, access.EDIT, programme)
    if review_of(programme) is not None:
        raise DomainError(_l("The programme's year-end review is recorded already."))
    reviewed_on = values.get("reviewed_on") or today
    not_in_future(reviewed_on, "reviewed_on", today)
    if reviewed_on < date(programme.year, REVIEW_FROM_MONTH, 1):
        raise DomainError(
            _l("The programme is reviewed at the end of its year (from November)."),
            field="reviewed_on",
        )
    texts = {}
    for name, message in (
        ("achieved", _l("Say what the programme achieved.")),
        ("changes", _l("Say what to change for the next programme.")),
    ):
        texts[name] = (values.get(name) or "").strip()
        if not texts[name]:
            raise DomainError(message, field=name)
    review = ProgrammeReview(
        programme_id=programme.id,
        programme=programme,
        reviewed_on=reviewed_on,
        reviewed_by_id=actor.id,
        **texts,
    )
    db.session.add(review)
    db.session.flush()
    return review


def page_context(programme: AuditProgramme, user: Any) -> dict[str, Any]:
    """What the programme page shows of its coverage and year-end review."""
    return {
        "gaps": coverage.programme_gaps(programme),
        "cycle": coverage.cycle_years(programme.year),
        "review": review_of(programme),
        "may_review": access.can(user, access.EDIT, programme),
    }


def register() -> None:
    access.register_policy(ProgrammeReview, ProgrammeReviewPolicy())
