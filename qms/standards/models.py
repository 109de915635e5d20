"""Standards (SNI ISO 9001:2015, …) with their clause trees and audit questions, loaded from
checklists/ and never edited by hand."""

from __future__ import annotations

import enum
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from qms.core.labels import labelled
from qms.core.models import (
    AuditedMixin,
    Bilingual,
    NumberedTitleMixin,
    enum_column,
    reference_column,
    text_column,
)
from qms.core.timeutil import utcnow
from qms.extensions import db


class DocumentedInformation(enum.StrEnum):
    NONE = "none"
    MAINTAIN = "maintain"
    RETAIN = "retain"
    MAINTAIN_RETAIN = "maintain_retain"


#: what a clause requires to be documented (a clause requiring nothing has no label)
DOCUMENTED_INFORMATION_LABELS = {
    DocumentedInformation.MAINTAIN: _l("documented information to maintain"),
    DocumentedInformation.RETAIN: _l("documented information to retain"),
    DocumentedInformation.MAINTAIN_RETAIN: _l("documented information to maintain and retain"),
}


def short_name(code: str) -> str:
    """A standard's code as people write it: "SNI-ISO-37001-2016" → "SNI ISO 37001:2016" (a
    code not ending in a year is only spaced)."""
    head, _sep, year = code.rpartition("-")
    if head and year.isdigit() and len(year) == 4:
        return f"{head.replace('-', ' ')}:{year}"
    return code.replace("-", " ")


class Standard(AuditedMixin, db.Model):
    __tablename__ = "standards"
    __record_label__ = "code"
    __history_exclude__ = frozenset({"loaded_at"})
    __labels__ = {"title": _l("Title")}

    code: Mapped[str] = mapped_column(String(64), unique=True, info=labelled(_l("Code")))
    version: Mapped[str] = mapped_column(String(32), info=labelled(_l("Version")))
    title_id: Mapped[str] = mapped_column(String(255), info=labelled(_l("Title in Indonesian")))
    title_en: Mapped[str] = mapped_column(String(255), info=labelled(_l("Title in English")))
    publisher: Mapped[str] = text_column(String(100), _l("Publisher"))
    source_file: Mapped[str] = mapped_column(String(255))
    loaded_at: Mapped[datetime] = mapped_column(default=utcnow)

    clauses: Mapped[list[Clause]] = relationship(
        back_populates="standard", order_by="Clause.position"
    )

    title = Bilingual()

    @property
    def short_name(self) -> str:
        """ "SNI ISO 37001:2016": how a clause's standard is named beside the clause."""
        return short_name(self.code)


class Clause(NumberedTitleMixin, AuditedMixin, db.Model):
    __tablename__ = "clauses"
    __table_args__ = (UniqueConstraint("standard_id", "number"),)
    __labels__ = {"title": _l("Title"), "parent": _l("Parent clause")}

    standard_id: Mapped[int] = mapped_column(ForeignKey("standards.id"), index=True)
    parent_id: Mapped[int | None] = reference_column("clauses.id", _l("Parent clause"))
    number: Mapped[str] = mapped_column(String(32), info=labelled(_l("Clause number")))
    title_id: Mapped[str] = mapped_column(String(255), info=labelled(_l("Title in Indonesian")))
    title_en: Mapped[str] = mapped_column(String(255), info=labelled(_l("Title in English")))
    documented_information: Mapped[DocumentedInformation] = enum_column(
        DocumentedInformation, _l("Documented information"), DOCUMENTED_INFORMATION_LABELS
    )
    depth: Mapped[int] = mapped_column(default=0)
    position: Mapped[int] = mapped_column(default=0)
    #: the standard gives this sub-clause no title (ISO 9001 4.4.1, 9.2.2, …): the title is
    #: our descriptive label, shown in brackets ("9.2.2 (Program audit)"), never as the standard's
    untitled: Mapped[bool] = mapped_column(
        default=False, info=labelled(_l("No title in the standard"))
    )
    #: what the clause asks for, summarised in our own words (never the standard's text)
    requirement_id: Mapped[str] = text_column(Text, _l("Requirement in Indonesian"))
    requirement_en: Mapped[str] = text_column(Text, _l("Requirement in English"))
    #: set when a later file no longer contains the clause; kept for old audits
    retired_at: Mapped[datetime | None] = mapped_column(default=None)

    standard: Mapped[Standard] = relationship(back_populates="clauses")
    parent: Mapped[Clause | None] = relationship(remote_side="Clause.id")
    questions: Mapped[list[Question]] = relationship(
        back_populates="clause", order_by="Question.position"
    )

    @property
    def shown_title(self) -> str:
        """The title as pages and reports print it: our label of an untitled sub-clause in
        brackets, so that it is not read as the standard's title."""
        return f"({self.title})" if self.untitled else self.title

    @property
    def label(self) -> str:
        return f"{self.number} {self.shown_title}"

    requirement = Bilingual()

    @property
    def reference(self) -> str:
        """The clause with its standard, "SNI ISO 37001:2016 7.5.3": how a clause is named
        wherever clauses of several standards meet (an integrated audit, a finding, a
        nonconformity)."""
        return f"{self.standard.short_name} {self.number}"

    @property
    def documented_information_label(self) -> str | None:
        label = DOCUMENTED_INFORMATION_LABELS.get(self.documented_information)
        return str(label) if label else None


class Question(AuditedMixin, db.Model):
    __tablename__ = "questions"
    __record_label__ = "key"
    __table_args__ = (UniqueConstraint("standard_id", "key"),)

    standard_id: Mapped[int] = mapped_column(ForeignKey("standards.id"), index=True)
    clause_id: Mapped[int] = mapped_column(ForeignKey("clauses.id"), index=True)
    key: Mapped[str] = mapped_column(String(64))
    text_id: Mapped[str] = mapped_column(Text)
    text_en: Mapped[str] = mapped_column(Text)
    evidence_id: Mapped[str] = mapped_column(Text, default="")
    evidence_en: Mapped[str] = mapped_column(Text, default="")
    position: Mapped[int] = mapped_column(default=0)
    retired_at: Mapped[datetime | None] = mapped_column(default=None)

    clause: Mapped[Clause] = relationship(back_populates="questions")

    text = Bilingual()

    evidence = Bilingual()
