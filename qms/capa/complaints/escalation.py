"""The rules that escalate complaints to nonconformities (ISO 9001 10.2), configurable (see
qms/capa/settings.py): a systemic problem (at least COMPLAINT_SIMILAR_COUNT complaints for one
agency and category within COMPLAINT_SIMILAR_WINDOW_DAYS), then the response time (no answer
within COMPLAINT_RESPONSE_DAYS working days, SP4N-LAPOR practice; the similar-complaints
window is in calendar days, a period of observation rather than a service limit). A rule's
complaints join its open nonconformity while there is one (qms/capa/rules.py); run daily
(`flask qms escalate-complaints`) and after each confirmed import."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta

from sqlalchemy import select

from qms.accounts.models import User
from qms.capa import rules
from qms.capa.complaints.working_days import Calendars, is_late
from qms.capa.models import Complaint, NcSource, Nonconformity
from qms.capa.settings import setting
from qms.extensions import db
from qms.organisations.models import Agency, City

#: complaints named in a nonconformity's evidence; the rest are counted
NAMED_COMPLAINTS = 20


def similar_clusters(complaints: list[Complaint], count: int, window_days: int) -> set[int]:
    """Ids of complaints that belong to ≥ count complaints of one agency and category received
    within window_days of each other."""
    groups: dict[tuple, list[Complaint]] = defaultdict(list)
    for c in complaints:
        groups[(c.agency_id, c.category.strip().lower())].append(c)
    members: set[int] = set()
    window = timedelta(days=window_days)
    for group in groups.values():
        group.sort(key=lambda c: (c.received_at, c.id))
        start = 0
        for end, complaint in enumerate(group):
            while complaint.received_at - group[start].received_at >= window:
                start += 1
            if end - start + 1 >= count:
                members.update(c.id for c in group[start : end + 1])
    return members


def _references(complaints: list[Complaint]) -> str:
    shown = ", ".join(c.record_label for c in complaints[:NAMED_COMPLAINTS])
    more = len(complaints) - NAMED_COMPLAINTS
    return shown + (f" (+{more})" if more > 0 else "")


def _escalate(
    key: str,
    complaints: list[Complaint],
    actor: User | None,
    today: date,
    clause: str,
    criterion: str,
    statement: str,
) -> Nonconformity | None:
    """Link the complaints to the open nonconformity of this rule, raising one if none is open
    (qms/capa/rules.py). The texts are the city's record, written in Indonesian like the
    complaints themselves. Returns the nonconformity if this call raised it."""
    nc, created = rules.raise_for_rule(
        key,
        agency=complaints[0].agency,
        source=NcSource.COMPLAINT,
        clause=clause,
        criterion=criterion,
        statement=statement,
        evidence="Pengaduan masyarakat: " + _references(complaints),
        today=today,
        actor=actor,
        source_reference=_references(complaints),
    )
    for complaint in complaints:
        complaint.nonconformity_id = nc.id
    db.session.flush()
    return nc if created else None


def escalate_complaints(city: City, today: date, actor: User | None = None) -> list[Nonconformity]:
    """Apply the rules to the city's complaints not yet linked to a nonconformity: first the
    systemic one (≥ N similar complaints for an agency and category within the window), then
    the response time (no answer within COMPLAINT_RESPONSE_DAYS working days). Returns the new
    ones, due like other sources' nonconformities (CAPA_DEADLINES), not within the reply limit."""
    days = setting("COMPLAINT_RESPONSE_DAYS")
    count = setting("COMPLAINT_SIMILAR_COUNT")
    window = setting("COMPLAINT_SIMILAR_WINDOW_DAYS")
    # one run of the rules per city at a time (imports confirmed at the same moment, the daily
    # job): the next run waits and then finds the nonconformities this one raised; the partial
    # unique index on open escalations guards the rest
    db.session.execute(select(City.id).where(City.id == city.id).with_for_update())
    complaints = list(
        db.session.scalars(
            select(Complaint)
            .join(Agency, Agency.id == Complaint.agency_id)
            .where(Agency.city_id == city.id)
            .order_by(Complaint.received_at, Complaint.id)
        )
    )
    created: list[Nonconformity] = []
    clustered = similar_clusters(complaints, count, window)
    groups: dict[tuple, list[Complaint]] = defaultdict(list)
    for c in complaints:
        if c.id in clustered and c.nonconformity_id is None:
            groups[(c.agency_id, c.category.strip().lower())].append(c)
    for (agency_id, category), members in sorted(groups.items()):
        nc = _escalate(
            f"complaint-similar:{agency_id}:{category[:80]}",
            members,
            actor,
            today,
            "9.1.2",
            f"Aturan eskalasi: ≥ {count} pengaduan serupa dalam {window} hari",
            f"{len(members)} pengaduan masyarakat berkategori “{members[0].category}” untuk "
            f"{members[0].agency.name} dalam {window} hari: masalah berulang yang belum "
            "dianalisis dan ditindaklanjuti secara sistemik.",
        )
        if nc is not None:
            created.append(nc)
    late: dict[int, list[Complaint]] = defaultdict(list)
    calendars = Calendars()
    for c in complaints:
        if c.nonconformity_id is None and is_late(c, today, calendars):
            late[c.agency_id].append(c)
    for agency_id, members in sorted(late.items()):
        nc = _escalate(
            f"complaint-response:{agency_id}",
            members,
            actor,
            today,
            "8.2.1",
            f"SP4N-LAPOR: pengaduan ditindaklanjuti paling lambat {days} hari kerja",
            f"{len(members)} pengaduan masyarakat untuk {members[0].agency.name} tidak "
            f"ditanggapi dalam {days} hari kerja sejak diterima.",
        )
        if nc is not None:
            created.append(nc)
    return created
