"""The cooperative office's figures, computed in SQL from what the user may see, for the UMK
dashboard, the home panel and the city reports: the funnel of pathways by stage, median days
per stage, certificates expiring, surveillance due, businesses per kecamatan and failed test
parameters by product category."""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import date
from statistics import median
from typing import Any

from sqlalchemy import func, select

from qms.core import access
from qms.core.exports import Column
from qms.extensions import db
from qms.sme.catalogue_models import TestParameter
from qms.sme.models import (
    Business,
    Certificate,
    LabTest,
    Pathway,
    Product,
    StageRecord,
    Surveillance,
    TestResult,
)
from qms.sme.settings import expiry_notice_horizon
from qms.sme.vocabulary import (
    IN_FORCE,
    STAGE_ORDER,
    ProductCategory,
    Stage,
)


@dataclass
class Dashboard:
    today: date
    funnel: list[tuple[Stage, int]]
    median_days: list[tuple[Stage, float]]
    expiring: list[Certificate]
    surveillance_due: list[Surveillance]
    per_kecamatan: list[tuple[str, int]]
    failed_by_category: list[tuple[ProductCategory, int]]
    failed_parameters: list[tuple[ProductCategory, TestParameter, int]]

    def rows(self) -> list[tuple[str, str, Any]]:
        """Every figure as (section, label, value), for the CSV export."""
        rows: list[tuple[str, str, Any]] = []
        rows += [("funnel", str(s.label), n) for s, n in self.funnel]
        rows += [("median_days", str(s.label), d) for s, d in self.median_days]
        rows += [
            ("certificate_expiring", f"{c.number} ({c.pathway.product.name})", c.expires_on)
            for c in self.expiring
        ]
        rows += [
            (
                "surveillance_due",
                f"{s.certificate.number} ({s.certificate.pathway.product.name})",
                s.due_on,
            )
            for s in self.surveillance_due
        ]
        rows += [("businesses_per_kecamatan", k, n) for k, n in self.per_kecamatan]
        rows += [("failed_by_category", str(c.label), n) for c, n in self.failed_by_category]
        rows += [
            ("failed_parameter", f"{c.label}: {parameter.name}", n)
            for c, parameter, n in self.failed_parameters
        ]
        return rows


def _live_pathways(user: Any, city_id: int | None) -> Any:
    query = access.scoped(Pathway, user)
    if city_id:
        query = query.where(Pathway.city_id == city_id)
    return query


def current_certificates(pathway_ids: Any) -> Any:
    """The latest certificate of each pathway that is not withdrawn."""
    latest = (
        select(func.max(Certificate.id))
        .join(Pathway, Pathway.id == Certificate.pathway_id)
        .where(Pathway.id.in_(pathway_ids), Pathway.stage != Stage.WITHDRAWN)
        .group_by(Certificate.pathway_id)
    )
    return select(Certificate).where(Certificate.id.in_(latest))


def certified_per_city(user: Any, city_ids: list[int]) -> dict[int, int]:
    """Per city, the pathways the user may see whose certificate is in force (the funnel's
    certified, surveillance and renewal stages), counted in one query."""
    query = (
        _live_pathways(user, None)
        .where(Pathway.city_id.in_(city_ids), Pathway.stage.in_(IN_FORCE))
        .with_only_columns(Pathway.city_id, func.count())
        .group_by(Pathway.city_id)
    )
    counted = {city_id: n for city_id, n in db.session.execute(query)}
    return {city_id: counted.get(city_id, 0) for city_id in city_ids}


def compute(user: Any, today: date, city_id: int | None = None) -> Dashboard:
    pathways = _live_pathways(user, city_id).subquery()
    pathway_ids = select(pathways.c.id)

    by_stage = Counter(
        {
            stage: count
            for stage, count in db.session.execute(
                select(pathways.c.stage, func.count()).group_by(pathways.c.stage)
            )
        }
    )
    funnel = [
        (stage, by_stage.get(stage, 0)) for stage in (*STAGE_ORDER, Stage.ON_HOLD, Stage.WITHDRAWN)
    ]

    durations: dict[Stage, list[int]] = defaultdict(list)
    for stage, started, ended in db.session.execute(
        select(StageRecord.stage, StageRecord.started_on, StageRecord.ended_on).where(
            StageRecord.pathway_id.in_(pathway_ids), StageRecord.ended_on.is_not(None)
        )
    ):
        durations[stage].append((ended - started).days)
    median_days = [(s, float(median(durations[s]))) for s in STAGE_ORDER if durations.get(s)]

    horizon = expiry_notice_horizon(today)
    certificates = current_certificates(pathway_ids)
    expiring = list(
        db.session.scalars(
            certificates.where(
                Certificate.expires_on >= today, Certificate.expires_on <= horizon
            ).order_by(Certificate.expires_on)
        )
    )
    surveillance_due = list(
        db.session.scalars(
            select(Surveillance)
            .where(
                Surveillance.certificate_id.in_(certificates.with_only_columns(Certificate.id)),
                Surveillance.done_on.is_(None),
                Surveillance.due_on <= horizon,
            )
            .order_by(Surveillance.due_on)
        )
    )

    businesses = access.scoped(Business, user)
    if city_id:
        businesses = businesses.where(Business.city_id == city_id)
    visible = businesses.subquery()
    per_kecamatan = [
        (k, n)
        for k, n in db.session.execute(
            select(visible.c.kecamatan, func.count())
            .group_by(visible.c.kecamatan)
            .order_by(func.count().desc(), visible.c.kecamatan)
        )
    ]

    failed = db.session.execute(
        select(Product.category, TestParameter.id, func.count())
        .select_from(TestResult)
        .join(LabTest, LabTest.id == TestResult.lab_test_id)
        .join(Pathway, Pathway.id == LabTest.pathway_id)
        .join(Product, Product.id == Pathway.product_id)
        .join(TestParameter, TestParameter.id == TestResult.parameter_id)
        .where(TestResult.passed.is_(False), Pathway.id.in_(pathway_ids))
        .group_by(Product.category, TestParameter.id)
    ).all()
    parameters = {
        p.id: p
        for p in db.session.scalars(
            select(TestParameter).where(TestParameter.id.in_({row[1] for row in failed}))
        )
    }
    by_category: Counter[ProductCategory] = Counter()
    failed_parameters = []
    for category, parameter_id, count in failed:
        by_category[category] += count
        failed_parameters.append((category, parameters[parameter_id], count))
    failed_parameters.sort(key=lambda row: (-row[2], row[0].value, row[1].key))

    return Dashboard(
        today=today,
        funnel=funnel,
        median_days=median_days,
        expiring=expiring,
        surveillance_due=surveillance_due,
        per_kecamatan=per_kecamatan,
        failed_by_category=sorted(by_category.items(), key=lambda kv: (-kv[1], kv[0].value)),
        failed_parameters=failed_parameters,
    )


#: the dashboard as a table (section, label, value), as its CSV gives it
DASHBOARD_COLUMNS = [
    Column("section", lambda row: row[0]),
    Column("label", lambda row: row[1]),
    Column("value", lambda row: row[2]),
]
