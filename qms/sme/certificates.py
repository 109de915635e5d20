"""The certificate a pathway's decision or renewal issues: its number, issuer and validity
(per scheme, entered when the scheme's is not configured), the batch a type 1b certificate
covers, and the surveillance scheduled during its validity."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from qms.core.errors import DomainError, text_of
from qms.core.i18n import fmt_date
from qms.core.timeutil import add_months
from qms.extensions import db
from qms.sme import settings
from qms.sme.checks import not_future, required
from qms.sme.models import Certificate, Pathway, Surveillance
from qms.sme.vocabulary import NOT_RENEWABLE, Scheme

#: the issuer of SNI Bina UMK certificates
BSN = "Badan Standardisasi Nasional (BSN)"

Values = dict[str, Any]


def _expiry(pathway: Pathway, values: Values, issued_on: date) -> date:
    expires_on = values.get("expires_on") or settings.default_expiry(pathway.scheme, issued_on)
    if expires_on is None:
        raise DomainError(
            _l(
                "Enter the expiry date printed on the certificate (no validity is configured "
                "for %(scheme)s).",
                scheme=pathway.scheme.label,
            ),
            field="expires_on",
        )
    if expires_on <= issued_on:
        raise DomainError(
            _l("The certificate must expire after the day it was issued."), field="expires_on"
        )
    longest = settings.setting("SME_CERTIFICATE_MAX_YEARS")
    if expires_on > add_months(issued_on, 12 * longest):
        raise DomainError(
            _l("A certificate is valid for at most %(years)s years.", years=longest),
            field="expires_on",
        )
    return expires_on


def default_issuer(pathway: Pathway) -> str:
    """Who issues the certificate unless another is named: BSN for Bina UMK, else the
    LSPro applied to."""
    if pathway.scheme == Scheme.SNI_BINA_UMK:
        return BSN
    return pathway.lspro_name


def issue_certificate(pathway: Pathway, values: Values) -> None:
    """The certificate of a decision or a renewal, with its surveillance scheduled."""
    number = text_of(values, "certificate_number")
    issuer = text_of(values, "issuer") or default_issuer(pathway)
    issued_on: date | None = values.get("issued_on")
    batch = text_of(values, "batch")
    required(
        {"certificate_number": number, "issuer": issuer, "issued_on": issued_on},
        "certificate_number",
        "issuer",
        "issued_on",
    )
    if pathway.scheme_type in NOT_RENEWABLE and not batch:
        raise DomainError(
            _l("A type 1b certificate covers one batch: name it (lot or shipment)."),
            field="batch",
        )
    assert issued_on is not None
    not_future(issued_on, "issued_on")
    expires_on = _expiry(pathway, values, issued_on)
    # certify follows the decision, renew the renewal: the certificate comes after either
    began = pathway.current_stage_began
    if issued_on < began:
        raise DomainError(
            _l(
                "The certificate cannot be issued before the stage “%(stage)s” began (%(date)s).",
                stage=pathway.stage.label,
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
        batch=batch,
    )
    db.session.add(certificate)
    db.session.flush()
    if pathway.has_surveillance:
        for due in settings.surveillance_dates(pathway.scheme, issued_on, expires_on):
            db.session.add(Surveillance(certificate_id=certificate.id, due_on=due))
    db.session.flush()
