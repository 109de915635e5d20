"""External providers (ISO 9001 8.4): the register with each provider's status and latest
evaluation, one provider with its evaluations, and a new evaluation."""

from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from qms.core.timeutil import today
from qms.core.views import FormPage, RecordPages
from qms.organisations.models import Agency
from qms.support import common, providers, queries
from qms.support.forms import NewProviderForm, ProviderEvaluationForm, ProviderForm
from qms.support.models import Provider
from qms.support.views import bp, register_list


@bp.get("/providers")
def providers_list():
    return register_list("support/providers.html", PROVIDERS, "providers", queries.providers_query)


PROVIDERS = RecordPages(Provider, ".provider", "provider_id", ".providers_list", owner=Agency)


@PROVIDERS.new_page(bp, "/providers/new", refusal=_l("You may not add to an agency's providers."))
def new_provider(agencies: list[Agency]) -> FormPage:
    return FormPage(NewProviderForm(), common.creating(providers.save_provider), _("New provider"))


@bp.get("/providers/<int:provider_id>")
def provider(provider_id: int):
    return PROVIDERS.page(
        "support/provider.html", "provider", PROVIDERS.get(provider_id), today=today()
    )


@PROVIDERS.form_page(bp, "/providers/<int:provider_id>/edit")
def edit_provider(record: Provider) -> FormPage:
    return FormPage(ProviderForm(obj=record), common.changing(providers.save_provider), record.name)


PROVIDERS.archive_page(
    bp, "/providers/<int:provider_id>/archive", "archive_provider", common.archive
)


@PROVIDERS.form_page(bp, "/providers/<int:provider_id>/evaluations/new")
def new_provider_evaluation(record: Provider) -> FormPage:
    return FormPage(
        ProviderEvaluationForm(status=record.status.value),
        providers.evaluate_provider,
        _("Evaluation of %(name)s", name=record.name),
    )
