"""Lab results awaited: a pathway in sampling and lab testing (or Bina UMK's verification and
testing) with no passing round waits for the lab's results, since the sample went to the lab —
when it entered that stage, or the day of the last round when a round failed and the test is
repeated. The lab's results are expected `SME_LAB_RESULT_DAYS` later. Stated once in SQL, for
the "waiting for you" card, the pathways list's filter and the daily job's mail."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import ColumnElement, Select, case, exists, func, select

from qms.sme.models import LabTest, Pathway, StageRecord
from qms.sme.settings import setting
from qms.sme.vocabulary import Stage

#: the stages in which the pathway waits for a lab's results
TESTING_STAGES = (Stage.TESTING, Stage.VERIFICATION)


def awaited_since() -> ColumnElement[date | None]:
    """Since when a pathway's results are awaited (for each pathway row of a query). A pathway
    whose stages were not recorded one by one (data brought in from elsewhere) counts from its
    latest recorded stage, or its last round; with neither, None: awaited, due date unknown."""

    def of_pathway(column: ColumnElement, *where: ColumnElement) -> ColumnElement:
        return select(column).where(*where).correlate(Pathway).scalar_subquery()

    entered = func.coalesce(
        of_pathway(
            func.min(StageRecord.started_on),
            StageRecord.pathway_id == Pathway.id,
            StageRecord.stage == Pathway.stage,
        ),
        of_pathway(func.max(StageRecord.started_on), StageRecord.pathway_id == Pathway.id),
    )
    last_round = of_pathway(func.max(LabTest.tested_on), LabTest.pathway_id == Pathway.id)
    return func.coalesce(case((last_round > entered, last_round), else_=entered), last_round)


def awaiting(query: Select) -> Select:
    """The pathways of `query` that wait for lab results: in a testing stage, not archived,
    with no passing round."""
    passed = exists().where(LabTest.pathway_id == Pathway.id, LabTest.passed.is_(True))
    return query.where(Pathway.stage.in_(TESTING_STAGES), Pathway.archived_at.is_(None), ~passed)


def expected_on(since: date | None) -> date | None:
    """The day the results are expected, awaited since `since` (None: not known)."""
    return since + timedelta(days=setting("SME_LAB_RESULT_DAYS")) if since else None


def expected_before(today: date) -> date:
    """Results awaited since before this day are overdue on `today`."""
    return today - timedelta(days=setting("SME_LAB_RESULT_DAYS"))
