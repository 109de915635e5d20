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
#: types that assess production (stage 1 and stage 2 audits); the others test samples only
WITH_PRODUCTION_AUDIT = frozenset({SchemeType.T3, SchemeType.T4, SchemeType.T5})
#: a batch certificate covers its batch only and is never renewed
NOT_RENEWABLE = frozenset({SchemeType.T1B})


class Stage(enum.StrEnum):
    REGISTERED = "registered"
    READINESS = "readiness"
    GUIDANCE = "guidance"
    DOCUMENTS_READY = "documents_ready"
    # SPPT SNI, at the LSPro
    APPLIED = "applied"
    COMPLETENESS_CHECK = "completeness_check"
    APPLICATION_REVIEW = "application_review"
    DOCUMENT_AUDIT = "document_audit"
    SITE_AUDIT = "site_audit"
    TESTING = "testing"
    TECHNICAL_REVIEW = "technical_review"
    DECISION = "decision"
    # SNI Bina UMK, BSN's programme
    SOCIALISATION = "socialisation"
    OSS_APPLICATION = "oss_application"
    VERIFICATION = "verification"
    # both
    CERTIFIED = "certified"
    SURVEILLANCE = "surveillance"
    RENEWAL = "renewal"
    ON_HOLD = "on_hold"
    WITHDRAWN = "withdrawn"


#: the stages in which the pathway's certificate is in force and under surveillance
IN_FORCE = frozenset({Stage.CERTIFIED, Stage.SURVEILLANCE, Stage.RENEWAL})


#: every forward stage of either scheme, in the order a list or a funnel shows them (on hold
#: and withdrawn stand aside); each pathway follows its scheme's own list (`stage_list`)
STAGE_ORDER: tuple[Stage, ...] = (
    Stage.SOCIALISATION,
    Stage.REGISTERED,
    Stage.READINESS,
    Stage.GUIDANCE,
    Stage.DOCUMENTS_READY,
    Stage.APPLIED,
    Stage.OSS_APPLICATION,
    Stage.COMPLETENESS_CHECK,
    Stage.APPLICATION_REVIEW,
    Stage.DOCUMENT_AUDIT,
    Stage.SITE_AUDIT,
    Stage.TESTING,
    Stage.VERIFICATION,
    Stage.TECHNICAL_REVIEW,
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
    Stage.APPLIED: _l("Application to the LSPro"),
    Stage.COMPLETENESS_CHECK: _l("Completeness check"),
    Stage.APPLICATION_REVIEW: _l("Application review and agreement"),
    Stage.DOCUMENT_AUDIT: _l("Document audit (stage 1)"),
    Stage.SITE_AUDIT: _l("Production-site audit (stage 2)"),
    Stage.TESTING: _l("Sampling and lab testing"),
    Stage.TECHNICAL_REVIEW: _l("Technical review"),
    Stage.DECISION: _l("Certification decision"),
    Stage.SOCIALISATION: _l("Socialisation"),
    Stage.OSS_APPLICATION: _l("Application through OSS"),
    Stage.VERIFICATION: _l("Verification and testing"),
    Stage.CERTIFIED: _l("Certified"),
    Stage.SURVEILLANCE: _l("Surveillance"),
    Stage.RENEWAL: _l("Renewal"),
    Stage.ON_HOLD: _l("On hold"),
    Stage.WITHDRAWN: _l("Withdrawn"),
}

#: what the cooperative office does before an SPPT SNI application
SPPT_PREPARATION = (Stage.REGISTERED, Stage.READINESS, Stage.GUIDANCE, Stage.DOCUMENTS_READY)
#: the LSPro's steps up to the agreement (with its fee invoice)
SPPT_APPLICATION = (Stage.APPLIED, Stage.COMPLETENESS_CHECK, Stage.APPLICATION_REVIEW)
#: stage 1 and stage 2, for the scheme types that assess production
SPPT_PRODUCTION_AUDIT = (Stage.DOCUMENT_AUDIT, Stage.SITE_AUDIT)
SPPT_DECISION = (Stage.TESTING, Stage.TECHNICAL_REVIEW, Stage.DECISION, Stage.CERTIFIED)
#: BSN's programme: socialisation, guidance, the application through OSS, verification and
#: testing, and the certificate issued by BSN
BINA_UMK_STAGES = (
    Stage.SOCIALISATION,
    Stage.GUIDANCE,
    Stage.OSS_APPLICATION,
    Stage.VERIFICATION,
    Stage.CERTIFIED,
)

FIRST_STAGE = {Scheme.SPPT_SNI: Stage.REGISTERED, Scheme.SNI_BINA_UMK: Stage.SOCIALISATION}

#: where a Bina UMK pathway on the old common list (before migration 0018) now stands
BINA_UMK_FORMER_STAGES = {
    Stage.REGISTERED: Stage.SOCIALISATION,
    Stage.READINESS: Stage.SOCIALISATION,
    Stage.DOCUMENTS_READY: Stage.GUIDANCE,
    Stage.APPLIED: Stage.OSS_APPLICATION,
    Stage.SITE_AUDIT: Stage.VERIFICATION,
    Stage.TESTING: Stage.VERIFICATION,
    Stage.DECISION: Stage.VERIFICATION,
}


def stage_list(
    scheme: Scheme, scheme_type: SchemeType | None, surveillance: bool
) -> tuple[Stage, ...]:
    """The forward stages of one pathway, in order: its scheme's, the production audit only
    for the scheme types that assess production, surveillance when the certificate has it
    and the renewal when it can be renewed."""
    if scheme == Scheme.SNI_BINA_UMK:
        stages = BINA_UMK_STAGES
    else:
        audit = SPPT_PRODUCTION_AUDIT if scheme_type in WITH_PRODUCTION_AUDIT else ()
        stages = SPPT_PREPARATION + SPPT_APPLICATION + audit + SPPT_DECISION
    if surveillance:
        stages += (Stage.SURVEILLANCE,)
    if scheme_type not in NOT_RENEWABLE:
        stages += (Stage.RENEWAL,)
    return stages


class ReadinessStatus(enum.StrEnum):
    YES = "yes"
    PARTLY = "partly"
    NO = "no"


READINESS_LABELS = {
    ReadinessStatus.YES: _l("In place"),
    ReadinessStatus.PARTLY: _l("Partly"),
    ReadinessStatus.NO: _l("Missing"),
}


class Verdict(enum.StrEnum):
    """A lab result against its limit; a result written as "< x" or "> x" may tell neither."""

    PASS = "pass"
    FAIL = "fail"
    CANNOT_JUDGE = "cannot_judge"


VERDICT_LABELS = {
    Verdict.PASS: _l("Meets the limit"),
    Verdict.FAIL: _l("Does not meet the limit"),
    Verdict.CANNOT_JUDGE: _l("Cannot be judged against the limit"),
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
