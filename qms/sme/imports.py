"""A list of small businesses from a spreadsheet: the city's existing list (qms.imports does the
upload, the mapping and the report; this module declares the columns and registers each business
through the programme's own operation, so its history is written).

A row is a business: its NIB (the key: a NIB already in the city's list, or imported before,
is not imported again), name, owner, address, kecamatan and kelurahan (checked against the
city's places where they are loaded), scale, workers and the date it registered with the office;
NPWP, phone and e-mail when the list has them. Products and pathways are added in qms."""

from __future__ import annotations

import re
from typing import Any

from flask import g
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from qms.accounts.models import User
from qms.core import spreadsheets as cells
from qms.core.labels import label_of
from qms.core.spreadsheets import CellError, ImportField
from qms.core.timeutil import today as local_today
from qms.imports.registry import Created, Importer, register_importer
from qms.organisations.models import City
from qms.organisations.queries import kelurahan_by_kecamatan
from qms.sme.models import Business
from qms.sme.operations import create_business
from qms.sme.vocabulary import Scale


def parse_nib(value: Any) -> str:
    nib = re.sub(r"\s", "", cells.cell_text(value))
    if nib and not re.fullmatch(r"\d{13}", nib):
        raise CellError(_("“%(value)s” is not a NIB of 13 digits", value=nib[:40]))
    return nib


def _column(name: str, parse: Any, *aliases: str, required: bool = False) -> ImportField:
    """A field named and labelled as the business's column, with the other headings that name
    it."""
    label = label_of(Business, name) or name
    return ImportField(name, label, parse, required=required, aliases=aliases)


FIELDS = (
    _column("nib", parse_nib, "nib", "nomor induk berusaha", required=True),
    _column("name", cells.text(200), "nama usaha", "nama umk", "business", "nama", required=True),
    _column("owner_name", cells.text(200), "pemilik", "nama pemilik", "owner name", required=True),
    _column("npwp", cells.text(20), "npwp"),
    _column("address", cells.text(500), "alamat", required=True),
    _column("kecamatan", cells.text(100), required=True),
    _column("kelurahan", cells.text(100), "desa", required=True),
    _column("phone", cells.text(30), "telepon", "hp", "wa", "phone"),
    _column("email", cells.text(255), "email", "surel"),
    _column(
        "scale",
        cells.choice(Scale.labels(), {"usaha mikro": Scale.MIKRO, "usaha kecil": Scale.KECIL}),
        "skala usaha",
        "skala",
        required=True,
    ),
    _column(
        "workers",
        cells.integer(1, 1_000_000),
        "tenaga kerja",
        "jumlah tenaga kerja",
        "pekerja",
        required=True,
    ),
    _column(
        "registered_on",
        cells.parse_date,
        "tanggal terdaftar",
        "terdaftar",
        "tanggal daftar",
        required=True,
    ),
)


def _places(city: City) -> dict[str, dict[str, str]]:
    """The city's kecamatan by folded name, each with its kelurahan (read once per request)."""
    cache = g.setdefault("sme_import_places", {})
    if city.id not in cache:
        cache[city.id] = {
            k.casefold(): {"name": k, **{n.casefold(): n for n in names}}
            for k, names in kelurahan_by_kecamatan(city).items()
        }
    return cache[city.id]


def check_row(city: City, values: dict[str, Any]) -> Any | None:
    if values["registered_on"] > local_today():
        return _l("The registration date cannot be in the future.")
    places = _places(city)
    if not places:
        return None
    found = places.get(values["kecamatan"].casefold())
    if found is None:
        return _l("%(city)s has no kecamatan “%(name)s”.", city=city.name, name=values["kecamatan"])
    values["kecamatan"] = found["name"]
    kelurahan = values["kelurahan"].casefold()
    home = next((k for k in places.values() if kelurahan in k), None)
    if home is not None and home is not found:
        return _l(
            "Kelurahan %(kelurahan)s lies in Kecamatan %(kecamatan)s.",
            kelurahan=values["kelurahan"],
            kecamatan=home["name"],
        )
    return None


def create(actor: User, city: City, values: dict[str, Any], keep: bool) -> Created:
    business = create_business(actor, city, dict(values))
    return Created(business.id, business.nib)


IMPORTER = Importer(
    kind="businesses",
    title=_l("Import a list of small businesses"),
    model=Business,
    owner_model=City,
    fields=FIELDS,
    key_field="nib",
    owner_field="city_id",
    create=create,
    check_row=check_row,
    list_endpoint="sme.businesses",
    description=_l(
        "One row per business: NIB, name, owner, address, kecamatan, kelurahan, scale, workers "
        "and the date it registered with the office."
    ),
)


def register() -> None:
    register_importer(IMPORTER)
