"""Kecamatan and kelurahan of Kota Kupang, for suggestions on the business form, the check that a
known kelurahan lies in the chosen kecamatan, and the demo data."""

from __future__ import annotations

KUPANG_CITY_CODE = "KUPANG"

KUPANG_KELURAHAN: dict[str, tuple[str, ...]] = {
    "Alak": (
        "Alak",
        "Batuplat",
        "Fatufeto",
        "Mantasi",
        "Manulai II",
        "Manutapen",
        "Naioni",
        "Namosain",
        "Nunbaun Delha",
        "Nunbaun Sabu",
        "Nunhila",
        "Penkase Oeleta",
    ),
    "Kelapa Lima": ("Kelapa Lima", "Lasiana", "Oesapa", "Oesapa Barat", "Oesapa Selatan"),
    "Kota Lama": (
        "Airmata",
        "Bonipoi",
        "Fontein",
        "LLBK",
        "Merdeka",
        "Nefonaek",
        "Oeba",
        "Pasir Panjang",
        "Solor",
        "Tode Kisar",
    ),
    "Kota Raja": (
        "Airnona",
        "Bakunase",
        "Bakunase II",
        "Kuanino",
        "Naikoten I",
        "Naikoten II",
        "Nunleu",
    ),
    "Maulafa": (
        "Belo",
        "Fatukoa",
        "Kolhua",
        "Maulafa",
        "Naikolan",
        "Naimata",
        "Oepura",
        "Penfui",
        "Sikumana",
    ),
    "Oebobo": (
        "Fatululi",
        "Kayu Putih",
        "Liliba",
        "Oebobo",
        "Oebufu",
        "Oetete",
        "Tuak Daun Merah",
    ),
}


def kecamatan_of(kelurahan: str) -> str | None:
    wanted = kelurahan.strip().casefold()
    for kecamatan, names in KUPANG_KELURAHAN.items():
        if any(name.casefold() == wanted for name in names):
            return kecamatan
    return None
