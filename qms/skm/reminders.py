"""Reminders of the satisfaction survey (sent by `flask qms remind`, each once): follow-up
actions due within SKM_REMIND_BEFORE_DAYS or overdue, and surveys still collecting after their
period ended (to be closed and their results followed up), to the agency's quality officers
(its city's admins while it has none)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta

from flask import url_for
from flask_babel import gettext as _
from sqlalchemy import select

from qms.accounts.queries import answerable_for
from qms.core.i18n import fmt_date
from qms.core.mail import reminders_to
from qms.core.registry import Reminder
from qms.extensions import db
from qms.skm.models import FollowUp, Survey
from qms.skm.settings import setting
from qms.skm.vocabulary import ELEMENT_LABELS, SurveyStatus


def _mails(survey: Survey, key: str, subject, body) -> Iterator[Reminder]:
    link = url_for("skm.survey", survey_id=survey.id, _external=True)
    people = answerable_for(survey.agency_id, survey.agency.city_id)
    return reminders_to(people, key, subject, body, survey.title, link)


def reminders(today: date) -> Iterator[Reminder]:
    due_by = today + timedelta(days=setting("SKM_REMIND_BEFORE_DAYS"))
    follow_ups = db.session.scalars(
        select(FollowUp)
        .join(Survey, Survey.id == FollowUp.survey_id)
        .where(
            FollowUp.done_on.is_(None),
            FollowUp.due_on <= due_by,
            Survey.archived_at.is_(None),
        )
        .order_by(FollowUp.id)
    )
    for follow_up in follow_ups:
        stage = "overdue" if follow_up.is_overdue(today) else "before"
        day = fmt_date(follow_up.due_on)
        yield from _mails(
            follow_up.survey,
            f"skm-follow-up:{follow_up.id}:{follow_up.due_on.isoformat()}:{stage}",
            (lambda day=day: _("Survey follow-up overdue since %(day)s", day=day))
            if stage == "overdue"
            else (lambda day=day: _("Survey follow-up due on %(day)s", day=day)),
            lambda f=follow_up: f"{ELEMENT_LABELS[f.element]}: {f.action}",
        )
    ended = db.session.scalars(
        select(Survey)
        .where(
            Survey.status == SurveyStatus.COLLECTING,
            Survey.archived_at.is_(None),
            Survey.period_end < today,
        )
        .order_by(Survey.id)
    )
    for survey in ended:
        yield from _mails(
            survey,
            f"skm-ended:{survey.id}:{survey.period_end.isoformat()}",
            lambda: _("Survey period ended: close it and follow up its results"),
            lambda: _(
                "The survey's period has ended. Close it, plan the follow-up of its weakest "
                "elements and publish the results."
            ),
        )
