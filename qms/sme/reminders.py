"""Reminders for `flask qms remind`: certificates expiring (`SME_EXPIRY_NOTICE_DAYS` and again
`SME_EXPIRY_LAST_NOTICE_DAYS` before), surveillance due within `SME_SURVEILLANCE_NOTICE_DAYS`,
lab results late (`SME_LAB_RESULT_DAYS` after the sample went to the lab) and audit findings
due within `SME_FINDING_NOTICE_DAYS` (see settings.py). Each goes to the
city's coop officers in their own language, with a key that makes it go out once."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import date, timedelta
from itertools import chain

from flask import url_for
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import Select, select

from qms.core.i18n import fmt_date
from qms.core.mail import notices
from qms.core.registry import Reminder
from qms.extensions import db
from qms.sme import lab_due
from qms.sme.figures import current_certificates
from qms.sme.models import AuditFinding, Certificate, Pathway, Surveillance
from qms.sme.policies import coop_officers
from qms.sme.settings import setting

#: (city, key, a function giving the subject and body in the locale forced around it)
Notice = tuple[int, str, Callable[[], tuple[str, str]]]


def _live_pathways():
    return select(Pathway.id).where(Pathway.is_active)


def _due_within(model: type[Surveillance | AuditFinding], days: str, today: date) -> Select:
    """The `model`'s rows due within the setting `days` of `today` (or overdue)."""
    return select(model).where(model.due_on <= today + timedelta(days=setting(days)))


def _expiring_certificates(today: date) -> Iterator[Notice]:
    # the nearer mark first: 20 days before expiry is the last notice, not the first
    marks = sorted((setting("SME_EXPIRY_LAST_NOTICE_DAYS"), setting("SME_EXPIRY_NOTICE_DAYS")))
    for cert in db.session.scalars(current_certificates(_live_pathways())):
        days = (cert.expires_on - today).days
        mark = next((m for m in marks if 0 <= days <= m), None)
        if mark is None:
            continue
        product = cert.pathway.product
        yield (
            cert.pathway.city_id,
            f"sme-certificate:{cert.id}:{cert.expires_on.isoformat()}:{mark}d",
            lambda cert=cert, product=product: (
                _(
                    "SNI certificate %(number)s expires on %(date)s",
                    number=cert.number,
                    date=fmt_date(cert.expires_on),
                ),
                _(
                    "The SNI certificate %(number)s of %(product)s (%(business)s) expires on "
                    "%(date)s. Plan the renewal with the business and the certification body.",
                    number=cert.number,
                    product=product.name,
                    business=product.business.name,
                    date=fmt_date(cert.expires_on),
                ),
            ),
        )


def _surveillance_due(today: date) -> Iterator[Notice]:
    certificates = current_certificates(_live_pathways()).with_only_columns(Certificate.id)
    due = _due_within(Surveillance, "SME_SURVEILLANCE_NOTICE_DAYS", today).where(
        Surveillance.done_on.is_(None), Surveillance.certificate_id.in_(certificates)
    )
    for visit in db.session.scalars(due):
        cert = visit.certificate
        product = cert.pathway.product
        yield (
            cert.pathway.city_id,
            f"sme-surveillance:{visit.id}:{visit.due_on.isoformat()}",
            lambda visit=visit, cert=cert, product=product: (
                _(
                    "Surveillance due on %(date)s: %(product)s",
                    date=fmt_date(visit.due_on),
                    product=product.name,
                ),
                _(
                    "The surveillance of certificate %(number)s for %(product)s (%(business)s) is "
                    "due on %(date)s.",
                    number=cert.number,
                    product=product.name,
                    business=product.business.name,
                    date=fmt_date(visit.due_on),
                ),
            ),
        )


def _findings_due(today: date) -> Iterator[Notice]:
    open_findings = _due_within(AuditFinding, "SME_FINDING_NOTICE_DAYS", today).where(
        AuditFinding.closed_on.is_(None), AuditFinding.pathway_id.in_(_live_pathways())
    )
    for finding in db.session.scalars(open_findings):
        product = finding.pathway.product
        yield (
            finding.pathway.city_id,
            f"sme-finding:{finding.id}:{finding.due_on.isoformat()}",
            lambda finding=finding, product=product: (
                _(
                    "Audit finding due on %(date)s: %(product)s",
                    date=fmt_date(finding.due_on),
                    product=product.name,
                ),
                _(
                    "An audit finding for %(product)s (%(business)s) must be fixed by %(date)s: "
                    "%(finding)s",
                    product=product.name,
                    business=product.business.name,
                    date=fmt_date(finding.due_on),
                    finding=finding.description,
                ),
            ),
        )


def _lab_results_late(today: date) -> Iterator[Notice]:
    """The pathways whose lab results were expected by today and have not come."""
    since = lab_due.awaited_since()
    late = (
        lab_due.awaiting(select(Pathway, since))
        .where(since <= lab_due.expected_before(today))
        .order_by(Pathway.id)
    )
    for pathway, began in db.session.execute(late):
        product = pathway.product
        expected = lab_due.expected_on(began)
        link = url_for("sme.pathway", pathway_id=pathway.id, _anchor="tests", _external=True)
        yield (
            pathway.city_id,
            f"sme-lab-results:{pathway.id}:{began.isoformat()}",
            lambda product=product, expected=expected, began=began, link=link: (
                _(
                    "Lab results expected on %(date)s: %(product)s",
                    date=fmt_date(expected),
                    product=product.name,
                ),
                _(
                    "The lab results for %(product)s (%(business)s), awaited since %(since)s, "
                    "were expected on %(date)s. Ask the laboratory, then record them.",
                    product=product.name,
                    business=product.business.name,
                    since=fmt_date(began),
                    date=fmt_date(expected),
                )
                + f"\n{link}",
            ),
        )


def sme_reminders(today: date) -> Iterator[Reminder]:
    """One reminder per notice and coop officer of the notice's city. What waits for the
    office on its home page (surveillance due, lab results late) is mailed as the officer
    chose: at once, or in the daily digest (qms.core.mail.notices)."""
    reminders = chain(_expiring_certificates(today), _findings_due(today))
    for city_id, key, text in reminders:
        for officer in coop_officers(city_id):
            with force_locale(officer.locale):
                subject, body = text()
            yield Reminder(to=officer.email, subject=subject, body=body, key=f"{key}:u{officer.id}")
    for city_id, key, text in chain(_surveillance_due(today), _lab_results_late(today)):
        yield from notices(coop_officers(city_id), None, key, lambda _user, text=text: text())
