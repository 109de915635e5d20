"""The published interface of corrective actions: what another feature may use of them.

Features that build on corrective actions (the risk register and quality objectives in
qms.planning, the satisfaction survey in qms.skm) import only this module of capa, as capa
imports only qms/audits/interface.py of the audits; capa never imports them. They may:

- raise a nonconformity by a rule of their own, one open nonconformity per rule key
  (`raise_for_rule`, qms/capa/rules.py), with the source `NcSource.QUALITY_OBJECTIVE_DEVIATION`
  for a quality objective that keeps missing its target;
- read nonconformities (`Nonconformity`, its status named by `status.label`) to show what
  they link to;
- plug into the extension points of qms/capa/contributions.py: a part of the root-cause
  analysis, a block of the corrective action request, a feedback source of the complaints page.

Anything not listed here is capa's own and may change."""

from __future__ import annotations

from qms.capa.contributions import (
    AnalysisPart,
    FeedbackSource,
    RequestFormBlock,
    register_analysis_part,
    register_feedback_source,
    register_request_form_block,
    request_form_blocks,
)
from qms.capa.models import NcGrade, NcSource, Nonconformity
from qms.capa.rules import open_for_rule, raise_for_rule

__all__ = [
    "AnalysisPart",
    "FeedbackSource",
    "NcGrade",
    "NcSource",
    "Nonconformity",
    "RequestFormBlock",
    "open_for_rule",
    "raise_for_rule",
    "register_analysis_part",
    "register_feedback_source",
    "register_request_form_block",
    "request_form_blocks",
]
