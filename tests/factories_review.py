"""Helpers for management reviews: a review planned, prepared and held in the Plan and Check
world (tests.factories_plan)."""

from __future__ import annotations

from datetime import date
from typing import Any

from qms.extensions import db
from qms.review import operations, workflow
from qms.review.models import ManagementReview
from tests.factories_plan import PlanWorld

CUT_OFF = date(2026, 3, 31)


def plan_review(world: PlanWorld, **values: Any) -> ManagementReview:
    review = operations.create_review(
        world.officer,
        world.agency,
        {
            "title": "RTM Dinas Dukcapil 2026",
            "planned_on": date(2026, 4, 14),
            "cut_off": CUT_OFF,
            "chair": "Drs. Markus Lalo",
            "chair_position": "Kepala Dinas",
            "venue": "Aula Dukcapil",
            "agenda": "1. Pembukaan\n2. Masukan 9.3.2\n3. Keputusan",
            **values,
        },
    )
    db.session.flush()
    return review


def prepared_review(world: PlanWorld, **values: Any) -> ManagementReview:
    review = plan_review(world, **values)
    workflow.transition(world.officer, review, "prepare", today=date(2026, 4, 2))
    return review


def held_review(
    world: PlanWorld, held_on: date = date(2026, 4, 14), **values: Any
) -> ManagementReview:
    review = prepared_review(world, **values)
    operations.add_attendee(
        world.officer, review, {"name": "Drs. Markus Lalo", "position": "Kepala Dinas"}
    )
    operations.add_attendee(
        world.officer, review, {"name": "Maria Bria", "position": "Wakil Manajemen"}
    )
    operations.add_action(
        world.officer,
        review,
        {
            "kind": "resource",
            "description": "Ajukan tambahan blangko KTP-el ke Ditjen Dukcapil.",
            "owner": "Sekretaris Dinas",
            "due_on": date(2026, 6, 30),
        },
    )
    workflow.transition(world.officer, review, "hold", {"held_on": held_on}, today=held_on)
    return review
