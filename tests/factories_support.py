"""Factories for the support registers' tests, and `qualify`, which gives auditors the
qualification the default ISO 19011 rule asks (an auditor training, two audits as a team
member before qms) so that tests of audits may put them on a team."""

from __future__ import annotations

from datetime import date

from qms.accounts.models import User
from qms.extensions import db
from qms.organisations.models import City
from qms.support.models import AuditorQualification, AuditorTraining


def qualify(city: City, *auditors: User, audits: int = 2, trained: bool = True) -> None:
    for auditor in auditors:
        record = AuditorQualification(
            city_id=city.id, user_id=auditor.id, prior_audits_as_member=audits, prior_audits_led=0
        )
        db.session.add(record)
        db.session.flush()
        if trained:
            db.session.add(
                AuditorTraining(
                    qualification_id=record.id,
                    title="Pelatihan Auditor Internal SNI ISO 9001:2015",
                    provider="BSN",
                    completed_on=date(2024, 11, 14),
                )
            )
    db.session.flush()
