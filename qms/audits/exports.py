"""The columns of the audit list's export (CSV and Excel)."""

from __future__ import annotations

from qms.audits.models import Audit
from qms.core.exports import Column, field, related
from qms.core.labels import label_of

AUDIT_COLUMNS = [
    field(Audit, "reference"),
    related(Audit, "agency_id"),
    Column(
        label_of(Audit, "standard_id") or "standard",
        lambda a: " + ".join(s.code for s in a.standards),
    ),
    field(Audit, "kind"),
    field(Audit, "status"),
    field(Audit, "planned_start"),
    field(Audit, "planned_end"),
    field(Audit, "actual_start"),
    field(Audit, "actual_end"),
    related(Audit, "lead_auditor_id"),
    field(Audit, "reported_at"),
    field(Audit, "closed_at"),
]
