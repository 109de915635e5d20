"""The corrective action request form (Permintaan Tindakan Koreksi, PTK) of one
nonconformity."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from qms.capa.interface import request_form_blocks
from qms.capa.models import (
    ACTION_KIND_LABELS,
    CAUSE_LABELS,
    GRADE_LABELS,
    RESULT_LABELS,
    SOURCE_LABELS,
    STATUS_LABELS,
    Nonconformity,
)
from qms.extensions import db
from qms.organisations.models import Agency, City
from qms.reports.registry import RecordKind, ReportRequest, ReportType, register_report_type


def find(number: str, city: City) -> Nonconformity | None:
    return db.session.scalar(
        select(Nonconformity)
        .join(Agency, Agency.id == Nonconformity.agency_id)
        .where(Nonconformity.number == number.upper(), Agency.city_id == city.id)
        .order_by(Nonconformity.id.desc())
        .limit(1)
    )


def owner(nc: Nonconformity) -> tuple[City, Agency]:
    return nc.agency.city, nc.agency


def build(req: ReportRequest) -> dict[str, Any]:
    nc: Nonconformity = req.record
    return {
        "number": nc.number,
        "agency": nc.agency.name,
        "unit": nc.unit.path if nc.unit else "",
        "raised_on": nc.raised_on,
        "source": str(SOURCE_LABELS[nc.source]),
        "source_reference": nc.source_reference,
        "process": nc.process,
        "clause": nc.clause,
        "criterion": nc.criterion,
        "grade": str(GRADE_LABELS[nc.grade]),
        "status": str(STATUS_LABELS[nc.status]),
        "due_date": nc.due_date,
        "requirement": nc.requirement,
        "evidence": nc.evidence,
        "statement": nc.statement,
        "correction": nc.correction,
        "correction_on": nc.correction_on,
        "why_steps": list(nc.why_steps or []),
        "root_cause": nc.root_cause,
        "cause_category": str(CAUSE_LABELS[nc.cause_category]) if nc.cause_category else "",
        "occurs_elsewhere": nc.occurs_elsewhere,
        "elsewhere_note": nc.elsewhere_note,
        "actions": [
            {
                "kind": str(ACTION_KIND_LABELS[a.kind]),
                "description": a.description,
                "owner": a.owner,
                "due_date": a.due_date,
                "done_at": a.done_at,
            }
            for a in nc.current_actions
        ],
        "checks": [
            {
                "on": c.verified_on,
                "by": c.verified_by.name,
                "result": str(RESULT_LABELS[c.result]),
                "note": c.note,
            }
            for c in nc.checks
        ],
        "closed_at": nc.closed_at,
        "closed_by": nc.closed_by.name if nc.closed_by else "",
        "raised_by": nc.raised_by.name if nc.raised_by else "",
        "representative": nc.auditee_representative,
        # what other features add to the request (the risks its analysis updated)
        "blocks": request_form_blocks(nc),
    }


REQUEST_FORM = ReportType(
    key="corrective-action-request",
    title=_l("Corrective action request"),
    template="capa/pdf/request_form.html",
    build=build,
    record=RecordKind(
        model=Nonconformity, label=_l("Nonconformity number"), find=find, owner=owner
    ),
    description=_l(
        "The request form (PTK) of one nonconformity: statement, evidence, correction, root "
        "cause, action plan and effectiveness check, with signatures."
    ),
    order=40,
)


def register() -> None:
    """Offer the report in the portal (from init_app)."""
    register_report_type(REQUEST_FORM)
