"""The demo's integrated audit: Dinas PUPR (public works: procurement, permits, contractors)
audited against SNI ISO 9001:2015 and SNI ISO 37001:2016 at once, from an item of the 2026
programme that plans both. One checklist groups the common clauses (7.5 of both standards
together), findings breach clauses of either or both, and the one report has a part per
standard. Running it again changes nothing."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import select

from qms.accounts.models import User
from qms.audits import checklist, operations, workflow
from qms.audits.models import Audit, AuditKind, AuditProgramme, ChecklistRow, RowResult
from qms.extensions import db
from qms.organisations.models import Agency
from qms.standards import queries as standards_queries
from qms.standards.models import Clause

REFERENCE = "AMI-2026-PUPR"
SMAP_CODE = "SNI-ISO-37001-2016"
SCOPE = ["5.3", "7.5", "8.2", "9.1"]

#: (standard: "9001" or "37001", clause, result, grade, evidence, statement, also breaches
#: (standard, clause) or None); the other rows conform
FINDINGS = [
    (
        "9001",
        "7.5.3.2",
        RowResult.NONCONFORM,
        "minor",
        "SOP Pengadaan Barang/Jasa yang dipakai Pokja (rev. 1, 2023) berbeda dengan Daftar Induk "
        "Dokumen (rev. 3, Januari 2026); Kebijakan Anti Penyuapan yang ditempel di ruang ULP "
        "adalah draf tanpa pengesahan Kepala Dinas.",
        "Informasi terdokumentasi SMM dan SMAP tidak dikendalikan: dokumen kedaluwarsa dan "
        "dokumen belum disahkan dipakai di tempat kerja.",
        ("37001", "7.5.3"),
    ),
    (
        "37001",
        "8.2",
        RowResult.NONCONFORM,
        "major",
        "Dari 6 paket konstruksi 2026 yang diambil sampelnya, tidak satu pun memiliki rekaman uji "
        "tuntas penyedia (kepemilikan, rekam jejak, hubungan dengan pejabat).",
        "Uji tuntas terhadap rekanan untuk transaksi berisiko suap lebih dari rendah tidak "
        "dilaksanakan.",
        None,
    ),
    (
        "37001",
        "5.3.2",
        RowResult.OBSERVATION,
        "observation",
        "SK fungsi kepatuhan anti penyuapan ada; petugasnya juga Pejabat Pembuat Komitmen.",
        "Independensi fungsi kepatuhan anti penyuapan perlu diperkuat.",
        None,
    ),
    (
        "9001",
        "9.1.2",
        RowResult.OBSERVATION,
        "observation",
        "Keluhan pemohon PBG lewat SP4N-LAPOR! direkap, tetapi kepuasan tidak diukur.",
        "Persepsi pemohon izin bangunan belum dipantau.",
        None,
    ),
]


def _clause(code: str, number: str) -> Clause | None:
    standard = standards_queries.by_code(code)
    if standard is None:
        return None
    return db.session.scalar(
        select(Clause).where(Clause.standard_id == standard.id, Clause.number == number)
    )


def _first_row(audit: Audit, code: str, number: str) -> ChecklistRow | None:
    return next(
        (r for r in audit.rows if r.clause.standard.code == code and r.clause.number == number),
        None,
    )


def seed(programme: AuditProgramme, agencies: dict[str, Agency], lead: User, member: User) -> None:
    """Plan, conduct and report the integrated audit of PUPR (lead: Setda's auditor)."""
    quality = standards_queries.quality_standard()
    smap = standards_queries.by_code(SMAP_CODE)
    agency = agencies.get("PUPR")
    if quality is None or smap is None or agency is None:
        return
    if db.session.scalar(select(Audit.id).where(Audit.reference == REFERENCE)):
        return
    codes = {"9001": quality.code, "37001": smap.code}
    item = operations.save_programme_item(
        lead,
        programme,
        {
            "agency_id": agency.id,
            "standard_id": quality.id,
            "other_standard_ids": [smap.id],
            "kind": AuditKind.INTERNAL.value,
            "planned_month": 11,
            "clause_numbers": SCOPE,
            "reason": "Audit terpadu SMM dan SMAP: pengadaan pekerjaan konstruksi dan "
            "perizinan bangunan berisiko suap tinggi.",
        },
        None,
    )
    audit = operations.create_audit(
        lead,
        {
            "programme_item_id": item.id,
            "planned_start": date(2026, 11, 24),
            "planned_end": date(2026, 11, 25),
            "objectives": "Menilai penerapan SMM (SNI ISO 9001:2015) dan SMAP (SNI ISO "
            "37001:2016) secara terpadu pada pengadaan konstruksi dan layanan PBG.",
            "criteria": "SNI ISO 9001:2015; SNI ISO 37001:2016; Perwali tentang pengendalian "
            "gratifikasi; SOP Pengadaan Barang/Jasa; Standar Pelayanan PBG.",
            "scope_processes": "Pengadaan pekerjaan konstruksi (Pokja ULP), layanan Persetujuan "
            "Bangunan Gedung (PBG).",
            "auditee_representatives": "Sekretaris Dinas PUPR (wakil manajemen); Fungsi "
            "Kepatuhan Anti Penyuapan.",
            "lead_auditor_id": lead.id,
        },
    )
    operations.add_member(lead, audit, member.id)
    workflow.transition(lead, audit, "start")
    operations.update_audit(
        lead,
        audit,
        {
            "actual_start": date(2026, 11, 24),
            "actual_end": date(2026, 11, 25),
            "conclusion": "SMM dan SMAP telah ditetapkan; pengendalian dokumen dan uji tuntas "
            "rekanan perlu segera diperbaiki.",
            "degree_of_conformity": "Lihat angka kesesuaian per standar.",
        },
    )
    answered: set[int] = set()
    for standard, number, result, grade, evidence, statement, also in FINDINGS:
        row = _first_row(audit, codes[standard], number)
        if row is None:
            continue
        other = _clause(codes[also[0]], also[1]) if also else None
        checklist.record_row(
            lead,
            row,
            {
                "result": result.value,
                "grade": grade,
                "evidence": evidence,
                "statement": statement,
                "other_clause_ids": [other.id] if other is not None else [],
            },
        )
        answered.add(row.id)
    for row in audit.rows:
        if row.id not in answered:
            checklist.record_row(lead, row, {"result": RowResult.CONFORM.value})
    workflow.transition(lead, audit, "report")
    # issued then, not when the demo data was made
    audit.reported_at = datetime(2026, 11, 27, 2, 0)
