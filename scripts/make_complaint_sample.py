"""Write checklists/samples/qlue-kupang-2026.csv: a realistic Qlue / SP4N-LAPOR! / counter export
of 200 complaints for Kota Kupang (January–March 2026), with a few malformed rows of the kinds
real exports contain (bad dates, unknown agency, missing id, duplicate id, bad rating, a response
before the report). Deterministic: the same file every run.

    python scripts/make_complaint_sample.py
"""

from __future__ import annotations

import csv
import random
from datetime import datetime, timedelta
from pathlib import Path

OUT = Path(__file__).resolve().parent.parent / "checklists" / "samples" / "qlue-kupang-2026.csv"
COLUMNS = [
    "id",
    "channel",
    "received_at",
    "agency",
    "service",
    "category",
    "text",
    "location",
    "status",
    "response_date",
    "rating",
]

#: (agency code, service, category, complaint texts, weight)
TOPICS = [
    (
        "DLHK",
        "Pengangkutan sampah",
        "Sampah",
        [
            "Sampah menumpuk di pinggir jalan sudah tiga hari belum diangkut.",
            "Bak sampah depan pasar penuh dan berbau, mohon segera diangkut.",
            "Truk sampah tidak lewat sejak minggu lalu, warga membakar sampah.",
            "Tumpukan sampah di saluran air menyebabkan banjir saat hujan.",
        ],
        9,
    ),
    (
        "DISHUB",
        "Penerangan jalan umum",
        "Lampu jalan rusak",
        [
            "Lampu jalan mati sepanjang 200 meter, rawan kecelakaan dan kejahatan.",
            "Lampu PJU berkedip dan mati sejak seminggu.",
            "Tiang lampu jalan miring hampir roboh.",
        ],
        6,
    ),
    (
        "DISHUB",
        "Manajemen lalu lintas",
        "Parkir liar",
        [
            "Parkir liar di bahu jalan menyebabkan kemacetan setiap sore.",
            "Juru parkir liar memungut tarif di luar ketentuan.",
        ],
        4,
    ),
    (
        "DISHUB",
        "Manajemen lalu lintas",
        "Kemacetan",
        [
            "Lampu lalu lintas di persimpangan tidak berfungsi, macet panjang.",
            "Kemacetan parah jam pulang sekolah, tidak ada petugas.",
        ],
        3,
    ),
    (
        "PUPR",
        "Pemeliharaan jalan",
        "Jalan rusak",
        [
            "Jalan berlubang besar, sudah ada pengendara motor jatuh.",
            "Aspal mengelupas setelah hujan, mohon ditambal.",
            "Drainase tersumbat, air meluap ke jalan.",
        ],
        6,
    ),
    (
        "SATPOLPP",
        "Ketertiban umum",
        "Pedagang liar",
        [
            "Pedagang berjualan di trotoar sehingga pejalan kaki turun ke jalan.",
            "Lapak liar menutup akses masuk gang.",
        ],
        3,
    ),
    (
        "SATPOLPP",
        "Ketertiban umum",
        "Iklan liar",
        [
            "Spanduk dan baliho liar dipasang di pohon dan tiang listrik.",
        ],
        2,
    ),
    (
        "DINSOS",
        "Penanganan PMKS",
        "Pengemis dan gelandangan",
        [
            "Ada pengemis anak-anak di lampu merah setiap malam.",
            "Orang dengan gangguan jiwa terlantar di emperan toko.",
        ],
        2,
    ),
    (
        "DINKES",
        "Pengendalian penyakit",
        "Fogging DBD",
        [
            "Ada dua warga terkena DBD, mohon dilakukan fogging.",
            "Genangan air dan banyak nyamuk, minta pemeriksaan jentik.",
        ],
        2,
    ),
    (
        "DAMKAR",
        "Pemadaman kebakaran",
        "Kebakaran",
        [
            "Kebakaran lahan kosong dekat permukiman, asap masuk rumah.",
        ],
        1,
    ),
    (
        "DUKCAPIL",
        "Penerbitan KTP-el",
        "Pelayanan administrasi kependudukan",
        [
            "KTP-el belum jadi lebih dari dua minggu, alasan blanko habis.",
            "Antrean perekaman KTP-el sangat panjang, nomor antrean habis jam 9 pagi.",
            "Kartu Keluarga yang dikirim lewat email salah nama anggota keluarga.",
            "Diminta biaya untuk pengurusan akta kelahiran padahal gratis.",
        ],
        4,
    ),
    (
        "RSUD",
        "Pendaftaran rawat jalan",
        "Pelayanan kesehatan",
        [
            "Antrean pendaftaran rawat jalan lebih dari tiga jam.",
            "Petugas IGD kurang ramah kepada keluarga pasien.",
        ],
        2,
    ),
    (
        "DPMPTSP",
        "Perizinan OSS / MPP",
        "Perizinan",
        [
            "Pengurusan NIB di MPP tidak selesai karena sistem OSS gangguan.",
        ],
        1,
    ),
]

#: kelurahan with their kecamatan
PLACES = [
    ("Oebobo", "Oebobo"),
    ("Kayu Putih", "Oebobo"),
    ("Fatululi", "Oebobo"),
    ("Oetete", "Oebobo"),
    ("Oesapa", "Kelapa Lima"),
    ("Lasiana", "Kelapa Lima"),
    ("Kelapa Lima", "Kelapa Lima"),
    ("Oeba", "Kota Lama"),
    ("Solor", "Kota Lama"),
    ("Merdeka", "Kota Lama"),
    ("Fatubesi", "Kota Lama"),
    ("Kuanino", "Kota Raja"),
    ("Bakunase", "Kota Raja"),
    ("Naikoten I", "Kota Raja"),
    ("Sikumana", "Maulafa"),
    ("Penfui", "Maulafa"),
    ("Naimata", "Maulafa"),
    ("Kolhua", "Maulafa"),
    ("Alak", "Alak"),
    ("Namosain", "Alak"),
    ("Manulai II", "Alak"),
    ("Nunbaun Sabu", "Alak"),
]
STREETS = [
    "Jl. El Tari",
    "Jl. Frans Seda",
    "Jl. W.J. Lalamentik",
    "Jl. Soeharto",
    "Jl. Timor Raya",
    "Jl. Adisucipto",
    "Jl. Perintis Kemerdekaan",
    "Jl. Cak Doko",
    "Jl. Sudirman",
    "Jl. Piet A. Tallo",
]


def _location(rng: random.Random) -> str:
    kelurahan, kecamatan = rng.choice(PLACES)
    return f"{rng.choice(STREETS)}, Kel. {kelurahan}, Kec. {kecamatan}"


def _channel(rng: random.Random, agency: str) -> str:
    if agency in ("DUKCAPIL", "RSUD", "DPMPTSP"):
        return rng.choice(["SP4N-LAPOR", "Loket", "SP4N-LAPOR"])
    return rng.choices(["Qlue", "SP4N-LAPOR"], weights=[5, 1])[0]


def _ids() -> dict[str, int]:
    return {"Qlue": 418000, "SP4N-LAPOR": 7720000, "Loket": 100}


def rows() -> list[dict[str, str]]:
    rng = random.Random(20260322)
    start = datetime(2026, 1, 5, 7, 0)
    counters = _ids()
    weights = [t[4] for t in TOPICS]
    result = []
    for _ in range(200):
        agency, service, category, texts, _w = rng.choices(TOPICS, weights=weights)[0]
        channel = _channel(rng, agency)
        received = start + timedelta(
            days=rng.randint(0, 81), hours=rng.randint(0, 13), minutes=rng.randint(0, 59)
        )
        fate = rng.random()
        if fate < 0.68:
            responded = received + timedelta(days=rng.randint(0, 4), hours=rng.randint(1, 9))
        elif fate < 0.85:
            responded = received + timedelta(days=rng.randint(6, 14), hours=rng.randint(1, 9))
        else:
            responded = None
        status = "selesai" if responded else rng.choice(["menunggu", "proses"])
        rating = str(rng.randint(1, 5)) if responded and rng.random() < 0.7 else ""
        result.append(
            {
                "id": "",
                "channel": channel,
                "received_at": received.strftime("%Y-%m-%d %H:%M"),
                "agency": agency,
                "service": service,
                "category": category,
                "text": rng.choice(texts),
                "location": _location(rng),
                "status": status,
                "response_date": responded.strftime("%Y-%m-%d %H:%M") if responded else "",
                "rating": rating,
            }
        )
    result.sort(key=lambda r: r["received_at"])
    for row in result:  # the channels number their reports in the order received
        counters[row["channel"]] += rng.randint(3, 40)
        prefix = {"Qlue": "QL", "SP4N-LAPOR": "LPR", "Loket": "LKT"}[row["channel"]]
        row["id"] = f"{prefix}-{counters[row['channel']]}"
    _spoil(result)
    return result


def _spoil(result: list[dict[str, str]]) -> None:
    """The faults real exports have, at fixed places (data rows 13, 27, …; +1 for the header)."""
    result[12]["received_at"] = "31/02/2026 09:15"  # bad date
    result[26]["response_date"] = "2026-13-05 10:00"  # bad date
    result[40]["agency"] = "PDAM"  # not an agency of the city (a BUMD)
    result[55]["id"] = ""  # missing id
    result[70]["id"] = result[69]["id"]  # duplicate id
    result[70]["channel"] = result[69]["channel"]
    result[85]["rating"] = "6"  # bad rating
    result[99]["rating"] = "bagus"  # bad rating
    result[120]["agency"] = "DISNAKERTRANS"  # unknown agency
    result[150]["response_date"] = "2026-01-01 08:00"  # response before the report


def main() -> None:
    OUT.parent.mkdir(parents=True, exist_ok=True)
    with OUT.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=COLUMNS)
        writer.writeheader()
        writer.writerows(rows())
    print(f"wrote {OUT}")


if __name__ == "__main__":
    main()
