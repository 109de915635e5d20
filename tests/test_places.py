"""The places of a city as data (checklists/places/): validated and loaded like the standards,
a file whose city does not exist yet is skipped, loading twice changes nothing, what a later
file drops is retired, and the queries read what is loaded."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml
from sqlalchemy import func, select

from qms.core.history import HistoryEntry, describe_history, history_of
from qms.core.labels import label_of
from qms.extensions import db
from qms.organisations.models import Place, PlaceKind
from qms.organisations.queries import kecamatan_of, kelurahan_by_kecamatan
from tests.factories import CityFactory

ROOT = Path(__file__).resolve().parent.parent
KUPANG_FILE = ROOT / "checklists" / "places" / "kota-kupang.yaml"

SMALL = """\
kind: places
city: KOTA-UJI
kecamatan:
  - name: Utara
    kelurahan: [Satu, Dua]
  - name: Selatan
    kelurahan: [Tiga]
"""


def counts() -> dict[str, int]:
    return {
        model.__name__: db.session.scalar(select(func.count()).select_from(model))
        for model in (Place, HistoryEntry)
    }


def load(runner, directory: Path):
    return runner.invoke(args=["qms", "load-checklists", "--directory", str(directory)])


def write(directory: Path, content: str, name: str = "places.yaml") -> Path:
    path = directory / name
    path.write_text(content, encoding="utf-8")
    return path


def place(name: str, kind: PlaceKind = PlaceKind.KELURAHAN) -> Place:
    return db.session.scalar(select(Place).where(Place.name == name, Place.kind == kind))


def test_the_shipped_places_load_as_written_and_loading_twice_changes_nothing(runner, tmp_path):
    city = CityFactory(code=yaml.safe_load(KUPANG_FILE.read_text())["city"])
    db.session.commit()
    before = counts()
    shutil.copy(KUPANG_FILE, tmp_path / KUPANG_FILE.name)
    first = load(runner, tmp_path)
    assert first.exit_code == 0, first.output
    assert "loaded kota-kupang.yaml: 6 kecamatan, 51 kelurahan" in first.output
    data = yaml.safe_load(KUPANG_FILE.read_text())
    assert kelurahan_by_kecamatan(city) == {
        item["name"]: tuple(item["kelurahan"]) for item in data["kecamatan"]
    }
    assert kecamatan_of(city, " oesapa barat ") == "Kelapa Lima"
    assert kecamatan_of(city, "lai-lai besi kopan") == "Kota Lama"
    assert kecamatan_of(city, "Fontein") == "Kota Raja"
    after_first = counts()
    assert after_first["Place"] == 57
    assert after_first["HistoryEntry"] - before["HistoryEntry"] == 57  # each creation

    second = load(runner, tmp_path)
    assert second.exit_code == 0, second.output
    assert counts() == after_first  # same rows, and not one new history entry


def test_a_file_whose_city_does_not_exist_yet_is_skipped_and_loads_once_it_does(runner, tmp_path):
    write(tmp_path, SMALL)
    skipped = load(runner, tmp_path)
    assert skipped.exit_code == 0, skipped.output
    assert (
        "skipped places.yaml: the city KOTA-UJI does not exist yet; "
        "load the checklists again once it is created"
    ) in skipped.output
    assert counts() == {"Place": 0, "HistoryEntry": 0}

    city = CityFactory(code="KOTA-UJI")
    loaded = load(runner, tmp_path)
    assert loaded.exit_code == 0, loaded.output
    assert "loaded places.yaml: 2 kecamatan, 3 kelurahan" in loaded.output
    assert kelurahan_by_kecamatan(city) == {"Utara": ("Satu", "Dua"), "Selatan": ("Tiga",)}


def test_places_belong_to_their_city(runner, tmp_path):
    city = CityFactory(code="KOTA-UJI")
    other = CityFactory(code="KOTA-LAIN")
    write(tmp_path, SMALL)
    assert load(runner, tmp_path).exit_code == 0
    assert kelurahan_by_kecamatan(other) == {}
    assert kecamatan_of(other, "Satu") is None
    assert kecamatan_of(city, "Satu") == "Utara"
    assert kecamatan_of(city, "Empat") is None


def test_what_a_later_file_drops_is_retired_and_a_moved_kelurahan_changes_kecamatan(
    runner, tmp_path
):
    city = CityFactory(code="KOTA-UJI")
    path = write(tmp_path, SMALL)
    assert load(runner, tmp_path).exit_code == 0
    # Dua moves to Selatan, Utara keeps Satu, and a spelling corrected in case updates Tiga
    write(
        tmp_path,
        SMALL.replace("[Satu, Dua]", "[Satu]").replace("[Tiga]", "[TIGA, Dua]"),
    )
    assert load(runner, tmp_path).exit_code == 0
    assert kelurahan_by_kecamatan(city) == {"Utara": ("Satu",), "Selatan": ("TIGA", "Dua")}
    assert kecamatan_of(city, "dua") == "Selatan"
    moved = describe_history(history_of(place("Dua")))
    assert [(c.label, c.old, c.new) for c in moved[-1].changes] == [
        (str(label_of(Place, "parent_id")), "Utara", "Selatan")
    ]

    write(tmp_path, SMALL.replace("  - name: Selatan\n    kelurahan: [Tiga]\n", ""))
    assert load(runner, tmp_path).exit_code == 0
    assert kelurahan_by_kecamatan(city) == {"Utara": ("Satu", "Dua")}
    selatan, tiga = place("Selatan", PlaceKind.KECAMATAN), place("TIGA")
    assert selatan.retired_at is not None and tiga.retired_at is not None
    assert kecamatan_of(city, "Tiga") is None

    path.write_text(SMALL, encoding="utf-8")  # back in the file: back in use
    assert load(runner, tmp_path).exit_code == 0
    assert kelurahan_by_kecamatan(city) == {"Utara": ("Satu", "Dua"), "Selatan": ("Tiga",)}
    assert counts()["Place"] == 5


BAD_FILES = {
    "kecamatan twice": (
        SMALL.replace("name: Selatan", "name: utara"),
        "kecamatan utara appears twice",
    ),
    "kelurahan twice in one kecamatan": (
        SMALL.replace("[Satu, Dua]", "[Satu, Dua, satu]"),
        "kelurahan satu appears twice in kecamatan Utara",
    ),
    "kelurahan under two kecamatan": (
        SMALL.replace("[Tiga]", "[Tiga, Dua]"),
        "kelurahan Dua is under both kecamatan Utara and Selatan",
    ),
    "no city": (
        SMALL.replace("city: KOTA-UJI\n", ""),
        "at (top level): 'city' is a required property",
    ),
    "city not a code": (
        SMALL.replace("city: KOTA-UJI", "city: Kota Uji"),
        "at city: 'Kota Uji' does not match",
    ),
    "kecamatan without kelurahan": (
        SMALL.replace("[Tiga]", "[]"),
        "at kecamatan/1/kelurahan: [] should be non-empty",
    ),
    "name with a trailing blank": (
        SMALL.replace("[Tiga]", "['Tiga ']"),
        "at kecamatan/1/kelurahan/0: 'Tiga ' does not match",
    ),
    "unknown field": (
        SMALL.replace("  - name: Selatan\n", "  - name: Selatan\n    code: S\n"),
        "Additional properties are not allowed ('code' was unexpected)",
    ),
}


@pytest.mark.parametrize("content, problem", BAD_FILES.values(), ids=BAD_FILES.keys())
def test_a_bad_places_file_is_named_with_its_problem_and_nothing_of_it_is_loaded(
    runner, tmp_path, content, problem
):
    CityFactory(code="KOTA-UJI")
    db.session.commit()
    before = counts()
    write(tmp_path, content, "broken-places.yaml")
    result = load(runner, tmp_path)
    assert result.exit_code == 1
    assert "REFUSED broken-places.yaml" in result.output
    assert problem in result.output
    assert counts() == before
