"""Factories and helpers for document control tests."""

from __future__ import annotations

from datetime import date

import factory

from qms.accounts.models import User
from qms.core.roles import Role
from qms.documents import operations, workflow
from qms.documents.models import (
    DOCUMENT_TYPE_PREFIXES,
    Document,
    DocumentRevision,
    DocumentType,
    RevisionState,
)
from qms.organisations.models import Agency
from tests.factories import AgencyFactory, Base, UserFactory, user_with_role

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << >>\n%%EOF\n"

#: files that are refused, with the start of the message: (name, content, message)
BAD_UPLOADS = [
    ("sop.pdf", b"MZ\x90\x00\x03" + b"\x00" * 200, "Jenis berkas ini tidak diterima"),
    ("sop.pdf", b"Ini sebenarnya teks biasa.\n" * 20, "Jenis berkas ini tidak diterima"),
    ("besar.pdf", PDF + b"0" * (1024 * 1024), "lebih besar dari 1 MB"),
]


def multipart(fields: dict, content: bytes, name: str) -> dict:
    """A pre-encoded multipart body: the test client would spool a large one to a temporary
    file that it never closes."""
    boundary = "qms-test-boundary"
    parts = [
        f'--{boundary}\r\nContent-Disposition: form-data; name="{key}"\r\n\r\n{value}\r\n'.encode()
        for key, value in fields.items()
    ]
    parts.append(
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{name}"\r\n'
        "Content-Type: application/pdf\r\n\r\n".encode()
        + content
        + f"\r\n--{boundary}--\r\n".encode()
    )
    return {"data": b"".join(parts), "content_type": f"multipart/form-data; boundary={boundary}"}


class DocumentFactory(Base):
    class Meta:
        model = Document

    agency = factory.SubFactory(AgencyFactory)
    doc_type = DocumentType.PROCEDURE
    seq = factory.Sequence(lambda n: n + 1)
    code = factory.LazyAttribute(
        lambda d: f"{DOCUMENT_TYPE_PREFIXES[d.doc_type]}-{d.agency.code}-{d.seq:03d}"
    )
    title = factory.Sequence(lambda n: f"Prosedur Contoh {n}")
    review_period_months = 12


class RevisionFactory(Base):
    class Meta:
        model = DocumentRevision

    document = factory.SubFactory(DocumentFactory)
    number = factory.Sequence(lambda n: n + 1)
    state = RevisionState.DRAFT
    change_summary = "Terbitan pertama"
    author = factory.SubFactory(UserFactory)
    purpose = "Menjamin pelayanan yang benar."
    procedure = "1. Terima berkas.\n2. Periksa berkas.\n3. Serahkan hasil."


def officer(agency: Agency, **kwargs) -> User:
    return user_with_role(Role.QUALITY_OFFICER, agency=agency, **kwargs)


def city_admin(agency: Agency) -> User:
    return user_with_role(Role.CITY_ADMIN, city=agency.city)


def agency_head(agency: Agency, **kwargs) -> User:
    """The Kepala OPD, who approves the agency's SOPs by default (qms/documents/approvers.py)."""
    return user_with_role(Role.AGENCY_HEAD, agency=agency, **kwargs)


def new_document(author: User, agency: Agency, title: str = "Penerbitan KTP-el") -> Document:
    return operations.create_document(
        author, agency, DocumentType.PROCEDURE, operations.DocumentValues(title=title)
    )


def effective_revision(
    document: Document,
    author: User,
    approver: User,
    text: str = "1. Terima berkas.",
    effective_on: date | None = None,
) -> DocumentRevision:
    """A revision taken through the whole workflow by the operations and the workflow: the
    approver approves, the author (a quality officer) puts it into effect."""
    revision = operations.create_revision(author, document, "Perubahan", {"procedure": text})
    workflow.transition(author, revision, "submit")
    workflow.transition(approver, revision, "approve")
    workflow.transition(author, revision, "make_effective", effective_on=effective_on)
    return revision
