"""Mixins shared by the models of every feature."""

from __future__ import annotations

import enum
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from datetime import date, datetime
from typing import Any

from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from sqlalchemy import ColumnElement, Enum, ForeignKey, Index, Integer, Text, and_, text, update
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.ext.hybrid import hybrid_method
from sqlalchemy.orm import Mapped, declared_attr, mapped_column, relationship
from sqlalchemy.orm.exc import StaleDataError
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.functions import FunctionElement

from qms.core.errors import StaleRecordError
from qms.core.labels import LabelledEnum, labelled
from qms.core.timeutil import utcnow
from qms.extensions import db


class TimestampMixin:
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class AuditedMixin:
    """Every create, change and archive of such a record is written to the history, which
    names it by its table and its integer `id` (declared here, first in the table).

    Subclasses may set `__history_exclude__` to field names that are not worth recording
    and `__deletable__ = True` for child rows that may be removed (removal is recorded too).
    """

    __audited__ = True
    __history_exclude__: frozenset[str] = frozenset()
    __deletable__ = False
    #: the attribute that names a record in the history (its number, title or name); without
    #: one, a record is named by its model and id
    __record_label__: str | None = None

    # first in the table, as in every other table, although declared on the mixin
    id: Mapped[int] = mapped_column(primary_key=True, sort_order=-2)

    @property
    def record_label(self) -> str:
        if self.__record_label__ is not None:
            return getattr(self, self.__record_label__)
        return f"{type(self).__name__} #{self.id}"


class ArchivableMixin:
    """Quality records are archived, never deleted."""

    archived_at: Mapped[datetime | None] = mapped_column(default=None)

    @declared_attr
    def archived_by_id(cls) -> Mapped[int | None]:
        return mapped_column(ForeignKey("users.id"), default=None)

    @property
    def is_archived(self) -> bool:
        return self.archived_at is not None


def falls_due(column: str) -> hybrid_method:
    """The rule "its `column` date falls on or before the day given, and it is in its register
    (not archived)", for one record in Python and for many in SQL; a record without the date
    is never due. E.g. `review_due = falls_due("next_review_on")`, then `risk.review_due(day)`
    or `select(Risk).where(Risk.review_due(day))`."""

    def in_python(record: ArchivableMixin, day: date) -> bool:
        due_on = getattr(record, column)
        return due_on is not None and due_on <= day and not record.is_archived

    def in_sql(model: Any, day: date) -> ColumnElement[bool]:
        return and_(getattr(model, column) <= day, model.archived_at.is_(None))

    return hybrid_method(in_python, in_sql)


class VersionedMixin:
    """Optimistic locking: a write based on an old version fails instead of overwriting."""

    version: Mapped[int] = mapped_column(default=1)

    @declared_attr.directive
    def __mapper_args__(cls) -> dict:
        return {"version_id_col": cls.version}


def check_version(record: VersionedMixin, expected: int | None, message: Any) -> None:
    """Refuse a write based on an older read of `record`: `expected` is the version the user's
    form or JSON carried (None: the caller read none, e.g. a script). `message` says, in the
    user's language, what to do; nothing has been written when it is raised."""
    if expected is not None and int(expected) != record.version:
        raise StaleRecordError(message)


@contextmanager
def stale_write_refused(message: Any) -> Iterator[None]:
    """Around a flush: a concurrent write that committed between this request's read and its
    UPDATE (the version column no longer matches) becomes the same readable refusal."""
    try:
        yield
    except StaleDataError as exc:
        raise StaleRecordError(message) from exc


def claim_confirmation(record: Any, actor: Any, message: Any) -> None:
    """Mark a held upload (an import waiting for its confirmation) confirmed by `actor` in one
    conditional UPDATE, before anything it brings is stored: of two confirmations at the same
    moment the database lets exactly one through (the other waits for the row lock, then finds
    it confirmed) and the other is refused with `message`."""
    model = type(record)
    claimed = db.session.execute(
        update(model)
        .where(model.id == record.id, model.confirmed_at.is_(None))
        .values(confirmed_at=utcnow(), confirmed_by_id=actor.id)
        .execution_options(synchronize_session=False)
    ).rowcount
    if claimed != 1:
        db.session.rollback()
        raise StaleRecordError(message)
    db.session.refresh(record)


def localized(obj: object, field: str) -> str:
    """Return obj.<field>_<locale>, falling back to Indonesian, for bilingual data columns."""
    locale = str(get_locale() or "id")
    return getattr(obj, f"{field}_{locale}", None) or getattr(obj, f"{field}_id")


class Bilingual:
    """A read-only attribute that reads a pair of bilingual data columns in the user's
    language: `title = Bilingual()` over `title_id` and `title_en` (see `localized`)."""

    field: str

    def __set_name__(self, owner: type, name: str) -> None:
        self.field = name

    def __get__(self, obj: object, owner: type | None = None) -> Any:
        return self if obj is None else localized(obj, self.field)


class NumberedTitleMixin:
    """A clause or standard: a number and a bilingual title (title_id, title_en columns)."""

    number: str
    __record_label__ = "number"
    title = Bilingual()

    @property
    def label(self) -> str:
        return f"{self.number} {self.title}"


def str_enum(enum_cls: type[enum.Enum], length: int = 32) -> Enum:
    """A non-native enum column storing the members' values, so SQLite and PostgreSQL agree."""
    return Enum(
        enum_cls,
        native_enum=False,
        create_constraint=False,
        length=length,
        values_callable=lambda members: [m.value for m in members],
    )


def enum_column(
    enum_cls: type[enum.Enum],
    label: Any,
    value_labels: Mapping[Any, Any] | None = None,
    *,
    length: int = 32,
    **options: Any,
) -> Any:
    """A column of one of an enum's values (`str_enum`), with its label and its values' labels
    (read by the forms, the history tables and the API): a `LabelledEnum`'s own, or those given
    for an enum whose values are not all labelled."""
    if value_labels is None and issubclass(enum_cls, LabelledEnum):
        value_labels = enum_cls.labels()
    return mapped_column(str_enum(enum_cls, length), info=labelled(label, value_labels), **options)


def partial_index(name: str, rows: str, *columns: Any, unique: bool = False) -> Index:
    """An index over the rows meeting `rows` (an SQL condition) only, on both databases."""
    return Index(
        name, *columns, unique=unique, sqlite_where=text(rows), postgresql_where=text(rows)
    )


def reference_column(target: str, label: Any, **options: Any) -> Any:
    """A foreign key column to `target` ("table.id") with its label (read by the forms, the
    history tables and the API); its nullability comes from the `Mapped[...]` annotation."""
    return mapped_column(ForeignKey(target), info=labelled(label), **options)


def text_column(label: Any) -> Any:
    """A text of any length with its label, empty ("") when nothing was written."""
    return mapped_column(Text, default="", info=labelled(label))


class ArchivableRecordMixin(AuditedMixin, ArchivableMixin, TimestampMixin):
    """A record kept in the history with its times, and archived rather than deleted."""


class AgencyRecordMixin(ArchivableRecordMixin):
    """A record of one agency's quality system or registers: archived rather than deleted.
    Its agency is loaded with it (a page or a list names it); a model that loads it otherwise
    declares its own `agency`."""

    # after the id, although declared on the mixin
    agency_id: Mapped[int] = reference_column(
        "agencies.id", _l("Agency"), index=True, sort_order=-1
    )

    @declared_attr
    def agency(cls) -> Mapped[Any]:
        # named, not imported: core imports no feature
        return relationship("Agency", lazy="joined")


class CityRecordMixin(ArchivableRecordMixin):
    """A record of one city's registers (its agencies, audit programmes, days off, small
    businesses): archived rather than deleted. A model that loads its city otherwise, or
    names it from the other side, declares its own `city`."""

    # after the id, although declared on the mixin
    city_id: Mapped[int] = reference_column("cities.id", _l("City"), index=True, sort_order=-1)

    @declared_attr
    def city(cls) -> Mapped[Any]:
        # named, not imported: core imports no feature
        return relationship("City")


class days_between(FunctionElement):
    """SQL: whole days from the calendar day of the second datetime to that of the first, as
    Python's `(later.date() - earlier.date()).days`; NULL when either is NULL. For the rules
    that count days in Python on one record and in an aggregate query on many."""

    type = Integer()
    inherit_cache = True
    name = "days_between"


@compiles(days_between)
def _days_between(element: days_between, compiler: SQLCompiler, **kw: object) -> str:
    later, earlier = (compiler.process(arg, **kw) for arg in element.clauses)
    return f"(CAST({later} AS DATE) - CAST({earlier} AS DATE))"


@compiles(days_between, "sqlite")
def _days_between_sqlite(element: days_between, compiler: SQLCompiler, **kw: object) -> str:
    later, earlier = (compiler.process(arg, **kw) for arg in element.clauses)
    return f"CAST(julianday(date({later})) - julianday(date({earlier})) AS INTEGER)"
