"""Certification readiness, condition by condition: the mandatory documented information met
by the evidence each feature registers, a full internal audit cycle, a management review held
within the interval, no major nonconformity open; the API answers what the page shows."""

from __future__ import annotations

from datetime import date, datetime

import pytest
from flask_babel import force_locale

from qms.audits.models import Audit, AuditKind, AuditStatus
from qms.capa import operations as capa_operations
from qms.capa.models import NcStatus
from qms.documents.models import DocumentClause
from qms.extensions import db
from qms.review.readiness import readiness
from qms.standards.models import Clause, DocumentedInformation
from tests.factories_audits import StandardFactory
from tests.factories_documents import DocumentFactory, agency_head, effective_revision
from tests.factories_plan import make_world
from tests.factories_review import held_review

TAGS = {
    "4.3": DocumentedInformation.MAINTAIN,
    "9.2": DocumentedInformation.RETAIN,
    "9.3": DocumentedInformation.RETAIN,
    "10.2": DocumentedInformation.RETAIN,
}


def _standard() -> dict[str, Clause]:
    """A small ISO 9001: clauses 4 > 4.3, 9 > 9.2 and 9.3, 10 > 10.2."""
    standard = StandardFactory(code="SNI ISO 9001:2015")
    clauses: dict[str, Clause] = {}
    for position, number in enumerate(("4", "4.3", "9", "9.2", "9.3", "10", "10.2")):
        parent = clauses.get(number.split(".")[0]) if "." in number else None
        clause = Clause(
            standard_id=standard.id,
            number=number,
            parent_id=parent.id if parent else None,
            title_id=f"Klausul {number}",
            title_en=f"Clause {number}",
            documented_information=TAGS.get(number, DocumentedInformation.NONE),
            depth=number.count("."),
            position=position,
        )
        db.session.add(clause)
        db.session.flush()
        clauses[number] = clause
    return clauses


def _conditions(data: dict) -> dict[str, tuple[bool, str]]:
    return {c["key"]: (c["met"], c["reason"]) for c in data["conditions"]}


@pytest.fixture(autouse=True)
def _english(app):
    """Readiness links to the records (a request context) and reads here in English."""
    with app.test_request_context(), force_locale("en"):
        yield


def test_readiness_condition_by_condition(app, client, auth, api):
    world = make_world()
    clauses = _standard()
    today = date(2026, 6, 1)

    data = readiness(world.agency, today)
    conditions = _conditions(data)
    assert data["ready"] is False and data["present"] == 0
    assert [i["clause"] for i in data["items"]] == ["4.3", "9.2", "9.3", "10.2"]
    assert conditions["mandatory-items"] == (
        False,
        "4 of 4 items are missing: 4.3, 9.2, 9.3, 10.2.",
    )
    assert conditions["audit-cycle"] == (False, "No internal audit reported in the last 3 years.")
    assert conditions["review-held"] == (False, "No management review has been held.")
    assert conditions["no-major-open"] == (True, "No major nonconformity is open.")

    # a controlled document mapped to 4.3 maintains it
    document = DocumentFactory(agency=world.agency, title="Ruang lingkup SMM")
    db.session.add(DocumentClause(document=document, clause_id=clauses["4.3"].id))
    head = agency_head(world.agency)  # approves the agency's procedures
    effective_revision(document, world.officer, head, effective_on=date(2026, 1, 5))
    data = readiness(world.agency, today)
    item = data["items"][0]
    assert item["present"] and item["evidence"][0]["label"].endswith("Ruang lingkup SMM")
    assert _conditions(data)["mandatory-items"][1] == "3 of 4 items are missing: 9.2, 9.3, 10.2."

    # an audit reported covering part of the standard, then all of it
    audit = Audit(
        reference="AMI-2025-DUKCAPIL",
        agency_id=world.agency.id,
        standard_id=clauses["4"].standard_id,
        kind=AuditKind.INTERNAL,
        status=AuditStatus.REPORTED,
        planned_start=date(2025, 10, 1),
        planned_end=date(2025, 10, 2),
        scope_clauses=["4", "9.2"],
        reported_at=datetime(2025, 10, 10, 9),
    )
    db.session.add(audit)
    db.session.flush()
    met, reason = _conditions(readiness(world.agency, today))["audit-cycle"]
    assert not met and reason == "The audits reported in the last 3 years left out: 9.3, 10.2."
    audit.scope_clauses = ["4", "9", "10"]
    db.session.flush()
    data = readiness(world.agency, today)
    assert _conditions(data)["audit-cycle"] == (
        True,
        "Every clause was audited in the last 3 years.",
    )
    assert data["items"][1]["present"]  # 9.2: the audit report

    # a major nonconformity open
    nc = capa_operations.raise_from_finding(
        agency=world.agency,
        clause="9.3",
        requirement="RTM terencana",
        evidence="Tidak ada notulen",
        statement="Tinjauan manajemen tidak dilaksanakan.",
        grade="major",
        raised_by=world.admin,
        raised_on=date(2026, 2, 1),
        due_date=date(2026, 3, 3),
        source="external_audit",
    )
    met, reason = _conditions(readiness(world.agency, today))["no-major-open"]
    assert not met and reason == "1 major nonconformity(ies) still open."

    # a review held, and the nonconformity closed: ready
    review = held_review(world, held_on=date(2026, 4, 14))
    nc.status, nc.closed_at = NcStatus.CLOSED, datetime(2026, 5, 2)
    db.session.flush()
    data = readiness(world.agency, today)
    assert _conditions(data)["review-held"] == (True, "A management review was held on 2026-04-14.")
    assert data["ready"] is True and data["reasons"] == []
    assert data["present"] == 4

    # a review older than the interval no longer counts
    late = readiness(world.agency, date(2027, 5, 1))
    assert _conditions(late)["review-held"] == (
        False,
        "The latest management review was held on 2026-04-14, more than 12 months ago.",
    )
    assert late["ready"] is False
    db.session.commit()

    # the API answers what the page shows
    api.as_user(world.viewer)
    answered = api.get(f"/agencies/{world.agency.id}/readiness")
    assert answered.status_code == 200
    body = answered.get_json()["data"]
    auth.login(world.viewer)
    page = client.get(f"/review/readiness/{world.agency.id}", headers={"Accept-Language": "en"})
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert ('class="badge ok" id="ready"' in html) == body["ready"]
    for condition in body["conditions"]:
        assert f'id="condition-{condition["key"]}"' in html
    assert review.title in html
    api.as_user(world.stranger)
    assert api.get(f"/agencies/{world.agency.id}/readiness").status_code == 404
