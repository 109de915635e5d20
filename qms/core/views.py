"""What the HTML views of every feature do alike: ask for a login, make the change a form asks
for or show on the form why not, and end a change with a message and a redirect; and the pages
every kind of record has (`RecordPages`): its page, new, edit, a form about it, archive."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response

from qms.core import access
from qms.core.archiving import may_change
from qms.core.errors import DomainError, PermissionDenied
from qms.core.exports import export_response
from qms.core.forms import choices
from qms.core.history import history_of
from qms.core.pagination import streamed
from qms.core.timeutil import today
from qms.extensions import db

T = TypeVar("T")


def require_login(blueprint: Blueprint) -> None:
    """Every page of `blueprint` asks for a login first (the login page, then back)."""
    blueprint.before_request(login_required(lambda: None))


def show_on_form(form: FlaskForm, error: DomainError) -> None:
    """Keep nothing of the refused change, and show why on the form: next to the field the
    error names (a ValidationFailed names several), else above the form."""
    db.session.rollback()
    fields = getattr(error, "errors", None) or {error.field: [str(error.message)]}
    for name, messages in fields.items():
        field = getattr(form, name, None) if name else None
        if field is not None and hasattr(field, "errors"):
            # a new list: a field that was never validated holds a tuple
            field.errors = [*field.errors, *messages]
        else:
            form.form_errors.extend(messages)


def saved(form: FlaskForm, change: Callable[[], T], *, forbidden_on_form: bool = True) -> T | None:
    """The change a submitted, valid form asks for, committed: what `change` returned (the
    record it saved). None when the form was not submitted or is not valid, or when the change
    was refused: the reason is then shown on the form and nothing is kept (`show_on_form`).
    With `forbidden_on_form=False`, a permission refusal is no error of the form: it goes on to
    the 403 page."""
    if not form.validate_on_submit():
        return None
    try:
        result = change()
    except DomainError as error:
        if isinstance(error, PermissionDenied) and not forbidden_on_form:
            raise
        show_on_form(form, error)
        return None
    db.session.commit()
    return result


def saved_then(
    form: FlaskForm,
    change: Callable[[], T],
    then: str | Callable[[T], str],
    message: Any = None,
    *,
    forbidden_on_form: bool = True,
    category: str = "success",
) -> Response | None:
    """`saved`, then said (`message`; a function of what was saved when it names it) and
    followed to `then` (a URL, or a function of what was saved). None when the form is to be
    shown again: not submitted, not valid, or refused."""
    record = saved(form, change, forbidden_on_form=forbidden_on_form)
    if record is None:
        return None
    if message is not None:
        flash(message(record) if callable(message) else message, category)
    return redirect(then(record) if callable(then) else then)


def commit_and_redirect(target: str, message: Any = None, *, status: int = 302) -> Response:
    """The end of a request that changed something: keep the change, say so (`message`, a
    success) and go to `target`."""
    db.session.commit()
    if message is not None:
        flash(message, "success")
    return redirect(target, status)


def form_status(form: FlaskForm) -> int:
    """The status of a form page: 422 when it is shown again with errors (WTForms counts the
    form-level errors in form.errors too)."""
    return 422 if form.errors else 200


def save_form(
    form: Any, change: Callable[[dict[str, Any]], T], *, forbidden_on_form: bool = False
) -> T | None:
    """`saved` for a form that gives its `values()`: `change(values)` runs, and "Saved." is
    said; a permission refused stays a 403 (unless `forbidden_on_form`)."""
    record = saved(form, lambda: change(form.values()), forbidden_on_form=forbidden_on_form)
    if record is not None:
        flash(_("Saved."), "success")
    return record


def list_filters(form_class: type[FlaskForm], make: Callable[..., T]) -> T:
    """What a list is narrowed to, read from the query string by `form_class` and given to
    `make` (a value that is no option filters nothing: the form's refusals are not shown)."""
    form = form_class(request.args, meta={"csrf": False})
    form.validate()
    return make(**form.values())


def page_with_form(template: str, form: FlaskForm, **context: Any) -> tuple[str, int]:
    """A page showing `form` (422 when it has errors)."""
    return render_template(template, form=form, **context), form_status(form)


def form_page(form: FlaskForm, title: Any, cancel: str) -> tuple[str, int]:
    """A page with one form (templates/form_page.html), with its status."""
    return page_with_form("form_page.html", form, title=title, cancel=cancel)


def refused(message: Any, status: int = 403) -> tuple[str, int]:
    """The page that says why the user may not do this at all (403, or `status`)."""
    return render_template("errors.html", message=message), status


def not_found() -> tuple[str, int]:
    return refused(_("Not found."), 404)


def offer_owners(form: FlaskForm, owners: Sequence[Any], field: str = "agency_id") -> None:
    """The owners (agencies, cities) a new record may belong to, as the choices of `field`;
    the only one is chosen already."""
    select = getattr(form, field)
    select.choices = choices([(0, "–"), *((o.id, o.name) for o in owners)])
    if len(owners) == 1 and not form.is_submitted():
        select.data = owners[0].id


def form_flow(
    form: Any,
    change: Callable[[dict[str, Any]], T],
    title: Any,
    cancel: str,
    then: str | Callable[[T], str],
    *,
    forbidden_on_form: bool = False,
) -> Any:
    """A page with one form (`form_page`) that makes its change (`save_form`), then goes to
    `then` (a URL, or the URL of what the change saved)."""
    record = save_form(form, change, forbidden_on_form=forbidden_on_form)
    if record is None:
        return form_page(form, title, cancel)
    return redirect(then(record) if callable(then) else then)


@dataclass(frozen=True)
class FormPage:
    """What a page with a form about a record asks (see `RecordPages.form_page`): the form,
    the change it makes (change(user, record, values)) and the page's title."""

    form: Any
    change: Callable[[Any, Any, dict[str, Any]], Any]
    title: Any
    #: where the page goes once the change is made, when not to the record's page
    then: str | None = None


@dataclass(frozen=True)
class RecordPages:
    """The pages of one kind of record: its model, the endpoint of its page with the URL
    parameter that names it, the endpoint of its list, and the owner a new one is created for
    (the model and the form field that chooses it, see access.owner_for_create). With
    `forbidden_on_form`, a change the user may not make is refused on its form, not with a 403.

    The operations the pages call take the user first: create(user, owner, values),
    change(user, record, values). The usual pages are declared on a blueprint (record_page,
    new_page, form_page, archive_page); a view with more to do calls the methods they use."""

    model: type
    endpoint: str
    key: str
    listing: str | None = None
    owner: type | None = None
    owner_field: str = "agency_id"
    forbidden_on_form: bool = False
    #: more values of the URL of the record's page (one set of pages serving several kinds)
    url_values: Mapping[str, Any] = field(default_factory=dict)

    def url(self, record: Any) -> str:
        return url_for(self.endpoint, **self.url_values, **{self.key: record.id})

    def listing_url(self) -> str:
        return url_for(self.listing)

    def get(self, record_id: Any) -> Any:
        """The record, if the user may see it (else 404)."""
        return access.get_visible(self.model, record_id, current_user)

    def may_edit(self, record: Any) -> bool:
        """Whether the current user may change the record (archiving.may_change)."""
        return may_change(current_user, record)

    def record_page(self, blueprint: Blueprint, rule: str, show: Callable[[Any], Any]) -> None:
        """Declares, on `blueprint`, the record's page at `rule` (GET, at `endpoint`): what
        `show` makes of the record, if the user may see it (else 404)."""
        blueprint.add_url_rule(
            rule,
            self.endpoint.rpartition(".")[2],
            lambda **values: show(self.get(values[self.key])),
        )

    def page(self, template: str, name: str, record: Any, **context: Any) -> str:
        """The record's page: the record (as `name`), whether the user may change it and its
        history, with `context`."""
        return render_template(
            template,
            **{name: record},
            may_edit=self.may_edit(record),
            history=history_of(record),
            **context,
        )

    def editable(self, record_id: Any) -> Any:
        """The record, if the user may change it (else 404 or 403)."""
        return access.get_editable(self.model, record_id, current_user)

    def chosen_owner(self, form: Any) -> Any:
        """The owner a new record goes to, as chosen on `form` (access.owner_for_create)."""
        chosen = getattr(form, self.owner_field).data
        return access.owner_for_create(
            current_user, self.model, self.owner, chosen, self.owner_field
        )

    def creatable_owners(self) -> list[Any]:
        """The owners (of `owner`) the user may create a record in, by name."""
        return access.where_may_create(current_user, self.model, self.owner)

    def new(
        self,
        form: Any,
        owners: Sequence[Any],
        create: Callable[[Any, Any, dict[str, Any]], T],
        title: Any,
        *,
        refusal: Any,
        then: str | None = None,
    ) -> Any:
        """The page of a new record for one of `owners` (none: `refusal`, 403), the one chosen
        on the form; then the record's page (or `then`)."""
        if not owners:
            return refused(refusal)
        offer_owners(form, owners, self.owner_field)

        return form_flow(
            form,
            lambda values: create(current_user, self.chosen_owner(form), values),
            title,
            self.listing_url(),
            then or self.url,
            forbidden_on_form=self.forbidden_on_form,
        )

    def change(
        self,
        form: Any,
        record: Any,
        change: Callable[[Any, Any, dict[str, Any]], Any],
        title: Any,
        then: str | Callable[[Any], str] | None = None,
    ) -> Any:
        """A form page about `record` (edit it, add to it); then, as on cancel, its page (or
        `then`, a URL or one of what the change saved)."""
        back = self.url(record)
        return form_flow(
            form,
            lambda values: change(current_user, record, values),
            title,
            back,
            then or back,
            forbidden_on_form=self.forbidden_on_form,
        )

    def new_page(
        self, blueprint: Blueprint, rule: str, *, refusal: Any
    ) -> Callable[[Callable[[Any], FormPage]], Callable[[Any], FormPage]]:
        """Declares, on `blueprint`, the page at `rule` (GET and POST, the endpoint named after
        the function it decorates) of a new record for one of the owners the user may create it
        in (none: `refusal`, 403): the function tells, of those owners, what the form asks
        (`FormPage`, its change create(user, owner, values)); then the record's page."""

        def declare(asks: Callable[[Any], FormPage]) -> Callable[[Any], FormPage]:
            def view() -> Any:
                owners = self.creatable_owners()
                if not owners:
                    return refused(refusal)
                page = asks(owners)
                return self.new(
                    page.form, owners, page.change, page.title, refusal=refusal, then=page.then
                )

            blueprint.add_url_rule(rule, asks.__name__, view, methods=["GET", "POST"])
            return asks

        return declare

    def form_page(
        self, blueprint: Blueprint, rule: str
    ) -> Callable[[Callable[[Any], FormPage]], Callable[[Any], FormPage]]:
        """Declares, on `blueprint`, the page at `rule` (GET and POST, the endpoint named after
        the function it decorates) with a form about a record the user may change (else 404 or
        403): the function tells, of the record, what the form asks (`FormPage`); then, as on
        cancel, the record's page (see `change`)."""

        def declare(asks: Callable[[Any], FormPage]) -> Callable[[Any], FormPage]:
            def view(**values: Any) -> Any:
                record = self.editable(values[self.key])
                page = asks(record)
                return self.change(page.form, record, page.change, page.title, page.then)

            blueprint.add_url_rule(rule, asks.__name__, view, methods=["GET", "POST"])
            return asks

        return declare

    def post(
        self,
        form: Any,
        record: Any,
        change: Callable[[Any, Any, dict[str, Any]], Any],
        again: Callable[[Any, int], Any],
        anchor: str = "",
    ) -> Any:
        """A form posted on the record's page: the change, then the page (at `anchor`); or, the
        change refused, `again(record as it is now, status)` shows the page with the form's
        errors."""
        if save_form(form, lambda values: change(current_user, record, values)) is not None:
            return redirect(self.url(record) + anchor)
        return again(self.get(record.id), form_status(form))

    def archive(self, record_id: Any, archive: Callable[[Any, Any], Any]) -> Response:
        """Archive the record; then its list."""
        archive(current_user, self.get(record_id))
        return commit_and_redirect(self.listing_url(), _("Archived."))

    def archive_page(
        self, blueprint: Blueprint, rule: str, endpoint: str, archive: Callable[[Any, Any], Any]
    ) -> None:
        """Declares, on `blueprint`, the button at `rule` (POST) that archives the record
        (`archive(user, record)`); then its list."""
        blueprint.add_url_rule(
            rule,
            endpoint,
            lambda **values: self.archive(values[self.key], archive),
            methods=["POST"],
        )


def export_list(fmt: str, query: Any, name: str, columns: Any) -> Any:
    """A list as a spreadsheet (`fmt` "csv" or "xlsx") named `name` and today's date, its rows
    read in batches."""
    return export_response(fmt, f"{name}-{today().isoformat()}", columns, streamed(query))


# --- imports held for confirmation (a survey's respondents, complaints) ---------------------


def held_import_page(
    pages: RecordPages,
    import_id: int,
    template: str,
    row_error: Any,
    may_confirm: Any,
    **context: Any,
) -> str:
    """The report of an import held for confirmation: its rows, why the bad ones are refused
    (`row_error`), and whether the user may confirm it (`may_confirm(user, record)`)."""
    record = pages.get(import_id)
    return render_template(
        template,
        record=record,
        row_error=row_error,
        may_confirm=may_confirm(current_user, record),
        **context,
    )


def confirm_held_import(
    pages: RecordPages,
    import_id: int,
    confirm: Callable[[Any, Any], dict[str, Any]],
    message: Callable[[dict[str, Any]], Any],
) -> Response:
    """Confirm a held import (`confirm(user, record)` gives its report), say what it stored,
    and show its report again."""
    record = pages.get(import_id)
    report = confirm(current_user, record)
    return commit_and_redirect(pages.url(record), message(report))
