"""The pathway page's own forms over HTTP: the readiness assessment, production-site audit
findings (recorded and closed), surveillance and evidence files on a stage. The city's coop
officer writes; other cities' officers and agency officers get 404, BSN reviewers and management
viewers are turned away as read-only; bad input comes back on the page (422) and writes nothing."""

from __future__ import annotations

import io
from datetime import date, timedelta
from html.parser import HTMLParser
from pathlib import Path

import pytest
from sqlalchemy import func, select

from qms.core.checklists import load_file
from qms.core.roles import Role
from qms.extensions import db
from qms.files.models import StoredFile
from qms.sme import catalogue, operations, queries
from qms.sme.demo import failing_value, passing_value
from qms.sme.models import (
    AuditFinding,
    Business,
    Certificate,
    GuidanceVisit,
    LabTest,
    Pathway,
    Product,
    ReadinessAnswer,
    Surveillance,
    TrainingBatch,
)
from qms.sme.vocabulary import Stage
from tests.factories import AgencyFactory, CityFactory, user_with_role
from tests.factories_sme import (
    BusinessFactory,
    ProductFactory,
    advance,
    coop_officer,
    honey,
    load_catalogue,
    standard,
)

START = date(2025, 3, 3)
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00"
#: who is refused, and how: invisible (404) or read-only (sent back with a message)
REFUSED = [("other_coop", 404), ("quality", 404), ("bsn", 303), ("viewer", 303)]


@pytest.fixture
def world(app):
    load_catalogue()
    product = honey()
    city = product.business.city
    coop = coop_officer(city)
    pathway = operations.open_pathway(
        coop, product, scheme="sppt_sni", scheme_type="5", started_on=START
    )
    return {
        "pathway": pathway,
        "coop": coop,
        "other_coop": user_with_role(Role.COOP_OFFICER, city=CityFactory()),
        "quality": user_with_role(Role.QUALITY_OFFICER, agency=AgencyFactory(city=city)),
        "bsn": user_with_role(Role.BSN_REVIEWER),
        "viewer": user_with_role(Role.MANAGEMENT_VIEWER, city=city),
    }


def _at(world, stage: Stage):
    return advance(world["coop"], world["pathway"], stage, START)


def _count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


# --- readiness ----------------------------------------------------------------------------


def _readiness_form(status: str = "yes") -> dict[str, str]:
    return {
        **{f"status-{i.id}": status for i in catalogue.readiness_items()},
        **{f"note-{i.id}": "Dicek di lokasi" for i in catalogue.readiness_items()},
    }


def test_officer_saves_the_readiness_assessment(client, auth, world):
    pathway = _at(world, Stage.READINESS)
    auth.login(world["coop"])
    page = client.get(f"/sme/pathways/{pathway.id}/readiness")
    assert page.status_code == 200 and 'id="status-' in page.get_data(as_text=True)
    form = _readiness_form()
    first = catalogue.readiness_items()[0]
    form[f"status-{first.id}"] = ""  # left open: stays unanswered
    saved = client.post(f"/sme/pathways/{pathway.id}/readiness", data=form)
    assert saved.status_code == 302
    answers = db.session.scalars(select(ReadinessAnswer)).all()
    assert len(answers) == len(catalogue.readiness_items()) - 1
    assert {a.note for a in answers} == {"Dicek di lokasi"}
    assert queries.readiness_score(pathway) == pytest.approx(
        (len(catalogue.readiness_items()) - 1) / len(catalogue.readiness_items())
    )


def test_a_bad_readiness_answer_is_explained_and_nothing_saved(client, auth, world):
    pathway = _at(world, Stage.READINESS)
    auth.login(world["coop"])
    form = _readiness_form()
    last = catalogue.readiness_items()[-1]
    form[f"status-{last.id}"] = "mungkin"
    refused = client.post(f"/sme/pathways/{pathway.id}/readiness", data=form)
    text = refused.get_data(as_text=True)
    assert refused.status_code == 422
    assert "Jawab" in text and "Sudah ada, Sebagian, Belum ada" in text
    assert _count(ReadinessAnswer) == 0


def test_readiness_outside_its_stage_is_refused(client, auth, world):
    pathway = world["pathway"]  # still registered
    auth.login(world["coop"])
    refused = client.post(f"/sme/pathways/{pathway.id}/readiness", data=_readiness_form())
    assert refused.status_code == 422
    assert "diisi pada tahap penilaian kesiapan" in refused.get_data(as_text=True)
    assert _count(ReadinessAnswer) == 0


@pytest.mark.parametrize(("who", "status"), REFUSED)
def test_readiness_refused_to_others(client, auth, world, who, status):
    pathway = _at(world, Stage.READINESS)
    auth.login(world[who])
    response = client.post(f"/sme/pathways/{pathway.id}/readiness", data=_readiness_form())
    assert response.status_code == status
    assert _count(ReadinessAnswer) == 0


# --- production-site audit findings -------------------------------------------------------


def _finding(pathway, **extra):
    return {"grade": "minor", "description": "Catatan batch tidak ada.", "raised_on": "2025-04-01",
            **extra}  # fmt: skip


def test_officer_records_and_closes_a_finding(client, auth, world):
    pathway = _at(world, Stage.SITE_AUDIT)
    auth.login(world["coop"])
    added = client.post(f"/sme/pathways/{pathway.id}/findings", data=_finding(pathway))
    assert added.status_code == 302
    finding = db.session.scalar(select(AuditFinding))
    assert finding.due_on == date(2025, 6, 1)  # the default: two months
    page = client.get(f"/sme/pathways/{pathway.id}").get_data(as_text=True)
    assert f'<label for="closed-on-{finding.id}">' in page
    closed = client.post(
        f"/sme/findings/{finding.id}/close",
        data={"closed_on": "2025-04-20", "note": "Buku batch dibuat."},
    )
    assert closed.status_code == 302
    db.session.refresh(finding)
    assert finding.closed_on == date(2025, 4, 20) and finding.closure_note == "Buku batch dibuat."


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ({"description": ""}, "Kolom ini wajib diisi."),
        ({"due_on": "2025-03-01"}, "Tenggat tidak boleh sebelum tanggal temuan."),
        ({"raised_on": "kemarin"}, "Isi tanggal"),
    ],
)
def test_a_bad_finding_is_explained_on_the_page(client, auth, world, extra, message):
    pathway = _at(world, Stage.SITE_AUDIT)
    auth.login(world["coop"])
    refused = client.post(f"/sme/pathways/{pathway.id}/findings", data=_finding(pathway, **extra))
    assert refused.status_code == 422 and message in refused.get_data(as_text=True)
    assert _count(AuditFinding) == 0


def test_a_finding_outside_the_site_audit_is_refused(client, auth, world):
    pathway = _at(world, Stage.APPLIED)
    auth.login(world["coop"])
    refused = client.post(f"/sme/pathways/{pathway.id}/findings", data=_finding(pathway))
    assert refused.status_code == 422
    assert "dicatat selama audit lokasi produksi" in refused.get_data(as_text=True)
    assert _count(AuditFinding) == 0


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"closed_on": "2025-04-20", "note": ""}, "Kolom ini wajib diisi."),
        ({"closed_on": "2025-03-20", "note": "Sudah"}, "tidak dapat ditutup sebelum"),
        ({"closed_on": "", "note": "Sudah"}, "Kolom ini wajib diisi."),
    ],
)
def test_a_bad_closure_is_explained_and_the_finding_stays_open(client, auth, world, data, message):
    pathway = _at(world, Stage.SITE_AUDIT)
    finding = operations.add_finding(
        world["coop"], pathway, grade="minor", description="X", raised_on=date(2025, 4, 1)
    )
    auth.login(world["coop"])
    refused = client.post(f"/sme/findings/{finding.id}/close", data=data)
    text = refused.get_data(as_text=True)
    assert refused.status_code == 422 and message in text
    assert 'class="field  has-error"' in text  # shown at the finding's own form
    db.session.refresh(finding)
    assert finding.closed_on is None and finding.closure_note in (None, "")


@pytest.mark.parametrize(("who", "status"), REFUSED)
def test_findings_refused_to_others(client, auth, world, who, status):
    pathway = _at(world, Stage.SITE_AUDIT)
    finding = operations.add_finding(
        world["coop"], pathway, grade="major", description="X", raised_on=date(2025, 4, 1)
    )
    auth.login(world[who])
    add = client.post(f"/sme/pathways/{pathway.id}/findings", data=_finding(pathway))
    close = client.post(
        f"/sme/findings/{finding.id}/close", data={"closed_on": "2025-04-20", "note": "Ok"}
    )
    assert (add.status_code, close.status_code) == (status, status)
    assert _count(AuditFinding) == 1
    db.session.refresh(finding)
    assert finding.closed_on is None


# --- surveillance -------------------------------------------------------------------------


def _due(world) -> Surveillance:
    pathway = _at(world, Stage.CERTIFIED)
    return pathway.certificate.surveillances[0]


def test_officer_records_a_surveillance(client, auth, world):
    visit = _due(world)
    auth.login(world["coop"])
    page = client.get(f"/sme/pathways/{world['pathway'].id}").get_data(as_text=True)
    assert f'<label for="done-on-{visit.id}">' in page
    done = client.post(
        f"/sme/surveillance/{visit.id}", data={"done_on": "2026-03-01", "notes": "Sesuai."}
    )
    assert done.status_code == 302
    db.session.refresh(visit)
    assert visit.done_on == date(2026, 3, 1) and visit.notes == "Sesuai."


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"done_on": "2025-01-01"}, "Survailen tidak dapat sebelum sertifikat terbit."),
        ({"done_on": (date.today() + timedelta(days=3)).isoformat()}, "masa depan"),
        ({"done_on": "31-02-2026"}, "Isi tanggal"),
    ],
)
def test_a_bad_surveillance_is_explained_and_nothing_written(client, auth, world, data, message):
    visit = _due(world)
    auth.login(world["coop"])
    refused = client.post(f"/sme/surveillance/{visit.id}", data={**data, "notes": "x"})
    assert refused.status_code == 422 and message in refused.get_data(as_text=True)
    db.session.refresh(visit)
    assert visit.done_on is None and not visit.notes


@pytest.mark.parametrize(("who", "status"), REFUSED)
def test_surveillance_refused_to_others(client, auth, world, who, status):
    visit = _due(world)
    auth.login(world[who])
    response = client.post(f"/sme/surveillance/{visit.id}", data={"done_on": "2026-03-01"})
    assert response.status_code == status
    db.session.refresh(visit)
    assert visit.done_on is None


# --- evidence files on a stage ------------------------------------------------------------


def _upload(client, stage_id: int, content: bytes, name: str = "foto.png"):
    return client.post(
        f"/sme/stages/{stage_id}/files",
        data={"file": (io.BytesIO(content), name), "description": "Foto ruang produksi"},
        content_type="multipart/form-data",
    )


def test_officer_attaches_evidence_to_a_stage(client, auth, world):
    stage = world["pathway"].stages[0]
    auth.login(world["coop"])
    assert _upload(client, stage.id, PNG).status_code == 302
    stored = db.session.scalar(select(StoredFile))
    assert (stored.owner_type, stored.owner_id) == ("sme_stage_records", stage.id)
    assert stored.original_name == "foto.png" and stored.description == "Foto ruang produksi"
    page = client.get(f"/sme/pathways/{world['pathway'].id}").get_data(as_text=True)
    assert "foto.png" in page and f'<label for="file-{stage.id}">' in page


@pytest.mark.parametrize(
    ("content", "message"),
    [(b"", "Berkas kosong."), (b"MZ\x90\x00 not a document", "Jenis berkas ini")],
)
def test_a_refused_file_is_explained_and_nothing_stored(client, auth, world, content, message):
    stage = world["pathway"].stages[0]
    auth.login(world["coop"])
    refused = _upload(client, stage.id, content, "virus.pdf")
    assert refused.status_code == 422 and message in refused.get_data(as_text=True)
    assert _count(StoredFile) == 0


@pytest.mark.parametrize(("who", "status"), REFUSED)
def test_evidence_refused_to_others(client, auth, world, who, status):
    stage = world["pathway"].stages[0]
    auth.login(world[who])
    assert _upload(client, stage.id, PNG).status_code == status
    assert _count(StoredFile) == 0


# --- every form control has a label that points at it -------------------------------------


class _Controls(HTMLParser):
    """Collects the ids of visible form controls and the `for` of the labels."""

    def __init__(self) -> None:
        super().__init__()
        self.controls: list[str | None] = []
        self.labelled: set[str] = set()

    def handle_starttag(self, tag: str, attrs: list) -> None:
        attributes = dict(attrs)
        if tag == "label" and attributes.get("for"):
            self.labelled.add(attributes["for"])
        elif tag in ("select", "textarea") or (
            tag == "input" and attributes.get("type") not in ("hidden", "submit", "button")
        ):
            self.controls.append(attributes.get("id"))


def test_every_control_on_the_programme_pages_has_its_label(client, auth, world):
    pathway = _at(world, Stage.SITE_AUDIT)
    operations.add_finding(
        world["coop"], pathway, grade="minor", description="X", raised_on=date(2025, 4, 1)
    )
    certified = honey(business=pathway.product.business)
    done = operations.open_pathway(
        world["coop"], certified, scheme="sppt_sni", scheme_type="5", started_on=START
    )
    advance(world["coop"], done, Stage.CERTIFIED, START)
    testing = honey(business=pathway.product.business)
    lab = operations.open_pathway(
        world["coop"], testing, scheme="sni_bina_umk", scheme_type=None, started_on=START
    )
    advance(world["coop"], lab, Stage.VERIFICATION, START)
    readiness = honey(business=pathway.product.business)
    ready = operations.open_pathway(
        world["coop"], readiness, scheme="sppt_sni", scheme_type="5", started_on=START
    )
    advance(world["coop"], ready, Stage.READINESS, START)
    business = pathway.product.business
    auth.login(world["coop"])
    pages = [
        "/sme/businesses",
        "/sme/businesses/new",
        f"/sme/businesses/{business.id}/edit",
        f"/sme/businesses/{business.id}/products/new",
        f"/sme/businesses/{business.id}/visits/new",
        f"/sme/products/{pathway.product_id}/edit",
        f"/sme/products/{ProductFactory(business=business).id}",
        "/sme/pathways",
        f"/sme/pathways/{pathway.id}",
        f"/sme/pathways/{done.id}",
        f"/sme/pathways/{lab.id}",
        f"/sme/pathways/{lab.id}/lab-tests/new",
        f"/sme/pathways/{ready.id}",
        f"/sme/pathways/{ready.id}/readiness",
        "/sme/trainings/new",
        "/sme/dashboard",
    ]
    for path in pages:
        response = client.get(path)
        assert response.status_code == 200, path
        parser = _Controls()
        parser.feed(response.get_data(as_text=True))
        assert parser.controls, path
        ids = [i for i in parser.controls if i]
        assert len(ids) == len(parser.controls), f"{path}: a control without an id"
        assert len(ids) == len(set(ids)), f"{path}: ids repeat"
        assert set(ids) <= parser.labelled, f"{path}: no label for {set(ids) - parser.labelled}"


# --- one business through the web pages, from registration to its certificate ------------


def test_a_kupang_business_from_registration_through_a_failed_and_a_passed_test_to_its_certificate(
    client, auth, app
):
    load_catalogue()
    kupang = CityFactory(code="KUPANG", name="Kota Kupang")
    load_file(Path(app.config["CHECKLISTS_DIR"]) / "places" / "kota-kupang.yaml")
    officer = coop_officer(kupang)
    honey = standard("SNI-8664-2018")
    auth.login(officer)

    def post(path: str, data: dict, expect: int = 302):
        response = client.post(path, data=data)
        assert response.status_code == expect, (path, response.get_data(as_text=True)[-3000:])
        return response

    post("/sme/businesses/new", {
        "city_id": kupang.id, "name": "UD Madu Timor Lestari", "owner_name": "Yohana Bani",
        "nib": "9120001234567", "address": "Jl. Frans Seda 12", "kecamatan": "Oebobo",
        "kelurahan": "Fatululi", "scale": "mikro", "workers": "4", "registered_on": "2025-01-06",
    })  # fmt: skip
    business = db.session.scalar(select(Business))
    forest = next(v for v in honey.current_variants if v.key == "hutan")
    post(f"/sme/businesses/{business.id}/products/new",
         {"name": "Madu Hutan Timor", "brand": "Lestari", "category": "honey",
          "standard_id": honey.id, "variant_id": forest.id})  # fmt: skip
    product = db.session.scalar(select(Product))
    post(f"/sme/products/{product.id}",
         {"scheme": "sppt_sni", "scheme_type": "5", "started_on": "2025-01-08"})  # fmt: skip
    pathway = db.session.scalar(select(Pathway))
    step = f"/sme/pathways/{pathway.id}/transition"

    def take(action: str, on: str, expect: int = 302, **fields: str):
        """A step as the page sends it, with the pathway's version the page was shown with."""
        version = db.session.scalar(select(Pathway.version).where(Pathway.id == pathway.id))
        data = {"action": action, "on": on, "officer_id": "0", "version": version, **fields}
        return post(step, data, expect)

    take("start_readiness", "2025-01-15")
    post(f"/sme/pathways/{pathway.id}/readiness", _readiness_form())
    take("start_guidance", "2025-01-29")
    take("documents_ready", "2025-03-03")
    take("apply", "2025-03-10", lspro_name="LSPro LJPKS IPB", lspro_accreditation="LSPr-010-IDN")
    take("check_completeness", "2025-03-12")
    take("review_application", "2025-03-17")
    take("start_document_audit", "2025-03-24", invoice_number="INV/LJPKS/2025/88")
    take("start_site_audit", "2025-04-07")
    post(f"/sme/pathways/{pathway.id}/findings",
         {"grade": "minor", "description": "Catatan batch panen belum ada.",
          "raised_on": "2025-04-08"})  # fmt: skip
    finding = db.session.scalar(select(AuditFinding))
    post(f"/sme/findings/{finding.id}/close",
         {"closed_on": "2025-05-02", "note": "Buku batch dibuat dan diisi."})  # fmt: skip
    take("start_testing", "2025-05-05")

    parameters = honey.current_parameters
    lab = f"/sme/pathways/{pathway.id}/lab-tests/new"
    assert client.get(lab).status_code == 200
    failing = {f"result-{p.key}": passing_value(p.limit_for(forest)) for p in parameters}
    moisture = next(p for p in parameters if p.key == "moisture")
    failing["result-moisture"] = failing_value(moisture.limit_for(forest))
    report = {"lab_name": "Lab Uji Kupang", "lab_accreditation": "LP-123-IDN",
              "sampled_on": "2025-05-06"}  # fmt: skip
    early = post(lab, {**report, "sampled_on": "2025-04-06", "report_number": "LHU/05/1",
                       "tested_on": "2025-05-20", **failing}, 422)  # fmt: skip
    assert (
        "Contoh tidak dapat diambil sebelum tahap pengambilannya dimulai (7 April 2025)."
        in early.get_data(as_text=True)
    )
    assert db.session.scalar(select(func.count()).select_from(LabTest)) == 0
    post(lab, {**report, "report_number": "LHU/05/1", "tested_on": "2025-05-20", **failing})
    again = post(lab, {**report, "report_number": " lhu/05/1", "tested_on": "2025-06-16",
                       **failing}, 422)  # fmt: skip
    assert "Laporan hasil uji lhu/05/1 sudah dicatat untuk alur ini." in again.get_data(
        as_text=True
    )
    assert db.session.scalar(select(func.count()).select_from(LabTest)) == 1
    refused = take("start_technical_review", "2025-05-21", 422)
    assert "Uji laboratorium terakhir tidak lulus" in refused.get_data(as_text=True)
    passing = {**failing, "result-moisture": passing_value(moisture.limit_for(forest))}
    post(lab, {**report, "report_number": "LHU/06/2", "tested_on": "2025-06-16", **passing})
    db.session.refresh(pathway)
    assert [t.passed for t in pathway.lab_tests] == [False, True]
    assert [r.parameter.key for r in pathway.lab_tests[0].results if not r.passed] == ["moisture"]
    take("start_technical_review", "2025-06-17")
    # a page read before the last step sends an old version: refused, nothing written
    stale = post(step, {"action": "to_decision", "on": "2025-06-18", "officer_id": "0",
                        "version": "1"}, 422)  # fmt: skip
    assert "Muat ulang halaman" in stale.get_data(as_text=True)
    take("to_decision", "2025-06-18")

    certify = {"certificate_number": "SPPT-LJPKS-2025-0142", "issued_on": "2025-07-14"}
    refused = take("certify", "2025-07-14", 422, **certify, expires_on="2025-07-01")
    assert "harus berakhir setelah tanggal terbitnya" in refused.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(Certificate)) == 0
    refused = take("certify", "2025-07-14", 422, **{**certify, "issued_on": "2025-06-17"})
    assert (
        "Sertifikat tidak dapat diterbitkan sebelum tahap “Keputusan sertifikasi” dimulai "
        "(18 Juni 2025)." in refused.get_data(as_text=True)
    )
    assert db.session.scalar(select(func.count()).select_from(Certificate)) == 0
    take("certify", "2025-07-14", **certify)

    db.session.refresh(pathway)
    assert pathway.stage == Stage.CERTIFIED
    certificate = pathway.certificate
    assert (certificate.number, certificate.issuer, certificate.expires_on) == (
        "SPPT-LJPKS-2025-0142", "LSPro LJPKS IPB", date(2029, 7, 14),
    )  # fmt: skip
    page = client.get(f"/sme/pathways/{pathway.id}").get_data(as_text=True)
    assert "SPPT-LJPKS-2025-0142" in page
    # the time spent in each stage: registered 7 days, readiness 14, guidance 33, …
    days = [r.days(date(2025, 7, 14)) for r in pathway.stages]
    assert days[:12] == [7, 14, 33, 7, 2, 5, 7, 14, 28, 43, 1, 26]
    for n in days[:12]:
        assert f'<td class="num">{n}</td>' in page


# --- guidance: visits and trainings, shown on the business page ---------------------------


def test_guidance_visits_and_trainings_make_the_business_history(client, auth, world):
    business = world["pathway"].product.business
    neighbour = BusinessFactory(city=business.city, nib="9120000099999")
    auth.login(world["coop"])
    visit = {"kind": "consultation", "held_on": "2025-04-02", "officer_id": "0",
             "topics": "Label kemasan madu", "follow_up": "Cetak label baru"}  # fmt: skip
    refused = client.post(
        f"/sme/businesses/{business.id}/visits/new", data={**visit, "follow_up_on": "2025-04-01"}
    )
    assert refused.status_code == 422
    assert "Tindak lanjut tidak boleh sebelum kunjungan" in refused.get_data(as_text=True)
    assert _count(GuidanceVisit) == 0
    assert client.post(f"/sme/businesses/{business.id}/visits/new", data=visit).status_code == 302
    training = {"city_id": business.city_id, "title": "Pelatihan SNI 8664 madu",
                "held_on": "2025-05-10", "trainer": "BSN KLT NTT",
                "business_ids": [business.id, neighbour.id]}  # fmt: skip
    assert client.post("/sme/trainings/new", data=training).status_code == 302
    batch = db.session.scalar(select(TrainingBatch))
    assert {a.business_id for a in batch.attendances} == {business.id, neighbour.id}
    page = client.get(f"/sme/businesses/{business.id}").get_data(as_text=True)
    assert "Label kemasan madu" in page and "Cetak label baru" in page
    assert "Pelatihan SNI 8664 madu" in page
    assert "Pelatihan SNI 8664 madu" in client.get(f"/sme/businesses/{neighbour.id}").get_data(
        as_text=True
    )


@pytest.mark.parametrize(("who", "status"), REFUSED)
def test_guidance_refused_to_others(client, auth, world, who, status):
    business = world["pathway"].product.business
    auth.login(world[who])
    visit = {"kind": "visit", "held_on": "2025-04-02", "officer_id": "0", "topics": "Higiene"}
    response = client.post(f"/sme/businesses/{business.id}/visits/new", data=visit)
    assert response.status_code == status
    training = {"city_id": business.city_id, "title": "T", "held_on": "2025-05-10",
                "trainer": "BSN", "business_ids": [business.id]}  # fmt: skip
    # an agency officer has no city to train in; another city's officer may only pick their own
    expected = {"quality": 403, "other_coop": 422}.get(who, 303)
    assert client.post("/sme/trainings/new", data=training).status_code == expected
    assert _count(GuidanceVisit) == 0 and _count(TrainingBatch) == 0


# --- a change carries the version the page was shown with ---------------------------------


def _version(model, record_id: int) -> int:
    return db.session.scalar(select(model.version).where(model.id == record_id))


def test_a_stale_or_missing_version_is_refused_on_the_pages(client, auth, world):
    pathway = world["pathway"]
    product, business = pathway.product, pathway.product.business
    auth.login(world["coop"])
    edit = client.get(f"/sme/businesses/{business.id}/edit").get_data(as_text=True)
    assert f'name="version" type="hidden" value="{business.version}"' in edit
    form = {"city_id": business.city_id, "name": "UD Madu Baru", "owner_name": "Maria Bria",
            "nib": business.nib, "address": "Jl. Contoh No. 1", "kecamatan": "Oebobo",
            "kelurahan": "Oebufu", "scale": "mikro", "workers": "3",
            "registered_on": "2025-03-01"}  # fmt: skip
    cases = [
        (f"/sme/businesses/{business.id}/edit", form, Business, business.id),
        (f"/sme/products/{product.id}/edit",
         {"name": "Madu Baru", "brand": "", "category": "honey",
          "standard_id": product.standard_id, "variant_id": product.variant_id},
         Product, product.id),
        (f"/sme/pathways/{pathway.id}/transition",
         {"action": "start_readiness", "on": "2025-03-04", "officer_id": "0"},
         Pathway, pathway.id),
    ]  # fmt: skip
    for path, data, model, record_id in cases:
        before = _version(model, record_id)
        missing = client.post(path, data=data)
        assert missing.status_code == 422, path
        stale = client.post(path, data={**data, "version": before + 3})
        assert stale.status_code == 422, path
        assert "Muat ulang halaman" in stale.get_data(as_text=True), path
        assert _version(model, record_id) == before  # nothing written
        done = client.post(path, data={**data, "version": before})
        assert done.status_code == 302, (path, done.get_data(as_text=True)[-2000:])
        assert _version(model, record_id) == before + 1
    assert db.session.get(Business, business.id).name == "UD Madu Baru"
    archive = f"/sme/businesses/{business.id}/archive"
    assert client.post(archive, data={"version": 1}).status_code == 303
    assert db.session.get(Business, business.id).archived_at is None
    assert (
        client.post(archive, data={"version": _version(Business, business.id)}).status_code == 302
    )
    db.session.expire_all()
    assert db.session.get(Business, business.id).archived_at is not None
