"""The words of small-business certification: business scales, product categories, schemes and
their ISO/IEC 17067 types, the stages of a pathway, readiness, finding grades and kinds of
guidance, each with its label."""

from __future__ import annotations

import enum

from flask_babel import lazy_gettext as _l


class Scale(enum.StrEnum):
    MIKRO = "mikro"
    KECIL = "kecil"


SCALE_LABELS = {Scale.MIKRO: _l("Micro"), Scale.KECIL: _l("Small")}


class ProductCategory(enum.StrEnum):
    HONEY = "honey"
    DRINKING_WATER = "drinking_water"
    SALT = "salt"
    COFFEE = "coffee"
    COOKING_OIL = "cooking_oil"
    MEAT_PRODUCT = "meat_product"
    PALM_SUGAR = "palm_sugar"
    SNACK = "snack"
    TEXTILE = "textile"
    OTHER = "other"


CATEGORY_LABELS = {
    ProductCategory.HONEY: _l("Honey"),
    ProductCategory.DRINKING_WATER: _l("Bottled drinking water"),
    ProductCategory.SALT: _l("Salt"),
    ProductCategory.COFFEE: _l("Coffee"),
    ProductCategory.COOKING_OIL: _l("Cooking oil"),
    ProductCategory.MEAT_PRODUCT: _l("Meat products (se'i, abon, dendeng)"),
    ProductCategory.PALM_SUGAR: _l("Palm sugar"),
    ProductCategory.SNACK: _l("Snacks"),
    ProductCategory.TEXTILE: _l("Woven cloth (tenun)"),
    ProductCategory.OTHER: _l("Other"),
}


class Scheme(enum.StrEnum):
    SPPT_SNI = "sppt_sni"
    SNI_BINA_UMK = "sni_bina_umk"


SCHEME_LABELS = {
    Scheme.SPPT_SNI: _l("SPPT SNI (product certificate with the SNI mark)"),
    Scheme.SNI_BINA_UMK: _l("SNI Bina UMK"),
}


class SchemeType(enum.StrEnum):
    """ISO/IEC 17067 certification scheme types."""

    T1A = "1a"
    T1B = "1b"
    T2 = "2"
    T3 = "3"
    T4 = "4"
    T5 = "5"
    T6 = "6"


SCHEME_TYPE_LABELS = {
    SchemeType.T1A: _l("Type 1a: type test, no surveillance"),
    SchemeType.T1B: _l("Type 1b: batch test"),
    SchemeType.T2: _l("Type 2: type test, market surveillance"),
    SchemeType.T3: _l("Type 3: type test, factory surveillance"),
    SchemeType.T4: _l("Type 4: type test, market and factory surveillance"),
    SchemeType.T5: _l("Type 5: type test, production audit and surveillance"),
    SchemeType.T6: _l("Type 6: services and processes"),
}

#: types whose certificate covers a type or a batch only, with no surveillance afterwards
WITHOUT_SURVEILLANCE = frozenset({SchemeType.T1A, SchemeType.T1B})


class Stage(enum.StrEnum):
    REGISTERED = "registered"
    READINESS = "readiness"
    GUIDANCE = "guidance"
    DOCUMENTS_READY = "documents_ready"
    APPLIED = "applied"
    SITE_AUDIT = "site_audit"
    TESTING = "testing"
    DECISION = "decision"
    CERTIFIED = "certified"
    SURVEILLANCE = "surveillance"
    RENEWAL = "renewal"
    ON_HOLD = "on_hold"
    WITHDRAWN = "withdrawn"


#: the forward stages in their order (on hold and withdrawn stand aside)
STAGE_ORDER: tuple[Stage, ...] = (
    Stage.REGISTERED,
    Stage.READINESS,
    Stage.GUIDANCE,
    Stage.DOCUMENTS_READY,
    Stage.APPLIED,
    Stage.SITE_AUDIT,
    Stage.TESTING,
    Stage.DECISION,
    Stage.CERTIFIED,
    Stage.SURVEILLANCE,
    Stage.RENEWAL,
)

STAGE_LABELS = {
    Stage.REGISTERED: _l("Registration"),
    Stage.READINESS: _l("Readiness assessment"),
    Stage.GUIDANCE: _l("Guidance"),
    Stage.DOCUMENTS_READY: _l("Documents ready"),
    Stage.APPLIED: _l("Application to a certification body"),
    Stage.SITE_AUDIT: _l("Production-site audit"),
    Stage.TESTING: _l("Sampling and lab testing"),
    Stage.DECISION: _l("Certification decision"),
    Stage.CERTIFIED: _l("Certified"),
    Stage.SURVEILLANCE: _l("Surveillance"),
    Stage.RENEWAL: _l("Renewal"),
    Stage.ON_HOLD: _l("On hold"),
    Stage.WITHDRAWN: _l("Withdrawn"),
}


class ReadinessStatus(enum.StrEnum):
    YES = "yes"
    PARTLY = "partly"
    NO = "no"


READINESS_LABELS = {
    ReadinessStatus.YES: _l("In place"),
    ReadinessStatus.PARTLY: _l("Partly"),
    ReadinessStatus.NO: _l("Missing"),
}


class FindingGrade(enum.StrEnum):
    MAJOR = "major"
    MINOR = "minor"


GRADE_LABELS = {FindingGrade.MAJOR: _l("Major"), FindingGrade.MINOR: _l("Minor")}


class GuidanceKind(enum.StrEnum):
    VISIT = "visit"
    CONSULTATION = "consultation"


GUIDANCE_KIND_LABELS = {
    GuidanceKind.VISIT: _l("Site visit"),
    GuidanceKind.CONSULTATION: _l("Consultation"),
}


# --- catalogue (loaded from checklists/, never edited by hand) -----------------------------
