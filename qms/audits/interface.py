"""The published interface of internal audits: what another feature may use of them.

The corrective actions (qms.capa) build on the audits: they read audits, their teams and their
findings, grade a finding's nonconformity by the configured grade scale, and plug into the two
extension points — a report listener, told when an audit's report is issued, and a follow-up
checker, asked which findings still lack an accepted corrective action plan. The audits never
import the corrective actions. Anything not listed here is the audits' own and may change."""

from __future__ import annotations

from qms.audits import grades
from qms.audits.follow_up import register_follow_up_checker, register_report_listener
from qms.audits.models import Audit, AuditStatus, AuditTeamMember, Finding

__all__ = [
    "Audit",
    "AuditStatus",
    "AuditTeamMember",
    "Finding",
    "grades",
    "register_follow_up_checker",
    "register_report_listener",
]
