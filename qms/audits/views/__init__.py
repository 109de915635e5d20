"""The audit pages, by area: programme_pages, audit_pages (an audit, its team, plan and steps),
checklist_pages and report_pages (the report, findings, compliance). Thin handlers: they parse,
call one operation, commit and render; the routes are registered when init_app imports them."""

from __future__ import annotations

from typing import Any

from flask import Blueprint

from qms.audits import figures, grades, offline
from qms.audits.models import AuditKind, AuditStatus, RowResult
from qms.audits.settings import compliance_tone
from qms.core.views import require_login

bp = Blueprint("audits", __name__, url_prefix="/audits")
require_login(bp)

#: how a status badge looks
AUDIT_STATUS_TONES = {
    AuditStatus.PLANNED: "",
    AuditStatus.IN_PROGRESS: "warn",
    AuditStatus.REPORTED: "ok",
    AuditStatus.CLOSED: "ok",
}


def template_labels() -> dict[str, Any]:
    """App-wide (registered by init_app): the home and agency panels render outside this
    blueprint."""
    return {
        "audit_kind_labels": AuditKind.labels(),
        "audit_status_labels": AuditStatus.labels(),
        "audit_status_tones": AUDIT_STATUS_TONES,
        "audit_result_labels": RowResult.labels(),
        "audit_grade_label": grades.grade_label,
        "audit_compliance_tone": compliance_tone,
        "audit_compliance_formula": figures.formula_text,
        "audit_nc_per_clause": figures.nonconformities_per_clause,
        "audit_offline_closed": offline.is_closed,
    }
