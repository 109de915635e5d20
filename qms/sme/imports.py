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
from qms.sme.vocabulary import SCALE_LABELS, Scale


def parse_nib(value: Any) -> str:
    nib = re.sub(r"\s", "", cells.cell_text(value))
    if nib and not re.fullmatch(r"\d{13}", nib):
        raise CellError(_("“%(value)s” is not a NIB of 13 digits", value=nib[:40]))
    return nib


def _label(name: str) -> Any:
    return label_of(Business, name) or name


FIELDS = (
    ImportField(
        "nib", _label("nib"), parse_nib, required=True, aliases=("nib", "nomor induk berusaha")
    ),
    ImportField(
        "name",
        _label("name"),
        cells.text(200),
        required=True,
        aliases=("nama usaha", "nama umk", "business", "nama"),
    ),
    ImportField(
        "owner_name",
        _label("owner_name"),
        cells.text(200),
        required=True,
        aliases=("pemilik", "nama pemilik", "owner name"),
    ),
    ImportField("npwp", _label("npwp"), cells.text(20), aliases=("npwp",)),
    ImportField("address", _label("address"), cells.text(500), required=True, aliases=("alamat",)),
    ImportField("kecamatan", _label("kecamatan"), cells.text(100), required=True),
    ImportField(
        "kelurahan", _label("kelurahan"), cells.text(100), required=True, aliases=("desa",)
    ),
    ImportField("phone", _label("phone"), cells.text(30), aliases=("telepon", "hp", "wa", "phone")),
    ImportField("email", _label("email"), cells.text(255), aliases=("email", "surel")),
    ImportField(
        "scale",
        _label("scale"),
        cells.choice(SCALE_LABELS, {"usaha mikro": Scale.MIKRO, "usaha kecil": Scale.KECIL}),
        required=True,
        aliases=("skala usaha", "skala"),
    ),
    ImportField(
        "workers",
        _label("workers"),
        cells.integer(1, 1_000_000),
        required=True,
        aliases=("tenaga kerja", "jumlah tenaga kerja", "pekerja"),
    ),
    ImportField(
        "registered_on",
        _label("registered_on"),
        cells.parse_date,
        required=True,
        aliases=("tanggal terdaftar", "terdaftar", "tanggal daftar"),
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
