"""The places of a city as data: its kecamatan, each with its kelurahan, loaded from a YAML file
of kind `places` under checklists/places/ (e.g. kota-kupang.yaml) and never edited by hand:

    kind: places
    city: <the city's code>
    kecamatan:
      - name: <kecamatan>
        kelurahan: [<kelurahan>, …]

Names are unique in the file, ignoring case (a kelurahan lies in one kecamatan only). Loading
twice changes nothing; a place the file no longer names is retired, and comes back when the
file names it again. A city is created by a system administrator, never by a data file: a file
whose city does not exist yet is skipped with a notice and loads on a later
`flask qms load-checklists` (qms/organisations/demo.py loads the places once the demo has
created its city). Pages and rules read places through `qms.organisations.queries`."""

from __future__ import annotations

from sqlalchemy import select

from qms.core.checklists import ChecklistSkipped, Kind, register_kind
from qms.core.timeutil import utcnow
from qms.extensions import db
from qms.organisations.models import City, Place, PlaceKind

#: a name without leading or trailing blanks
NAME = {"type": "string", "pattern": r"^\S(.*\S)?$", "maxLength": 100}

PLACES_SCHEMA = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "type": "object",
    "required": ["kind", "city", "kecamatan"],
    "additionalProperties": False,
    "properties": {
        "kind": {"const": "places"},
        "city": {"type": "string", "pattern": "^[A-Z0-9][A-Z0-9-]*$"},
        "kecamatan": {"type": "array", "minItems": 1, "items": {"$ref": "#/$defs/kecamatan"}},
    },
    "$defs": {
        "kecamatan": {
            "type": "object",
            "required": ["name", "kelurahan"],
            "additionalProperties": False,
            "properties": {
                "name": NAME,
                "kelurahan": {"type": "array", "minItems": 1, "items": NAME},
            },
        },
    },
}


def check_places(data: dict) -> list[str]:
    """What the schema cannot say: names unique ignoring case, a kelurahan in one kecamatan."""
    problems: list[str] = []
    kecamatan_seen: set[str] = set()
    #: kelurahan (casefolded) -> the kecamatan it was first named under
    home_of: dict[str, str] = {}
    for kecamatan in data["kecamatan"]:
        name = kecamatan["name"]
        if name.casefold() in kecamatan_seen:
            problems.append(f"kecamatan {name} appears twice")
        kecamatan_seen.add(name.casefold())
        for kelurahan in kecamatan["kelurahan"]:
            home = home_of.get(kelurahan.casefold())
            if home is None:
                home_of[kelurahan.casefold()] = name
            elif home == name:
                problems.append(f"kelurahan {kelurahan} appears twice in kecamatan {name}")
            else:
                problems.append(f"kelurahan {kelurahan} is under both kecamatan {home} and {name}")
    return problems


def upsert_places(data: dict, source_file: str) -> dict[str, int]:
    """Insert or update by (kind, name) within the city, names compared ignoring case (a
    corrected spelling updates the place); places missing from the file are retired."""
    city = db.session.scalar(select(City).where(City.code == data["city"]))
    if city is None:
        raise ChecklistSkipped(
            f"the city {data['city']} does not exist yet; "
            "load the checklists again once it is created"
        )
    existing = {
        (place.kind, place.name.casefold()): place
        for place in db.session.scalars(select(Place).where(Place.city_id == city.id))
    }
    named: set[tuple[PlaceKind, str]] = set()

    def place(kind: PlaceKind, name: str, position: int, parent: Place | None) -> Place:
        key = (kind, name.casefold())
        record = existing.get(key)
        if record is None:
            record = existing[key] = Place(city_id=city.id, kind=kind)
            db.session.add(record)
        record.name = name
        record.parent_id = parent.id if parent else None
        record.position = position
        record.retired_at = None
        named.add(key)
        return record

    kecamatan = [
        place(PlaceKind.KECAMATAN, item["name"], position, None)
        for position, item in enumerate(data["kecamatan"])
    ]
    db.session.flush()  # the kelurahan point to their kecamatan's ids
    for parent, item in zip(kecamatan, data["kecamatan"], strict=True):
        for position, name in enumerate(item["kelurahan"]):
            place(PlaceKind.KELURAHAN, name, position, parent)
    now = utcnow()
    for key, record in existing.items():
        if key not in named and record.retired_at is None:
            record.retired_at = now
    db.session.flush()
    return {
        "kecamatan": len(kecamatan),
        "kelurahan": sum(1 for kind, _name in named if kind is PlaceKind.KELURAHAN),
    }


def register_checklist_kind() -> None:
    register_kind(Kind("places", PLACES_SCHEMA, upsert_places, check_places))
