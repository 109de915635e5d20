"""Kota Kupang demo nonconformities in every state (DOMAIN.md §6 findings) and the sample Qlue
export of complaints. Running it again changes nothing."""

from __future__ import annotations

import hashlib
import io
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from flask import current_app
from sqlalchemy import func, select

from qms.accounts.models import User
from qms.capa import operations, workflow
from qms.capa.complaints import imports
from qms.capa.models import ComplaintImport, NcSource, NcStatus, Nonconformity
from qms.core.history import acting_as
from qms.core.timeutil import today as local_today
from qms.extensions import db
from qms.organisations.models import Agency, City

SAMPLE = "samples/qlue-kupang-2026.csv"
#: a minimal PDF standing in for the scanned evidence of a demo action
EVIDENCE_PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
)

#: (reference, agency, grade, clause, process, criterion, requirement, evidence, statement,
#:  raised by, days ago, how far it has gone)
FINDINGS: list[tuple[Any, ...]] = [
    (
        "AMI-2026-I/DUKCAPIL/01",
        "DUKCAPIL",
        "minor",
        "7.5.3",
        "Penerbitan KTP-el",
        "SOP-DUKCAPIL-KTP-01",
        "Dokumen yang berlaku tersedia di tempat penggunaan.",
        "SOP KTP-el di loket adalah rev.01; daftar induk dokumen menunjukkan rev.02 berlaku.",
        "SOP yang dipajang di loket pelayanan KTP-el bukan revisi terkini.",
        "auditor.setda",
        95,
        "closed",
    ),
    (
        "AMI-2026-I/DUKCAPIL/02",
        "DUKCAPIL",
        "minor",
        "9.1.1",
        "Penerbitan KTP-el",
        "Sasaran mutu 2026 no. 1",
        "Sasaran mutu dipantau dan dievaluasi.",
        "Sasaran “95% KTP-el selesai 1 hari” tidak memiliki data pemantauan sejak Maret.",
        "Pencapaian sasaran mutu KTP-el tidak dipantau.",
        "auditor.setda",
        40,
        "plan_accepted",
    ),
    (
        "AMI-2026-I/DUKCAPIL/03",
        "DUKCAPIL",
        "major",
        "9.3",
        "Manajemen mutu",
        "Pedoman Mutu bab 9",
        "Tinjauan manajemen dilaksanakan terencana dengan masukan lengkap.",
        "Tidak ada notulen Rapat Tinjauan Manajemen dalam 12 bulan terakhir.",
        "Tinjauan manajemen tidak dilaksanakan dalam 12 bulan terakhir.",
        "auditor.setda",
        70,
        "implemented",
    ),
    (
        "AMI-2026-I/DUKCAPIL/04",
        "DUKCAPIL",
        "minor",
        "8.5.3",
        "Pelayanan loket",
        "SOP-DUKCAPIL-ARSIP-02",
        "Milik pelanggan dijaga selama dalam pengendalian organisasi.",
        "Berkas asli pemohon ditinggal di meja loket semalaman tanpa dikunci.",
        "Dokumen asli milik warga tidak diamankan.",
        "auditor.setda",
        120,
        "reopened",
    ),
    (
        "AMI-2026-I/RSUD/01",
        "RSUD",
        "minor",
        "7.1.5",
        "Rawat jalan",
        "SOP-RSUD-KAL-01",
        "Alat ukur dikalibrasi sesuai jadwal.",
        "4 dari 10 tensimeter sampel melewati tanggal jatuh tempo kalibrasi.",
        "Alat ukur tekanan darah tidak terkalibrasi.",
        "auditor.bakeuda",
        20,
        "plan_submitted",
    ),
    (
        "AMI-2026-I/BAKEUDA/01",
        "BAKEUDA",
        "minor",
        "7.2",
        "Perbendaharaan",
        "Standar kompetensi bendahara",
        "Kompetensi personel ditetapkan dan dibuktikan.",
        "Tidak ada rekaman kompetensi atau pelatihan untuk dua bendahara baru.",
        "Kompetensi bendahara baru tidak dapat dibuktikan.",
        "auditor.setda",
        75,
        "correction_recorded",
    ),
    (
        "AMI-2026-I/DPMPTSP/01",
        "DPMPTSP",
        "minor",
        "8.4",
        "Layanan MPP",
        "SOP-DPMPTSP-PENGADAAN-01",
        "Penyedia eksternal dievaluasi.",
        "Vendor sistem antrean MPP tidak pernah dievaluasi.",
        "Penyedia eksternal sistem antrean belum dievaluasi.",
        "auditor.bakeuda",
        10,
        "open",
    ),
    (
        "AMI-2026-I/SETDA/01",
        "SETDA",
        "minor",
        "9.2.2",
        "Audit internal",
        "Prosedur Audit Internal",
        "Auditor tidak mengaudit pekerjaannya sendiri.",
        "Seorang auditor internal mengaudit bagiannya sendiri (Bagian Organisasi).",
        "Objektivitas dan ketidakberpihakan audit internal tidak terjaga.",
        "auditor.bakeuda",
        30,
        "cause_analysed",
    ),
]
ORDER = [
    "open",
    "correction_recorded",
    "cause_analysed",
    "plan_submitted",
    "plan_accepted",
    "implemented",
    "reopened",
    "closed",
]


def _user(email: str) -> User:
    return db.session.scalar(select(User).where(func.lower(User.email) == email))


def _evidence(actor: User, nc: Nonconformity) -> None:
    with acting_as(actor.id):
        for action in nc.current_actions:
            operations.complete_action(
                actor,
                action,
                evidence=io.BytesIO(EVIDENCE_PDF),
                filename=f"bukti-{nc.number}-{action.id}.pdf",
                note="Bukti pelaksanaan terlampir.",
                version=nc.version,
            )


def _plan(officer: User, nc: Nonconformity, start: date, today: date) -> None:
    with acting_as(officer.id):
        for kind, text, days in (
            ("corrective", "Tarik dokumen/praktik yang tidak sesuai dan perbaiki.", 10),
            ("preventive", "Sosialisasi SOP kepada seluruh petugas loket.", 20),
        ):
            operations.add_action(
                officer,
                nc,
                {
                    "kind": kind,
                    "description": text,
                    "owner": "Kepala Seksi Identitas Penduduk",
                    "due_date": start + timedelta(days=days),
                },
            )
        check_on = min(start + timedelta(days=30), today)
        workflow.transition(
            officer,
            nc,
            "submit_plan",
            {"effectiveness_check_on": max(check_on, start + timedelta(days=20))},
        )


def _walk(nc: Nonconformity, target: str, auditor: User, officer: User, today: date) -> None:
    """Take the nonconformity through the real workflow up to `target`."""
    start = nc.raised_on
    reached = ORDER.index("closed" if target == "reopened" else target)

    def step(name: str, actor: User, values: dict | None = None) -> None:
        with acting_as(actor.id):
            workflow.transition(actor, nc, name, values or {}, today=today)

    if reached >= 1:
        step(
            "record_correction",
            officer,
            {
                "correction": "Koreksi segera dilakukan di tempat.",
                "correction_on": start + timedelta(days=1),
            },
        )
    if reached >= 2:
        step(
            "analyse_cause",
            officer,
            {
                "why_steps": [
                    "Petugas tidak mengetahui ketentuan terbaru.",
                    "Perubahan tidak disosialisasikan.",
                    "Belum ada prosedur distribusi perubahan dokumen.",
                ],
                "cause_category": "method",
                "root_cause": "Tidak ada mekanisme sosialisasi perubahan SOP ke petugas pelaksana.",
                "occurs_elsewhere": False,
            },
        )
    if reached >= 3:
        _plan(officer, nc, start, today)
    if reached >= 4:
        step("accept_plan", auditor)
    if reached >= 5:
        _evidence(officer, nc)
        step("mark_implemented", officer)
    if target == "reopened":
        step(
            "verify_not_effective",
            auditor,
            {"note": "Saat verifikasi, berkas asli kembali ditemukan di meja loket."},
        )
    elif reached >= 7:
        step("verify_effective", auditor, {"note": "Sampel 20 berkas: semua sesuai SOP rev.02."})
        step("close", auditor)


def _nonconformities(city: City, today: date) -> int:
    created = 0
    agencies = {
        a.code: a for a in db.session.scalars(select(Agency).where(Agency.city_id == city.id))
    }
    admin = _user("admin.kupang@demo.qms.id")
    for (
        reference,
        code,
        grade,
        clause,
        process,
        criterion,
        requirement,
        evidence,
        statement,
        raiser,
        days_ago,
        target,
    ) in FINDINGS:
        agency = agencies[code]
        exists = db.session.scalar(
            select(Nonconformity.id).where(
                Nonconformity.agency_id == agency.id, Nonconformity.source_reference == reference
            )
        )
        if exists:
            continue
        auditor = _user(f"{raiser}@demo.qms.id")
        officer = _user(f"mutu.{code.lower()}@demo.qms.id") or admin
        with acting_as(auditor.id):
            nc = operations.raise_from_finding(
                agency=agency,
                clause=clause,
                requirement=requirement,
                evidence=evidence,
                statement=statement,
                grade=grade,
                raised_by=auditor,
                raised_on=today - timedelta(days=days_ago),
                source_reference=reference,
                process=process,
                criterion=criterion,
                auditee_representative=agency.head_name or "Kepala Bidang",
            )
        _walk(nc, target, auditor, officer, today)
        created += 1
    return created


def _complaints(city: City, today: date) -> None:
    path = Path(current_app.config["CHECKLISTS_DIR"]) / SAMPLE
    admin = _user("admin.kupang@demo.qms.id")
    if not path.exists() or admin is None:
        return
    data = path.read_bytes()
    seen = db.session.scalar(
        select(ComplaintImport.id).where(
            ComplaintImport.sha256 == hashlib.sha256(data).hexdigest(),
            ComplaintImport.city_id == city.id,
            ComplaintImport.confirmed_at.is_not(None),
        )
    )
    if seen:
        return
    with acting_as(admin.id):
        record = imports.preview_import(admin, city, path.name, data)
        imports.confirm_import(admin, record, today)


#: the analysis of a quality objective's deviation: the blank-card shortage, and the risk the
#: analysis adds to the register (fields contributed by the risk register, see
#: qms/capa/contributions.py; capa itself does not know them)
DEVIATION_ANALYSIS = {
    "why_steps": [
        "KTP-el tidak dapat dicetak dalam 1 hari.",
        "Blangko KTP-el habis selama Juni–Agustus.",
        "Kiriman blangko dari Kemendagri kurang ±500 keping per bulan.",
        "Tidak ada stok penyangga dan pemantauan stok mingguan.",
    ],
    "cause_category": "material",
    "root_cause": "Tidak ada stok penyangga dan pemantauan stok blangko KTP-el.",
    "occurs_elsewhere": False,
    "new_risk_title": "Stok blangko KTP-el habis",
    "new_risk_likelihood": 4,
    "new_risk_impact": 4,
}


def walk_rule_nonconformities() -> None:
    """The nonconformities a rule of another feature raised in the demo (a quality objective
    of Dinas Dukcapil missing its target, qms/planning/demo.py, which runs before this) taken
    through the workflow to their close in late 2025, the analysis linking a new risk."""
    officer = _user("mutu.dukcapil@demo.qms.id")
    auditor = _user("auditor.setda@demo.qms.id")
    admin = _user("admin.kupang@demo.qms.id")
    if officer is None or auditor is None or admin is None:
        return
    raised = db.session.scalars(
        select(Nonconformity).where(
            Nonconformity.source == NcSource.QUALITY_OBJECTIVE_DEVIATION,
            Nonconformity.status == NcStatus.OPEN,
            Nonconformity.raised_on < date(2026, 1, 1),
        )
    )
    for nc in list(raised):
        _walk_deviation(nc, officer, auditor, admin)


def _walk_deviation(nc: Nonconformity, officer: User, auditor: User, admin: User) -> None:
    start = nc.raised_on

    def step(name: str, actor: User, values: dict | None = None, days: int = 0) -> None:
        with acting_as(actor.id):
            workflow.transition(actor, nc, name, values or {}, today=start + timedelta(days=days))

    with acting_as(admin.id):
        operations.update_details(admin, nc, {"auditor_id": auditor.id})
    step("record_correction", officer, {"correction": "Blangko dipinjam dari Kab. Kupang."}, 3)
    step("analyse_cause", officer, DEVIATION_ANALYSIS, 10)
    with acting_as(officer.id):
        operations.add_action(
            officer,
            nc,
            {
                "kind": "corrective",
                "description": "Stok penyangga 1.000 blangko dan pemantauan stok mingguan.",
                "owner": "Kepala Seksi Identitas Penduduk",
                "due_date": start + timedelta(days=40),
            },
        )
    step("submit_plan", officer, {"effectiveness_check_on": start + timedelta(days=85)}, 12)
    step("accept_plan", auditor, days=15)
    _evidence(officer, nc)
    step("mark_implemented", officer, days=45)
    step(
        "verify_effective",
        auditor,
        {"note": "September–November 2025 tercapai (≥ 95 %); stok penyangga tersedia."},
        90,
    )
    step("close", auditor, days=90)


def seed() -> None:
    city = db.session.scalar(select(City).where(City.code == "KUPANG"))
    if city is None:
        return
    today = local_today()
    _nonconformities(city, today)
    _complaints(city, today)
