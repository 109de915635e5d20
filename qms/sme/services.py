"""The rules of the cooperative office's certification programme: who may see and change what, the
registry of businesses and products, each product's certification pathway (an explicit state
machine), lab results judged against the SNI's limits, certificates, surveillance and guidance.
Services flush; the caller commits."""

from __future__ import annotations

import calendar
import re
from collections.abc import Callable, Iterable
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import IO, Any

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import ColumnElement, false, func, or_, select, true

from qms.accounts.models import User
from qms.accounts.queries import role_holders
from qms.core import access
from qms.core.errors import DomainError, ValidationFailed
from qms.core.i18n import fmt_date
from qms.core.roles import Role
from qms.core.timeutil import today as local_today
from qms.core.timeutil import utcnow
from qms.core.workflow import StateMachine, Transition
from qms.extensions import db
from qms.files import operations as files
from qms.files.policies import register_owner
from qms.organisations.models import City
from qms.sme import places
from qms.sme.models import (
    READINESS_LABELS,
    STAGE_LABELS,
    STAGE_ORDER,
    AuditFinding,
    Business,
    Certificate,
    FindingGrade,
    GuidanceKind,
    GuidanceVisit,
    LabTest,
    Pathway,
    Product,
    ProductCategory,
    ProductStandard,
    ReadinessAnswer,
    ReadinessChecklist,
    ReadinessItem,
    ReadinessStatus,
    Scale,
    Scheme,
    SchemeType,
    Stage,
    StageRecord,
    Surveillance,
    TestParameter,
    TestResult,
    TrainingAttendance,
    TrainingBatch,
)

# --- access -------------------------------------------------------------------------------

#: city-scoped roles that see the programme of their city
READER_ROLES = (Role.COOP_OFFICER, Role.CITY_ADMIN, Role.MANAGEMENT_VIEWER)
#: city-scoped roles that change it
WRITER_ROLES = (Role.COOP_OFFICER, Role.CITY_ADMIN)


def may_read_programme(user: Any) -> bool:
    """Whether the user sees the programme at all (menu entries, catalogue)."""
    return bool(
        user
        and user.is_authenticated
        and (user.has_role(*access.NATIONAL_READERS) or user.city_ids(*READER_ROLES))
    )


def may_write(user: Any, city_id: int | None) -> bool:
    if not (user and user.is_authenticated) or user.is_read_only:
        return False
    return user.has_role(Role.SYSTEM_ADMIN) or (
        city_id is not None and city_id in user.city_ids(*WRITER_ROLES)
    )


def writable_cities(user: Any) -> list[City]:
    """The cities whose programme the user may change (for choosing a new business's city)."""
    query = select(City).where(City.archived_at.is_(None)).order_by(City.name)
    if not user.has_role(Role.SYSTEM_ADMIN):
        query = query.where(City.id.in_(user.city_ids(*WRITER_ROLES) or {0}))
    return [] if user.is_read_only else list(db.session.scalars(query))


def readable_cities(user: Any) -> list[City]:
    """The cities whose programme the user sees (for the dashboard's city filter)."""
    query = select(City).where(City.archived_at.is_(None)).order_by(City.name)
    if not user.has_role(*access.NATIONAL_READERS):
        query = query.where(City.id.in_(user.city_ids(*READER_ROLES) or {0}))
    return list(db.session.scalars(query))


class CityProgrammePolicy(access.Policy):
    """A record of one city's programme: its coop officers and city admin write; its management
    viewers read; BSN reviewers and system admins read everywhere; agency roles see nothing."""

    def __init__(
        self,
        rows_in: Callable[[set[int]], ColumnElement[bool]],
        city_of: Callable[[Any], int | None],
    ) -> None:
        self.rows_in = rows_in
        self.city_of = city_of

    def visible(self, user: User) -> ColumnElement[bool]:
        if user.has_role(*access.NATIONAL_READERS):
            return true()
        city_ids = user.city_ids(*READER_ROLES)
        return self.rows_in(city_ids) if city_ids else false()

    def allows(self, user: User, action: str, record: Any) -> bool:
        return may_write(user, self.city_of(record))


class CataloguePolicy(access.Policy):
    """Product SNIs and the readiness checklist: read by whoever sees the programme; changed only
    by loading the files."""

    def visible(self, user: User) -> ColumnElement[bool]:
        return true() if may_read_programme(user) else false()


def _pathways_in(city_ids: set[int]) -> Any:
    return select(Pathway.id).where(Pathway.city_id.in_(city_ids))


def _pathway_city(pathway_id: int) -> int | None:
    return db.session.scalar(select(Pathway.city_id).where(Pathway.id == pathway_id))


for _model in (Business, Product, Pathway, GuidanceVisit, TrainingBatch):
    access.register_policy(
        _model,
        CityProgrammePolicy(
            lambda ids, m=_model: m.city_id.in_(ids), lambda record: record.city_id
        ),
    )
for _model in (StageRecord, ReadinessAnswer, AuditFinding, LabTest, Certificate):
    access.register_policy(
        _model,
        CityProgrammePolicy(
            lambda ids, m=_model: m.pathway_id.in_(_pathways_in(ids)),
            lambda record: _pathway_city(record.pathway_id),
        ),
    )
access.register_policy(
    TestResult,
    CityProgrammePolicy(
        lambda ids: TestResult.lab_test_id.in_(
            select(LabTest.id).where(LabTest.pathway_id.in_(_pathways_in(ids)))
        ),
        lambda record: _pathway_city(db.session.get(LabTest, record.lab_test_id).pathway_id),
    ),
)
access.register_policy(
    Surveillance,
    CityProgrammePolicy(
        lambda ids: Surveillance.certificate_id.in_(
            select(Certificate.id).where(Certificate.pathway_id.in_(_pathways_in(ids)))
        ),
        lambda record: _pathway_city(db.session.get(Certificate, record.certificate_id).pathway_id),
    ),
)
access.register_policy(
    TrainingAttendance,
    CityProgrammePolicy(
        lambda ids: TrainingAttendance.batch_id.in_(
            select(TrainingBatch.id).where(TrainingBatch.city_id.in_(ids))
        ),
        lambda record: db.session.get(TrainingBatch, record.batch_id).city_id,
    ),
)
for _model in (ProductStandard, TestParameter, ReadinessChecklist, ReadinessItem):
    access.register_policy(_model, CataloguePolicy())

for _model in (Business, StageRecord, LabTest, Certificate, GuidanceVisit, TrainingBatch):
    register_owner(_model)


# --- small helpers ------------------------------------------------------------------------


def add_months(day: date, months: int) -> date:
    """The same day `months` later, clipped to the month's end (31 Jan + 1 = 28/29 Feb)."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return day.replace(
        year=year, month=month, day=min(day.day, calendar.monthrange(year, month)[1])
    )


def setting(name: str) -> int:
    return int(current_app.config[name])


def _apply(record: Any, values: dict[str, Any], fields: Iterable[str]) -> None:
    for name in fields:
        if name in values and getattr(record, name) != values[name]:
            setattr(record, name, values[name])


def _required(values: dict[str, Any], *names: str) -> None:
    missing = {n: [str(_l("This field is required."))] for n in names if not values.get(n)}
    if missing:
        raise ValidationFailed(missing)


def _not_future(day: date, field: str) -> None:
    if day > local_today():
        raise DomainError(_l("The date cannot be in the future."), field=field)


def _stage_began(pathway: Pathway, stage: Stage) -> date:
    """When the pathway entered the stage it is in now; a hold in between does not count (a
    resumed stage began when it first did)."""
    began = pathway.stages[-1].started_on
    for record in reversed(pathway.stages):
        if record.stage == stage:
            began = record.started_on
        elif record.stage != Stage.ON_HOLD:
            break
    return began


# --- registry: businesses -----------------------------------------------------------------

NIB_PATTERN = re.compile(r"^\d{13}$")


def normalize_nib(raw: str | None) -> str:
    """The NIB (Nomor Induk Berusaha from OSS) has exactly 13 digits."""
    nib = re.sub(r"\s", "", raw or "")
    if not NIB_PATTERN.match(nib):
        raise DomainError(
            _l("The NIB must be exactly 13 digits (as printed by OSS), e.g. 9120001234567."),
            field="nib",
        )
    return nib


def normalize_npwp(raw: str | None) -> str | None:
    """NPWP: 15 digits (99.999.999.9-999.999) or, since 2024, 16 digits; dots, dashes and spaces
    are accepted and stored in the usual notation."""
    if not raw or not raw.strip():
        return None
    digits = re.sub(r"[\s.\-]", "", raw)
    if not digits.isdigit() or len(digits) not in (15, 16):
        raise DomainError(
            _l(
                "The NPWP must have 15 digits (e.g. 01.234.567.8-901.000) or 16 digits "
                "(the new NPWP); leave it empty if the business has none."
            ),
            field="npwp",
        )
    if len(digits) == 15:
        d = digits
        return f"{d[:2]}.{d[2:5]}.{d[5:8]}.{d[8]}-{d[9:12]}.{d[12:]}"
    return digits


BUSINESS_FIELDS = (
    "name",
    "owner_name",
    "nib",
    "npwp",
    "address",
    "kecamatan",
    "kelurahan",
    "phone",
    "email",
    "scale",
    "workers",
    "registered_on",
)


def _clean_business(city: City, values: dict[str, Any], business_id: int | None) -> dict[str, Any]:
    values = dict(values)
    values["nib"] = normalize_nib(values.get("nib"))
    values["npwp"] = normalize_npwp(values.get("npwp"))
    values["scale"] = Scale(values["scale"])
    if values.get("workers") is None or int(values["workers"]) < 1:
        raise DomainError(_l("A business has at least one worker."), field="workers")
    for name in ("name", "owner_name", "address", "kecamatan", "kelurahan"):
        values[name] = (values.get(name) or "").strip()
    _required(values, "name", "owner_name", "address", "kecamatan", "kelurahan", "registered_on")
    _not_future(values["registered_on"], "registered_on")
    if city.code == places.KUPANG_CITY_CODE:
        kecamatan = next(
            (k for k in places.KUPANG_KELURAHAN if k.casefold() == values["kecamatan"].casefold()),
            None,
        )
        if kecamatan is None:
            raise DomainError(
                _l(
                    "Kota Kupang has the kecamatan %(names)s.",
                    names=", ".join(places.KUPANG_KELURAHAN),
                ),
                field="kecamatan",
            )
        values["kecamatan"] = kecamatan
        home = places.kecamatan_of(values["kelurahan"])
        if home is not None and home != kecamatan:
            raise DomainError(
                _l(
                    "Kelurahan %(kelurahan)s lies in Kecamatan %(kecamatan)s.",
                    kelurahan=values["kelurahan"],
                    kecamatan=home,
                ),
                field="kelurahan",
            )
    clash = db.session.scalar(
        select(Business.id).where(Business.nib == values["nib"], Business.id != (business_id or 0))
    )
    if clash:
        raise DomainError(_l("A business with this NIB is already registered."), field="nib")
    return values


def create_business(actor: User, city: City, values: dict[str, Any]) -> Business:
    business = Business(city_id=city.id)
    access.authorize(actor, access.CREATE, business)
    _apply(business, _clean_business(city, values, None), BUSINESS_FIELDS)
    db.session.add(business)
    db.session.flush()
    return business


def update_business(actor: User, business: Business, values: dict[str, Any]) -> Business:
    access.authorize(actor, access.EDIT, business)
    _apply(business, _clean_business(business.city, values, business.id), BUSINESS_FIELDS)
    db.session.flush()
    return business


def archive(actor: User, record: Business | Product | GuidanceVisit | TrainingBatch) -> None:
    access.authorize(actor, access.ARCHIVE, record)
    record.archived_at = utcnow()
    record.archived_by_id = actor.id
    db.session.flush()


def search_businesses(
    user: Any,
    *,
    text: str = "",
    kecamatan: str = "",
    scale: str = "",
    city_id: int | None = None,
) -> Any:
    """A SELECT of the businesses the user sees, filtered by name/owner/NIB text, kecamatan,
    scale and city."""
    query = access.scoped(Business, user)
    if text:
        pattern = f"%{text.strip().lower()}%"
        query = query.where(
            or_(
                func.lower(Business.name).like(pattern),
                func.lower(Business.owner_name).like(pattern),
                Business.nib.like(pattern),
                func.lower(Business.kelurahan).like(pattern),
            )
        )
    if kecamatan:
        query = query.where(Business.kecamatan == kecamatan)
    if scale in {s.value for s in Scale}:
        query = query.where(Business.scale == Scale(scale))
    if city_id:
        query = query.where(Business.city_id == city_id)
    return query.order_by(Business.name)


def kecamatan_names(user: Any) -> list[str]:
    visible = access.scoped(Business, user).subquery()
    return list(db.session.scalars(select(visible.c.kecamatan).distinct().order_by("kecamatan")))


# --- products -----------------------------------------------------------------------------

PRODUCT_FIELDS = ("name", "brand", "category", "standard_id")


def _clean_product(values: dict[str, Any]) -> dict[str, Any]:
    values = dict(values)
    values["name"] = (values.get("name") or "").strip()
    values["brand"] = (values.get("brand") or "").strip()
    _required(values, "name")
    values["category"] = ProductCategory(values["category"])
    standard_id = values.get("standard_id") or None
    if standard_id is not None:
        standard = db.session.get(ProductStandard, int(standard_id))
        if standard is None or standard.retired_at is not None:
            raise DomainError(_l("Choose an SNI from the catalogue."), field="standard_id")
        standard_id = standard.id
    values["standard_id"] = standard_id
    return values


def create_product(actor: User, business: Business, values: dict[str, Any]) -> Product:
    product = Product(city_id=business.city_id, business_id=business.id)
    access.authorize(actor, access.CREATE, product)
    if business.is_archived:
        raise DomainError(_l("The business is archived."))
    _apply(product, _clean_product(values), PRODUCT_FIELDS)
    db.session.add(product)
    db.session.flush()
    return product


def update_product(actor: User, product: Product, values: dict[str, Any]) -> Product:
    access.authorize(actor, access.EDIT, product)
    values = _clean_product(values)
    if values["standard_id"] != product.standard_id and active_pathway(product) is not None:
        raise DomainError(
            _l("The SNI cannot change while a certification pathway is open; withdraw it first."),
            field="standard_id",
        )
    _apply(product, values, PRODUCT_FIELDS)
    db.session.flush()
    return product


# --- the certification pathway ------------------------------------------------------------


def _writer(user: Any, pathway: Pathway) -> bool:
    return may_write(user, pathway.city_id)


#: action name, from, to, label: each forward step goes exactly one stage on
FORWARD_STEPS: tuple[tuple[str, Stage, Stage, Any], ...] = (
    ("start_readiness", Stage.REGISTERED, Stage.READINESS, _l("Start the readiness assessment")),
    ("start_guidance", Stage.READINESS, Stage.GUIDANCE, _l("Readiness assessed: start guidance")),
    ("documents_ready", Stage.GUIDANCE, Stage.DOCUMENTS_READY, _l("Documents are ready")),
    ("apply", Stage.DOCUMENTS_READY, Stage.APPLIED, _l("Apply to a certification body")),
    ("start_site_audit", Stage.APPLIED, Stage.SITE_AUDIT, _l("Start the production-site audit")),
    ("start_testing", Stage.SITE_AUDIT, Stage.TESTING, _l("Start sampling and lab testing")),
    ("to_decision", Stage.TESTING, Stage.DECISION, _l("Tests passed: go to the decision")),
    ("certify", Stage.DECISION, Stage.CERTIFIED, _l("Issue the certificate")),
    ("start_surveillance", Stage.CERTIFIED, Stage.SURVEILLANCE, _l("Start surveillance")),
    ("start_renewal", Stage.SURVEILLANCE, Stage.RENEWAL, _l("Start the renewal")),
)
ACTIVE_STAGES = frozenset(STAGE_ORDER)

TRANSITIONS = [
    *(
        Transition(name, frozenset({src}), dst, label, _writer)
        for name, src, dst, label in FORWARD_STEPS
    ),
    # a renewed certificate, and a renewal straight after certification for scheme types
    # without surveillance (checked in transition())
    Transition(
        "renew",
        frozenset({Stage.RENEWAL}),
        Stage.CERTIFIED,
        _l("Issue the renewed certificate"),
        _writer,
    ),
    Transition(
        "renew_without_surveillance",
        frozenset({Stage.CERTIFIED}),
        Stage.RENEWAL,
        _l("Start the renewal"),
        _writer,
    ),
    Transition("hold", ACTIVE_STAGES, Stage.ON_HOLD, _l("Put on hold"), _writer),
    Transition(
        "withdraw", ACTIVE_STAGES | {Stage.ON_HOLD}, Stage.WITHDRAWN, _l("Withdraw"), _writer
    ),
    *(
        Transition(
            f"resume_{stage.value}",
            frozenset({Stage.ON_HOLD}),
            stage,
            _l("Resume"),
            lambda user, pathway, stage=stage: (
                _writer(user, pathway) and pathway.held_stage == stage
            ),
        )
        for stage in STAGE_ORDER
    ),
]

machine = StateMachine("stage", TRANSITIONS, {s.value: label for s, label in STAGE_LABELS.items()})

#: actions that need more than a date and notes, each with its own form
ACTIONS_WITH_FORMS = frozenset({"apply", "certify", "renew", "hold", "withdraw"})


def active_pathway(product: Product) -> Pathway | None:
    return next(
        (p for p in product.pathways if p.stage != Stage.WITHDRAWN and p.archived_at is None),
        None,
    )


def open_pathway(
    actor: User,
    product: Product,
    *,
    scheme: str,
    scheme_type: str | None,
    started_on: date,
    officer_id: int | None = None,
    notes: str = "",
) -> Pathway:
    pathway = Pathway(city_id=product.city_id, product_id=product.id)
    access.authorize(actor, access.CREATE, pathway)
    if product.standard_id is None:
        raise DomainError(
            _l("Choose the product's SNI from the catalogue before opening a pathway."),
            field="product_id",
        )
    if active_pathway(product) is not None:
        raise DomainError(_l("This product already has an open certification pathway."))
    pathway.standard_id = product.standard_id
    pathway.scheme = Scheme(scheme)
    if pathway.scheme == Scheme.SPPT_SNI and not scheme_type:
        raise DomainError(
            _l("SPPT SNI needs its ISO/IEC 17067 scheme type (usually type 5)."),
            field="scheme_type",
        )
    pathway.scheme_type = SchemeType(scheme_type) if scheme_type else None
    _not_future(started_on, "started_on")
    db.session.add(pathway)
    db.session.flush()
    db.session.add(
        StageRecord(
            pathway_id=pathway.id,
            stage=Stage.REGISTERED,
            started_on=started_on,
            officer_id=_officer(pathway, officer_id, actor),
            notes=notes,
        )
    )
    db.session.flush()
    db.session.refresh(pathway)
    return pathway


def coop_officers(city_id: int) -> list[User]:
    """Users who may be named responsible for a stage: the city's coop officers."""
    return role_holders(Role.COOP_OFFICER, city_id)


def _officer(pathway: Pathway, officer_id: int | None, actor: User) -> int:
    if not officer_id:
        return actor.id
    if officer_id not in {u.id for u in coop_officers(pathway.city_id)} | {actor.id}:
        raise DomainError(
            _l("The responsible officer must be a cooperative-office officer of this city."),
            field="officer_id",
        )
    return officer_id


def _skip_message(pathway: Pathway, target: Stage) -> DomainError | None:
    """A readable refusal when an action would jump over a stage that is not done yet."""
    current = pathway.stage
    if current not in ACTIVE_STAGES or target not in ACTIVE_STAGES:
        return None
    position, wanted = STAGE_ORDER.index(current), STAGE_ORDER.index(target)
    if wanted <= position + 1:
        return None
    return DomainError(
        _l(
            "“%(target)s” cannot start yet: “%(missing)s” must be done first "
            "(the pathway is at “%(current)s”).",
            target=STAGE_LABELS[target],
            missing=STAGE_LABELS[STAGE_ORDER[wanted - 1]],
            current=STAGE_LABELS[current],
        )
    )


def _check_ready_for(pathway: Pathway, action: str, values: dict[str, Any]) -> None:
    """What must be true before the pathway may leave its current stage."""
    if action == "start_guidance":
        open_items = len(readiness_items()) - len(pathway.readiness_answers)
        if open_items > 0:
            raise DomainError(
                _l(
                    "Answer every item of the readiness checklist first (%(count)d still open).",
                    count=open_items,
                )
            )
    elif action == "apply":
        values["lspro_name"] = (values.get("lspro_name") or "").strip()
        values["lspro_accreditation"] = (values.get("lspro_accreditation") or "").strip()
        _required(values, "lspro_name", "lspro_accreditation")
        if not re.fullmatch(r"LSPr-\d{3}-IDN", values["lspro_accreditation"]):
            raise DomainError(
                _l("Enter the LSPro's KAN accreditation number, e.g. LSPr-034-IDN."),
                field="lspro_accreditation",
            )
    elif action == "start_testing":
        still_open = [f for f in pathway.findings if f.closed_on is None]
        if still_open:
            raise DomainError(
                _l(
                    "%(count)d audit finding(s) are still open; close them before sampling.",
                    count=len(still_open),
                )
            )
    elif action == "to_decision":
        last = pathway.lab_tests[-1] if pathway.lab_tests else None
        if last is None:
            raise DomainError(_l("Record the lab test results first."))
        if not last.passed:
            raise DomainError(_l("The last lab test failed; repeat the test before the decision."))
    elif action == "start_surveillance" and not pathway.has_surveillance:
        raise DomainError(
            _l(
                "Scheme type %(type)s has no surveillance; start the renewal instead.",
                type=pathway.scheme_type.value,
            )
        )
    elif action == "renew_without_surveillance" and pathway.has_surveillance:
        raise DomainError(
            _l(
                "“%(target)s” cannot start yet: “%(missing)s” must be done first "
                "(the pathway is at “%(current)s”).",
                target=STAGE_LABELS[Stage.RENEWAL],
                missing=STAGE_LABELS[Stage.SURVEILLANCE],
                current=STAGE_LABELS[pathway.stage],
            )
        )
    elif action in ("hold", "withdraw") and not (values.get("reason") or "").strip():
        raise ValidationFailed({"reason": [str(_l("Give the reason."))]})


def transition(
    actor: User,
    pathway: Pathway,
    action: str,
    *,
    on: date | None = None,
    officer_id: int | None = None,
    notes: str = "",
    **values: Any,
) -> Pathway:
    """Move the pathway by one action. The current stage is closed on `on` and the next one
    opened on the same day; nothing is written when a rule refuses."""
    access.authorize(actor, access.EDIT, pathway)
    on = on or local_today()
    wanted = machine.transitions.get(action)
    if wanted is not None and pathway.stage.value not in wanted.sources:
        skip = _skip_message(pathway, Stage(wanted.target))
        if skip is not None:
            raise skip
    transition_ = machine.check(pathway, action, actor)
    _check_ready_for(pathway, action, values)
    current = pathway.current_stage_record
    if current is not None and on < current.started_on:
        raise DomainError(
            _l(
                "The date cannot be before the current stage began (%(date)s).",
                date=fmt_date(current.started_on),
            ),
            field="on",
        )
    _not_future(on, "on")
    officer = _officer(pathway, officer_id, actor)

    if action in ("certify", "renew"):
        _issue_certificate(pathway, values)
    if action == "apply":
        pathway.lspro_name = values["lspro_name"]
        pathway.lspro_accreditation = values["lspro_accreditation"]
    if action == "hold":
        pathway.held_stage = pathway.stage
        pathway.hold_reason = values["reason"].strip()
    if action == "withdraw":
        pathway.withdraw_reason = values["reason"].strip()
    if current is not None:
        current.ended_on = on
    machine.apply(pathway, action, actor, Stage)
    if action.startswith("resume_"):  # after apply: the guard reads the stage held
        pathway.held_stage = None
    db.session.add(
        StageRecord(
            pathway_id=pathway.id,
            stage=Stage(transition_.target),
            started_on=on,
            officer_id=officer,
            notes=notes,
        )
    )
    db.session.flush()
    db.session.refresh(pathway)
    return pathway


def available_actions(pathway: Pathway, user: Any) -> list[Transition]:
    """The actions to offer: the machine's, minus those the scheme type rules out."""
    offered = []
    for t in machine.available(pathway, user):
        if t.name == "start_surveillance" and not pathway.has_surveillance:
            continue
        if t.name == "renew_without_surveillance" and pathway.has_surveillance:
            continue
        offered.append(t)
    return offered


def stage_durations(pathway: Pathway, today: date) -> list[tuple[StageRecord, int]]:
    return [(record, record.days(today)) for record in pathway.stages]


# --- readiness ----------------------------------------------------------------------------


def readiness_items() -> list[ReadinessItem]:
    from qms.sme.catalogue import readiness_checklist

    checklist = readiness_checklist()
    return checklist.current_items if checklist else []


def save_readiness(
    actor: User, pathway: Pathway, answers: dict[int, tuple[str, str]]
) -> list[ReadinessAnswer]:
    """Record the readiness checklist's answers: {item id: (status, note)}."""
    access.authorize(actor, access.EDIT, pathway)
    if pathway.stage != Stage.READINESS:
        raise DomainError(
            _l("The readiness checklist is filled in during the readiness assessment.")
        )
    items = {item.id: item for item in readiness_items()}
    existing = {a.item_id: a for a in pathway.readiness_answers}
    statuses = {s.value for s in ReadinessStatus}
    for item_id, (status, note) in answers.items():
        if item_id not in items:
            raise DomainError(_l("This item is not on the readiness checklist."))
        if status not in statuses:
            raise DomainError(
                _l(
                    "Answer “%(item)s” with one of: %(choices)s.",
                    item=items[item_id].text,
                    choices=", ".join(str(label) for label in READINESS_LABELS.values()),
                )
            )
        answer = existing.get(item_id)
        if answer is None:
            answer = ReadinessAnswer(pathway_id=pathway.id, item_id=item_id)
            db.session.add(answer)
        _apply(
            answer,
            {"status": ReadinessStatus(status), "note": note.strip()[:500]},
            ("status", "note"),
        )
    db.session.flush()
    db.session.refresh(pathway)
    return pathway.readiness_answers


def readiness_score(pathway: Pathway) -> float | None:
    """Share of the checklist in place (partly counts half), or None before any answer."""
    answers = pathway.readiness_answers
    if not answers:
        return None
    weights = {ReadinessStatus.YES: 1.0, ReadinessStatus.PARTLY: 0.5, ReadinessStatus.NO: 0.0}
    return sum(weights[a.status] for a in answers) / max(len(readiness_items()), len(answers))


# --- site audit findings ------------------------------------------------------------------


def add_finding(
    actor: User,
    pathway: Pathway,
    *,
    grade: str,
    description: str,
    raised_on: date,
    due_on: date | None = None,
) -> AuditFinding:
    access.authorize(actor, access.EDIT, pathway)
    if pathway.stage != Stage.SITE_AUDIT:
        raise DomainError(_l("Audit findings are recorded during the production-site audit."))
    if not description.strip():
        raise ValidationFailed({"description": [str(_l("This field is required."))]})
    _not_future(raised_on, "raised_on")
    due_on = due_on or add_months(raised_on, setting("SME_FINDING_MONTHS"))
    if due_on < raised_on:
        raise DomainError(
            _l("The deadline cannot be before the finding was raised."), field="due_on"
        )
    finding = AuditFinding(
        pathway_id=pathway.id,
        grade=FindingGrade(grade),
        description=description.strip(),
        raised_on=raised_on,
        due_on=due_on,
    )
    db.session.add(finding)
    db.session.flush()
    return finding


def close_finding(
    actor: User, finding: AuditFinding, *, closed_on: date, note: str
) -> AuditFinding:
    access.authorize(actor, access.EDIT, finding)
    if finding.closed_on is not None:
        raise DomainError(_l("This finding is already closed."))
    if closed_on < finding.raised_on:
        raise DomainError(_l("A finding cannot be closed before it was raised."), field="closed_on")
    _not_future(closed_on, "closed_on")
    if not note.strip():
        raise ValidationFailed({"note": [str(_l("Say how the finding was fixed."))]})
    finding.closed_on = closed_on
    finding.closure_note = note.strip()
    db.session.flush()
    return finding


# --- lab tests ----------------------------------------------------------------------------


def evaluate(parameter: TestParameter, raw: str) -> tuple[Decimal | None, str | None, bool]:
    """Judge one lab result against the parameter's limit: (number, text, passed).

    Numeric results accept a decimal comma ("0,35"); qualitative ones must read as the required
    value in either language (case and spaces do not matter)."""
    text = (raw or "").strip()
    if not text:
        raise DomainError(_l("A result is needed for “%(parameter)s”.", parameter=parameter.name))
    if parameter.is_qualitative:
        wanted = {
            (parameter.expected_id or "").casefold(),
            (parameter.expected_en or "").casefold(),
        }
        return None, text[:100], " ".join(text.split()).casefold() in wanted
    try:
        number = Decimal(text.replace(",", "."))
    except InvalidOperation:
        number = None
    if number is None or not number.is_finite():
        raise DomainError(
            _l(
                "“%(value)s” is not a number; “%(parameter)s” is measured in %(unit)s.",
                value=text,
                parameter=parameter.name,
                unit=parameter.unit or "–",
            )
        )
    passed = (parameter.min_value is None or number >= parameter.min_value) and (
        parameter.max_value is None or number <= parameter.max_value
    )
    return number, None, passed


def record_lab_test(
    actor: User,
    pathway: Pathway,
    *,
    lab_name: str,
    report_number: str,
    sampled_on: date,
    tested_on: date,
    results: dict[str, str],
) -> LabTest:
    """Record one round of testing with a result for every parameter of the product's SNI
    (keyed by parameter key). Pass or fail is computed here, never typed."""
    access.authorize(actor, access.EDIT, pathway)
    if pathway.stage != Stage.TESTING:
        raise DomainError(_l("Lab results are recorded during sampling and lab testing."))
    if pathway.lab_tests and pathway.lab_tests[-1].passed:
        raise DomainError(_l("The last lab test passed; there is nothing to repeat."))
    _required(
        {"lab_name": lab_name.strip(), "report_number": report_number.strip()},
        "lab_name",
        "report_number",
    )
    began = _stage_began(pathway, Stage.TESTING)
    if sampled_on < began:
        raise DomainError(
            _l(
                "The sample cannot be taken before sampling and lab testing began (%(date)s).",
                date=fmt_date(began),
            ),
            field="sampled_on",
        )
    if tested_on < sampled_on:
        raise DomainError(
            _l("The test date cannot be before the sampling date."), field="tested_on"
        )
    _not_future(tested_on, "tested_on")
    report_key = report_number.strip().casefold()
    if any(t.report_number.strip().casefold() == report_key for t in pathway.lab_tests):
        raise DomainError(
            _l(
                "Lab report %(number)s is already recorded for this pathway.",
                number=report_number.strip(),
            ),
            field="report_number",
        )
    parameters = {p.key: p for p in pathway.standard.current_parameters}
    unknown = sorted(set(results) - set(parameters))
    if unknown:
        raise DomainError(
            _l(
                "%(keys)s is not a parameter of %(standard)s.",
                keys=", ".join(unknown),
                standard=pathway.standard.number,
            ),
            field="results",
        )
    missing = [p.name for key, p in parameters.items() if not str(results.get(key) or "").strip()]
    if missing:
        raise DomainError(
            _l(
                "A result is needed for every parameter of %(standard)s; missing: %(names)s.",
                standard=pathway.standard.number,
                names=", ".join(missing),
            ),
            field="results",
        )
    judged = {key: evaluate(parameters[key], str(results[key])) for key in parameters}
    lab_test = LabTest(
        pathway_id=pathway.id,
        round=len(pathway.lab_tests) + 1,
        lab_name=lab_name.strip(),
        report_number=report_number.strip(),
        sampled_on=sampled_on,
        tested_on=tested_on,
        passed=all(passed for _n, _t, passed in judged.values()),
    )
    db.session.add(lab_test)
    db.session.flush()
    for key, (number, text, passed) in judged.items():
        db.session.add(
            TestResult(
                lab_test_id=lab_test.id,
                parameter_id=parameters[key].id,
                value_number=number,
                value_text=text,
                passed=passed,
            )
        )
    db.session.flush()
    db.session.refresh(pathway)
    return lab_test


# --- certificates and surveillance --------------------------------------------------------


def default_expiry(issued_on: date) -> date:
    return add_months(issued_on, 12 * setting("SME_CERTIFICATE_YEARS"))


def _issue_certificate(pathway: Pathway, values: dict[str, Any]) -> Certificate:
    number = (values.get("certificate_number") or "").strip()
    issuer = (values.get("issuer") or "").strip() or pathway.lspro_name
    issued_on: date | None = values.get("issued_on")
    _required(
        {"certificate_number": number, "issuer": issuer, "issued_on": issued_on},
        "certificate_number",
        "issuer",
        "issued_on",
    )
    assert issued_on is not None
    expires_on: date = values.get("expires_on") or default_expiry(issued_on)
    if expires_on <= issued_on:
        raise DomainError(
            _l("The certificate must expire after the day it was issued."), field="expires_on"
        )
    _not_future(issued_on, "issued_on")
    # certify follows the decision, renew the renewal: the certificate comes after either
    began = _stage_began(pathway, pathway.stage)
    if issued_on < began:
        raise DomainError(
            _l(
                "The certificate cannot be issued before the stage “%(stage)s” began (%(date)s).",
                stage=STAGE_LABELS[pathway.stage],
                date=fmt_date(began),
            ),
            field="issued_on",
        )
    if db.session.scalar(select(Certificate.id).where(Certificate.number == number)):
        raise DomainError(
            _l("A certificate with this number is already recorded."), field="certificate_number"
        )
    certificate = Certificate(
        pathway_id=pathway.id,
        number=number,
        issuer=issuer,
        issued_on=issued_on,
        expires_on=expires_on,
    )
    db.session.add(certificate)
    db.session.flush()
    if pathway.has_surveillance:
        step = setting("SME_SURVEILLANCE_MONTHS")
        due = add_months(issued_on, step)
        while due < expires_on:
            db.session.add(Surveillance(certificate_id=certificate.id, due_on=due))
            due = add_months(due, step)
    db.session.flush()
    return certificate


def record_surveillance(
    actor: User, surveillance: Surveillance, *, done_on: date, notes: str
) -> Surveillance:
    access.authorize(actor, access.EDIT, surveillance)
    if surveillance.done_on is not None:
        raise DomainError(_l("This surveillance is already recorded."))
    if done_on < surveillance.certificate.issued_on:
        raise DomainError(
            _l("Surveillance cannot be before the certificate was issued."), field="done_on"
        )
    _not_future(done_on, "done_on")
    surveillance.done_on = done_on
    surveillance.notes = notes.strip()
    db.session.flush()
    return surveillance


# --- evidence -----------------------------------------------------------------------------


def add_evidence(
    actor: User, owner: Any, stream: IO[bytes], filename: str, description: str = ""
) -> Any:
    access.authorize(actor, access.EDIT, owner)
    return files.store(stream, filename, owner, actor, description)


# --- guidance -----------------------------------------------------------------------------

VISIT_FIELDS = ("kind", "held_on", "officer_id", "topics", "notes", "follow_up", "follow_up_on")


def record_visit(actor: User, business: Business, values: dict[str, Any]) -> GuidanceVisit:
    visit = GuidanceVisit(city_id=business.city_id, business_id=business.id)
    access.authorize(actor, access.CREATE, visit)
    values = dict(values)
    values["kind"] = GuidanceKind(values["kind"])
    values["topics"] = (values.get("topics") or "").strip()
    _required(values, "topics", "held_on")
    _not_future(values["held_on"], "held_on")
    if values.get("follow_up_on") and values["follow_up_on"] < values["held_on"]:
        raise DomainError(_l("The follow-up cannot be before the visit."), field="follow_up_on")
    values["officer_id"] = values.get("officer_id") or actor.id
    _apply(visit, values, VISIT_FIELDS)
    db.session.add(visit)
    db.session.flush()
    return visit


def create_training(
    actor: User, city: City, values: dict[str, Any], business_ids: Iterable[int]
) -> TrainingBatch:
    batch = TrainingBatch(city_id=city.id)
    access.authorize(actor, access.CREATE, batch)
    values = {k: (v.strip() if isinstance(v, str) else v) for k, v in values.items()}
    _required(values, "title", "held_on", "trainer")
    _apply(batch, values, ("title", "held_on", "trainer", "place", "notes"))
    ids = set(business_ids)
    attendees = list(
        db.session.scalars(
            select(Business).where(Business.id.in_(ids), Business.city_id == city.id)
        )
    )
    if len(attendees) != len(ids):
        raise DomainError(_l("Only businesses of this city can attend."), field="business_ids")
    if not attendees:
        raise DomainError(_l("Choose at least one business that attended."), field="business_ids")
    db.session.add(batch)
    db.session.flush()
    for business in attendees:
        db.session.add(TrainingAttendance(batch_id=batch.id, business_id=business.id))
    db.session.flush()
    db.session.refresh(batch)
    return batch


def guidance_history(business: Business) -> list[tuple[date, str, Any]]:
    """Everything the office did for a business, newest first: visits, consultations and
    training batches it attended."""
    visits = db.session.scalars(
        select(GuidanceVisit).where(
            GuidanceVisit.business_id == business.id, GuidanceVisit.archived_at.is_(None)
        )
    )
    trainings = db.session.scalars(
        select(TrainingBatch)
        .join(TrainingAttendance, TrainingAttendance.batch_id == TrainingBatch.id)
        .where(TrainingAttendance.business_id == business.id, TrainingBatch.archived_at.is_(None))
    )
    rows: list[tuple[date, str, Any]] = [(v.held_on, "visit", v) for v in visits]
    rows += [(t.held_on, "training", t) for t in trainings]
    return sorted(rows, key=lambda row: (row[0], row[1]), reverse=True)
