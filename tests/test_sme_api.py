"""The pathway through the JSON API and the HTML form: same services, same refusals."""

from __future__ import annotations

from datetime import date

from qms.sme import services
from qms.sme.demo import passing_value
from tests.factories_sme import ProductFactory, coop_officer, load_catalogue, standard


def _pathway():
    load_catalogue()
    product = ProductFactory(standard_id=standard("SNI-3556-2016").id)
    officer = coop_officer(product.business.city)
    pathway = services.open_pathway(
        officer, product, scheme="sppt_sni", scheme_type="5", started_on=date(2025, 3, 3)
    )
    return officer, pathway


def test_api_transitions_and_lab_results(api, app):
    officer, pathway = _pathway()
    client = api.as_user(officer)
    skip = client.post(f"/sme/pathways/{pathway.id}/transitions", json={"action": "start_testing"})
    assert (
        skip.status_code == 422
        and "harus selesai lebih dulu" in skip.get_json()["error"]["message"]
    )
    step = client.post(
        f"/sme/pathways/{pathway.id}/transitions",
        json={"action": "start_readiness", "on": "2025-03-10"},
    )
    assert step.status_code == 200 and step.get_json()["data"]["stage"] == "readiness"
    refused = client.post(
        f"/sme/pathways/{pathway.id}/lab-tests",
        json={"lab_name": "L", "report_number": "R", "sampled_on": "2025-03-10",
              "tested_on": "2025-03-11", "results": {"kio3": "35"}},
    )  # fmt: skip
    assert refused.status_code == 422  # not in the testing stage yet
    assert (
        client.get(f"/sme/pathways/{pathway.id}").get_json()["data"]["stages"][0]["ended_on"]
        == "2025-03-10"
    )


def test_api_refuses_a_parameter_outside_the_sni(api, app):
    officer, pathway = _pathway()
    for action in ("start_readiness",):
        services.transition(officer, pathway, action, on=date(2025, 3, 3))
    services.save_readiness(
        officer, pathway, {i.id: ("yes", "") for i in services.readiness_items()}
    )
    for action in ("start_guidance", "documents_ready"):
        services.transition(officer, pathway, action, on=date(2025, 3, 3))
    services.transition(officer, pathway, "apply", on=date(2025, 3, 3), lspro_name="L",
                        lspro_accreditation="LSPr-034-IDN")  # fmt: skip
    for action in ("start_site_audit", "start_testing"):
        services.transition(officer, pathway, action, on=date(2025, 3, 3))
    results = {p.key: passing_value(p) for p in pathway.standard.current_parameters}
    body = {"lab_name": "L", "report_number": "R", "sampled_on": "2025-03-10",
            "tested_on": "2025-03-11"}  # fmt: skip
    client = api.as_user(officer)
    refused = client.post(
        f"/sme/pathways/{pathway.id}/lab-tests", json={**body, "results": {**results, "hmf": "1"}}
    )
    assert refused.status_code == 422 and "hmf" in refused.get_json()["error"]["message"]
    done = client.post(
        f"/sme/pathways/{pathway.id}/lab-tests", json={**body, "results": {**results, "kio3": "20"}}
    )
    assert done.status_code == 201 and done.get_json()["data"]["passed"] is False


def test_html_skip_is_refused_on_the_page(client, auth, app):
    officer, pathway = _pathway()
    auth.login(officer)
    response = client.post(
        f"/sme/pathways/{pathway.id}/transition", data={"action": "apply", "on": "2025-03-05"}
    )
    assert response.status_code == 422
    assert "harus selesai lebih dulu" in response.get_data(as_text=True)
