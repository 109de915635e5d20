"""Kota Kupang demo data for the cooperative office: 32 small businesses with local products
(madu hutan Timor, air minum dalam kemasan, garam beriodium, kopi bubuk, se'i, abon, dendeng,
gula semut lontar, tenun ikat…) spread over the whole certification pathway with dates in
2025–2026, guidance visits and training batches. Built through the operations, so the data obeys
the same rules as real input. Idempotent: a business whose NIB exists is left alone."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

from flask import current_app
from sqlalchemy import func, select

from qms.accounts.models import User
from qms.core.checklists import load_directory
from qms.core.history import acting_as
from qms.extensions import db
from qms.organisations.models import City
from qms.sme import catalogue, labtests, operations, workflow
from qms.sme.catalogue_models import ParameterLimit, ProductStandard, TestParameter
from qms.sme.models import Business, Pathway, Product, TrainingBatch
from qms.sme.vocabulary import BINA_UMK_FORMER_STAGES, ReadinessStatus, Scheme, Stage

OFFICER_EMAIL = "koperasi@demo.qms.id"
LSPROS = (
    ("LSPro Sertifikasi Pangan Nusantara (demo)", "LSPr-034-IDN"),
    ("LSPro Balai Standardisasi Industri (demo)", "LSPr-010-IDN"),
)
LAB = "Laboratorium Pengujian Mutu Pangan Kupang (demo, terakreditasi KAN)"

# (business, owner, kecamatan, kelurahan, scale, workers, registered,
#  [(product, brand, category, SNI code or None, target stage or None, scheme, start)])
BUSINESSES = [
    (
        "UD Madu Fatuleu",
        "Yohana Bessie",
        "Maulafa",
        "Penfui",
        "kecil",
        8,
        date(2025, 1, 14),
        [
            (
                "Madu Hutan Timor",
                "Fatuleu",
                "honey",
                "SNI-8664-2018",
                "surveillance",
                "sppt5",
                date(2025, 2, 3),
            )
        ],
    ),
    (
        "Madu Mutis Lestari",
        "Marthen Lenggu",
        "Oebobo",
        "Oebufu",
        "mikro",
        4,
        date(2025, 1, 20),
        [
            (
                "Madu Hutan Mutis",
                "Mutis",
                "honey",
                "SNI-8664-2018",
                "certified",
                "bina",
                date(2025, 3, 10),
            )
        ],
    ),
    (
        "Klanceng Alak",
        "Agustina Nalle",
        "Alak",
        "Manulai II",
        "mikro",
        3,
        date(2025, 4, 2),
        [
            (
                "Madu Trigona",
                "Klanceng Alak",
                "honey",
                "SNI-8664-2018",
                "guidance",
                "bina",
                date(2026, 6, 9),
            )
        ],
    ),
    (
        "CV Oesapa Segar",
        "Daniel Ndolu",
        "Kelapa Lima",
        "Oesapa",
        "kecil",
        14,
        date(2025, 1, 8),
        [
            (
                "Air Minum Dalam Kemasan 600 ml",
                "Oesapa Segar",
                "drinking_water",
                "SNI-3553-2015",
                "renewal",
                "sppt5",
                date(2025, 1, 13),
            )
        ],
    ),
    (
        "Tirta Lasiana",
        "Maria Goreti Seran",
        "Kelapa Lima",
        "Lasiana",
        "kecil",
        11,
        date(2025, 2, 17),
        [
            (
                "Air Minum Dalam Kemasan Galon",
                "Tirta Lasiana",
                "drinking_water",
                "SNI-3553-2015",
                "testing_failed",
                "sppt5",
                date(2025, 9, 1),
            )
        ],
    ),
    (
        "Oepura Jernih",
        "Yakobus Taek",
        "Maulafa",
        "Oepura",
        "kecil",
        9,
        date(2025, 3, 3),
        [
            (
                "Air Minum Dalam Kemasan Cup 240 ml",
                "Oepura Jernih",
                "drinking_water",
                "SNI-3553-2015",
                "site_audit",
                "sppt5",
                date(2025, 12, 1),
            )
        ],
    ),
    (
        "Garam Kristal Oesapa",
        "Elisabeth Manafe",
        "Kelapa Lima",
        "Oesapa Selatan",
        "mikro",
        5,
        date(2025, 2, 5),
        [
            (
                "Garam Konsumsi Beriodium 250 g",
                "Kristal Oesapa",
                "salt",
                "SNI-3556-2016",
                "decision",
                "sppt5",
                date(2025, 10, 6),
            )
        ],
    ),
    (
        "UD Garam Namosain",
        "Frans Lay",
        "Alak",
        "Namosain",
        "kecil",
        7,
        date(2025, 2, 12),
        [
            (
                "Garam Halus Beriodium",
                "Namosain",
                "salt",
                "SNI-3556-2016",
                "testing",
                "sppt5",
                date(2026, 1, 12),
            )
        ],
    ),
    (
        "Kopi Fatululi",
        "Hendrik Tanesib",
        "Oebobo",
        "Fatululi",
        "mikro",
        3,
        date(2025, 3, 18),
        [
            (
                "Kopi Bubuk Robusta",
                "Fatululi",
                "coffee",
                "SNI-01-3542-2004",
                "certified_soon",
                "bina",
                date(2025, 1, 6),
            )
        ],
    ),
    (
        "Sangrai Flobamora",
        "Ester Boimau",
        "Kota Raja",
        "Naikoten I",
        "mikro",
        4,
        date(2025, 4, 22),
        [
            (
                "Kopi Bubuk Arabika Bajawa",
                "Flobamora",
                "coffee",
                "SNI-01-3542-2004",
                "applied",
                "bina",
                date(2026, 3, 2),
            )
        ],
    ),
    (
        "Kopi Kuanino",
        "Simon Pah",
        "Kota Raja",
        "Kuanino",
        "mikro",
        2,
        date(2025, 5, 6),
        [
            (
                "Kopi Bubuk Campur Jagung",
                "Kuanino",
                "coffee",
                "SNI-01-3542-2004",
                "readiness",
                "bina",
                date(2026, 9, 14),
            )
        ],
    ),
    (
        "Minyak Sehat Oeba",
        "Rambu Anna",
        "Kota Lama",
        "Oeba",
        "kecil",
        6,
        date(2025, 5, 12),
        [
            (
                "Minyak Goreng Sawit Kemasan 1 L",
                "Oeba Sehat",
                "cooking_oil",
                "SNI-7709-2019",
                "on_hold",
                "sppt5",
                date(2025, 8, 4),
            )
        ],
    ),
    (
        "Se'i Om Ba'i",
        "Yosefina Lete",
        "Kota Lama",
        "Solor",
        "kecil",
        10,
        date(2025, 1, 27),
        [
            ("Se'i Babi Asap", "Om Ba'i", "meat_product", None, None, "", None),
            (
                "Abon Sapi",
                "Om Ba'i",
                "meat_product",
                "SNI-01-3707-1995",
                "documents_ready",
                "bina",
                date(2026, 4, 6),
            ),
        ],
    ),
    (
        "Se'i Sapi Lamalera",
        "Gabriel Manek",
        "Oebobo",
        "Oebobo",
        "mikro",
        5,
        date(2025, 2, 24),
        [("Se'i Sapi Asap", "Lamalera", "meat_product", None, None, "", None)],
    ),
    (
        "Abon Ikan Kelapa Lima",
        "Ani Mooy",
        "Kelapa Lima",
        "Kelapa Lima",
        "mikro",
        4,
        date(2025, 3, 11),
        [
            (
                "Abon Ikan Tuna",
                "Kelapa Lima",
                "meat_product",
                "SNI-01-3707-1995",
                "site_audit_open",
                "sppt5",
                date(2025, 11, 3),
            )
        ],
    ),
    (
        "Dendeng Oebobo",
        "Kristofel Lerrick",
        "Oebobo",
        "Kayu Putih",
        "mikro",
        3,
        date(2025, 4, 1),
        [
            (
                "Dendeng Sapi Balado",
                "Oebobo",
                "meat_product",
                "SNI-01-2908-1992",
                "guidance",
                "bina",
                date(2026, 5, 18),
            )
        ],
    ),
    (
        "Gula Semut Lontar Liliba",
        "Selfina Tallo",
        "Oebobo",
        "Liliba",
        "mikro",
        6,
        date(2025, 2, 3),
        [
            (
                "Gula Semut Lontar",
                "Liliba",
                "palm_sugar",
                "SNI-01-3743-1995",
                "certified",
                "bina",
                date(2025, 2, 10),
            )
        ],
    ),
    (
        "Gula Lempeng Sabu",
        "Natalia Kase",
        "Alak",
        "Nunbaun Sabu",
        "mikro",
        4,
        date(2025, 6, 9),
        [
            (
                "Gula Lempeng Lontar",
                "Sabu Manis",
                "palm_sugar",
                "SNI-01-3743-1995",
                "withdrawn",
                "bina",
                date(2025, 7, 7),
            )
        ],
    ),
    (
        "Tenun Ikat Ina Ndao",
        "Benyamin Sjah",
        "Maulafa",
        "Naimata",
        "mikro",
        7,
        date(2025, 1, 30),
        [("Selendang Tenun Ikat", "Ina Ndao", "textile", None, None, "", None)],
    ),
    (
        "Tenun Sotis Belo",
        "Merlin Bengu",
        "Maulafa",
        "Belo",
        "mikro",
        5,
        date(2025, 3, 25),
        [("Sarung Tenun Sotis", "Belo", "textile", None, None, "", None)],
    ),
    (
        "Keripik Pisang Kolhua",
        "Paulus Kolo",
        "Maulafa",
        "Kolhua",
        "mikro",
        3,
        date(2025, 4, 15),
        [("Keripik Pisang Gepeng", "Kolhua", "snack", None, None, "", None)],
    ),
    (
        "Jagung Bose Naikolan",
        "Yuliana Nenobais",
        "Maulafa",
        "Naikolan",
        "mikro",
        2,
        date(2025, 5, 20),
        [("Jagung Bose Instan", "Naikolan", "snack", None, None, "", None)],
    ),
    (
        "Madu Sikumana",
        "Rudi Haning",
        "Maulafa",
        "Sikumana",
        "mikro",
        3,
        date(2025, 6, 3),
        [
            (
                "Madu Hutan Amfoang",
                "Sikumana",
                "honey",
                "SNI-8664-2018",
                "registered",
                "bina",
                date(2026, 10, 20),
            )
        ],
    ),
    (
        "Air Isi Ulang Fontein",
        "Sarlota Missa",
        "Kota Raja",
        "Fontein",
        "mikro",
        3,
        date(2025, 6, 16),
        [
            (
                "Air Minum Dalam Kemasan Galon",
                "Fontein Murni",
                "drinking_water",
                "SNI-3553-2015",
                "readiness",
                "sppt5",
                date(2026, 8, 24),
            )
        ],
    ),
    (
        "Garam Tode Kisar",
        "Okto Bire",
        "Kota Lama",
        "Tode Kisar",
        "mikro",
        4,
        date(2025, 7, 1),
        [
            (
                "Garam Beriodium Krosok",
                "Tode Kisar",
                "salt",
                "SNI-3556-2016",
                "documents_ready",
                "sppt5",
                date(2026, 2, 9),
            )
        ],
    ),
    (
        "Kopi Tuak Daun Merah",
        "Dominggus Kana",
        "Oebobo",
        "Tuak Daun Merah",
        "mikro",
        2,
        date(2025, 7, 14),
        [
            (
                "Kopi Bubuk Robusta Timor",
                "TDM",
                "coffee",
                "SNI-01-3542-2004",
                "registered",
                "bina",
                date(2026, 10, 5),
            )
        ],
    ),
    (
        "Dendeng Bakunase",
        "Lusia Lobo",
        "Kota Raja",
        "Bakunase",
        "mikro",
        3,
        date(2025, 8, 4),
        [
            (
                "Dendeng Sapi Iris",
                "Bakunase",
                "meat_product",
                "SNI-01-2908-1992",
                "applied",
                "bina",
                date(2026, 1, 19),
            )
        ],
    ),
    (
        "Abon Airnona",
        "Imanuel Ratu",
        "Kota Raja",
        "Airnona",
        "mikro",
        2,
        date(2025, 8, 18),
        [
            (
                "Abon Sapi Pedas",
                "Airnona",
                "meat_product",
                "SNI-01-3707-1995",
                "guidance",
                "bina",
                date(2026, 7, 6),
            )
        ],
    ),
    (
        "Gula Semut Batuplat",
        "Desi Fanggidae",
        "Alak",
        "Batuplat",
        "mikro",
        3,
        date(2025, 9, 1),
        [("Gula Semut Lontar Jahe", "Batuplat", "palm_sugar", None, None, "", None)],
    ),
    (
        "Se'i Naikoten",
        "Markus Ully",
        "Kota Raja",
        "Naikoten II",
        "kecil",
        12,
        date(2025, 9, 15),
        [("Se'i Babi Sambal Lu'at", "Naikoten", "meat_product", None, None, "", None)],
    ),
    (
        "Tenun Ikat Oetete",
        "Stefanus Mau",
        "Oebobo",
        "Oetete",
        "mikro",
        6,
        date(2025, 10, 6),
        [("Kain Tenun Ikat Timor", "Oetete", "textile", None, None, "", None)],
    ),
    (
        "Madu Penkase",
        "Yanti Nope",
        "Alak",
        "Penkase Oeleta",
        "mikro",
        2,
        date(2025, 10, 20),
        [
            (
                "Madu Hutan Timor 250 g",
                "Penkase",
                "honey",
                "SNI-8664-2018",
                "readiness",
                "bina",
                date(2026, 9, 28),
            )
        ],
    ),
]

#: targets and the forward stage they stop at (special cases handled in _walk); a Bina UMK
#: target on the SPPT list stops where that stage lies on the Bina UMK list
TARGETS = {
    "testing_failed": Stage.TESTING,
    "site_audit_open": Stage.SITE_AUDIT,
    "certified_soon": Stage.CERTIFIED,
    "on_hold": Stage.SITE_AUDIT,
    "withdrawn": Stage.GUIDANCE,
}
STEP_DAYS = {
    "start_readiness": 7,
    "start_guidance": 14,
    "documents_ready": 35,
    "apply": 21,
    "apply_oss": 30,
    "check_completeness": 5,
    "review_application": 7,
    "start_document_audit": 14,
    "start_site_audit": 21,
    "start_testing": 45,
    "start_verification": 21,
    "start_technical_review": 30,
    "to_decision": 7,
    "certify": 30,
    "start_surveillance": 30,
    "start_renewal": 300,
}
#: the column of its SNI each demo product is judged by
VARIANTS = {
    "Madu Hutan Timor": "hutan",
    "Madu Hutan Mutis": "hutan",
    "Madu Trigona": "trigona",
    "Madu Hutan Amfoang": "hutan",
    "Madu Hutan Timor 250 g": "hutan",
    "Gula Semut Lontar": "butiran",
    "Gula Lempeng Lontar": "cetak",
    "Dendeng Sapi Balado": "irisan-mutu-1",
    "Dendeng Sapi Iris": "irisan-mutu-2",
}

#: the demo city, created by qms/demo.py
CITY_CODE = "KUPANG"
LAB_ACCREDITATION = "LP-999-IDN"


def _nib(index: int) -> str:
    return f"91200{index:08d}"


def passing_value(limit: TestParameter | ParameterLimit) -> str:
    """A result within `limit`, written as a lab would: "ttd" for not detected, "< x" under a
    maximum that is itself a fail."""
    if limit.is_qualitative:
        expected = limit.expected_id or ""
        return "ttd" if expected == "tidak terdeteksi" else expected
    low, high = limit.min_value, limit.max_value
    if high is not None and limit.max_exclusive and low is None:
        return f"< {high.normalize():f}"
    if low is not None and high is not None:
        value = (low + high) / 2
    elif high is not None:
        value = high * Decimal("0.6")
    else:
        # above the minimum, within what is possible (94 % NaCl cannot become 112.8 %)
        ceiling = getattr(limit, "parameter", limit).possible_max
        value = (
            low * Decimal("1.2")
            if ceiling is None
            else min(low * Decimal("1.2"), (low + ceiling) / 2)
        )
    return f"{value.quantize(Decimal('0.001')).normalize():f}"


def failing_value(limit: TestParameter | ParameterLimit) -> str:
    if limit.max_value is not None:
        return f"{(limit.max_value * Decimal('1.3')).normalize():f}"
    return f"{(limit.min_value * Decimal('0.7')).normalize():f}"


def results(pathway: Pathway, failing_key: str | None = None) -> dict[str, str]:
    """A passing result for every parameter the pathway's product is tested for, by its own
    column of the SNI; `failing_key`'s fails."""
    values = {}
    for parameter in pathway.parameters:
        limit = parameter.limit_for(pathway.variant)
        wanted = failing_value if parameter.key == failing_key else passing_value
        values[parameter.key] = wanted(limit)
    return values


def _fail_key(pathway: Pathway) -> str:
    numeric = [p for p in pathway.parameters if not p.is_qualitative]
    preferred = next((p for p in numeric if p.key in ("moisture", "kio3", "tds")), numeric[0])
    return preferred.key


def _stop(pathway: Pathway, target: str) -> Stage:
    stop = TARGETS.get(target) or Stage(target)
    if stop not in pathway.stage_list:
        stop = BINA_UMK_FORMER_STAGES.get(stop, stop)
    return stop


def _extra(pathway: Pathway, name: str, day: date, target: str, index: int) -> dict:
    """What the step asks for beyond its date."""
    lspro, accreditation = LSPROS[index % 2]
    if name == "apply":
        return {"lspro_name": lspro, "lspro_accreditation": accreditation}
    if name in ("start_document_audit", "start_testing"):
        return {"invoice_number": f"INV/{day.year}/{pathway.id:04d}"}
    if name == "certify":
        prefix = "SPPT" if pathway.scheme == Scheme.SPPT_SNI else "BINA"
        soon = target == "certified_soon"
        return {
            "certificate_number": f"{prefix}-{pathway.standard.code[4:]}-{day.year}-{index:03d}",
            "issued_on": day,
            # one certificate with a short term, so the demo shows an expiry coming up; Bina
            # UMK has no configured validity, so its expiry is entered as printed
            "expires_on": date(2027, 1, 15)
            if soon
            else (
                day.replace(year=day.year + 4) if pathway.scheme == Scheme.SNI_BINA_UMK else None
            ),
        }
    return {}


def _before(officer: User, pathway: Pathway, name: str, day: date, index: int) -> None:
    """What the office records before taking the step."""
    if name in ("start_guidance", "apply_oss") and not workflow.readiness_refusal(pathway):
        items = catalogue.readiness_items()
        answers = {
            item.id: (
                (ReadinessStatus.YES if (i + index) % 3 else ReadinessStatus.PARTLY).value,
                "",
            )
            for i, item in enumerate(items)
        }
        operations.save_readiness(officer, pathway, answers)
    if name == "start_technical_review":
        for finding in pathway.findings:
            operations.close_finding(
                officer,
                finding,
                closed_on=day - timedelta(days=5),
                note="Perbaikan diverifikasi saat kunjungan lanjutan.",
            )
    if name == "start_technical_review" or (
        name == "certify" and pathway.scheme == Scheme.SNI_BINA_UMK
    ):
        _lab_tests(officer, pathway, day, failed_first=index % 2 == 0)


def _walk(officer: User, pathway: Pathway, target: str, day: date, index: int) -> None:
    """Carry a pathway to its target along its scheme's stages, with plausible gaps."""
    stop = _stop(pathway, target)
    while pathway.stage != stop:
        step = workflow.next_step(pathway)
        if step is None:
            break
        day = day + timedelta(days=STEP_DAYS[step.name])
        _before(officer, pathway, step.name, day, index)
        extra = _extra(pathway, step.name, day, target, index)
        workflow.transition(officer, pathway, step.name, on=day, notes="", **extra)
        if pathway.stage == Stage.SITE_AUDIT:
            operations.add_finding(
                officer,
                pathway,
                grade="minor",
                description="Catatan suhu dan kode produksi belum dicatat untuk setiap batch.",
                raised_on=day + timedelta(days=2),
            )
        if pathway.stage == Stage.TESTING and target == "testing_failed":
            _lab_tests(
                officer, pathway, day + timedelta(days=30), failed_first=True, only_failed=True
            )
    if target == "on_hold":
        workflow.transition(
            officer,
            pathway,
            "hold",
            on=day + timedelta(days=20),
            reason="Pemilik sakit; produksi berhenti sementara.",
        )
    if target == "withdrawn":
        workflow.transition(
            officer,
            pathway,
            "withdraw",
            on=day + timedelta(days=40),
            reason="Usaha beralih ke produk gula cair; tidak melanjutkan SNI.",
        )


def _lab_tests(
    officer: User, pathway: Pathway, day: date, *, failed_first: bool, only_failed: bool = False
) -> None:
    rounds = [_fail_key(pathway)] if failed_first else []
    if not only_failed:
        rounds.append(None)
    for number, failing in enumerate(rounds):
        tested = day - timedelta(days=20 - number * 10)
        labtests.record_lab_test(
            officer,
            pathway,
            lab_name=LAB,
            lab_accreditation=LAB_ACCREDITATION,
            report_number=f"LHU/{tested.year}/{pathway.id:03d}/{number + 1}",
            sampled_on=tested - timedelta(days=7),
            tested_on=tested,
            results=results(pathway, failing),
        )


def _guidance(officer: User, city: City) -> None:
    if db.session.scalar(
        select(func.count()).select_from(TrainingBatch).where(TrainingBatch.city_id == city.id)
    ):
        return
    businesses = list(
        db.session.scalars(
            select(Business).where(Business.city_id == city.id).order_by(Business.nib)
        )
    )
    topics = [
        (
            "Label pangan dan kode produksi",
            "Lengkapi label: berat bersih, komposisi, kode produksi.",
        ),
        ("Pencatatan batch dan penelusuran", "Buat buku catatan batch harian."),
        ("Higiene ruang produksi", "Pisahkan ruang produksi dari dapur rumah tangga."),
        ("Persiapan uji laboratorium SNI", "Kirim contoh ke laboratorium terakreditasi KAN."),
    ]
    for i, business in enumerate(businesses):
        title, follow_up = topics[i % len(topics)]
        operations.record_visit(
            officer,
            business,
            {
                "kind": "visit" if i % 3 else "consultation",
                "held_on": business.registered_on + timedelta(days=20 + i % 9),
                "topics": title,
                "notes": f"Pendampingan di lokasi usaha, Kel. {business.kelurahan}.",
                "follow_up": follow_up,
                "follow_up_on": business.registered_on + timedelta(days=50 + i % 9),
            },
        )
    batches = [
        (
            "Sosialisasi SNI Bina UMK dan OSS",
            date(2025, 3, 20),
            "Tim KLT BSN NTT (demo)",
            "Aula Dinas Koperasi UKM",
        ),
        (
            "Pelatihan Cara Produksi Pangan yang Baik",
            date(2025, 8, 12),
            "Fasilitator PLUT-KUMKM NTT (demo)",
            "PLUT Kota Kupang",
        ),
        (
            "Klinik Persiapan Audit LSPro",
            date(2026, 2, 24),
            "Yuliana Sabu",
            "Aula Kecamatan Oebobo",
        ),
    ]
    for n, (title, held_on, trainer, place) in enumerate(batches):
        attendees = [b.id for b in businesses[n::2] if b.registered_on <= held_on][:14]
        operations.create_training(
            officer,
            city,
            {
                "title": title,
                "held_on": held_on,
                "trainer": trainer,
                "place": place,
                "notes": "",
            },
            attendees,
        )


def _variant_id(standard: ProductStandard | None, product_name: str) -> int | None:
    key = VARIANTS.get(product_name)
    if standard is None or key is None:
        return None
    return next((v.id for v in standard.current_variants if v.key == key), None)


def _give_variants(officer: User, index: int, products: list, standards: dict) -> None:
    """A demo seeded before the SNIs had columns: give its products theirs (once)."""
    business_id = db.session.scalar(select(Business.id).where(Business.nib == _nib(index)))
    for product_name, _brand, _category, code, *_rest in products:
        product = db.session.scalar(
            select(Product).where(Product.business_id == business_id, Product.name == product_name)
        )
        variant_id = _variant_id(standards.get(code), product_name)
        if product is not None and product.variant_id is None and variant_id is not None:
            values = {
                "name": product.name,
                "brand": product.brand,
                "category": product.category,
                "standard_id": product.standard_id,
                "variant_id": variant_id,
            }
            operations.update_product(officer, product, values)


def seed() -> None:
    city = db.session.scalar(select(City).where(City.code == CITY_CODE))
    officer = db.session.scalar(select(User).where(User.email == OFFICER_EMAIL))
    if city is None or officer is None:
        return
    if db.session.scalar(select(func.count()).select_from(ProductStandard)) == 0:
        load_directory(Path(current_app.config["CHECKLISTS_DIR"]))
    standards = {s.code: s for s in db.session.scalars(select(ProductStandard))}
    with acting_as(officer.id):
        for index, (
            name,
            owner,
            kecamatan,
            kelurahan,
            scale,
            workers,
            registered,
            products,
        ) in enumerate(BUSINESSES, start=1):
            if db.session.scalar(select(Business.id).where(Business.nib == _nib(index))):
                _give_variants(officer, index, products, standards)
                continue
            business = operations.create_business(
                officer,
                city,
                {
                    "name": name,
                    "owner_name": owner,
                    "nib": _nib(index),
                    "npwp": f"{index:02d}.{700 + index:03d}.{500 + index:03d}.1-920.000"
                    if scale == "kecil"
                    else None,
                    "address": f"Jl. {kelurahan} No. {index + 3}",
                    "kecamatan": kecamatan,
                    "kelurahan": kelurahan,
                    "phone": f"0812-3{index:03d}-{4100 + index:04d}",
                    "email": "",
                    "scale": scale,
                    "workers": workers,
                    "registered_on": registered,
                },
            )
            for product_name, brand, category, code, target, scheme, start in products:
                product = operations.create_product(
                    officer,
                    business,
                    {
                        "name": product_name,
                        "brand": brand,
                        "category": category,
                        "standard_id": standards[code].id if code else None,
                        "variant_id": _variant_id(standards.get(code), product_name),
                    },
                )
                if target is None:
                    continue
                pathway = operations.open_pathway(
                    officer,
                    product,
                    scheme="sppt_sni" if scheme == "sppt5" else "sni_bina_umk",
                    scheme_type="5" if scheme == "sppt5" else None,
                    started_on=start,
                )
                _walk(officer, pathway, target, start, index)
        _guidance(officer, city)
