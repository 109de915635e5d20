"""Document codes: the agency's next number for the type, written by the configured pattern
(settings.py: DOCUMENT_CODE_PATTERN), race-safe through the unique (agency, type, number)
constraint and a retry."""

from __future__ import annotations

import re
import string

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from qms.core.errors import DomainError
from qms.documents.models import DOCUMENT_TYPE_PREFIXES, Document, DocumentType
from qms.documents.settings import setting
from qms.extensions import db

#: how often a number lost to a concurrent registration is drawn again
NUMBERING_ATTEMPTS = 5


def format_code(pattern: str, doc_type: DocumentType, agency_code: str, seq: int) -> str:
    return pattern.format(type=DOCUMENT_TYPE_PREFIXES[doc_type], agency=agency_code, seq=seq)


def check_code_pattern(pattern: str) -> None:
    """Refuse at start-up a pattern that cannot number documents."""
    try:
        sample = format_code(pattern, DocumentType.PROCEDURE, "OPD", 1)
    except (KeyError, IndexError, ValueError) as exc:
        raise RuntimeError(f"DOCUMENT_CODE_PATTERN {pattern!r} is invalid: {exc}") from exc
    if sample == format_code(pattern, DocumentType.PROCEDURE, "OPD", 2):
        raise RuntimeError(f"DOCUMENT_CODE_PATTERN {pattern!r} must contain {{seq}}")


def next_seq(agency_id: int, doc_type: DocumentType) -> int:
    current = db.session.scalar(
        select(func.max(Document.seq)).where(
            Document.agency_id == agency_id, Document.doc_type == doc_type
        )
    )
    return (current or 0) + 1


def seq_of_code(pattern: str, doc_type: DocumentType, agency_code: str, code: str) -> int | None:
    """The number behind a code written by the pattern for this type and agency (an imported
    code is kept when it has one), or None when the pattern would not write it."""
    parts = []
    for literal, name, _spec, _conversion in string.Formatter().parse(pattern):
        parts.append(re.escape(literal))
        if name == "seq":
            parts.append(r"(?P<seq>\d{1,9})")
        elif name == "type":
            parts.append(re.escape(DOCUMENT_TYPE_PREFIXES[doc_type]))
        elif name == "agency":
            parts.append(re.escape(agency_code))
    match = re.fullmatch("".join(parts), code)
    if match is None:
        return None
    seq = int(match["seq"])
    return seq if seq > 0 and format_code(pattern, doc_type, agency_code, seq) == code else None


def insert_with_code(document: Document, agency_code: str, code: str) -> bool:
    """Insert the document under a code it already had (an import), when the code fits the
    agency's pattern and its number is free; False (nothing inserted) when it cannot."""
    seq = seq_of_code(setting("DOCUMENT_CODE_PATTERN"), document.doc_type, agency_code, code)
    if seq is None:
        return False
    document.seq, document.code = seq, code
    try:
        with db.session.begin_nested():
            db.session.add(document)
            db.session.flush()
    except IntegrityError:  # the number or the code is taken: the caller numbers it anew
        return False
    return True


def insert_numbered(document: Document, agency_code: str) -> None:
    """Give the new document the agency's next code for its type and insert it."""
    pattern = setting("DOCUMENT_CODE_PATTERN")
    for _attempt in range(NUMBERING_ATTEMPTS):
        document.seq = next_seq(document.agency_id, document.doc_type)
        document.code = format_code(pattern, document.doc_type, agency_code, document.seq)
        try:
            # a savepoint: losing the race for a number costs only this insert, then we retry
            with db.session.begin_nested():
                db.session.add(document)
                db.session.flush()
        except IntegrityError:
            continue
        return
    raise DomainError(_l("No free document number was found. Please try again."))
