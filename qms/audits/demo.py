"""Kota Kupang demo audits: the 2025 cycle (reported audits of seven agencies that found
observations and opportunities, so that the dashboards have a clause × agency picture and a
trend), the 2026 programme, a reported internal audit of Dinas Dukcapil by auditors from Badan
Keuangan Daerah (lead) and Sekretariat Daerah with findings in the style of DOMAIN.md §6, a
planned audit of RSUD S.K. Lerik, a planned SNI ISO 37001 (anti-bribery) audit of DPMPTSP, and
a reported integrated audit of Dinas PUPR against both standards (demo_integrated.py).
Running it again changes nothing."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from typing import Any

from flask import current_app
from sqlalchemy import func, select

from qms.accounts.models import User
from qms.audits import checklist, demo_integrated, operations, queries, workflow
from qms.audits.models import Audit, AuditKind, AuditProgramme, RowResult
from qms.core.checklists import load_file
from qms.core.history import acting_as
from qms.core.timeutil import from_local
from qms.extensions import db
from qms.organisations.models import Agency, City
from qms.standards import queries as standards_queries

STANDARD_FILE = "standards/sni-iso-9001-2015.yaml"
#: the anti-bribery standard (SMAP), shown beside ISO 9001 on the standards page
SMAP_FILE = "standards/sni-iso-37001-2016.yaml"
SMAP_CODE = "SNI-ISO-37001-2016"

PROGRAMME_ITEMS = [
    # (agency, kind, month, clauses, reason)
    (
        "DUKCAPIL",
        AuditKind.INTERNAL,
        10,
        ["6", "7.5", "8.5", "9"],
        "Layanan KTP-el berisiko tinggi (kekurangan blangko, gangguan jaringan SIAK); temuan "
        "pembinaan BSN 2019 tentang pengendalian dokumen.",
    ),
    (
        "RSUD",
        AuditKind.INTERNAL,
        12,
        ["7.1", "8.5", "9.1"],
        "Kalibrasi alat kesehatan dan keluhan pasien; belum diaudit tahun lalu.",
    ),
    (
        "BAKEUDA",
        AuditKind.INTERNAL,
        11,
        ["7.2", "8.1", "9.1"],
        "Bendahara baru; waktu penerbitan SP2D.",
    ),
    (
        "DUKCAPIL",
        AuditKind.SURVEILLANCE,
        12,
        ["4", "5", "6", "7", "8", "9", "10"],
        "Audit survailen tahunan oleh lembaga sertifikasi.",
    ),
]

#: (clause, result, grade, evidence, statement) for the Dukcapil audit; other rows conform
DUKCAPIL_FINDINGS = [
    (
        "9.3.1",
        RowResult.NONCONFORM,
        "major",
        "Notulen RTM terakhir bertanggal 14 Agustus 2025; tidak ada RTM dalam 12 bulan terakhir. "
        "Wawancara dengan Sekretaris Dinas (wakil manajemen).",
        "Tinjauan manajemen tidak dilaksanakan dalam 12 bulan terakhir, sehingga masukan umpan "
        "balik pelanggan dan hasil audit tidak ditinjau oleh pimpinan.",
    ),
    (
        "7.5.3.2",
        RowResult.NONCONFORM,
        "minor",
        "SOP Penerbitan KTP-el (SOP-DUKCAPIL-001) yang terpasang di loket 2 adalah revisi 1, "
        "sedangkan Daftar Induk Dokumen menunjukkan revisi 2 berlaku sejak 3 Maret 2026.",
        "Dokumen kedaluwarsa masih digunakan di tempat layanan.",
    ),
    (
        "9.1.1",
        RowResult.NONCONFORM,
        "minor",
        "Rekap capaian sasaran mutu '95% KTP-el selesai 1 hari' hanya tersedia sampai Maret 2026.",
        "Sasaran mutu tidak dipantau sejak Maret 2026.",
    ),
    (
        "9.1.2",
        RowResult.OBSERVATION,
        "observation",
        "Laporan SKM semester I 2026 (nilai 86,2) tersedia.",
        "Hasil SKM belum dibandingkan dengan target dan belum ditindaklanjuti.",
    ),
    (
        "8.5.1",
        RowResult.OPPORTUNITY,
        "ofi",
        "",
        "Pertimbangkan notifikasi SMS/WhatsApp saat KTP-el siap diambil dan layar antrean "
        "digital di ruang tunggu.",
    ),
]


#: the management review's inputs and outputs: with no review held (finding on 9.3.1) there
#: is nothing to assess
UNVERIFIABLE_WITHOUT_REVIEW = frozenset({"9.3.2", "9.3.3"})
NO_REVIEW_NOTE = (
    "Tidak dapat diperiksa: tidak ada RTM dalam 12 bulan terakhir (lihat temuan mayor 9.3.1)."
)

#: the 2025 cycle: (agency, month audited, clauses, lead's e-mail, member's e-mail or None)
AUDITS_2025 = [
    ("DUKCAPIL", 9, ["7.5", "8.5", "9.1"], "auditor.bakeuda", "auditor.setda"),
    ("RSUD", 8, ["7.1", "8.5", "9.1"], "auditor.setda", "auditor.dukcapil"),
    ("SETDA", 7, ["5", "6", "9.3"], "auditor.bakeuda", "auditor.dukcapil"),
    ("BAKEUDA", 7, ["7.2", "8.1", "9.1"], "auditor.setda", "auditor.dukcapil"),
    ("DPMPTSP", 10, ["8.2", "8.5", "9.1"], "auditor.bakeuda", "auditor.dukcapil"),
    ("DISHUB", 10, ["7.1", "8.5"], "auditor.setda", None),
    ("KEC-OEBOBO", 11, ["8.5", "9.1"], "auditor.bakeuda", None),
]

OBSERVATION_2025 = (
    "Rekaman ada tetapi belum lengkap untuk seluruh bulan yang diambil sampelnya.",
    "Pelaksanaan sesuai SOP, namun bukti pemantauan belum konsisten.",
)
OPPORTUNITY_2025 = "Pertimbangkan papan kinerja layanan yang diperbarui setiap bulan."


def _wita(*moment: int) -> datetime:
    """A Kupang wall-clock time as stored (UTC)."""
    return from_local(datetime(*moment))


def _user(email: str) -> User:
    return db.session.scalar(select(User).where(func.lower(User.email) == email))


def _standard() -> None:
    if queries.default_standard() is None:
        load_file(Path(current_app.config["CHECKLISTS_DIR"]) / STANDARD_FILE)
    if standards_queries.by_code(SMAP_CODE) is None:
        load_file(Path(current_app.config["CHECKLISTS_DIR"]) / SMAP_FILE)


def _programme(city: City, agencies: dict[str, Agency], planner: User) -> AuditProgramme:
    programme = db.session.scalar(
        select(AuditProgramme).where(AuditProgramme.city_id == city.id, AuditProgramme.year == 2026)
    )
    if programme is not None:
        return programme
    programme = operations.create_programme(
        planner,
        city.id,
        {
            "year": 2026,
            "title": "Program Audit Mutu Internal Kota Kupang 2026",
            "objectives": "Memastikan SMM SNI ISO 9001:2015 di OPD percontohan diterapkan "
            "efektif dan siap untuk audit survailen; seluruh klausul tercakup dalam satu siklus.",
        },
    )
    for code, kind, month, clauses, reason in PROGRAMME_ITEMS:
        operations.save_programme_item(
            planner,
            programme,
            {
                "agency_id": agencies[code].id,
                "kind": kind.value,
                "planned_month": month,
                "clause_numbers": clauses,
                "reason": reason,
            },
            None,
        )
    return programme


def _planned_audit(
    programme: AuditProgramme, actor: User, code: str, values: dict[str, Any]
) -> Audit | None:
    """The audit of the programme's item for the agency `code` (AMI-2026-<code>), planned by
    `actor` with `values`; None when the demo already has it."""
    if db.session.scalar(select(Audit.id).where(Audit.reference == f"AMI-2026-{code}")):
        return None
    item = next(i for i in programme.items if i.agency.code == code)
    return operations.create_audit(actor, {"programme_item_id": item.id, **values})


def _dukcapil_audit(programme: AuditProgramme, lead: User, member: User) -> None:
    audit = _planned_audit(
        programme,
        lead,
        "DUKCAPIL",
        {
            "planned_start": date(2026, 10, 13),
            "planned_end": date(2026, 10, 14),
            "objectives": "Menilai kesesuaian dan efektivitas SMM pada layanan administrasi "
            "kependudukan (KTP-el, KK, akta) terhadap SNI ISO 9001:2015 dan standar pelayanan.",
            "criteria": "SNI ISO 9001:2015; Pedoman Mutu Dinas Dukcapil; SOP Penerbitan KTP-el "
            "rev.02; Standar Pelayanan dan Maklumat Pelayanan Dinas Dukcapil 2026.",
            "scope_processes": "Pelayanan KTP-el, Kartu Keluarga, akta kelahiran dan kematian di "
            "kantor Dinas dan gerai MPP.",
            "auditee_representatives": "Sekretaris Dinas (wakil manajemen); Kabid Pelayanan "
            "Pendaftaran Penduduk; Maria Bria (koordinator mutu).",
            "lead_auditor_id": lead.id,
        },
    )
    if audit is None:
        return
    operations.add_member(lead, audit, member.id)
    operations.add_agenda_item(
        lead,
        audit,
        {
            "starts_at": _wita(2026, 10, 13, 8, 30),
            "ends_at": _wita(2026, 10, 13, 9, 0),
            "subject": "Rapat pembukaan",
            "auditor_id": lead.id,
            "auditee": "Kepala Dinas dan Tim Mutu",
        },
    )
    operations.add_agenda_item(
        lead,
        audit,
        {
            "starts_at": _wita(2026, 10, 13, 9, 0),
            "ends_at": _wita(2026, 10, 13, 12, 0),
            "subject": "6, 9.1, 9.3 — perencanaan, pemantauan, tinjauan manajemen",
            "auditor_id": lead.id,
            "auditee": "Sekretaris Dinas",
        },
    )
    operations.add_agenda_item(
        lead,
        audit,
        {
            "starts_at": _wita(2026, 10, 13, 13, 0),
            "ends_at": _wita(2026, 10, 13, 15, 30),
            "subject": "7.5, 8.5 — pengendalian dokumen, layanan loket KTP-el",
            "auditor_id": member.id,
            "auditee": "Kabid Pelayanan Pendaftaran Penduduk",
        },
    )
    workflow.transition(lead, audit, "start")
    operations.update_audit(
        lead,
        audit,
        {
            "actual_start": date(2026, 10, 13),
            "actual_end": date(2026, 10, 14),
            "opening_meeting_at": _wita(2026, 10, 13, 8, 30),
            "opening_attendance": "Kepala Dinas, Sekretaris Dinas, 3 Kabid, Tim Mutu (9 orang); "
            "Tim audit (2 orang).",
            "opening_notes": "Rencana audit, metode pengambilan sampel dan penggolongan temuan "
            "dikonfirmasi; kerahasiaan disepakati.",
            "closing_meeting_at": _wita(2026, 10, 14, 14, 0),
            "closing_attendance": "Kepala Dinas, Sekretaris Dinas, Tim Mutu (7 orang); Tim audit.",
            "closing_notes": "Temuan disampaikan dan disepakati; rencana tindakan korektif "
            "diserahkan paling lambat 30 hari (mayor) dan 60 hari (minor).",
            "conclusion": "SMM Dinas Dukcapil telah diterapkan dan umumnya efektif pada layanan "
            "loket; tinjauan manajemen dan pemantauan sasaran mutu perlu segera diperbaiki.",
            "degree_of_conformity": "Sebagian besar persyaratan dalam lingkup terpenuhi; lihat "
            "angka kesesuaian per klausul.",
            "disagreements": "Tidak ada.",
            "areas_not_covered": "Gerai MPP tidak dikunjungi karena pemadaman listrik pada hari "
            "kedua; diaudit pada audit berikutnya.",
        },
    )
    findings = {clause: rest for clause, *rest in DUKCAPIL_FINDINGS}
    used: set[str] = set()
    good_practice_filed = False
    for index, row in enumerate(audit.rows):
        number = row.clause.number
        if number in UNVERIFIABLE_WITHOUT_REVIEW:
            # no management review in 12 months (the major finding on 9.3.1): its inputs and
            # outputs could not be checked, so they are not assessed (no 100 % beside it)
            values = {"result": RowResult.NOT_AUDITED.value, "notes": NO_REVIEW_NOTE}
        elif number in findings and number not in used:
            result, grade, evidence, statement = findings[number]
            used.add(number)
            values = {
                "result": result.value,
                "grade": grade,
                "evidence": evidence,
                "statement": statement,
                "notes": evidence,
            }
        elif number.startswith("8.5.") and number != "8.5.1":
            values = {
                "result": RowResult.NOT_APPLICABLE.value
                if number == "8.5.5"
                else RowResult.CONFORM.value
            }
        elif index % 11 == 5 and not good_practice_filed:
            # one good practice, filed once (the report lists each one it finds)
            good_practice_filed = True
            values = {
                "result": RowResult.GOOD_PRACTICE.value,
                "notes": "Papan informasi persyaratan layanan lengkap dan mutakhir.",
            }
        elif index % 13 == 7:
            continue  # left unanswered: recorded as not audited when the report is issued
        else:
            values = {"result": RowResult.CONFORM.value}
        checklist.record_row(lead, row, values)
    workflow.transition(lead, audit, "report", confirm_unanswered=True)


def _rsud_audit(programme: AuditProgramme, lead: User, member: User) -> None:
    audit = _planned_audit(
        programme,
        member,
        "RSUD",
        {
            "planned_start": date(2026, 12, 12),
            "planned_end": date(2026, 12, 13),
            "objectives": "Menilai pengendalian alat ukur (kalibrasi), layanan rawat jalan dan "
            "penanganan keluhan pasien.",
            "criteria": "SNI ISO 9001:2015; SOP Kalibrasi Alat; SOP Pendaftaran Rawat Jalan.",
            "scope_processes": "Pendaftaran rawat jalan, IGD, laboratorium, kalibrasi alat.",
            "lead_auditor_id": member.id,
        },
    )
    if audit is not None:
        operations.add_member(member, audit, lead.id)


def _smap_audit(programme: AuditProgramme, agencies: dict[str, Agency], lead: User) -> None:
    """A planned SNI ISO 37001 (SMAP) audit of the one-stop licensing service, from an item of
    the 2026 programme planned against that standard (it leaves the ISO 9001 cycle as it was)."""
    smap = standards_queries.by_code(SMAP_CODE)
    agency = agencies.get("DPMPTSP")
    if smap is None or agency is None:
        return
    exists = select(Audit.id).where(Audit.agency_id == agency.id, Audit.standard_id == smap.id)
    if db.session.scalar(exists):
        return
    item = operations.save_programme_item(
        lead,
        programme,
        {
            "agency_id": agency.id,
            "standard_id": smap.id,
            "kind": AuditKind.INTERNAL.value,
            "planned_month": 11,
            "clause_numbers": ["5.3.2", "8.2", "8.7", "8.9"],
            "reason": "Layanan perizinan berisiko suap tinggi; persiapan penerapan SMAP "
            "(SNI ISO 37001:2016).",
        },
        None,
    )
    operations.create_audit(
        lead,
        {
            "programme_item_id": item.id,
            "planned_start": date(2026, 11, 17),
            "planned_end": date(2026, 11, 18),
            "objectives": "Menilai pengendalian gratifikasi, uji tuntas penyedia, fungsi "
            "kepatuhan anti penyuapan dan kanal pelaporan dugaan penyuapan pada layanan "
            "perizinan.",
            "criteria": "SNI ISO 37001:2016; Perwali tentang pengendalian gratifikasi; SOP "
            "layanan perizinan.",
            "scope_processes": "Layanan perizinan di MPP, pengadaan barang/jasa DPMPTSP.",
            "lead_auditor_id": lead.id,
        },
    )


def _answers_2025(offset: int, index: int) -> dict[str, str]:
    """A steady mix: mostly conform, now and then an observation or an opportunity."""
    turn = (index + offset) % 9
    if turn == 0:
        return {
            "result": RowResult.OBSERVATION.value,
            "grade": "observation",
            "statement": OBSERVATION_2025[index % 2],
            "evidence": "Sampel rekaman Januari–Juni 2025.",
        }
    if turn == 4 and offset % 2:
        return {
            "result": RowResult.OPPORTUNITY.value,
            "grade": "ofi",
            "statement": OPPORTUNITY_2025,
        }
    return {"result": RowResult.CONFORM.value}


def _cycle_2025(city: City, agencies: dict[str, Agency], planner: User) -> None:
    programme = db.session.scalar(
        select(AuditProgramme).where(AuditProgramme.city_id == city.id, AuditProgramme.year == 2025)
    )
    if programme is not None:
        return
    programme = operations.create_programme(
        planner,
        city.id,
        {
            "year": 2025,
            "title": "Program Audit Mutu Internal Kota Kupang 2025",
            "objectives": "Siklus pertama setelah pembinaan BSN: layanan utama tiap OPD "
            "percontohan.",
        },
    )
    for offset, (code, month, clauses, lead_email, member_email) in enumerate(AUDITS_2025):
        lead = _user(f"{lead_email}@demo.qms.id")
        item = operations.save_programme_item(
            planner,
            programme,
            {
                "agency_id": agencies[code].id,
                "kind": AuditKind.INTERNAL.value,
                "planned_month": month,
                "clause_numbers": clauses,
                "reason": "Siklus audit internal pertama.",
            },
            None,
        )
        day = date(2025, month, 15)
        audit = operations.create_audit(
            lead,
            {
                "programme_item_id": item.id,
                "planned_start": day,
                "planned_end": day,
                "objectives": "Menilai penerapan SMM pada layanan utama.",
                "criteria": "SNI ISO 9001:2015; SOP layanan OPD.",
                "lead_auditor_id": lead.id,
            },
        )
        if member_email:
            operations.add_member(lead, audit, _user(f"{member_email}@demo.qms.id").id)
        workflow.transition(lead, audit, "start")
        operations.update_audit(
            lead,
            audit,
            {
                "actual_start": day,
                "actual_end": day,
                "conclusion": "SMM diterapkan; beberapa pengamatan perlu diperhatikan.",
            },
        )
        for index, row in enumerate(audit.rows):
            checklist.record_row(lead, row, _answers_2025(offset, index))
        workflow.transition(lead, audit, "report")
        workflow.transition(lead, audit, "close")  # no finding needed a corrective action
        # the report was issued then, not when the demo data was made: the latest audit of an
        # agency is the one reported last
        audit.reported_at = datetime(2025, month, 20, 2, 0)


def seed() -> None:
    city = db.session.scalar(select(City).where(City.code == "KUPANG"))
    lead = _user("auditor.bakeuda@demo.qms.id")
    member = _user("auditor.setda@demo.qms.id")
    if city is None or lead is None or member is None:
        return
    _standard()
    agencies = {a.code: a for a in city.agencies}
    with acting_as(lead.id):
        _cycle_2025(city, agencies, lead)
        programme = _programme(city, agencies, lead)
        _dukcapil_audit(programme, lead, member)
        _rsud_audit(programme, lead, member)
        _smap_audit(programme, agencies, lead)
    with acting_as(member.id):
        demo_integrated.seed(programme, agencies, member, _user("auditor.dukcapil@demo.qms.id"))
    db.session.flush()
