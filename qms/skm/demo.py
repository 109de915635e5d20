"""The demo city's satisfaction surveys (DOMAIN.md §7): a survey per semester of 2025 and 2026
for a service unit of Dinas Dukcapil, RSUD S.K. Lerik and DPMPTSP (the Mal Pelayanan Publik),
with a few hundred generated responses each (the same every run: a seeded generator). The
story: Dukcapil's completion time (U3) dropped in the second half of 2025 while blank KTP-el
cards ran out; RSUD's outpatients wait long and find the facilities worn, and its first survey
of 2026 is closed but still awaits its follow-up plan; RSUD has fewer respondents than its
minimum sample. The current semester is still collecting; Dukcapil's answers of it came in as
a CSV from the paper tally (two rows of which are refused). Running it again changes
nothing."""

from __future__ import annotations

import csv
import io
import random
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import func, select

from qms.accounts.models import User
from qms.core.history import acting_as
from qms.core.timeutil import today as local_today
from qms.extensions import db
from qms.organisations.models import Agency, City, Unit, UnitKind
from qms.skm import figures, imports, operations, parsing, workflow
from qms.skm.models import Survey
from qms.skm.vocabulary import ELEMENTS, AgeBand, Channel, Education, Occupation


@dataclass(frozen=True)
class Story:
    agency: str
    unit: str
    officer: str
    population: int
    respondents: int
    #: the usual mean score of each element, then the changes per semester ("2025-2": {...})
    means: dict[str, float]
    changes: dict[str, dict[str, float]]
    services: tuple[str, ...]
    suggestions: tuple[str, ...]


STORIES = (
    Story(
        "DUKCAPIL",
        "Bidang Pelayanan Pendaftaran Penduduk",
        "mutu.dukcapil@demo.qms.id",
        12000,
        390,
        {
            "u1": 3.2,
            "u2": 3.1,
            "u3": 3.0,
            "u4": 3.8,
            "u5": 3.3,
            "u6": 3.2,
            "u7": 3.3,
            "u8": 2.9,
            "u9": 2.9,
        },
        {"2025-2": {"u3": 2.4, "u8": 2.7}, "2026-1": {"u3": 3.1}},
        ("KTP-el", "Kartu Keluarga", "Akta kelahiran", "Surat pindah"),
        (
            "Blangko KTP-el sering habis, mohon stok ditambah.",
            "Ruang tunggu panas, perlu kipas angin.",
            "Petugas ramah dan cepat.",
            "Mohon ada informasi lewat WhatsApp kalau KTP sudah jadi.",
        ),
    ),
    Story(
        "RSUD",
        "Instalasi Rawat Jalan",
        "mutu.rsud@demo.qms.id",
        30000,
        260,
        {
            "u1": 3.0,
            "u2": 2.9,
            "u3": 2.5,
            "u4": 3.2,
            "u5": 3.0,
            "u6": 3.3,
            "u7": 2.9,
            "u8": 2.8,
            "u9": 2.7,
        },
        {"2026-1": {"u3": 2.6, "u9": 2.6}},
        ("Poli umum", "Poli anak", "Poli penyakit dalam", "Laboratorium"),
        (
            "Antrean poli terlalu lama.",
            "Toilet ruang tunggu perlu dibersihkan.",
            "Dokter datang terlambat.",
        ),
    ),
    Story(
        "DPMPTSP",
        "Mal Pelayanan Publik (MPP)",
        "admin.kupang@demo.qms.id",
        3000,
        350,
        {
            "u1": 3.4,
            "u2": 3.1,
            "u3": 3.3,
            "u4": 3.7,
            "u5": 3.4,
            "u6": 3.4,
            "u7": 3.5,
            "u8": 3.0,
            "u9": 3.5,
        },
        {},
        ("NIB melalui OSS", "Izin usaha", "Konsultasi perizinan"),
        ("Sistem antrean kadang mati.", "Pelayanan MPP sangat membantu."),
    ),
)
SEMESTERS = ((2025, 1), (2025, 2), (2026, 1), (2026, 2))
#: (agency, year, semester) of a survey left closed, awaiting its follow-up plan
AWAITING_FOLLOW_UP = ("RSUD", 2026, 1)
ACTIONS = {
    "u1": "Papan informasi persyaratan di loket dan media sosial.",
    "u2": "Sederhanakan alur layanan dan pasang bagan alir.",
    "u3": "Stok penyangga dan pemantauan waktu penyelesaian harian.",
    "u4": "Umumkan bahwa layanan tidak dipungut biaya.",
    "u5": "Periksa kesesuaian produk layanan dengan standar pelayanan.",
    "u6": "Pelatihan teknis petugas layanan.",
    "u7": "Pelatihan pelayanan prima bagi petugas.",
    "u8": "Tanggapi pengaduan dan saran paling lambat 5 hari.",
    "u9": "Perbaiki ruang tunggu: kursi, kipas angin, toilet.",
}
AGES = list(AgeBand)
EDUCATIONS = list(Education)
OCCUPATIONS = list(Occupation)


def _user(email: str) -> User | None:
    return db.session.scalar(select(User).where(func.lower(User.email) == email))


def _semester(year: int, half: int) -> tuple[date, date]:
    return (
        (date(year, 1, 1), date(year, 6, 30))
        if half == 1
        else (date(year, 7, 1), date(year, 12, 31))
    )


def _unit(agency: Agency, name: str) -> Unit:
    unit = db.session.scalar(select(Unit).where(Unit.agency_id == agency.id, Unit.name == name))
    if unit is None:
        unit = Unit(agency_id=agency.id, agency=agency, name=name, kind=UnitKind.UPT)
        db.session.add(unit)
        db.session.flush()
    return unit


def _answers(story: Story, key: str, start: date, end: date, rng: random.Random) -> list[dict]:
    """Generated respondents as CSV rows (the column names of parsing.COLUMNS)."""
    means = {**story.means, **story.changes.get(key, {})}
    days = (end - start).days
    rows = []
    for _ in range(story.respondents + rng.randint(-20, 20)):
        row = {
            "tanggal": (start + timedelta(days=rng.randint(0, days))).isoformat(),
            "jenis_kelamin": rng.choice("LP"),
            "umur": str(rng.randint(17, 70)),
            "pendidikan": rng.choice(EDUCATIONS).value if rng.random() > 0.1 else "",
            "pekerjaan": rng.choice(OCCUPATIONS).value,
            "jenis_layanan": rng.choice(story.services),
            "saran": rng.choice(story.suggestions) if rng.random() < 0.12 else "",
        }
        for element in ELEMENTS:
            row[element] = str(min(4, max(1, round(rng.gauss(means[element], 0.6)))))
        rows.append(row)
    return rows


def _csv(rows: list[dict]) -> bytes:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(parsing.COLUMNS))
    writer.writeheader()
    writer.writerows(rows)
    return buffer.getvalue().encode("utf-8")


def _store(officer: User, survey: Survey, rows: list[dict], by_file: bool) -> None:
    if by_file:
        # the paper tally's export, with two mistakes the report refuses
        rows = [*rows, {**rows[0], "u4": "5"}, {**rows[1], "tanggal": "31/02/2026"}]
        record = imports.preview_import(officer, survey, "rekap-skm-loket.csv", _csv(rows))
        imports.confirm_import(officer, record)
        return
    checked = [parsing.clean(n, raw, survey)[0] for n, raw in enumerate(rows, start=2)]
    operations.store_rows(survey, [row for row in checked if row is not None], Channel.FILE)


def _finish(officer: User, survey: Survey, story: Story, awaiting: bool, today: date) -> None:
    closed_on = min(survey.period_end + timedelta(days=10), today)
    workflow.transition(officer, survey, "close", today=closed_on)
    if awaiting:
        return
    for element in sorted(figures.result(survey).weakest):
        follow_up = operations.add_follow_up(
            officer,
            survey,
            {
                "element": element,
                "action": ACTIONS[element],
                "owner": "Kepala Bidang" if story.agency != "RSUD" else "Kepala Instalasi",
                "due_on": survey.period_end + timedelta(days=75),
            },
        )
        done_on = survey.period_end + timedelta(days=60)
        if done_on < today:
            operations.complete_follow_up(
                officer,
                follow_up,
                {"result": "Dilaksanakan; bukti di arsip.", "done_on": done_on},
                today,
            )
    workflow.transition(
        officer, survey, "publish", today=min(closed_on + timedelta(days=10), today)
    )


def seed() -> None:
    city = db.session.scalar(select(City).where(City.code == "KUPANG"))
    if city is None:
        return
    today = local_today()
    agencies = {
        a.code: a for a in db.session.scalars(select(Agency).where(Agency.city_id == city.id))
    }
    for story in STORIES:
        agency = agencies.get(story.agency)
        officer = _user(story.officer) or _user("admin.kupang@demo.qms.id")
        if agency is None or officer is None:
            continue
        unit = _unit(agency, story.unit)
        rng = random.Random(f"skm-{story.agency}")
        for year, half in SEMESTERS:
            start, end = _semester(year, half)
            if start > today or db.session.scalar(
                select(Survey.id).where(Survey.unit_id == unit.id, Survey.period_start == start)
            ):
                continue
            with acting_as(officer.id):
                survey = operations.create_survey(
                    officer,
                    agency,
                    {
                        "unit_id": unit.id,
                        "title": f"SKM {unit.name} Semester {'I' if half == 1 else 'II'} {year}",
                        "period_start": start,
                        "period_end": end,
                        "population": story.population,
                    },
                )
                rows = _answers(story, f"{year}-{half}", start, min(end, today), rng)
                current = end >= today
                _store(officer, survey, rows, by_file=current and story.agency == "DUKCAPIL")
                if not current:
                    awaiting = (story.agency, year, half) == AWAITING_FOLLOW_UP
                    _finish(officer, survey, story, awaiting, today)
    db.session.flush()
