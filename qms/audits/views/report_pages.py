"""What an audit gives: its report (ISO 19011), its findings, and the compliance per agency and
clause."""

from __future__ import annotations

from flask import render_template
from flask_login import current_user

from qms.audits import figures, queries
from qms.audits.models import Audit, ChecklistRow, Finding
from qms.audits.views import bp
from qms.core import access
from qms.core.history import history_of
from qms.core.pagination import paginate
from qms.extensions import db
from qms.files.queries import files_of
from qms.organisations.models import Agency
from qms.organisations.queries import agencies_query


@bp.get("/<int:audit_id>/report")
def report(audit_id: int):
    audit = access.get_visible(Audit, audit_id, current_user)
    by_result: dict[str, list[ChecklistRow]] = {}
    for row in audit.rows:
        by_result.setdefault(row.result.value if row.result else "", []).append(row)
    return render_template(
        "audits/report.html",
        audit=audit,
        done=figures.completion(audit.rows),
        tally=figures.tally(audit.rows),
        per_clause=figures.per_clause_of(audit.rows),
        by_result=by_result,
        clauses=queries.clauses_in_scope(audit),
        parts=queries.standard_parts(audit),
        files_of=files_of,
    )


@bp.get("/findings/<int:finding_id>")
def finding(finding_id: int):
    record = access.get_visible(Finding, finding_id, current_user)
    return render_template(
        "audits/finding.html",
        finding=record,
        audit=record.audit,
        evidence_files=files_of(record.row),
        history=history_of(record),
    )


@bp.get("/compliance")
def compliance_index():
    agencies = paginate(agencies_query(current_user))
    return render_template("audits/compliance_index.html", agencies=agencies)


@bp.get("/compliance/<int:agency_id>")
def compliance(agency_id: int):
    agency = access.get_visible(Agency, agency_id, current_user)
    return render_template(
        "audits/compliance.html",
        agency=agency,
        figures=figures.compliance_by_clause(agency, current_user),
        audits=db.session.scalars(queries.visible_audits(current_user, agency_id=agency.id)).all(),
    )
