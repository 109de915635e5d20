"""The demo city's support registers (issue 13): the demo auditors' qualifications — two may
lead, the Dukcapil auditor may join a team but not lead (three of his four 2025 audits were
rated "needs guidance" by their lead) —; RSUD's instruments (sphygmomanometers, infant scales,
a thermometer, an autoclave: one due, one overdue, one found out of tolerance with its
evaluation); Bakeuda's positions with a new treasurer lacking the required training; two
providers per pilot agency with an evaluation each. Dates are counted from today, so the story
reads the same whenever the demo is made. Running it again changes nothing."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import func, select

from qms.accounts.models import User
from qms.audits.interface import Audit
from qms.core.history import acting_as
from qms.core.timeutil import today as local_today
from qms.extensions import db
from qms.organisations.models import Agency, City, Unit
from qms.support import auditors, calibration, competence, providers
from qms.support.models import AuditorEvaluation, AuditorQualification, Instrument, Person, Provider

COURSE = "Pelatihan Auditor Internal SMM SNI ISO 9001:2015"
#: auditor -> (course completed on, audits as member before qms, led before qms)
AUDITORS = {
    "auditor.bakeuda": (date(2024, 11, 14), 4, 2),
    "auditor.setda": (date(2024, 11, 14), 3, 1),
    "auditor.dukcapil": (date(2025, 6, 19), 0, 0),
}
#: 2025 audits of the Dukcapil auditor: audited agency -> the lead's score and comment
DUKCAPIL_AUDITOR_2025 = {
    "RSUD": (2, "Pertanyaan audit masih dibacakan dari daftar periksa; perlu pendampingan."),
    "SETDA": (2, "Bukti objektif belum dicatat lengkap pada daftar periksa."),
    "BAKEUDA": (4, "Pengambilan sampel rekaman baik dan temuan dirumuskan jelas."),
    "DPMPTSP": (2, "Belum mampu menghubungkan temuan dengan klausul yang tepat."),
}


def _user(email: str) -> User | None:
    return db.session.scalar(select(User).where(func.lower(User.email) == email))


def seed_auditors() -> None:
    """Before the audits' demo data: their teams are checked by the rule."""
    city = db.session.scalar(select(City).where(City.code == "KUPANG"))
    admin = _user("admin.kupang@demo.qms.id")
    if city is None or admin is None:
        return
    with acting_as(admin.id):
        for login, (completed_on, member, led) in AUDITORS.items():
            auditor = _user(f"{login}@demo.qms.id")
            if auditor is None or db.session.scalar(
                select(AuditorQualification.id).where(AuditorQualification.user_id == auditor.id)
            ):
                continue
            record = auditors.create_qualification(
                admin,
                city,
                {
                    "user_id": auditor.id,
                    "prior_audits_as_member": member,
                    "prior_audits_led": led,
                    "notes": "Auditor OPD percontohan pembinaan BSN."
                    if member
                    else "Auditor baru; mengikuti audit 2025 sebagai anggota tim.",
                },
            )
            auditors.add_auditor_training(
                admin,
                record,
                {
                    "title": COURSE,
                    "provider": "BSN — Pusat Pendidikan dan Pelatihan Standardisasi",
                    "completed_on": completed_on,
                    "certificate_number": f"BSN/AI-9001/{completed_on.year}/{auditor.id:03d}",
                },
            )
    db.session.flush()


def _evaluations() -> None:
    """The leads' evaluations of the Dukcapil auditor after the 2025 audits."""
    auditor = _user("auditor.dukcapil@demo.qms.id")
    if auditor is None or db.session.scalar(
        select(AuditorEvaluation.id).where(AuditorEvaluation.auditor_id == auditor.id).limit(1)
    ):
        return
    for code, (score, comment) in DUKCAPIL_AUDITOR_2025.items():
        audit = db.session.scalar(
            select(Audit)
            .join(Agency, Agency.id == Audit.agency_id)
            .where(Agency.code == code, Audit.reference.like("AMI-2025-%"))
        )
        if audit is None or audit.lead_auditor is None or auditor.id not in audit.team_ids:
            continue
        with acting_as(audit.lead_auditor_id):
            evaluation = auditors.evaluate_auditor(
                audit.lead_auditor,
                {
                    "audit_id": audit.id,
                    "auditor_id": auditor.id,
                    "score": score,
                    "comments": comment,
                },
            )
            evaluation.evaluated_on = audit.planned_end + timedelta(days=7)


def _rsud_instruments(agency: Agency, actor: User, today: date) -> None:
    units = {
        u.name: u.id for u in db.session.scalars(select(Unit).where(Unit.agency_id == agency.id))
    }
    lab = {
        "method": "laboratory",
        "laboratory": "Loka Pengamanan Fasilitas Kesehatan Kupang",
        "kan_number": "LK-091-IDN",
        "interval_months": 12,
    }
    entries = [
        # identifier, description, unit, range, accuracy, method, performed (days ago), result
        (
            "TENSI-IGD-01",
            "Sfigmomanometer digital",
            "Instalasi Gawat Darurat",
            "0–300 mmHg",
            "± 3 mmHg",
            lab,
            365 - 20,
            "within",
        ),
        (
            "TENSI-RJ-02",
            "Sfigmomanometer aneroid",
            "Instalasi Rawat Jalan",
            "0–300 mmHg",
            "± 3 mmHg",
            lab,
            365 + 45,
            "within",
        ),
        (
            "TIMB-BAYI-01",
            "Timbangan bayi digital",
            "Instalasi Rawat Jalan",
            "0–20 kg",
            "± 10 g",
            lab,
            40,
            "out",
        ),
        (
            "TERMO-IGD-03",
            "Termometer digital",
            "Instalasi Gawat Darurat",
            "32–43 °C",
            "± 0,1 °C",
            {
                "method": "in_house",
                "interval_months": 6,
                "reference": "Termometer acuan bersertifikat LPFK (tertelusur ke SNSU BSN)",
            },
            60,
            "within",
        ),
        (
            "AUTOKLAF-LAB-01",
            "Autoklaf 50 L",
            "Instalasi Laboratorium",
            "100–134 °C",
            "± 1 °C",
            lab,
            120,
            "within",
        ),
    ]
    for identifier, description, unit, span, accuracy, method, days_ago, result in entries:
        instrument = calibration.create_instrument(
            actor,
            agency,
            {
                "identifier": identifier,
                "description": description,
                "unit_id": units.get(unit),
                "location": unit,
                "measuring_range": span,
                "required_accuracy": accuracy,
                **method,
            },
        )
        event = calibration.record_event(
            actor,
            instrument,
            {
                "kind": "verification" if method["method"] == "in_house" else "calibration",
                "performed_on": today - timedelta(days=days_ago),
                "performed_by": method.get("laboratory", "Instalasi Pemeliharaan Sarana RS"),
                "result": result,
                "certificate_number": f"LPFK/{identifier}/{(today - timedelta(days_ago)).year}",
            },
            today,
        )
        if result == "out":
            calibration.evaluate(
                actor,
                event,
                {
                    "previous_results_valid": False,
                    "evaluation": "Penyimpangan +60 g ditemukan; penimbangan bayi sejak kalibrasi "
                    "sebelumnya ditelusuri dari rekam medis, 14 bayi dengan berat di batas "
                    "gizi kurang ditimbang ulang.",
                    "conclusion": "Timbangan ditarik dari pemakaian dan diganti cadangan; dua "
                    "status gizi dikoreksi dan orang tua diberi tahu.",
                },
                today,
            )


def _bakeuda_staff(today: date) -> list[tuple[dict, dict, dict]]:
    """Bakeuda's positions, each with the member of staff who holds it and their training: the
    new treasurer's training not yet evaluated, the analyst's certificate expiring soon."""
    return [
        (
            {
                "title": "Bendahara Pengeluaran",
                "required_competences": "Sertifikasi Bendahara (BNSP)\nPenatausahaan keuangan SIPD",
                "required_education": "D3/S1 Akuntansi atau Manajemen Keuangan",
            },
            {"name": "Yohana Bessie", "nip": "199203142019032008", "education": "S1 Manajemen"},
            {
                "title": "Bimtek Penatausahaan Keuangan pada SIPD",
                "provider": "BPKP Perwakilan NTT",
                "competence": "Penatausahaan keuangan SIPD",
                "finished_on": today - timedelta(days=30),
                "effective": None,
            },
        ),
        (
            {
                "title": "Analis Laporan Keuangan",
                "required_competences": "Penyusunan laporan keuangan berbasis SAP akrual",
                "required_education": "S1 Akuntansi",
            },
            {"name": "Agustinus Lay", "nip": "198507212010011004", "education": "S1 Akuntansi"},
            {
                "title": "Diklat Akuntansi Pemerintahan Berbasis Akrual",
                "provider": "BPSDM Provinsi NTT",
                "competence": "Penyusunan laporan keuangan berbasis SAP akrual",
                "finished_on": date(2023, 5, 12),
                "certificate_number": "BPSDM/AKR/2023/118",
                "certificate_expires_on": today + timedelta(days=45),
                "effectiveness": "Laporan keuangan 2023 tanpa koreksi BPK atas penyajian aset.",
                "effective": True,
            },
        ),
    ]


def _bakeuda_competence(agency: Agency, actor: User, today: date) -> None:
    staff = _bakeuda_staff(today)
    positions = [competence.save_position(actor, held, agency=agency) for held, _, _ in staff]
    for position, (_, person, training) in zip(positions, staff, strict=True):
        member = competence.save_person(
            actor, {**person, "position_id": position.id}, agency=agency
        )
        competence.add_training(actor, member, training, today)


PROVIDERS = {
    "DUKCAPIL": [
        (
            "Ditjen Dukcapil Kemendagri",
            "product",
            "Pasokan blangko KTP-el melalui kementerian",
            68,
            "conditional",
            "Kiriman kurang ±500 keping/bulan pada Juni–Agustus 2025.",
        ),
        (
            "CV Timor Jaya Teknik",
            "service",
            "Pemeliharaan mesin antrean dan printer KTP-el",
            84,
            "approved",
            "Respons perbaikan rata-rata 1 hari kerja.",
        ),
    ],
    "RSUD": [
        (
            "Loka Pengamanan Fasilitas Kesehatan Kupang",
            "service",
            "Kalibrasi alat kesehatan (laboratorium terakreditasi KAN LK-091-IDN)",
            90,
            "approved",
            "Sertifikat tepat waktu dan tertelusur.",
        ),
        (
            "PT Medika Flobamora",
            "product",
            "Bahan medis habis pakai",
            72,
            "conditional",
            "Dua kali terlambat kirim sarung tangan steril.",
        ),
    ],
    "BAKEUDA": [
        (
            "PT Bank NTT",
            "service",
            "Layanan kas umum daerah dan SP2D elektronik",
            88,
            "approved",
            "Rekonsiliasi harian lancar.",
        ),
        (
            "CV Sinar Komputer",
            "service",
            "Pemeliharaan jaringan dan perangkat SIPD",
            61,
            "conditional",
            "Gangguan jaringan 3 hari pada penutupan buku.",
        ),
    ],
    "SETDA": [
        (
            "CV Kupang Print",
            "product",
            "Percetakan dokumen dan naskah dinas",
            80,
            "approved",
            "Mutu cetak sesuai; harga wajar.",
        ),
        (
            "PT Telkom Indonesia",
            "service",
            "Akses internet kantor",
            76,
            "approved",
            "Dua gangguan per bulan, dipulihkan kurang dari 4 jam.",
        ),
    ],
}


def _providers(agency: Agency, actor: User, today: date) -> None:
    for name, kind, supplies, score, status, comment in PROVIDERS.get(agency.code, []):
        provider = providers.save_provider(
            actor,
            {
                "name": name,
                "kind": kind,
                "supplies": supplies,
                "criteria": "Mutu, ketepatan waktu, respons keluhan, kepatuhan kontrak.",
            },
            agency=agency,
        )
        providers.evaluate_provider(
            actor,
            provider,
            {
                "evaluated_on": today - timedelta(days=150),
                "score": score,
                "comments": comment,
                "status": status,
                "next_evaluation_on": today + timedelta(days=30 if score < 75 else 210),
            },
            today,
        )


def seed() -> None:
    city = db.session.scalar(select(City).where(City.code == "KUPANG"))
    admin = _user("admin.kupang@demo.qms.id")
    if city is None or admin is None:
        return
    _evaluations()
    today = local_today()
    agencies = {
        a.code: a for a in db.session.scalars(select(Agency).where(Agency.city_id == city.id))
    }
    for code in ("DUKCAPIL", "RSUD", "BAKEUDA", "SETDA"):
        agency = agencies.get(code)
        if agency is None:
            continue
        actor = _user(f"mutu.{code.lower()}@demo.qms.id") or admin
        with acting_as(actor.id):
            if code == "RSUD" and not _has(Instrument, agency):
                _rsud_instruments(agency, actor, today)
            if code == "BAKEUDA" and not _has(Person, agency):
                _bakeuda_competence(agency, actor, today)
            if not _has(Provider, agency):
                _providers(agency, actor, today)
    db.session.flush()


def _has(model: type, agency: Agency) -> bool:
    return (
        db.session.scalar(select(model.id).where(model.agency_id == agency.id).limit(1)) is not None
    )
