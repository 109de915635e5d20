"""The columns of the nonconformity register's and the complaints' exports (CSV and Excel, as
the lists are filtered)."""

from __future__ import annotations

from qms.capa.models import Complaint, Nonconformity
from qms.core.exports import Column, field, related
from qms.core.labels import label_of

REGISTER_COLUMNS = [
    field(Nonconformity, "number"),
    related(Nonconformity, "agency_id"),
    field(Nonconformity, "source"),
    field(Nonconformity, "source_reference"),
    Column(label_of(Nonconformity, "clause") or "clause", lambda nc: nc.clause_label),
    field(Nonconformity, "grade"),
    field(Nonconformity, "statement"),
    field(Nonconformity, "raised_on"),
    field(Nonconformity, "due_date"),
    field(Nonconformity, "status"),
    field(Nonconformity, "root_cause"),
    field(Nonconformity, "closed_at"),
]

COMPLAINT_COLUMNS = [
    field(Complaint, "channel"),
    field(Complaint, "external_id"),
    related(Complaint, "agency_id"),
    field(Complaint, "received_at"),
    field(Complaint, "service"),
    field(Complaint, "category"),
    field(Complaint, "text"),
    field(Complaint, "status"),
    field(Complaint, "responded_at"),
    field(Complaint, "response_working_days"),
    related(Complaint, "nonconformity_id", "number"),
]
