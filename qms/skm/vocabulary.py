"""The vocabulary of the public satisfaction survey (Survei Kepuasan Masyarakat, Permenpan-RB
14/2017): its nine elements, the answers' scale, the respondent's profile and the survey's
statuses, with their labels. The CSV columns and the public form use the same names."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from qms.core.labels import LabelledEnum

#: the nine elements (unsur) U1–U9, in the regulation's order, as the CSV names them
ELEMENTS = ("u1", "u2", "u3", "u4", "u5", "u6", "u7", "u8", "u9")
ELEMENT_LABELS = {
    "u1": _l("U1 Requirements"),
    "u2": _l("U2 Systems, mechanisms and procedures"),
    "u3": _l("U3 Completion time"),
    "u4": _l("U4 Cost or tariff"),
    "u5": _l("U5 Service products (specification)"),
    "u6": _l("U6 Staff competence"),
    "u7": _l("U7 Staff behaviour"),
    "u8": _l("U8 Handling of complaints, suggestions and feedback"),
    "u9": _l("U9 Facilities and infrastructure"),
}
#: the answers, 1 to 4 (a 0 or a 5 is refused)
SCORES = range(1, 5)
SCORE_LABELS = {
    1: _l("1 – poor (tidak baik)"),
    2: _l("2 – fair (kurang baik)"),
    3: _l("3 – good (baik)"),
    4: _l("4 – very good (sangat baik)"),
}


class Gender(LabelledEnum):
    MALE = "L", _l("Male (L)")
    FEMALE = "P", _l("Female (P)")


class AgeBand(LabelledEnum):
    """A respondent's age in the survey's bands, each labelled by its value."""

    UNDER_20 = "<20"
    TWENTIES = "20-29"
    THIRTIES = "30-39"
    FORTIES = "40-49"
    FIFTIES = "50-59"
    SIXTY_PLUS = "60+"


#: the youngest and oldest ages a respondent's `umur` can give in years
AGES = range(10, 121)


def age_band(years: int) -> AgeBand:
    if years < 20:
        return AgeBand.UNDER_20
    if years >= 60:
        return AgeBand.SIXTY_PLUS
    return list(AgeBand)[(years - 10) // 10]


class Education(LabelledEnum):
    NONE = "none", _l("No schooling")
    SD = "sd", "SD"
    SMP = "smp", "SMP"
    SMA = "sma", "SMA/SMK"
    DIPLOMA = "diploma", "D1–D3"
    S1 = "s1", "D4/S1"
    S2 = "s2", "S2"
    S3 = "s3", "S3"


#: spellings of the paper forms and the online forms' exports -> our values
EDUCATION_ALIASES = {
    **{e.value: e for e in Education},
    "tidak sekolah": Education.NONE,
    "tidak_sekolah": Education.NONE,
    "smk": Education.SMA,
    "sma/smk": Education.SMA,
    "d1": Education.DIPLOMA,
    "d2": Education.DIPLOMA,
    "d3": Education.DIPLOMA,
    "d4": Education.S1,
}


class Occupation(LabelledEnum):
    CIVIL_SERVANT = "pns", _l("Civil servant (PNS/ASN)")
    MILITARY_POLICE = "tni_polri", "TNI/POLRI"
    PRIVATE = "swasta", _l("Private employee")
    SELF_EMPLOYED = "wirausaha", _l("Self-employed")
    STUDENT = "pelajar", _l("Pupil or student")
    OTHER = "lainnya", _l("Other")


OCCUPATION_ALIASES = {
    **{o.value: o for o in Occupation},
    "asn": Occupation.CIVIL_SERVANT,
    "tni": Occupation.MILITARY_POLICE,
    "polri": Occupation.MILITARY_POLICE,
    "tni/polri": Occupation.MILITARY_POLICE,
    "pegawai swasta": Occupation.PRIVATE,
    "wiraswasta": Occupation.SELF_EMPLOYED,
    "mahasiswa": Occupation.STUDENT,
    "pelajar/mahasiswa": Occupation.STUDENT,
    "other": Occupation.OTHER,
}


class Channel(LabelledEnum):
    """How a response arrived."""

    FILE = "file", _l("Uploaded file")
    API = "api", _l("API")
    FORM = "form", _l("Public form")


class SurveyStatus(LabelledEnum):
    COLLECTING = "collecting", _l("Collecting responses")
    CLOSED = "closed", _l("Closed")
    PUBLISHED = "published", _l("Published")
