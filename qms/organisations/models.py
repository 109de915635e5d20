"""Cities (Pemerintah Daerah), their agencies (OPD) and the agencies' units, and the places of a
city (kecamatan and kelurahan), loaded from checklists/places/."""

from __future__ import annotations

from datetime import date, datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from qms.core.labels import LabelledEnum, labelled
from qms.core.models import (
    AgencyRecordMixin,
    ArchivableRecordMixin,
    AuditedMixin,
    CityRecordMixin,
    enum_column,
    reference_column,
    text_column,
)
from qms.extensions import db


class CityKind(LabelledEnum):
    KOTA = "kota", _l("City (Kota)")
    KABUPATEN = "kabupaten", _l("Regency (Kabupaten)")
    PROVINSI = "provinsi", _l("Province (Provinsi)")


class AgencyKind(LabelledEnum):
    SEKRETARIAT = "sekretariat", _l("Secretariat (Sekretariat)")
    DINAS = "dinas", _l("Service office (Dinas)")
    BADAN = "badan", _l("Agency (Badan)")
    RSUD = "rsud", _l("Regional hospital (RSUD)")
    KECAMATAN = "kecamatan", _l("District (Kecamatan)")
    KELURAHAN = "kelurahan", _l("Village (Kelurahan)")
    PUSKESMAS = "puskesmas", _l("Health centre (Puskesmas)")
    INSPEKTORAT = "inspektorat", _l("Inspectorate (Inspektorat)")
    SATPOL = "satpol", _l("Public order (Satpol PP)")
    OTHER = "other", _l("Other")


class UnitKind(LabelledEnum):
    BIDANG = "bidang", _l("Division (Bidang)")
    BAGIAN = "bagian", _l("Section (Bagian)")
    SUBBAGIAN = "subbagian", _l("Sub-section (Subbagian)")
    SEKSI = "seksi", _l("Sub-division (Seksi)")
    UPT = "upt", _l("Technical unit (UPT)")
    INSTALASI = "instalasi", _l("Installation (Instalasi)")
    OTHER = "other", _l("Other")


class PlaceKind(LabelledEnum):
    KECAMATAN = "kecamatan", _l("District (Kecamatan)")
    KELURAHAN = "kelurahan", _l("Village (Kelurahan)")


class City(ArchivableRecordMixin, db.Model):
    __tablename__ = "cities"
    __record_label__ = "name"

    code: Mapped[str] = mapped_column(String(32), unique=True, info=labelled(_l("Code")))
    name: Mapped[str] = mapped_column(String(200), info=labelled(_l("Name")))
    kind: Mapped[CityKind] = enum_column(CityKind, _l("Kind"))
    province: Mapped[str] = text_column(String(200), _l("Province"))

    agencies: Mapped[list[Agency]] = relationship(back_populates="city", order_by="Agency.name")


class Agency(CityRecordMixin, db.Model):
    __tablename__ = "agencies"
    __record_label__ = "name"
    __table_args__ = (UniqueConstraint("city_id", "code"),)

    code: Mapped[str] = mapped_column(String(32), info=labelled(_l("Code")))
    name: Mapped[str] = mapped_column(String(255), info=labelled(_l("Name")))
    kind: Mapped[AgencyKind] = enum_column(AgencyKind, _l("Kind"))
    head_name: Mapped[str] = text_column(String(200), _l("Head of the agency"))
    address: Mapped[str] = text_column(String(500), _l("Address"))
    active: Mapped[bool] = mapped_column(default=True, info=labelled(_l("Active")))

    city: Mapped[City] = relationship(back_populates="agencies")
    units: Mapped[list[Unit]] = relationship(back_populates="agency", order_by="Unit.name")

    @property
    def top_units(self) -> list[Unit]:
        return [u for u in self.units if u.parent_id is None]


class Unit(AgencyRecordMixin, db.Model):
    """A bidang, bagian, UPT… inside an agency; units nest freely."""

    __tablename__ = "units"
    __record_label__ = "name"

    parent_id: Mapped[int | None] = reference_column("units.id", _l("Inside unit"))
    name: Mapped[str] = mapped_column(String(255), info=labelled(_l("Name")))
    kind: Mapped[UnitKind] = enum_column(UnitKind, _l("Kind"))
    active: Mapped[bool] = mapped_column(default=True, info=labelled(_l("Active")))

    agency: Mapped[Agency] = relationship(back_populates="units")
    parent: Mapped[Unit | None] = relationship(remote_side="Unit.id", back_populates="children")
    children: Mapped[list[Unit]] = relationship(back_populates="parent", order_by="Unit.name")

    @property
    def path(self) -> str:
        parts, unit = [], self
        while unit is not None:
            parts.append(unit.name)
            unit = unit.parent
        return " › ".join(reversed(parts))


class Place(AuditedMixin, db.Model):
    """A kecamatan of a city, or a kelurahan inside its kecamatan. Loaded from a `places` file
    (qms/organisations/places.py), never edited by hand; a place a later file no longer names
    is retired, not deleted, since records may still name it."""

    __tablename__ = "places"
    __record_label__ = "name"
    __table_args__ = (UniqueConstraint("city_id", "kind", "name"),)
    # the order of the file: not worth a line in the history
    __history_exclude__ = frozenset({"position"})

    city_id: Mapped[int] = reference_column("cities.id", _l("City"))
    kind: Mapped[PlaceKind] = enum_column(PlaceKind, _l("Kind"))
    name: Mapped[str] = mapped_column(String(100), info=labelled(_l("Name")))
    #: the kecamatan of a kelurahan; None for a kecamatan
    parent_id: Mapped[int | None] = reference_column("places.id", _l("District (Kecamatan)"))
    position: Mapped[int] = mapped_column(default=0)
    retired_at: Mapped[datetime | None] = mapped_column(
        default=None, info=labelled(_l("Retired on"))
    )


class LocalDayOff(CityRecordMixin, db.Model):
    """A day the city's offices are closed besides weekends and the national calendar (a
    regional holiday, the city's anniversary, a cuti bersama the holidays package does not know
    yet): public-service limits in working days skip it (qms/core/workdays.py). Archived, not
    deleted, when it was entered by mistake."""

    __tablename__ = "local_days_off"

    day: Mapped[date] = mapped_column(info=labelled(_l("Day")))
    name: Mapped[str] = mapped_column(String(200), info=labelled(_l("Occasion")))

    @property
    def record_label(self) -> str:
        return f"{self.day.isoformat()} {self.name}"


# --- indexes for the lists' sorts and filters (migration 0023) ---------------------------

Index("ix_cities_name", City.name, City.id)
Index("ix_agencies_name", Agency.name, Agency.id)
