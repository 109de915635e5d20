"""The demo city's management reviews: Dinas Dukcapil's 2025 review, held on 14 August 2025
(the date the 2026 audit's major finding cites: no review in the twelve months since) with its
minutes, decisions and two actions — the blank-card request done, the review calendar still
open and overdue — and its 2026 review, planned and prepared from today's data. RSUD has none,
so its readiness names the missing review. Idempotent: an agency with a review is left alone."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import func, select

from qms.accounts.models import User
from qms.core.history import acting_as
from qms.core.timeutil import today as local_today
from qms.extensions import db
from qms.organisations.models import Agency, City
from qms.review import operations, workflow
from qms.review.models import ManagementReview

CHAIR = ("Drs. Markus Lalo, M.Si", "Kepala Dinas Kependudukan dan Pencatatan Sipil")
ATTENDEES = [
    CHAIR,
    ("Yustina Benu, S.H.", "Sekretaris Dinas (wakil manajemen)"),
    ("Frederik Nalle, S.Kom", "Kepala Bidang Pelayanan Pendaftaran Penduduk"),
    ("Maria Fanggidae, S.E.", "Kepala Bidang Pencatatan Sipil"),
    ("Agustinus Manu", "Koordinator loket KTP-el"),
]
AGENDA = (
    "1. Pembukaan oleh Kepala Dinas\n2. Status tindak lanjut RTM sebelumnya\n"
    "3. Pembahasan masukan 9.3.2 (pengaduan, SKM, sasaran mutu, KTS, audit, risiko)\n"
    "4. Keputusan dan tindakan\n5. Penutup"
)
DISCUSSIONS = {
    "complaints": "Pengaduan Qlue tentang antrean KTP-el meningkat saat blangko habis; "
    "respons di atas 5 hari perlu dipantau mingguan.",
    "objectives": "Sasaran KTP-el terbit 1 hari tidak tercapai Juni–Agustus karena blangko "
    "habis; sasaran lain tercapai.",
    "nonconformities": "KTS sasaran mutu (blangko) sedang dianalisis; tindakan korektif "
    "terkait penyediaan stok penyangga.",
}


def _user(email: str) -> User | None:
    return db.session.scalar(select(User).where(func.lower(User.email) == email))


def _review_2025(agency: Agency, actor: User) -> None:
    review = operations.create_review(
        actor,
        agency,
        {
            "title": "RTM Dinas Dukcapil 2025",
            "planned_on": date(2025, 8, 14),
            "cut_off": date(2025, 7, 31),
            "chair": CHAIR[0],
            "chair_position": CHAIR[1],
            "venue": "Ruang rapat Dinas Dukcapil Kota Kupang",
            "agenda": AGENDA,
        },
    )
    workflow.transition(actor, review, "prepare", today=date(2025, 8, 1))
    for name, position in ATTENDEES:
        operations.add_attendee(actor, review, {"name": name, "position": position})
    operations.record_minutes(
        actor,
        review,
        "Rapat dipimpin Kepala Dinas. Kekurangan blangko KTP-el menjadi masalah utama "
        "semester ini; pimpinan memutuskan meminta tambahan alokasi dan menetapkan kalender "
        "mutu agar RTM berikutnya terjadwal.",
        DISCUSSIONS,
    )
    done = operations.add_action(
        actor,
        review,
        {
            "kind": "resource",
            "description": "Ajukan tambahan alokasi blangko KTP-el ke Ditjen Dukcapil.",
            "owner": "Sekretaris Dinas",
            "due_on": date(2025, 10, 31),
            "input_key": "objectives",
        },
    )
    operations.add_action(
        actor,
        review,
        {
            "kind": "qms_change",
            "description": "Tetapkan kalender mutu dengan RTM tiap semester.",
            "owner": "Sekretaris Dinas (wakil manajemen)",
            "due_on": date(2026, 2, 28),
        },
    )
    workflow.transition(
        actor, review, "hold", {"held_on": date(2025, 8, 14)}, today=date(2025, 8, 14)
    )
    operations.complete_action(
        actor,
        done,
        {"result": "Tambahan 1.000 keping blangko diterima 20 Oktober 2025."},
        today=date(2025, 10, 20),
    )


def _review_2026(agency: Agency, actor: User, today: date) -> None:
    review = operations.create_review(
        actor,
        agency,
        {
            "title": f"RTM Dinas Dukcapil {today.year}",
            "planned_on": today + timedelta(days=10),
            "cut_off": today,
            "chair": CHAIR[0],
            "chair_position": CHAIR[1],
            "venue": "Ruang rapat Dinas Dukcapil Kota Kupang",
            "agenda": AGENDA,
        },
    )
    workflow.transition(actor, review, "prepare", today=today)


def seed() -> None:
    city = db.session.scalar(select(City).where(City.code == "KUPANG"))
    agency = (
        db.session.scalar(
            select(Agency).where(Agency.city_id == city.id, Agency.code == "DUKCAPIL")
        )
        if city
        else None
    )
    actor = _user("mutu.dukcapil@demo.qms.id")
    if agency is None or actor is None:
        return
    if db.session.scalar(
        select(ManagementReview.id).where(ManagementReview.agency_id == agency.id).limit(1)
    ):
        return
    with acting_as(actor.id):
        _review_2025(agency, actor)
        _review_2026(agency, actor, local_today())
    db.session.flush()
