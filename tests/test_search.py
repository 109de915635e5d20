"""The search box in the header: codes by prefix, words of titles, numbers and NIBs found through
the real full-text index of each database (FTS5 on SQLite, tsvector on PostgreSQL), each user
finding only what the access policies let them see, the index following the records, and no
input that breaks it."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import func, select, text

from qms.extensions import db
from qms.search import queries
from qms.search.indexing import reindex
from qms.search.models import SearchEntry
from tests.factories_capa import World, make_world, raise_nc
from tests.factories_documents import DocumentFactory
from tests.factories_sme import BusinessFactory, coop_officer


@pytest.fixture
def world(app) -> Iterator[World]:
    # results carry their pages' addresses: searched as in a request
    with app.test_request_context():
        yield make_world()


@pytest.fixture
def records(world: World) -> dict:
    found = {
        "sop": DocumentFactory(
            agency=world.dukcapil, code="SOP-DUKCAPIL-007", title="Penerbitan Kartu Keluarga"
        ),
        "manual": DocumentFactory(
            agency=world.rsud, code="MM-RSUD-001", title="Manual Mutu Rumah Sakit"
        ),
        "elsewhere": DocumentFactory(
            agency=world.other_city_agency,
            code="SOP-DISDUKCAPIL-007",
            title="Penerbitan Kartu Keluarga di kota lain",
        ),
        "nc": raise_nc(world, statement="Notulen rapat tinjauan manajemen tidak tersedia."),
        "business": BusinessFactory(
            city=world.city, name="UD Madu Sumba", nib="9120012345678", owner_name="Yakobus Lado"
        ),
    }
    db.session.commit()
    return found


def titles(user, query: str, kind: str = "") -> list[str]:
    return [hit.title for hit in queries.search(user, query, kind).hits]


def codes(user, query: str, kind: str = "") -> list[str]:
    return [hit.code for hit in queries.search(user, query, kind).hits]


def test_a_document_is_found_by_the_start_of_its_code_and_by_a_word_of_its_title(world, records):
    assert codes(world.officer, "SOP-DUKCAPIL") == ["SOP-DUKCAPIL-007"]
    assert codes(world.officer, "sop dukcap") == ["SOP-DUKCAPIL-007"]
    assert codes(world.officer, "sopdukcapil007") == ["SOP-DUKCAPIL-007"]
    assert titles(world.officer, "keluarga") == ["Penerbitan Kartu Keluarga"]
    # the start of a word is enough, in any case
    assert titles(world.officer, "KARTU kelu") == ["Penerbitan Kartu Keluarga"]
    hit = queries.search(world.officer, "keluarga").hits[0]
    assert hit.url == f"/documents/{records['sop'].id}"
    assert hit.place == "Dinas Dukcapil Kota Kupang · Kota Kupang"


def test_a_nonconformity_is_found_by_its_number_and_a_business_by_its_nib(world, records):
    nc = records["nc"]
    assert nc.number.startswith("KTS-")
    found = queries.search(world.officer, nc.number)
    assert [(h.kind, h.code) for h in found.hits] == [("nonconformities", nc.number)]
    assert found.hits[0].url == f"/capa/{nc.id}"
    assert codes(world.officer, "KTS-2026") == [nc.number]
    assert titles(world.officer, "notulen") == [nc.statement]

    coop = coop_officer(world.city)
    assert codes(coop, "9120012") == ["9120012345678"]
    assert titles(coop, "madu sumba") == ["UD Madu Sumba"]
    assert titles(coop, "yakobus") == ["UD Madu Sumba"]  # by its owner
    assert (
        queries.search(coop, "9120012").hits[0].url == f"/sme/businesses/{records['business'].id}"
    )


def test_an_officer_finds_nothing_of_another_citys_agency(world, records):
    stranger = world.stranger  # quality officer of the agency in another city
    assert codes(stranger, "SOP-DUKCAPIL") == []
    assert codes(stranger, records["nc"].number) == []
    assert codes(stranger, "9120012") == []
    # …but finds their own agency's document by the same words
    assert codes(stranger, "kartu keluarga") == ["SOP-DISDUKCAPIL-007"]
    results = queries.search(stranger, "kartu keluarga")
    assert results.counts == {"documents": 1}


def test_a_bsn_reviewer_finds_across_cities_but_never_people(world, records):
    found = codes(world.bsn, "kartu keluarga")
    assert sorted(found) == ["SOP-DISDUKCAPIL-007", "SOP-DUKCAPIL-007"]
    assert codes(world.bsn, "9120012") == ["9120012345678"]
    assert queries.search(world.bsn, "Maria Bria").counts.get("people") is None


def test_people_are_found_only_by_those_who_administer_users(world, records):
    assert titles(world.admin, "maria bria", "people") == ["Maria Bria"]
    assert codes(world.admin, world.officer.email) == [world.officer.email]
    # the quality officer may see their own account, but looks for no one
    assert titles(world.officer, "maria bria") == []
    # a city admin finds no one of another city
    assert titles(world.admin, world.stranger.name, "people") == []


def test_archived_records_are_not_found(world, records):
    records["sop"].archived_at = records["sop"].created_at
    db.session.commit()
    assert codes(world.officer, "SOP-DUKCAPIL") == []


def test_the_index_follows_a_rename_and_a_rebuild_writes_the_same_entries(world, records):
    document = records["sop"]
    document.title = "Penerbitan Akta Kelahiran"
    db.session.commit()
    assert titles(world.officer, "akta kelahiran") == ["Penerbitan Akta Kelahiran"]
    assert titles(world.officer, "keluarga") == []
    before = db.session.execute(
        select(SearchEntry.kind, SearchEntry.record_id, SearchEntry.title).order_by(
            SearchEntry.kind, SearchEntry.record_id
        )
    ).all()
    counts = reindex()
    db.session.commit()
    assert counts["documents"] == 3 and counts["businesses"] == 1
    after = db.session.execute(
        select(SearchEntry.kind, SearchEntry.record_id, SearchEntry.title).order_by(
            SearchEntry.kind, SearchEntry.record_id
        )
    ).all()
    assert after == before
    assert titles(world.officer, "akta") == ["Penerbitan Akta Kelahiran"]


def test_a_change_to_other_fields_does_not_rewrite_the_entry(world, records):
    document = records["sop"]
    written = db.session.scalar(
        select(SearchEntry.updated_at).where(SearchEntry.record_id == document.id)
    )
    document.review_period_months = 24
    db.session.commit()
    assert (
        db.session.scalar(
            select(SearchEntry.updated_at).where(SearchEntry.record_id == document.id)
        )
        == written
    )


def test_the_rebuild_command(world, records, runner):
    db.session.execute(SearchEntry.__table__.delete())
    db.session.commit()
    assert codes(world.officer, "SOP-DUKCAPIL") == []
    result = runner.invoke(args=["qms", "search-reindex"])
    assert result.exit_code == 0, result.output
    assert "documents: 3" in result.output
    assert codes(world.officer, "SOP-DUKCAPIL") == ["SOP-DUKCAPIL-007"]


HOSTILE = [
    "'",
    '"',
    "*",
    '"unbalanced',
    "kartu' OR 1=1 --",
    "NEAR(a b) AND OR NOT",
    "a:* & !b | (c",
    "-keluarga",
    "<script>alert(1)</script>",
    "%_%",
    "x" * 5000,
    "kartu " * 300,
    "   ",
    "🙂 ünïcödé Kelüarga",
]


@pytest.mark.parametrize("query", HOSTILE)
def test_hostile_queries_find_safely(world, records, query):
    results = queries.search(world.officer, query)
    assert results.total == len(results.hits) or results.more


def test_the_page_and_the_api_never_fail_on_hostile_input(world, records, client, auth, api):
    auth.login(world.officer)
    for query in [*HOSTILE, "kartu\x00keluarga"]:
        page = client.get("/search", query_string={"q": query})
        assert page.status_code in (200, 422), (query, page.status_code)
    for params in [{"q": "kartu", "page": "-1"}, {"q": "kartu", "page": "x"}, {"kind": "nope"}]:
        assert client.get("/search", query_string=params).status_code == 200
    as_officer = api.as_user(world.officer)
    for query in [*HOSTILE, "a\x00b"]:
        answer = as_officer.get("/search", query_string={"q": query})
        assert answer.status_code in (200, 422), (query, answer.status_code)


def test_the_results_page_groups_by_kind_and_links_to_the_records(world, records, client, auth):
    auth.login(world.bsn)
    page = client.get("/search", query_string={"q": "keluarga"}).get_data(as_text=True)
    assert "SOP-DUKCAPIL-007" in page and "SOP-DISDUKCAPIL-007" in page
    assert f'href="/documents/{records["sop"].id}"' in page
    assert "Dokumen (2)" in page  # the page is in Bahasa Indonesia by default
    assert 'role="search"' in page  # the header's box
    nothing = client.get("/search", query_string={"q": "zzzz"}).get_data(as_text=True)
    assert "Tidak ada yang ditemukan" in nothing


def test_the_api_answers_the_same_as_the_page(world, records, api):
    answer = api.as_user(world.officer).get("/search", query_string={"q": "SOP-DUKCAPIL"})
    assert answer.status_code == 200, answer.json
    data = answer.json["data"]
    assert data["counts"] == {"documents": 1}
    assert [(h["kind"], h["code"], h["url"]) for h in data["hits"]] == [
        ("documents", "SOP-DUKCAPIL-007", f"/documents/{records['sop'].id}")
    ]
    assert (
        api.as_user(world.stranger)
        .get("/search", query_string={"q": "SOP-DUKCAPIL"})
        .json["data"]["hits"]
        == []
    )


def test_the_search_is_in_the_openapi_document(client):
    document = client.get("/api/v1/openapi.json").json
    assert "q" in [p["name"] for p in document["paths"]["/api/v1/search"]["get"]["parameters"]]


def test_paging(world, records):
    for n in range(queries.PER_PAGE + 3):
        DocumentFactory(agency=world.dukcapil, title=f"Formulir permohonan {n}")
    db.session.commit()
    first = queries.search(world.officer, "formulir")
    assert len(first.hits) == queries.PER_PAGE and first.more
    assert first.counts == {"documents": queries.PER_PAGE + 3}
    second = queries.search(world.officer, "formulir", page=2)
    assert len(second.hits) == 3 and not second.more
    assert not {h.record_id for h in first.hits} & {h.record_id for h in second.hits}


def test_the_results_page_pages_as_every_list(world, records, client, auth):
    """The results page shows the shared pager: where the page stands in all, and the next
    page's address keeping the query and the kind."""
    for n in range(queries.PER_PAGE + 3):
        DocumentFactory(agency=world.dukcapil, title=f"Formulir permohonan {n}")
    db.session.commit()
    auth.login(world.officer)
    first = client.get("/search", query_string={"q": "formulir", "kind": "documents"})
    html = first.get_data(as_text=True)
    assert 'class="actions pager"' in html
    assert f"1–{queries.PER_PAGE} dari {queries.PER_PAGE + 3}" in html
    assert 'rel="next" href="/search?q=formulir&amp;kind=documents&amp;page=2"' in html
    second = client.get(
        "/search", query_string={"q": "formulir", "kind": "documents", "page": 2}
    ).get_data(as_text=True)
    assert f"{queries.PER_PAGE + 1}–{queries.PER_PAGE + 3} dari" in second
    assert 'rel="prev"' in second and 'rel="next"' not in second
    assert second.count("Formulir permohonan") == 3


def test_the_search_uses_the_full_text_index(world, records):
    """The match is the database's own full-text machinery, not a scan with LIKE."""
    if db.engine.dialect.name == "postgresql":
        indexes = db.session.scalars(
            text("SELECT indexdef FROM pg_indexes WHERE tablename = 'search_entries'")
        ).all()
        assert any("USING gin (search_vector)" in index for index in indexes)
        db.session.execute(text("SET LOCAL enable_seqscan = off"))
        stmt, _rank = queries.matched(select(SearchEntry.id), "postgresql", "keluarga")
        compiled = stmt.compile(dialect=db.engine.dialect)
        connection = db.session.connection()
        plan = "\n".join(
            row[0] for row in connection.exec_driver_sql(f"EXPLAIN {compiled}", compiled.params)
        )
        assert "ix_search_entries_search_vector" in plan, plan
    else:
        rows = db.session.scalar(text("SELECT count(*) FROM search_fts"))
        assert rows == db.session.scalar(select(func.count(SearchEntry.id)))


def test_demo_leaves_the_index_filled(app, runner):
    result = runner.invoke(args=["qms", "seed-demo"])
    assert result.exit_code == 0, result.output
    kinds = dict(
        db.session.execute(select(SearchEntry.kind, func.count()).group_by(SearchEntry.kind)).all()
    )
    assert {"documents", "nonconformities", "audits", "businesses", "people"} <= set(kinds)


def test_a_management_viewer_of_the_city_finds_its_agencies_records(world, records):
    assert codes(world.viewer, "SOP-DUKCAPIL") == ["SOP-DUKCAPIL-007"]
    assert codes(world.viewer, "SOP-DISDUKCAPIL") == []


def test_objectives_and_risks_are_found_within_the_agencys_plan(app):
    from tests.factories_plan import make_objective, make_risk
    from tests.factories_plan import make_world as make_plan_world

    with app.test_request_context():
        plan = make_plan_world()
        objective = make_objective(plan)
        risk = make_risk(plan)
        db.session.commit()
        found = queries.search(plan.officer, "ktp")
        assert [(h.kind, h.record_id) for h in found.hits] == [("objectives", objective.id)]
        assert found.hits[0].url == f"/planning/objectives/{objective.id}"
        assert [h.url for h in queries.search(plan.officer, "jaringan siak").hits] == [
            f"/planning/risks/{risk.id}"
        ]
        assert queries.search(plan.stranger, "jaringan siak").hits == []
