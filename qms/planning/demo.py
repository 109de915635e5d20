"""The demo city's Plan and Check (DOMAIN.md §6, §7): the context of the four pilot agencies,
Dinas Dukcapil's quality objectives for 2025 and 2026 with monthly measurements — June to
August 2025 missed the KTP-el target while blank cards ran out, which raised a nonconformity
(its corrective action, walked in qms/capa/demo.py, adds the blank-card risk to the register) —
an objective measured by the app from the complaints, and the risk registers of the pilot
agencies. Running it again changes nothing."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select

from qms.accounts.models import User
from qms.core.history import acting_as
from qms.core.timeutil import today as local_today
from qms.extensions import db
from qms.organisations.models import Agency, City
from qms.planning import measuring, operations, periods, workflow
from qms.planning.models import ContextIssue, InterestedParty, Objective, Risk
from qms.planning.vocabulary import Frequency, MeasureUnit

#: agency -> (side, title, effect)
ISSUES: dict[str, list[tuple[str, str, str]]] = {
    "DUKCAPIL": [
        (
            "external",
            "Pasokan blangko KTP-el dari Kemendagri terbatas",
            "Kekurangan ±500 keping/bulan menunda penerbitan KTP-el di atas 1 hari.",
        ),
        (
            "external",
            "Koneksi jaringan ke SIAK terpusat sering terputus",
            "Perekaman dan pencetakan berhenti; antrean menumpuk.",
        ),
        (
            "external",
            "Pemadaman listrik PLN di Kota Kupang",
            "Layanan loket dan server lokal terhenti tanpa genset.",
        ),
        (
            "internal",
            "Rotasi ASN setiap tahun",
            "Petugas terlatih berpindah; kompetensi loket turun.",
        ),
    ],
    "RSUD": [
        (
            "external",
            "Ketentuan akreditasi rumah sakit (KARS) dan BPJS Kesehatan",
            "Pelayanan harus memenuhi standar akreditasi dan klaim BPJS.",
        ),
        (
            "internal",
            "Alat kesehatan bertambah tanpa jadwal kalibrasi terpadu",
            "Hasil ukur tidak tertelusur; risiko keselamatan pasien.",
        ),
    ],
    "BAKEUDA": [
        ("external", "Siklus APBD dan batas waktu laporan keuangan", "Tekanan waktu akhir tahun."),
        ("internal", "Bendahara baru tanpa pelatihan", "Laporan bendahara terlambat atau salah."),
    ],
    "SETDA": [
        (
            "external",
            "Regulasi KemenPAN-RB tentang SP4N-LAPOR!",
            "Pengaduan diteruskan paling lambat 3 hari kerja.",
        ),
    ],
}
#: agency -> (side, name, requirements)
PARTIES: dict[str, list[tuple[str, str, str]]] = {
    "DUKCAPIL": [
        (
            "external",
            "Warga Kota Kupang (pemohon)",
            "Dokumen kependudukan selesai sesuai Standar Pelayanan, tanpa biaya.",
        ),
        ("external", "Ombudsman RI Perwakilan NTT", "Kepatuhan standar pelayanan publik."),
        ("external", "Ditjen Dukcapil Kemendagri", "Data kependudukan akurat; SIAK dipakai."),
        ("internal", "Petugas loket", "SOP jelas, sarana kerja memadai."),
    ],
    "RSUD": [("external", "Pasien dan keluarga", "Pelayanan aman, cepat dan ramah.")],
    "BAKEUDA": [("external", "BPK RI Perwakilan NTT", "Laporan keuangan tepat waktu dan andal.")],
    "SETDA": [("external", "DPRD Kota Kupang", "Laporan kinerja pemerintah kota.")],
}
#: agency -> (title, process, cause, effect, likelihood, impact, controls, residual, owner,
#:            treatments [(action, owner, due in days from today, how far)])
RISKS: dict[str, list[tuple[Any, ...]]] = {
    "DUKCAPIL": [
        (
            "Gangguan jaringan SIAK terpusat",
            "Penerbitan KTP-el",
            "Jaringan VPN ke pusat data tunggal",
            "Perekaman berhenti, antrean menumpuk",
            4,
            4,
            "Laporan gangguan ke Diskominfo",
            (3, 3),
            "Kepala Bidang PIAK",
            [
                ("Sambungan cadangan (link kedua) ke SIAK", "Kepala Seksi PIAK", 25, "in_progress"),
                (
                    "SOP antrean saat gangguan (nomor antrean tetap berlaku)",
                    "Kepala Seksi",
                    -40,
                    "done",
                ),
            ],
        ),
        (
            "Pemadaman listrik di gedung pelayanan",
            "Pelayanan loket",
            "Pasokan PLN tidak stabil",
            "Loket berhenti melayani",
            4,
            3,
            "Genset 20 kVA",
            (2, 3),
            "Sekretaris Dinas",
            [("Perawatan genset dan uji beban bulanan", "Kasubbag Umum", -5, "planned")],
        ),
        (
            "Petugas terlatih berpindah karena rotasi",
            "Pelayanan loket",
            "Rotasi ASN tahunan",
            "Kesalahan input data",
            3,
            3,
            "Serah terima jabatan",
            None,
            "Sekretaris Dinas",
            [],
        ),
    ],
    "RSUD": [
        (
            "Alat ukur medis melewati jadwal kalibrasi",
            "Rawat jalan",
            "Belum ada jadwal kalibrasi terpadu",
            "Hasil ukur salah; keselamatan pasien",
            4,
            5,
            "Daftar alat per instalasi",
            (2, 4),
            "Kepala Instalasi Pemeliharaan Sarana",
            [
                (
                    "Jadwal kalibrasi terpadu dengan laboratorium terakreditasi KAN",
                    "IPSRS",
                    -10,
                    "in_progress",
                )
            ],
        ),
        (
            "Pemadaman listrik di IGD",
            "IGD",
            "Pasokan PLN tidak stabil",
            "Alat penunjang hidup berhenti",
            3,
            5,
            "UPS dan genset otomatis",
            (2, 4),
            "Kepala IGD",
            [],
        ),
    ],
    "BAKEUDA": [
        (
            "Laporan pertanggungjawaban bendahara terlambat",
            "Perbendaharaan",
            "Bendahara baru belum dilatih",
            "SP2D tertunda; temuan BPK",
            4,
            3,
            "Pendampingan oleh bidang akuntansi",
            None,
            "Kepala Bidang Perbendaharaan",
            [("Pelatihan bendahara pengeluaran", "Kepala Bidang Perbendaharaan", 20, "planned")],
        ),
    ],
    "SETDA": [
        (
            "Pengaduan SP4N-LAPOR! tidak diteruskan dalam 3 hari kerja",
            "Pengelolaan pengaduan",
            "Admin tunggal",
            "Pelanggaran standar; rapor Ombudsman turun",
            3,
            3,
            "Admin cadangan",
            None,
            "Kepala Bagian Organisasi",
            [],
        ),
    ],
}
OPPORTUNITY = (
    "Layanan dokumen kependudukan daring (TTE, PDF melalui surel)",
    "Penerbitan KK dan akta",
    "Warga tidak perlu datang ke loket",
)
#: Dukcapil's objectives: (indicator, title, target, frequency, monthly values by year)
# fmt: off
KTP_2025 = ["96.1", "95.8", "96.4", "95.2", "95.5", "88.3", "84.0", "90.1", "95.6", "96.2",
            "96.8", "97.1"]
KTP_2026 = ["96.5", "95.9", "95.4", "93.9", "95.7", "96.0", "96.3", "95.8", "96.6", "97.0",
            "96.9", "97.2"]
BIRTH = ["98.4", "98.9", "99.1", "98.6", "99.3", "98.2", "98.8", "99.0", "99.4", "98.7",
         "99.2", "99.5"]
# fmt: on
#: 2026 months recorded only after the audit finding "no monitoring data since March"
BACKFILLED = range(3, 10)


def _user(email: str) -> User | None:
    return db.session.scalar(select(User).where(func.lower(User.email) == email))


def _context(agency: Agency, actor: User, day: date) -> None:
    for side, title, effect in ISSUES.get(agency.code, []):
        operations.save_context(
            actor,
            ContextIssue,
            {"side": side, "title": title, "effect": effect, "identified_on": day},
            agency=agency,
        )
    for side, name, requirements in PARTIES.get(agency.code, []):
        operations.save_context(
            actor,
            InterestedParty,
            {"side": side, "name": name, "requirements": requirements, "identified_on": day},
            agency=agency,
        )


def _risks(agency: Agency, actor: User, today: date) -> None:
    issues = list(
        db.session.scalars(select(ContextIssue).where(ContextIssue.agency_id == agency.id))
    )
    for index, (
        title,
        process,
        cause,
        effect,
        likelihood,
        impact,
        controls,
        residual,
        owner,
        treatments,
    ) in enumerate(RISKS.get(agency.code, [])):
        risk = operations.create_risk(
            actor,
            agency,
            {
                "title": title,
                "process": process,
                "cause": cause,
                "effect": effect,
                "likelihood": likelihood,
                "impact": impact,
                "existing_controls": controls,
                "residual_likelihood": residual[0] if residual else None,
                "residual_impact": residual[1] if residual else None,
                "owner": owner,
                "context_issue_id": issues[index % len(issues)].id if issues else None,
                # one review falls due within the notice period, the others later
                "next_review_on": today + timedelta(days=14 if index == 0 else 120),
            },
        )
        for action, person, due_in, status in treatments:
            treatment = operations.add_treatment(
                actor,
                risk,
                {"action": action, "owner": person, "due_on": today + timedelta(days=due_in)},
            )
            if status in ("in_progress", "done"):
                workflow.transition(actor, treatment, "start", today=today)
            if status == "done":
                workflow.transition(
                    actor,
                    treatment,
                    "complete",
                    {"evidence": "SOP ditetapkan dan disosialisasikan; daftar hadir terlampir."},
                    today=today,
                )
    if agency.code == "DUKCAPIL":
        title, process, effect = OPPORTUNITY
        operations.create_risk(
            actor,
            agency,
            {
                "kind": "opportunity",
                "title": title,
                "process": process,
                "effect": effect,
                "likelihood": 3,
                "impact": 3,
                "owner": "Kepala Dinas",
            },
        )


def _objective(actor: User, agency: Agency, year: int, values: dict[str, Any]) -> Objective:
    return measuring.create_objective(
        actor,
        agency,
        {
            "year": year,
            "unit": MeasureUnit.PERCENT,
            "direction": "at_least",
            "frequency": Frequency.MONTHLY,
            "responsible": "Kepala Seksi Identitas Penduduk",
            "starts_on": date(year, 1, 1),
            "plan_owner": "Kepala Bidang Pelayanan Pendaftaran Penduduk",
            "plan_due_on": date(year, 12, 31),
            "plan_evaluation": "Rekap bulanan dari SIAK, dibahas di rapat tinjauan manajemen.",
            **values,
        },
    )


def _measure(actor: User, objective: Objective, values: list[str], today: date) -> None:
    """The monthly values, each recorded on the 5th of the following month (as the rule saw
    them then); a month of 2026 between March and September was recorded only after the
    audit finding."""
    for period, value in zip(
        periods.periods_of(objective.year, objective.frequency), values, strict=True
    ):
        if period.end >= today:
            break
        recorded_on = period.end + timedelta(days=5)
        late = objective.year == 2026 and period.start.month in BACKFILLED
        note = "Dicatat setelah temuan AMI-2026-I/DUKCAPIL/02 (data SIAK)." if late else ""
        measuring.record_measurement(
            actor,
            objective,
            {"period": period.key, "value": Decimal(value), "note": note},
            today=min(recorded_on, today),
        )


def _objectives(agency: Agency, actor: User, today: date) -> None:
    for year, ktp in ((2025, KTP_2025), (2026, KTP_2026)):
        ktp_objective = _objective(
            actor,
            agency,
            year,
            {
                "title": "KTP-el diterbitkan dalam 1 hari kerja bagi pemohon yang lengkap.",
                "policy_link": "Kebijakan mutu: pelayanan cepat, tepat dan tanpa biaya.",
                "process": "Penerbitan KTP-el",
                "indicator": "KTP-el terbit ≤ 1 hari",
                "target": Decimal("95"),
                "data_source": "SIAK: tanggal perekaman dan pencetakan",
                "plan_actions": "Stok penyangga blangko; antrean daring; pemantauan harian.",
                "plan_resources": "Blangko KTP-el, 2 printer kartu, 4 petugas loket.",
            },
        )
        _measure(actor, ktp_objective, ktp, today)
        birth = _objective(
            actor,
            agency,
            year,
            {
                "title": "Akta kelahiran diterbitkan dalam 3 hari kerja.",
                "process": "Penerbitan akta kelahiran",
                "indicator": "Akta kelahiran terbit ≤ 3 hari",
                "target": Decimal("98"),
                "responsible": "Kepala Seksi Kelahiran",
                "data_source": "Buku register akta",
            },
        )
        _measure(actor, birth, BIRTH, today)
    complaints = _objective(
        actor,
        agency,
        today.year,
        {
            "title": "Pengaduan masyarakat ditanggapi dalam batas waktu SP4N-LAPOR.",
            "process": "Pengelolaan pengaduan",
            "indicator": "Pengaduan ditanggapi tepat waktu",
            "target": Decimal("90"),
            "frequency": Frequency.QUARTERLY,
            "automatic_source": "complaints_answered_in_time",
            "responsible": "Sekretaris Dinas",
        },
    )
    measuring.measure_automatically(complaints, today)


def seed() -> None:
    city = db.session.scalar(select(City).where(City.code == "KUPANG"))
    admin = _user("admin.kupang@demo.qms.id")
    if city is None or admin is None:
        return
    today = local_today()
    agencies = {
        a.code: a for a in db.session.scalars(select(Agency).where(Agency.city_id == city.id))
    }
    for code in ("DUKCAPIL", "RSUD", "BAKEUDA", "SETDA"):
        agency = agencies.get(code)
        if agency is None or db.session.scalar(
            select(Risk.id).where(Risk.agency_id == agency.id).limit(1)
        ):
            continue
        actor = _user(f"mutu.{code.lower()}@demo.qms.id") or admin
        with acting_as(actor.id):
            _context(agency, actor, date(2025, 1, 6))
            _risks(agency, actor, today)
            if code == "DUKCAPIL":
                _objectives(agency, actor, today)
    db.session.flush()
