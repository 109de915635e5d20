"""Demo documents for Kota Kupang: Dukcapil's KTP-el procedure (revision 1 superseded on
3 March 2026 by revision 2, which the 2026 internal audit found not yet posted at counter 2;
revision 3, the WhatsApp notice the audit suggested, in draft) and a handful of policies,
manuals, SOPs, forms and records of Dukcapil, RSUD and Setda, approved by the agencies' heads.
Everything goes through the operations and the workflow, so the demo obeys the same rules.
Idempotent."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

from sqlalchemy import func, select

from qms.accounts.models import User
from qms.core.history import acting_as
from qms.core.roles import Role
from qms.core.timeutil import add_months, today
from qms.documents import approvers, operations, workflow
from qms.documents.models import Document, DocumentApprover, DocumentType
from qms.extensions import db
from qms.organisations.models import Agency, City, Unit
from qms.standards.models import Clause

CITY_CODE = "KUPANG"
#: (agency code) -> (author e-mail, approver e-mail): the head of the agency approves, the
#: author (a quality officer, or the city admin for Setda) puts the revision into effect
PEOPLE = {
    "DUKCAPIL": ("mutu.dukcapil@demo.qms.id", "kepala.dukcapil@demo.qms.id"),
    "RSUD": ("mutu.rsud@demo.qms.id", "kepala.rsud@demo.qms.id"),
    "SETDA": ("admin.kupang@demo.qms.id", "kepala.setda@demo.qms.id"),
}
#: the demo agencies have one quality officer each, who writes the documents: their heads
#: approve the working papers too (besides the officers, the default)
HEAD_ALSO_APPROVES = (DocumentType.WORK_INSTRUCTION, DocumentType.FORM, DocumentType.RECORD)


@dataclass
class Rev:
    summary: str
    #: months before today that it took effect; None leaves it a draft (unless effective_on)
    effective_months_ago: int | None
    sections: dict[str, str] = field(default_factory=dict)
    #: the day it took effect, where other demo records name it (the audit findings)
    effective_on: date | None = None
    #: a draft submitted for approval: it waits for the approver (the home page's card)
    submitted: bool = False


@dataclass
class Doc:
    agency: str
    doc_type: DocumentType
    title: str
    clauses: tuple[str, ...]
    revisions: list[Rev]
    unit: str | None = None
    #: None: the configured period (settings.py)
    review_period_months: int | None = None
    retention_years: int | None = None


KTP_EL_REV1 = {
    "purpose": (
        "Menjamin penerbitan Kartu Tanda Penduduk Elektronik (KTP-el) yang benar, cepat dan "
        "tanpa biaya bagi penduduk Kota Kupang."
    ),
    "scope": (
        "Penerbitan KTP-el baru, penggantian karena hilang atau rusak, dan perubahan data, "
        "di loket pelayanan Dinas Dukcapil Kota Kupang."
    ),
    "definitions": (
        "KTP-el: kartu tanda penduduk yang dilengkapi cip berisi data dan biometrik penduduk.\n"
        "SIAK: Sistem Informasi Administrasi Kependudukan.\n"
        "F-1.02: Formulir Pendaftaran Peristiwa Kependudukan."
    ),
    "responsibilities": (
        "Kepala Bidang Pelayanan Pendaftaran Penduduk: menandatangani dan mengawasi pelaksanaan "
        "prosedur.\n"
        "Petugas loket: memeriksa kelengkapan berkas dan mencatat di buku register.\n"
        "Operator perekaman: merekam biometrik dan mencetak KTP-el."
    ),
    "procedure": (
        "1. Pemohon mengambil nomor antrean dan menyerahkan berkas: fotokopi KK, formulir "
        "F-1.02, dan surat keterangan hilang dari kepolisian bila KTP-el hilang.\n"
        "2. Petugas loket memeriksa kelengkapan berkas; berkas tidak lengkap dikembalikan dengan "
        "penjelasan tertulis.\n"
        "3. Operator memverifikasi data di SIAK dan merekam sidik jari, iris dan foto.\n"
        "4. Operator mencetak KTP-el dan memeriksa hasil cetak.\n"
        "5. Petugas menyerahkan KTP-el kepada pemohon dan meminta tanda tangan di buku register.\n"
        "6. Waktu penyelesaian: paling lama 1 (satu) hari kerja; biaya: gratis."
    ),
    "records": (
        "Buku register penerbitan KTP-el (RKM-DUKCAPIL-001); berkas permohonan disimpan 5 tahun."
    ),
}

#: revision 2, in force since 3 March 2026: the substitute certificate while blanks run out
#: (the risk the 2025 blank shortage added to the register)
KTP_EL_REV2 = {
    **KTP_EL_REV1,
    "procedure": (
        "1. Pemohon mengambil nomor antrean (loket atau aplikasi antrean daring) dan menyerahkan "
        "berkas: fotokopi KK, formulir F-1.02, dan surat keterangan hilang dari kepolisian bila "
        "KTP-el hilang.\n"
        "2. Petugas loket memeriksa kelengkapan berkas; berkas tidak lengkap dikembalikan dengan "
        "penjelasan tertulis.\n"
        "3. Operator memverifikasi data di SIAK dan merekam sidik jari, iris dan foto.\n"
        "4. Bila blangko KTP-el habis, petugas menerbitkan Surat Keterangan pengganti KTP-el dan "
        "mencatat pemohon dalam daftar tunggu.\n"
        "5. Operator mencetak KTP-el dan memeriksa hasil cetak.\n"
        "6. Petugas menyerahkan KTP-el kepada pemohon dan meminta tanda tangan di buku register.\n"
        "7. Waktu penyelesaian: paling lama 1 (satu) hari kerja bila blangko tersedia; biaya: "
        "gratis."
    ),
}
KTP_EL_REV2_EFFECTIVE = date(2026, 3, 3)

#: revision 3, a draft: the WhatsApp notice the 2026 internal audit suggested (8.5.1)
KTP_EL_REV3 = {
    **KTP_EL_REV2,
    "definitions": KTP_EL_REV1["definitions"] + "\nTTE: tanda tangan elektronik tersertifikasi.",
    "procedure": KTP_EL_REV2["procedure"]
    .replace(
        "6. Petugas menyerahkan",
        "6. Petugas mengirim pemberitahuan WhatsApp bahwa KTP-el siap diambil.\n"
        "7. Petugas menyerahkan",
    )
    .replace("7. Waktu penyelesaian", "8. Waktu penyelesaian"),
}

DOCUMENTS: list[Doc] = [
    Doc(
        "DUKCAPIL",
        DocumentType.QUALITY_POLICY,
        "Kebijakan Mutu Dinas Kependudukan dan Pencatatan Sipil",
        ("5.2", "5.2.1", "5.2.2"),
        [
            Rev(
                "Terbitan pertama",
                20,
                {
                    "purpose": (
                        "Dinas Dukcapil Kota Kupang berkomitmen memberikan pelayanan administrasi "
                        "kependudukan yang cepat, tepat, gratis dan ramah, memenuhi persyaratan "
                        "peraturan perundang-undangan, serta meningkatkan efektivitas sistem "
                        "manajemen mutu secara berkelanjutan."
                    ),
                    "scope": "Seluruh pelayanan pendaftaran penduduk dan pencatatan sipil.",
                },
            )
        ],
        review_period_months=24,
    ),
    Doc(
        "DUKCAPIL",
        DocumentType.QUALITY_MANUAL,
        "Manual Mutu Dinas Dukcapil Kota Kupang",
        ("4.3", "4.4", "7.5"),
        [
            Rev(
                "Terbitan pertama",
                13,
                {
                    "purpose": "Menjelaskan sistem manajemen mutu Dinas Dukcapil Kota Kupang.",
                    "scope": (
                        "Pelayanan KTP-el, Kartu Keluarga, akta kelahiran dan kematian, serta "
                        "surat pindah. Klausul 8.3 dikecualikan karena dinas tidak merancang "
                        "layanan baru."
                    ),
                },
            )
        ],
    ),
    Doc(
        "DUKCAPIL",
        DocumentType.PROCEDURE,
        "Penerbitan KTP-el",
        ("8.1", "8.2.3", "8.5.1", "8.5.3"),
        [
            Rev("Terbitan pertama", 22, KTP_EL_REV1),
            Rev(
                "Penambahan surat keterangan pengganti saat blangko habis",
                None,
                KTP_EL_REV2,
                effective_on=KTP_EL_REV2_EFFECTIVE,
            ),
            Rev(
                "Notifikasi WhatsApp saat KTP-el siap diambil",
                None,
                KTP_EL_REV3,
                submitted=True,
            ),
        ],
        unit="Seksi Identitas Penduduk",
    ),
    Doc(
        "DUKCAPIL",
        DocumentType.PROCEDURE,
        "Penerbitan Kartu Keluarga",
        ("8.1", "8.2.3", "8.6"),
        [
            Rev(
                "Terbitan pertama",
                5,
                {
                    "purpose": "Menjamin penerbitan Kartu Keluarga yang benar dan tepat waktu.",
                    "scope": "Penerbitan KK baru, perubahan anggota keluarga dan perubahan data.",
                    "procedure": (
                        "1. Pemohon menyerahkan F-1.02, akta nikah/cerai atau surat pindah.\n"
                        "2. Petugas memverifikasi berkas dan memperbarui data di SIAK.\n"
                        "3. KK ditandatangani dengan TTE dan dikirim ke surel pemohon dalam "
                        "bentuk PDF.\n"
                        "4. Waktu penyelesaian paling lama 3 hari kerja; biaya gratis."
                    ),
                    "records": "Register penerbitan KK di SIAK.",
                },
            )
        ],
        unit="Bidang Pelayanan Pendaftaran Penduduk",
    ),
    Doc(
        "DUKCAPIL",
        DocumentType.FORM,
        "Formulir Pendaftaran Peristiwa Kependudukan (F-1.02)",
        ("8.2.3",),
        [Rev("Terbitan pertama", 11, {"purpose": "Formulir isian permohonan pemohon."})],
    ),
    Doc(
        "DUKCAPIL",
        DocumentType.SERVICE_STANDARD,
        "Standar Pelayanan Penerbitan KTP-el",
        ("8.1", "8.2.2"),
        [
            Rev(
                "Terbitan pertama",
                8,
                {
                    "purpose": (
                        "Standar pelayanan dengan 14 komponen, didukung Maklumat Pelayanan "
                        "yang ditandatangani Kepala Dinas."
                    ),
                    "procedure": (
                        "Persyaratan: berusia 17 tahun atau sudah menikah, fotokopi KK.\n"
                        "Waktu: 1 hari kerja. Biaya: gratis. Pengaduan: SP4N-LAPOR dan loket "
                        "pengaduan."
                    ),
                },
            )
        ],
    ),
    Doc(
        "DUKCAPIL",
        DocumentType.RECORD,
        "Buku Register Penerbitan KTP-el",
        ("7.5.3.2", "8.5.2"),
        [Rev("Terbitan pertama", 11, {"purpose": "Catatan setiap KTP-el yang diserahkan."})],
        retention_years=5,
    ),
    Doc(
        "RSUD",
        DocumentType.QUALITY_POLICY,
        "Kebijakan Mutu RSUD S.K. Lerik",
        ("5.2",),
        [
            Rev(
                "Terbitan pertama",
                9,
                {
                    "purpose": (
                        "RSUD S.K. Lerik memberikan pelayanan kesehatan yang aman, bermutu dan "
                        "berorientasi pada keselamatan pasien."
                    )
                },
            )
        ],
    ),
    Doc(
        "RSUD",
        DocumentType.PROCEDURE,
        "Pendaftaran Pasien Rawat Jalan",
        ("8.2.3", "8.5.2"),
        [
            Rev(
                "Terbitan pertama",
                6,
                {
                    "purpose": "Pendaftaran pasien rawat jalan yang tertib dan cepat.",
                    "procedure": (
                        "1. Pasien mengambil nomor antrean.\n"
                        "2. Petugas memeriksa kartu BPJS atau identitas dan membuat nomor rekam "
                        "medis.\n"
                        "3. Pasien diarahkan ke poliklinik tujuan; target waktu tunggu "
                        "pendaftaran 15 menit."
                    ),
                },
            )
        ],
        unit="Instalasi Rawat Jalan",
    ),
    Doc(
        "RSUD",
        DocumentType.PROCEDURE,
        "Kalibrasi Alat Kesehatan",
        ("7.1.5", "7.1.5.2"),
        [
            Rev(
                "Terbitan pertama",
                14,
                {
                    "purpose": "Menjamin alat kesehatan terkalibrasi dan tertelusur.",
                    "procedure": (
                        "1. Instalasi menyusun daftar alat dan jadwal kalibrasi tahunan.\n"
                        "2. Kalibrasi dilakukan oleh laboratorium terakreditasi KAN.\n"
                        "3. Alat yang lewat jatuh tempo diberi label dan tidak digunakan."
                    ),
                    "records": "Sertifikat dan kartu kalibrasi per alat.",
                },
            )
        ],
        unit="Instalasi Laboratorium",
    ),
    Doc(
        "RSUD",
        DocumentType.RECORD,
        "Rekaman Hasil Kalibrasi Alat Kesehatan",
        ("7.1.5.1",),
        [Rev("Terbitan pertama", 14, {"purpose": "Sertifikat kalibrasi setiap alat."})],
        retention_years=5,
    ),
    Doc(
        "SETDA",
        DocumentType.QUALITY_MANUAL,
        "Manual Mutu Sekretariat Daerah Kota Kupang",
        ("4.3", "4.4"),
        [Rev("Terbitan pertama", 10, {"purpose": "Sistem manajemen mutu Sekretariat Daerah."})],
    ),
    Doc(
        "SETDA",
        DocumentType.PROCEDURE,
        "Pengelolaan Pengaduan SP4N-LAPOR",
        ("8.2.1", "9.1.2"),
        [
            Rev(
                "Terbitan pertama",
                7,
                {
                    "purpose": "Pengaduan masyarakat ditindaklanjuti tepat waktu.",
                    "procedure": (
                        "1. Admin SP4N-LAPOR meneruskan pengaduan ke OPD paling lama 3 hari.\n"
                        "2. OPD menjawab paling lama 5 hari kerja.\n"
                        "3. Bagian Organisasi memantau dan melaporkan rekapitulasi bulanan."
                    ),
                },
            )
        ],
        unit="Bagian Organisasi",
    ),
    Doc(
        "SETDA",
        DocumentType.WORK_INSTRUCTION,
        "Penyusunan SOP Administrasi Pemerintahan",
        ("7.5.2",),
        [Rev("Terbitan pertama", 4, {"purpose": "Cara menyusun dan menomori SOP AP."})],
        unit="Bagian Organisasi",
    ),
]


def _user(email: str) -> User | None:
    return db.session.scalar(select(User).where(func.lower(User.email) == email))


def _months_ago(months: int) -> date:
    # ten days past the month so that reviews fall due inside the notice period
    return add_months(today(), -months) - timedelta(days=10)


def _seed_document(spec: Doc, agency: Agency, author: User, approver: User) -> None:
    unit_id = None
    if spec.unit:
        unit_id = db.session.scalar(
            select(Unit.id).where(Unit.agency_id == agency.id, Unit.name == spec.unit)
        )
    clause_ids = list(
        db.session.scalars(
            select(Clause.id).where(Clause.number.in_(spec.clauses), Clause.retired_at.is_(None))
        )
    )
    values = operations.DocumentValues(
        title=spec.title,
        owner_unit_id=unit_id,
        clause_ids=clause_ids,
        review_period_months=spec.review_period_months,
        retention_years=spec.retention_years,
    )
    with acting_as(author.id):
        document = operations.create_document(author, agency, spec.doc_type, values)
    for rev in spec.revisions:
        with acting_as(author.id):
            revision = operations.create_revision(author, document, rev.summary, rev.sections)
        if rev.effective_months_ago is None and rev.effective_on is None:
            if rev.submitted:
                with acting_as(author.id):
                    workflow.transition(author, revision, "submit")
            continue
        with acting_as(author.id):
            workflow.transition(author, revision, "submit")
        with acting_as(approver.id):
            workflow.transition(approver, revision, "approve")
        with acting_as(author.id):
            workflow.transition(
                author,
                revision,
                "make_effective",
                effective_on=rev.effective_on or _months_ago(rev.effective_months_ago),
            )


def _configured(agency: Agency) -> bool:
    return (
        db.session.scalar(
            select(DocumentApprover.id).where(DocumentApprover.agency_id == agency.id).limit(1)
        )
        is not None
    )


def seed() -> None:
    city = db.session.scalar(select(City).where(City.code == CITY_CODE))
    if city is None:
        return
    agencies = {
        a.code: a for a in db.session.scalars(select(Agency).where(Agency.city_id == city.id))
    }
    admin = _user("sysadmin@demo.qms.id")
    for code in PEOPLE:
        if code in agencies and admin is not None and not _configured(agencies[code]):
            approvers.configure(
                admin,
                agencies[code],
                {t: {Role.QUALITY_OFFICER, Role.AGENCY_HEAD} for t in HEAD_ALSO_APPROVES},
            )
    for spec in DOCUMENTS:
        agency = agencies.get(spec.agency)
        author, approver = (_user(email) for email in PEOPLE[spec.agency])
        if agency is None or author is None or approver is None:
            continue
        exists = db.session.scalar(
            select(Document.id).where(Document.agency_id == agency.id, Document.title == spec.title)
        )
        if exists is None:
            _seed_document(spec, agency, author, approver)
