"""Request-wide protections: CSRF, production settings, security headers, the read-only guard,
and the inventory of routes (a route that appears or disappears must be noticed)."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from qms import create_app
from qms.accounts.authentication import issue_token
from qms.core.roles import Role
from qms.extensions import db
from qms.organisations.models import Agency
from tests.conftest import PASSWORD, QmsClient
from tests.factories import CityFactory, user_with_role

#: Every URL rule of the app, as "METHODS rule". Update this list on purpose when you add or
#: remove a route, and check that the new route is scoped, authorized and (for the API) in the
#: OpenAPI document.
ROUTES = """
GET /
GET /account/password
GET /account/sessions
GET /account/tokens
GET /agencies
GET /agencies/<int:agency_id>
GET /agencies/<int:agency_id>/edit
GET /agencies/<int:agency_id>/units/new
GET /api/v1/agencies
GET /api/v1/agencies/<int:agency_id>
GET /api/v1/agencies/<int:agency_id>/compliance
GET /api/v1/agencies/<int:agency_id>/document-approvers
GET /api/v1/agencies/<int:agency_id>/readiness
GET /api/v1/agencies/<int:agency_id>/units
GET /api/v1/audit-programmes
GET /api/v1/audit-programmes/<int:programme_id>
GET /api/v1/auditor-evaluations
GET /api/v1/auditor-qualifications
GET /api/v1/auditor-qualifications/<int:parent_id>/trainings
GET /api/v1/auditor-qualifications/<int:record_id>
GET /api/v1/audits
GET /api/v1/audits/<int:audit_id>
GET /api/v1/audits/<int:audit_id>/checklist
GET /api/v1/audits/<int:audit_id>/findings
GET /api/v1/cities
GET /api/v1/cities/<int:city_id>
GET /api/v1/cities/<int:city_id>/days-off
GET /api/v1/complaint-imports/<int:import_id>
GET /api/v1/complaints
GET /api/v1/context-issues
GET /api/v1/context-issues/<int:record_id>
GET /api/v1/document-revisions/<int:revision_id>
GET /api/v1/documents
GET /api/v1/documents/<int:document_id>
GET /api/v1/documents/<int:document_id>/revisions
GET /api/v1/files/<int:file_id>
GET /api/v1/findings/<int:finding_id>
GET /api/v1/instruments
GET /api/v1/instruments/<int:parent_id>/calibration-events
GET /api/v1/instruments/<int:record_id>
GET /api/v1/interested-parties
GET /api/v1/interested-parties/<int:record_id>
GET /api/v1/management-reviews
GET /api/v1/management-reviews/<int:review_id>
GET /api/v1/management-reviews/<int:review_id>/actions
GET /api/v1/management-reviews/<int:review_id>/inputs
GET /api/v1/nonconformities
GET /api/v1/nonconformities/<int:nc_id>
GET /api/v1/nonconformities/<int:nc_id>/actions
GET /api/v1/objectives
GET /api/v1/objectives/<int:objective_id>/measurements
GET /api/v1/objectives/<int:record_id>
GET /api/v1/openapi.json
GET /api/v1/positions
GET /api/v1/positions/<int:record_id>
GET /api/v1/providers
GET /api/v1/providers/<int:parent_id>/evaluations
GET /api/v1/providers/<int:record_id>
GET /api/v1/reports
GET /api/v1/reports/<ident>
GET /api/v1/reports/<ident>/pdf
GET /api/v1/risks
GET /api/v1/risks/<int:record_id>
GET /api/v1/risks/<int:risk_id>/treatments
GET /api/v1/search
GET /api/v1/skm/surveys
GET /api/v1/skm/surveys/<int:survey_id>
GET /api/v1/skm/surveys/<int:survey_id>/result
GET /api/v1/sme/businesses
GET /api/v1/sme/businesses/<int:business_id>
GET /api/v1/sme/businesses/<int:business_id>/products
GET /api/v1/sme/businesses/<int:business_id>/visits
GET /api/v1/sme/pathways
GET /api/v1/sme/pathways/<int:pathway_id>
GET /api/v1/sme/pathways/<int:pathway_id>/lab-tests
GET /api/v1/sme/products
GET /api/v1/sme/products/<int:product_id>
GET /api/v1/sme/trainings
GET /api/v1/sme/trainings/<int:training_id>
GET /api/v1/staff
GET /api/v1/staff/<int:parent_id>/trainings
GET /api/v1/staff/<int:record_id>
GET /api/v1/standards
GET /api/v1/standards/<int:standard_id>/clauses
GET /api/v1/units/<int:unit_id>
GET /audits/
GET /audits/<int:audit_id>
GET /audits/<int:audit_id>/checklist
GET /audits/<int:audit_id>/checklist/print
GET /audits/<int:audit_id>/edit
GET /audits/<int:audit_id>/offline.json
GET /audits/<int:audit_id>/report
GET /audits/compliance
GET /audits/compliance/<int:agency_id>
GET /audits/findings/<int:finding_id>
GET /audits/list.<any(csv, xlsx):fmt>
GET /audits/new
GET /audits/programme-items/<int:item_id>/edit
GET /audits/programmes/<int:programme_id>
GET /audits/programmes/<int:programme_id>/edit
GET /audits/programmes/new
GET /capa/
GET /capa/<int:nc_id>
GET /capa/<int:nc_id>/edit
GET /capa/<int:nc_id>/request-form
GET /capa/complaints
GET /capa/complaints.<any(csv, xlsx):fmt>
GET /capa/complaints/import
GET /capa/complaints/import/<int:import_id>
GET /capa/dashboard
GET /capa/new
GET /capa/register.<any(csv, xlsx):fmt>
GET /cities
GET /cities/<int:city_id>
GET /cities/<int:city_id>/agencies/new
GET /cities/<int:city_id>/days-off
GET /cities/<int:city_id>/days-off/new
GET /cities/<int:city_id>/edit
GET /cities/new
GET /documents/
GET /documents/<int:document_id>
GET /documents/<int:document_id>/diff
GET /documents/<int:document_id>/edit
GET /documents/<int:document_id>/revisions/new
GET /documents/approvers/<int:agency_id>
GET /documents/approvers/<int:agency_id>/edit
GET /documents/master-list.<any(csv, xlsx):fmt>
GET /documents/master-list/print
GET /documents/new
GET /documents/revisions/<int:revision_id>
GET /documents/revisions/<int:revision_id>/edit
GET /files/<int:file_id>
GET /login
GET /outbox
GET /planning/context
GET /planning/context/<kind>/<int:record_id>
GET /planning/context/<kind>/<int:record_id>/edit
GET /planning/context/<kind>/new
GET /planning/objectives
GET /planning/objectives.<any(csv, xlsx):fmt>
GET /planning/objectives/<int:objective_id>
GET /planning/objectives/<int:objective_id>/edit
GET /planning/objectives/new
GET /planning/risks
GET /planning/risks.<any(csv, xlsx):fmt>
GET /planning/risks/<int:risk_id>
GET /planning/risks/<int:risk_id>/edit
GET /planning/risks/new
GET /reports/
GET /reports/<ident>
GET /reports/<ident>/pdf
GET /reports/<ident>/status
GET /reports/letterhead/<int:city_id>
GET /review/
GET /review/<int:review_id>
GET /review/<int:review_id>/edit
GET /review/new
GET /review/readiness/<int:agency_id>
GET /search
GET /skm/
GET /skm/imports/<int:import_id>
GET /skm/new
GET /skm/public/units/<int:unit_id>
GET /skm/public/units/<int:unit_id>/form
GET /skm/public/units/<int:unit_id>/qr.svg
GET /skm/surveys/<int:survey_id>
GET /skm/surveys/<int:survey_id>/edit
GET /skm/surveys/<int:survey_id>/import
GET /sme/
GET /sme/businesses
GET /sme/businesses.<any(csv, xlsx):fmt>
GET /sme/businesses/<int:business_id>
GET /sme/businesses/<int:business_id>/edit
GET /sme/businesses/<int:business_id>/products/new
GET /sme/businesses/<int:business_id>/visits/new
GET /sme/businesses/new
GET /sme/catalogue
GET /sme/catalogue/<int:standard_id>
GET /sme/dashboard
GET /sme/dashboard.<any(csv, xlsx):fmt>
GET /sme/guidance
GET /sme/pathways
GET /sme/pathways.<any(csv, xlsx):fmt>
GET /sme/pathways/<int:pathway_id>
GET /sme/pathways/<int:pathway_id>/lab-tests/new
GET /sme/pathways/<int:pathway_id>/readiness
GET /sme/products/<int:product_id>
GET /sme/products/<int:product_id>/edit
GET /sme/trainings/<int:training_id>
GET /sme/trainings/new
GET /standards
GET /standards/<int:standard_id>
GET /static/<path:filename>
GET /support/
GET /support/auditors
GET /support/auditors/<int:qualification_id>
GET /support/auditors/<int:qualification_id>/edit
GET /support/auditors/<int:qualification_id>/trainings/new
GET /support/auditors/new
GET /support/competence
GET /support/evaluations/new
GET /support/events/<int:event_id>/evaluate
GET /support/instruments
GET /support/instruments.<any(csv, xlsx):fmt>
GET /support/instruments/<int:instrument_id>
GET /support/instruments/<int:instrument_id>/edit
GET /support/instruments/<int:instrument_id>/events/new
GET /support/instruments/new
GET /support/people/<int:person_id>
GET /support/people/<int:person_id>/edit
GET /support/people/<int:person_id>/trainings/new
GET /support/people/new
GET /support/positions/<int:position_id>
GET /support/positions/<int:position_id>/edit
GET /support/positions/new
GET /support/providers
GET /support/providers/<int:provider_id>
GET /support/providers/<int:provider_id>/edit
GET /support/providers/<int:provider_id>/evaluations/new
GET /support/providers/new
GET /sw.js
GET /units/<int:unit_id>
GET /units/<int:unit_id>/edit
GET /users
GET /users/<int:user_id>
GET /users/<int:user_id>/edit
GET /users/new
GET /verify/
GET /verify/<ident>
PATCH /api/v1/agencies/<int:agency_id>
PATCH /api/v1/agencies/<int:agency_id>/document-approvers
PATCH /api/v1/audit-programme-items/<int:item_id>
PATCH /api/v1/audit-programmes/<int:programme_id>
PATCH /api/v1/auditor-qualifications/<int:record_id>
PATCH /api/v1/audits/<int:audit_id>
PATCH /api/v1/checklist-rows/<int:row_id>
PATCH /api/v1/context-issues/<int:record_id>
PATCH /api/v1/document-revisions/<int:revision_id>
PATCH /api/v1/documents/<int:document_id>
PATCH /api/v1/findings/<int:finding_id>
PATCH /api/v1/instruments/<int:record_id>
PATCH /api/v1/interested-parties/<int:record_id>
PATCH /api/v1/management-reviews/<int:review_id>
PATCH /api/v1/nonconformities/<int:nc_id>
PATCH /api/v1/objectives/<int:record_id>
PATCH /api/v1/positions/<int:record_id>
PATCH /api/v1/providers/<int:record_id>
PATCH /api/v1/risks/<int:record_id>
PATCH /api/v1/sme/businesses/<int:business_id>
PATCH /api/v1/sme/products/<int:product_id>
PATCH /api/v1/staff/<int:record_id>
PATCH /api/v1/units/<int:unit_id>
POST /account/notifications
POST /account/password
POST /account/sessions/<int:session_id>/end
POST /account/tokens
POST /account/tokens/<int:token_id>/revoke
POST /agencies/<int:agency_id>/archive
POST /agencies/<int:agency_id>/edit
POST /agencies/<int:agency_id>/units/new
POST /api/v1/actions/<int:action_id>/done
POST /api/v1/actions/<int:action_id>/remove
POST /api/v1/agencies
POST /api/v1/agencies/<int:agency_id>/archive
POST /api/v1/agencies/<int:agency_id>/units
POST /api/v1/audit-programme-items/<int:item_id>/archive
POST /api/v1/audit-programmes
POST /api/v1/audit-programmes/<int:programme_id>/archive
POST /api/v1/audit-programmes/<int:programme_id>/items
POST /api/v1/auditor-evaluations
POST /api/v1/auditor-qualifications
POST /api/v1/auditor-qualifications/<int:parent_id>/trainings
POST /api/v1/audits
POST /api/v1/audits/<int:audit_id>/checklist
POST /api/v1/audits/<int:audit_id>/team
POST /api/v1/audits/<int:audit_id>/transitions/close
POST /api/v1/audits/<int:audit_id>/transitions/report
POST /api/v1/audits/<int:audit_id>/transitions/start
POST /api/v1/calibration-events/<int:event_id>/evaluation
POST /api/v1/calibration-events/<int:event_id>/nonconformity
POST /api/v1/cities/<int:city_id>/days-off
POST /api/v1/complaint-imports
POST /api/v1/complaint-imports/<int:import_id>/confirm
POST /api/v1/context-issues
POST /api/v1/context-issues/<int:record_id>/archive
POST /api/v1/days-off/<int:day_id>/archive
POST /api/v1/document-revisions/<int:revision_id>/files
POST /api/v1/document-revisions/<int:revision_id>/transition
POST /api/v1/documents
POST /api/v1/documents/<int:document_id>/reviews
POST /api/v1/documents/<int:document_id>/revisions
POST /api/v1/documents/<int:document_id>/withdraw
POST /api/v1/instruments
POST /api/v1/instruments/<int:parent_id>/calibration-events
POST /api/v1/instruments/<int:record_id>/archive
POST /api/v1/interested-parties
POST /api/v1/interested-parties/<int:record_id>/archive
POST /api/v1/management-review-actions/<int:action_id>/done
POST /api/v1/management-reviews
POST /api/v1/management-reviews/<int:review_id>/actions
POST /api/v1/management-reviews/<int:review_id>/transitions/close
POST /api/v1/management-reviews/<int:review_id>/transitions/hold
POST /api/v1/management-reviews/<int:review_id>/transitions/prepare
POST /api/v1/nonconformities
POST /api/v1/nonconformities/<int:nc_id>/actions
POST /api/v1/nonconformities/<int:nc_id>/archive
POST /api/v1/nonconformities/<int:nc_id>/transitions/accept_plan
POST /api/v1/nonconformities/<int:nc_id>/transitions/analyse_cause
POST /api/v1/nonconformities/<int:nc_id>/transitions/close
POST /api/v1/nonconformities/<int:nc_id>/transitions/mark_implemented
POST /api/v1/nonconformities/<int:nc_id>/transitions/record_correction
POST /api/v1/nonconformities/<int:nc_id>/transitions/return_plan
POST /api/v1/nonconformities/<int:nc_id>/transitions/submit_plan
POST /api/v1/nonconformities/<int:nc_id>/transitions/verify_effective
POST /api/v1/nonconformities/<int:nc_id>/transitions/verify_not_effective
POST /api/v1/objectives
POST /api/v1/objectives/<int:objective_id>/measurements
POST /api/v1/objectives/<int:record_id>/archive
POST /api/v1/positions
POST /api/v1/positions/<int:record_id>/archive
POST /api/v1/providers
POST /api/v1/providers/<int:parent_id>/evaluations
POST /api/v1/providers/<int:record_id>/archive
POST /api/v1/reports
POST /api/v1/risk-treatments/<int:treatment_id>/transitions/cancel
POST /api/v1/risk-treatments/<int:treatment_id>/transitions/complete
POST /api/v1/risk-treatments/<int:treatment_id>/transitions/start
POST /api/v1/risks
POST /api/v1/risks/<int:record_id>/archive
POST /api/v1/risks/<int:risk_id>/treatments
POST /api/v1/skm/surveys
POST /api/v1/skm/surveys/<int:survey_id>/responses
POST /api/v1/skm/surveys/<int:survey_id>/responses/confirm
POST /api/v1/sme/businesses
POST /api/v1/sme/businesses/<int:business_id>/products
POST /api/v1/sme/businesses/<int:business_id>/visits
POST /api/v1/sme/pathways
POST /api/v1/sme/pathways/<int:pathway_id>/lab-tests
POST /api/v1/sme/pathways/<int:pathway_id>/transitions
POST /api/v1/sme/trainings
POST /api/v1/staff
POST /api/v1/staff/<int:parent_id>/trainings
POST /api/v1/staff/<int:record_id>/archive
POST /api/v1/units/<int:unit_id>/archive
POST /api/v1/verify
POST /audits/<int:audit_id>/agenda
POST /audits/<int:audit_id>/archive
POST /audits/<int:audit_id>/checklist/copy
POST /audits/<int:audit_id>/checklist/generate
POST /audits/<int:audit_id>/checklist/rows
POST /audits/<int:audit_id>/edit
POST /audits/<int:audit_id>/members
POST /audits/<int:audit_id>/transition/<name>
POST /audits/agenda/<int:item_id>/remove
POST /audits/members/<int:member_id>/remove
POST /audits/new
POST /audits/programme-items/<int:item_id>/archive
POST /audits/programme-items/<int:item_id>/edit
POST /audits/programmes/<int:programme_id>
POST /audits/programmes/<int:programme_id>/archive
POST /audits/programmes/<int:programme_id>/edit
POST /audits/programmes/<int:programme_id>/review
POST /audits/programmes/new
POST /audits/rows/<int:row_id>
POST /audits/rows/<int:row_id>/files
POST /audits/rows/<int:row_id>/uploads
POST /audits/rows/<int:row_id>/uploads/<key>
POST /capa/<int:nc_id>/actions
POST /capa/<int:nc_id>/archive
POST /capa/<int:nc_id>/edit
POST /capa/<int:nc_id>/step/<name>
POST /capa/actions/<int:action_id>/done
POST /capa/actions/<int:action_id>/remove
POST /capa/complaints/import
POST /capa/complaints/import/<int:import_id>/confirm
POST /capa/new
POST /cities/<int:city_id>/agencies/new
POST /cities/<int:city_id>/days-off/new
POST /cities/<int:city_id>/edit
POST /cities/new
POST /days-off/<int:day_id>/archive
POST /documents/<int:document_id>/edit
POST /documents/<int:document_id>/review
POST /documents/<int:document_id>/revisions/new
POST /documents/<int:document_id>/withdraw
POST /documents/approvers/<int:agency_id>/edit
POST /documents/new
POST /documents/revisions/<int:revision_id>/edit
POST /documents/revisions/<int:revision_id>/files
POST /documents/revisions/<int:revision_id>/transition
POST /language/<locale>
POST /login
POST /logout
POST /planning/context/<kind>/<int:record_id>/archive
POST /planning/context/<kind>/<int:record_id>/edit
POST /planning/context/<kind>/<int:record_id>/review
POST /planning/context/<kind>/new
POST /planning/objectives/<int:objective_id>/archive
POST /planning/objectives/<int:objective_id>/edit
POST /planning/objectives/<int:objective_id>/measurements
POST /planning/objectives/new
POST /planning/risks/<int:risk_id>/archive
POST /planning/risks/<int:risk_id>/edit
POST /planning/risks/<int:risk_id>/review
POST /planning/risks/<int:risk_id>/treatments
POST /planning/risks/new
POST /planning/treatments/<int:treatment_id>/step/<name>
POST /reports/generate
POST /reports/letterhead/<int:city_id>
POST /reports/pdf/<key>
POST /review/<int:review_id>/actions
POST /review/<int:review_id>/attendees
POST /review/<int:review_id>/correct
POST /review/<int:review_id>/edit
POST /review/<int:review_id>/minutes
POST /review/<int:review_id>/step/<name>
POST /review/actions/<int:action_id>/done
POST /review/actions/<int:action_id>/link
POST /review/attendees/<int:attendee_id>/remove
POST /review/new
POST /skm/follow-ups/<int:follow_up_id>/done
POST /skm/imports/<int:import_id>/confirm
POST /skm/new
POST /skm/public/units/<int:unit_id>/form
POST /skm/surveys/<int:survey_id>/archive
POST /skm/surveys/<int:survey_id>/edit
POST /skm/surveys/<int:survey_id>/follow-ups
POST /skm/surveys/<int:survey_id>/import
POST /skm/surveys/<int:survey_id>/step/<name>
POST /sme/businesses/<int:business_id>/archive
POST /sme/businesses/<int:business_id>/edit
POST /sme/businesses/<int:business_id>/products/new
POST /sme/businesses/<int:business_id>/visits/new
POST /sme/businesses/new
POST /sme/findings/<int:finding_id>/close
POST /sme/pathways/<int:pathway_id>/findings
POST /sme/pathways/<int:pathway_id>/lab-tests/new
POST /sme/pathways/<int:pathway_id>/readiness
POST /sme/pathways/<int:pathway_id>/transition
POST /sme/products/<int:product_id>
POST /sme/products/<int:product_id>/edit
POST /sme/stages/<int:stage_id>/files
POST /sme/surveillance/<int:surveillance_id>
POST /sme/trainings/new
POST /support/auditors/<int:qualification_id>/edit
POST /support/auditors/<int:qualification_id>/trainings/new
POST /support/auditors/new
POST /support/evaluations/new
POST /support/events/<int:event_id>/evaluate
POST /support/events/<int:event_id>/nonconformity
POST /support/instruments/<int:instrument_id>/archive
POST /support/instruments/<int:instrument_id>/edit
POST /support/instruments/<int:instrument_id>/events/new
POST /support/instruments/new
POST /support/people/<int:person_id>/archive
POST /support/people/<int:person_id>/edit
POST /support/people/<int:person_id>/trainings/new
POST /support/people/new
POST /support/positions/<int:position_id>/archive
POST /support/positions/<int:position_id>/edit
POST /support/positions/new
POST /support/providers/<int:provider_id>/archive
POST /support/providers/<int:provider_id>/edit
POST /support/providers/<int:provider_id>/evaluations/new
POST /support/providers/new
POST /units/<int:unit_id>/archive
POST /units/<int:unit_id>/edit
POST /users/<int:user_id>/edit
POST /users/<int:user_id>/password
POST /users/<int:user_id>/roles
POST /users/<int:user_id>/roles/<int:assignment_id>/revoke
POST /users/<int:user_id>/unlock
POST /users/new
POST /verify/
"""


def test_route_inventory(web_app):
    """Fails when a route appears or disappears unnoticed; update ROUTES above on purpose."""
    actual = sorted(
        f"{method} {rule.rule}"
        for rule in web_app.url_map.iter_rules()
        for method in rule.methods - {"HEAD", "OPTIONS"}
    )
    assert actual == ROUTES.strip().splitlines(), "now:\n" + "\n".join(actual)


def test_every_page_but_login_and_static_needs_a_login(client):
    open_endpoints = {
        "accounts.login",
        "accounts.set_language",
        "static",
        "api.openapi",
        # the service worker (static JavaScript at the site's root, for its scope)
        "offline_root.service_worker",
        "verify.index",  # public by design: anyone holding a report checks it there
        "verify.show",
        # public by the regulation: anyone answers the satisfaction survey and reads its
        # published results
        "skm_public.results",
        "skm_public.form",
        "skm_public.qr",
    }
    for rule in client.application.url_map.iter_rules():
        if rule.endpoint in open_endpoints or "GET" not in rule.methods:
            continue
        url = re.sub(r"<any\((\w+)[^>]*>", r"\1", rule.rule)  # an export: its first format
        url = re.sub(r"<(?:\w+:)?\w+>", "1", url)
        response = client.get(url)
        assert response.status_code in (302, 401), (url, response.status_code)


@pytest.fixture
def csrf_client(app, test_settings):
    strict = create_app("testing", {**test_settings, "WTF_CSRF_ENABLED": True})
    strict.test_client_class = QmsClient
    yield strict.test_client()
    with strict.app_context():
        db.engine.dispose()


def _token(page: str) -> str:
    return re.search(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"', page).group(1)


def test_a_form_without_its_csrf_token_is_refused(csrf_client):
    city = CityFactory()
    admin = user_with_role(Role.CITY_ADMIN, city=city)
    login_page = csrf_client.get("/login").get_data(as_text=True)
    # CSRF is checked for every form, the login too (no login with a forged form)
    refused_login = csrf_client.post("/login", data={"email": admin.email, "password": PASSWORD})
    assert refused_login.status_code == 400
    logged_in = csrf_client.post(
        "/login",
        data={"email": admin.email, "password": PASSWORD, "csrf_token": _token(login_page)},
    )
    assert logged_in.status_code == 302

    form = {"code": "DISHUB", "name": "Dinas Perhubungan", "kind": "dinas", "active": "y"}
    refused = csrf_client.post(f"/cities/{city.id}/agencies/new", data=form)
    assert refused.status_code == 400
    assert "Muat ulang halaman" in refused.get_data(as_text=True)
    assert csrf_client.post("/logout").status_code == 400  # even logging out needs the token
    assert db.session.scalar(select(func.count()).select_from(Agency)) == 0

    page = csrf_client.get(f"/cities/{city.id}/agencies/new").get_data(as_text=True)
    accepted = csrf_client.post(
        f"/cities/{city.id}/agencies/new", data={**form, "csrf_token": _token(page)}
    )
    assert accepted.status_code == 302


def test_api_needs_no_csrf_token_but_a_bearer_token(csrf_client):
    city = CityFactory()
    _token_row, plain = issue_token(user_with_role(Role.CITY_ADMIN, city=city), "ci")
    db.session.commit()
    response = csrf_client.post(
        "/api/v1/agencies",
        json={"city_id": city.id, "code": "X1", "name": "Dinas X", "kind": "dinas"},
        headers={"Authorization": f"Bearer {plain}"},
    )
    assert response.status_code == 201


def test_production_refuses_the_development_secret(monkeypatch, test_settings):
    monkeypatch.setenv("DATABASE_URL", "postgresql+psycopg://qms@db/qms")
    with pytest.raises(RuntimeError, match="QMS_SECRET_KEY"):
        create_app("production")
    with pytest.raises(RuntimeError, match="QMS_SECRET_KEY"):
        create_app("production", {"SECRET_KEY": ""})


def test_production_refuses_to_start_without_database_url(monkeypatch):
    monkeypatch.delenv("DATABASE_URL", raising=False)
    with pytest.raises(RuntimeError, match="DATABASE_URL"):
        create_app("production", {"SECRET_KEY": "a-long-random-production-secret-0123456789"})


def test_security_headers(client):
    response = client.get("/login")
    csp = response.headers["Content-Security-Policy"]
    assert "default-src 'self'" in csp and "frame-ancestors 'none'" in csp
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["Cache-Control"] == "no-store"
    page = response.get_data(as_text=True)
    assert "http://" not in page.replace("http://localhost", "") and "https://" not in page


def test_read_only_user_is_refused_any_write_but_own_preferences(client, auth):
    user = user_with_role(Role.MANAGEMENT_VIEWER, city=CityFactory())
    auth.login(user)
    refused = client.post("/cities/new", data={"code": "X", "name": "X", "kind": "kota"})
    assert refused.status_code == 303
    assert client.post("/language/en", data={"next": "/"}).status_code == 302
    assert "Home" in client.get("/").get_data(as_text=True)
