"""External providers (ISO 9001 8.4): the register with each provider's status and latest
evaluation, one provider with its evaluations, and a new evaluation."""

from __future__ import annotations

from typing import Any

from flask import redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from qms.core import access
from qms.core.history import history_of
from qms.core.timeutil import today
from qms.core.views import commit_and_redirect, form_page, save_form
from qms.organisations.models import Agency
from qms.organisations.queries import visible_agencies
from qms.support import common, providers, queries
from qms.support.forms import NewProviderForm, ProviderEvaluationForm, ProviderForm
from qms.support.models import Provider
from qms.support.views import bp, chosen_agency, offer_agencies, refused


@bp.get("/providers")
def providers_list():
    agency_id = chosen_agency()
    return render_template(
        "support/providers.html",
        providers=queries.rows(queries.providers_query(current_user, agency_id)),
        agency_id=agency_id,
        agencies=visible_agencies(current_user),
        may_create=bool(queries.writable_agencies(current_user, Provider)),
        today=today(),
    )


@bp.route("/providers/new", methods=["GET", "POST"])
def new_provider():
    agencies = queries.writable_agencies(current_user, Provider)
    if not agencies:
        return refused(_("You may not add to an agency's providers."))
    form = NewProviderForm()
    offer_agencies(form, agencies)

    def create(values: dict[str, Any]) -> Provider:
        agency = access.owner_for_create(
            current_user, Provider, Agency, form.agency_id.data, "agency_id"
        )
        return providers.save_provider(current_user, values, agency=agency)

    record = save_form(form, create)
    if record is not None:
        return redirect(url_for(".provider", provider_id=record.id))
    return form_page(form, _("New provider"), url_for(".providers_list"))


@bp.get("/providers/<int:provider_id>")
def provider(provider_id: int):
    record = access.get_visible(Provider, provider_id, current_user)
    return render_template(
        "support/provider.html",
        provider=record,
        today=today(),
        may_edit=access.can(current_user, access.EDIT, record) and not record.is_archived,
        history=history_of(record),
    )


@bp.route("/providers/<int:provider_id>/edit", methods=["GET", "POST"])
def edit_provider(provider_id: int):
    record = access.get_visible(Provider, provider_id, current_user)
    access.authorize(current_user, access.EDIT, record)
    form = ProviderForm(obj=record)
    if save_form(form, lambda values: providers.save_provider(current_user, values, record=record)):
        return redirect(url_for(".provider", provider_id=record.id))
    return form_page(form, record.name, url_for(".provider", provider_id=record.id))


@bp.post("/providers/<int:provider_id>/archive")
def archive_provider(provider_id: int):
    record = access.get_visible(Provider, provider_id, current_user)
    common.archive(current_user, record)
    return commit_and_redirect(url_for(".providers_list"), _("Archived."))


@bp.route("/providers/<int:provider_id>/evaluations/new", methods=["GET", "POST"])
def new_provider_evaluation(provider_id: int):
    record = access.get_visible(Provider, provider_id, current_user)
    access.authorize(current_user, access.EDIT, record)
    form = ProviderEvaluationForm(status=record.status.value)
    if save_form(form, lambda values: providers.evaluate_provider(current_user, record, values)):
        return redirect(url_for(".provider", provider_id=record.id))
    return form_page(
        form,
        _("Evaluation of %(name)s", name=record.name),
        url_for(".provider", provider_id=record.id),
    )
