"""The published interface of internal audits: what another feature may use of them.

The corrective actions (qms.capa) build on the audits: they read audits, their teams and their
findings, grade a finding's nonconformity by the configured grade scale, and plug into the two
extension points — a report listener, told when an audit's report is issued, and a follow-up
checker, asked which findings still lack an accepted corrective action plan. The audits never
import the corrective actions. The auditors' qualifications (qms.support) plug in a team rule
(`register_team_rule`): who may lead an audit or join its team, besides independence.
Anything not listed here is the audits' own and may change."""

from __future__ import annotations

from qms.audits import grades
from qms.audits.eligibility import register_team_rule
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
    "register_team_rule",
]
