"""The words of small-business certification: business scales, product categories, schemes and
their ISO/IEC 17067 types, the stages of a pathway, readiness, finding grades and kinds of
guidance, each with its label."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from qms.core.labels import LabelledEnum


class Scale(LabelledEnum):
    MIKRO = "mikro", _l("Micro")
    KECIL = "kecil", _l("Small")


class ProductCategory(LabelledEnum):
    HONEY = "honey", _l("Honey")
    DRINKING_WATER = "drinking_water", _l("Bottled drinking water")
    SALT = "salt", _l("Salt")
    COFFEE = "coffee", _l("Coffee")
    COOKING_OIL = "cooking_oil", _l("Cooking oil")
    MEAT_PRODUCT = "meat_product", _l("Meat products (se'i, abon, dendeng)")
    PALM_SUGAR = "palm_sugar", _l("Palm sugar")
    SNACK = "snack", _l("Snacks")
    TEXTILE = "textile", _l("Woven cloth (tenun)")
    OTHER = "other", _l("Other")


class Scheme(LabelledEnum):
    SPPT_SNI = "sppt_sni", _l("SPPT SNI (product certificate with the SNI mark)")
    SNI_BINA_UMK = "sni_bina_umk", _l("SNI Bina UMK")


class SchemeType(LabelledEnum):
    """ISO/IEC 17067 certification scheme types."""

    T1A = "1a", _l("Type 1a: type test, no surveillance")
    T1B = "1b", _l("Type 1b: batch test")
    T2 = "2", _l("Type 2: type test, market surveillance")
    T3 = "3", _l("Type 3: type test, factory surveillance")
    T4 = "4", _l("Type 4: type test, market and factory surveillance")
    T5 = "5", _l("Type 5: type test, production audit and surveillance")
    T6 = "6", _l("Type 6: services and processes")


#: types whose certificate covers a type or a batch only, with no surveillance afterwards
WITHOUT_SURVEILLANCE = frozenset({SchemeType.T1A, SchemeType.T1B})
#: types that assess production (stage 1 and stage 2 audits); the others test samples only
WITH_PRODUCTION_AUDIT = frozenset({SchemeType.T3, SchemeType.T4, SchemeType.T5})
#: a batch certificate covers its batch only and is never renewed
NOT_RENEWABLE = frozenset({SchemeType.T1B})


class Stage(LabelledEnum):
    REGISTERED = "registered", _l("Registration")
    READINESS = "readiness", _l("Readiness assessment")
    GUIDANCE = "guidance", _l("Guidance")
    DOCUMENTS_READY = "documents_ready", _l("Documents ready")
    # SPPT SNI, at the LSPro
    APPLIED = "applied", _l("Application to the LSPro")
    COMPLETENESS_CHECK = "completeness_check", _l("Completeness check")
    APPLICATION_REVIEW = "application_review", _l("Application review and agreement")
    DOCUMENT_AUDIT = "document_audit", _l("Document audit (stage 1)")
    SITE_AUDIT = "site_audit", _l("Production-site audit (stage 2)")
    TESTING = "testing", _l("Sampling and lab testing")
    TECHNICAL_REVIEW = "technical_review", _l("Technical review")
    DECISION = "decision", _l("Certification decision")
    # SNI Bina UMK, BSN's programme
    SOCIALISATION = "socialisation", _l("Socialisation")
    OSS_APPLICATION = "oss_application", _l("Application through OSS")
    VERIFICATION = "verification", _l("Verification and testing")
    # both
    CERTIFIED = "certified", _l("Certified")
    SURVEILLANCE = "surveillance", _l("Surveillance")
    RENEWAL = "renewal", _l("Renewal")
    ON_HOLD = "on_hold", _l("On hold")
    WITHDRAWN = "withdrawn", _l("Withdrawn")


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


class ReadinessStatus(LabelledEnum):
    YES = "yes", _l("In place")
    PARTLY = "partly", _l("Partly")
    NO = "no", _l("Missing")


class Verdict(LabelledEnum):
    """A lab result against its limit; a result written as "< x" or "> x" may tell neither."""

    PASS = "pass", _l("Meets the limit")
    FAIL = "fail", _l("Does not meet the limit")
    CANNOT_JUDGE = "cannot_judge", _l("Cannot be judged against the limit")


class FindingGrade(LabelledEnum):
    MAJOR = "major", _l("Major")
    MINOR = "minor", _l("Minor")


class GuidanceKind(LabelledEnum):
    VISIT = "visit", _l("Site visit")
    CONSULTATION = "consultation", _l("Consultation")


# --- catalogue (loaded from checklists/, never edited by hand) -----------------------------
