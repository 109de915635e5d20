"""The dossier of one small business: profile, guidance history, each product's certification
pathway with its dates, lab results against the SNI limits, and certificates; and the
certification funnel the city summary shows."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from qms.accounts.models import User
from qms.core.timeutil import today
from qms.extensions import db
from qms.organisations.models import City
from qms.reports.registry import RecordKind, ReportRequest, ReportType, register_report_type
from qms.reports.sections import city_section, register_report_section
from qms.sme import figures
from qms.sme import queries as sme
from qms.sme.catalogue_models import ParameterLimit, TestParameter
from qms.sme.models import Business, Pathway
from qms.sme.vocabulary import (
    IN_FORCE,
)


def find(nib: str, city: City) -> Business | None:
    return db.session.scalar(
        select(Business).where(Business.nib == "".join(nib.split()), Business.city_id == city.id)
    )


def owner(business: Business) -> tuple[City, None]:
    return business.city, None


def _limit(limit: TestParameter | ParameterLimit | None, unit: str) -> dict[str, Any]:
    """The limit a result was judged by: the product's column of the SNI, else the default."""
    if limit is None:
        return {"expected": None, "min": None, "max": None, "max_exclusive": False, "unit": unit}
    return {
        "expected": limit.expected if limit.is_qualitative else None,
        "min": limit.min_value,
        "max": limit.max_value,
        "max_exclusive": limit.max_exclusive,
        "unit": unit,
    }


def _pathway(pathway: Pathway, day: date) -> dict[str, Any]:
    return {
        # the catalogue's number carries its year ("SNI 8664:2018", "SNI 01-3542-2004")
        "standard": f"{pathway.standard.number} {pathway.standard.title}",
        # the category, form or grade of the SNI the product is judged by
        "variant": pathway.variant.name if pathway.variant else None,
        "scheme": str(pathway.scheme.label),
        "stage": str(pathway.stage.label),
        "lspro": pathway.lspro_name,
        "stages": [
            {
                "stage": str(record.stage.label),
                "started_on": record.started_on,
                "ended_on": record.ended_on,
                "days": days,
            }
            for record, days in sme.stage_durations(pathway, day)
        ],
        "lab_tests": [
            {
                "round": test.round,
                "lab": test.lab_name,
                "report_number": test.report_number,
                "lab_accreditation": test.lab_accreditation,
                "sampled_on": test.sampled_on,
                "tested_on": test.tested_on,
                "passed": test.passed,
                "results": [
                    {
                        "parameter": r.parameter.name,
                        "limit": _limit(r.limit, r.parameter.unit),
                        # a number is printed in the report's language, a text as written
                        "number": r.value_number,
                        "decimals": r.decimals,
                        "text": r.value_text,
                        "unit": r.parameter.unit,
                        "verdict": r.verdict.value,
                        "verdict_label": str(r.verdict.label),
                    }
                    for r in test.results
                ],
            }
            for test in pathway.lab_tests
        ],
        "certificates": [
            {
                "number": c.number,
                "issuer": c.issuer,
                "issued_on": c.issued_on,
                "expires_on": c.expires_on,
                "surveillances": [
                    {
                        "due_on": s.due_on,
                        "done_on": s.done_on,
                        "overdue": s.done_on is None and s.due_on < day,
                    }
                    for s in c.surveillances
                ],
            }
            for c in pathway.certificates
        ],
    }


def build(req: ReportRequest) -> dict[str, Any]:
    business: Business = req.record
    day = today()
    guidance = []
    for held_on, kind, item in sme.guidance_history(business):
        if kind == "visit":
            guidance.append(
                {
                    "on": held_on,
                    "kind": str(item.kind.label),
                    "topics": item.topics,
                    "by": item.officer.name if item.officer else "",
                    "notes": item.notes,
                    "follow_up": item.follow_up,
                }
            )
        else:
            guidance.append(
                {
                    "on": held_on,
                    "kind": None,
                    "topics": item.title,
                    "by": item.trainer,
                    "notes": item.place,
                    "follow_up": "",
                }
            )
    return {
        "today": day,
        "name": business.name,
        "owner": business.owner_name,
        "nib": business.nib,
        "npwp": business.npwp,
        "address": business.address,
        "kelurahan": business.kelurahan,
        "kecamatan": business.kecamatan,
        "phone": business.phone,
        "email": business.email,
        "scale": str(business.scale.label),
        "workers": business.workers,
        "registered_on": business.registered_on,
        "guidance": guidance,
        "products": [
            {
                "name": p.name,
                "brand": p.brand,
                "category": str(p.category.label),
                "pathways": [_pathway(pathway, day) for pathway in p.pathways],
            }
            for p in business.products
            if p.archived_at is None
        ],
    }


DOSSIER = ReportType(
    key="business-dossier",
    title=_l("Small-business dossier"),
    template="sme/pdf/dossier.html",
    build=build,
    record=RecordKind(
        model=Business,
        label=_l("Business NIB"),
        find=find,
        owner=owner,
        owner_loaded=lambda model: joinedload(model.city),
    ),
    description=_l(
        "One small business: profile, guidance history, each product's certification pathway "
        "with dates, lab results against the SNI limits, and certificates."
    ),
    order=60,
    # 2: the business on the cover, numbers in the report's language, overdue visits; 3: one
    # form without cover and contents, under the city's letterhead
    version=3,
)


def build_city_funnel(req: ReportRequest) -> dict[str, Any]:
    """The city's certification pathways by current stage (the UMK dashboard's funnel)."""
    board = figures.compute(req.requested_by, today(), city_id=req.city.id)
    return {
        "funnel": [{"label": str(s.label), "count": n} for s, n in board.funnel],
        "pathways": sum(n for _s, n in board.funnel),
        "certified": sum(n for s, n in board.funnel if s in IN_FORCE),
    }


def build_national_funnel(user: User, agencies: dict[int, list[int]]) -> dict[int, dict[str, int]]:
    """Per city: the products certified, as `build_city_funnel` counts them, for all the
    cities at once."""
    counted = figures.certified_per_city(user, list(agencies))
    return {city_id: {"certified": n} for city_id, n in counted.items()}


def register() -> None:
    """Offer the report in the portal, and the funnel in the city summary (from init_app)."""
    register_report_type(DOSSIER)
    register_report_section(
        city_section(
            "sme",
            "funnel",
            60,
            build_city_funnel,
            title=_l("Small-business certification funnel"),
            national=build_national_funnel,
        )
    )
