"""Reminders of internal audits, sent by `flask qms remind` (registered by init_app)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta

from flask import url_for
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import select

from qms.audits.models import Audit, AuditStatus
from qms.audits.settings import setting
from qms.core.registry import Reminder
from qms.extensions import db


def audit_reminders(day: date) -> Iterator[Reminder]:
    """Each team member hears some days before a planned audit starts (AUDIT_REMINDER_DAYS:
    14 and 7 by default)."""
    for days in setting("AUDIT_REMINDER_DAYS"):
        audits = db.session.scalars(
            select(Audit).where(
                Audit.status == AuditStatus.PLANNED,
                Audit.archived_at.is_(None),
                Audit.planned_start == day + timedelta(days=days),
            )
        )
        for audit in audits:
            link = url_for("audits.detail", audit_id=audit.id, _external=True)
            for auditor in audit.team:
                if not auditor.active:
                    continue
                with force_locale(auditor.locale):
                    subject = _(
                        "Audit %(reference)s of %(agency)s starts in %(days)s days",
                        reference=audit.reference,
                        agency=audit.agency.name,
                        days=days,
                    )
                    body = _(
                        "The audit %(reference)s of %(agency)s starts on %(date)s. Please "
                        "review the audit plan and the checklist: %(link)s",
                        reference=audit.reference,
                        agency=audit.agency.name,
                        date=audit.planned_start.isoformat(),
                        link=link,
                    )
                yield Reminder(
                    to=auditor.email,
                    subject=subject,
                    body=body,
                    key=f"audit:{audit.id}:{auditor.id}:{audit.planned_start.isoformat()}:{days}d",
                )
