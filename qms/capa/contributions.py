"""What other features contribute to corrective actions: the extension points.

Corrective actions never import the features that build on them (the risk register, the
satisfaction survey…); those plug in here from their own `init_app`, through
qms/capa/interface.py, as capa plugs into the audits through qms/audits/follow_up.py:

- an **analysis part** adds fields to the root-cause step (its form on the page and its body in
  the API), stores what was entered in the contributing feature's own tables in the same
  transaction as the step, and shows a block on the nonconformity's page (the risk register
  links the risks the analysis updated, ISO 9001 10.2.1 e);
- a **request form block** adds a titled table to the corrective action request (PTK), on its
  printable page and in its PDF;
- a **feedback source** adds a block to the complaints page, for the agency filtered (the
  suggestions of the satisfaction survey).

Each is registered under a key: registering the same key again replaces it."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from wtforms.fields.core import UnboundField

from qms.accounts.models import User
from qms.capa.forms import CauseForm
from qms.capa.models import Nonconformity


@dataclass(frozen=True)
class AnalysisPart:
    """A part of the root-cause analysis that another feature keeps."""

    key: str
    #: the fields added to the analysis step's form (name -> unbound WTForms field); the API
    #: body of the step takes them too
    fields: Mapping[str, UnboundField]
    #: fill the fields for a nonconformity: (user, form, nc, show_stored) sets the choices, and
    #: the stored answers when `show_stored` (the form is not one sent back with errors)
    prepare: Callable[[User, Any, Nonconformity, bool], None]
    #: store the part's answers with the step: (actor, nc, values of the whole step); refuses
    #: with a DomainError naming the field, and then nothing of the step is written
    store: Callable[[User, Nonconformity, dict[str, Any]], None]
    #: the part's block on the nonconformity's page, rendered with `ctx = context(user, nc)`
    template: str
    context: Callable[[User, Nonconformity], dict[str, Any]]


@dataclass(frozen=True)
class RequestFormBlock:
    """A titled table of the corrective action request; left out while it has no rows."""

    key: str
    title: Any
    headings: Sequence[Any]
    #: the rows for a nonconformity, each a list of texts under the headings
    rows: Callable[[Nonconformity], list[list[str]]]


@dataclass(frozen=True)
class FeedbackSource:
    """A block of the complaints page: `template` rendered with `ctx = context(user,
    agency_id)` (agency_id: the agency filtered, or None), left out when the context is None."""

    key: str
    template: str
    context: Callable[[User, int | None], dict[str, Any] | None]


@dataclass(frozen=True)
class Block:
    """A contributed block, ready to include: `{% with ctx = block.ctx %}{% include
    block.template %}{% endwith %}`."""

    template: str
    ctx: dict[str, Any]


analysis_parts: dict[str, AnalysisPart] = {}
request_form_blocks_registered: dict[str, RequestFormBlock] = {}
feedback_sources: dict[str, FeedbackSource] = {}


def register_analysis_part(part: AnalysisPart) -> None:
    """Add a part to the root-cause analysis: its fields join the step's form class (so the
    page and the API's document both have them)."""
    analysis_parts[part.key] = part
    for name, unbound in part.fields.items():
        setattr(CauseForm, name, unbound)
    CauseForm.contributed = tuple(name for p in analysis_parts.values() for name in p.fields)


def register_request_form_block(block: RequestFormBlock) -> None:
    request_form_blocks_registered[block.key] = block


def register_feedback_source(source: FeedbackSource) -> None:
    feedback_sources[source.key] = source


def prepare_analysis(user: User, form: Any, nc: Nonconformity, show_stored: bool) -> None:
    for part in analysis_parts.values():
        part.prepare(user, form, nc, show_stored)


def store_analysis(actor: User, nc: Nonconformity, values: dict[str, Any]) -> None:
    for part in analysis_parts.values():
        part.store(actor, nc, values)


def analysis_blocks(user: User, nc: Nonconformity) -> list[Block]:
    return [Block(p.template, p.context(user, nc)) for p in analysis_parts.values()]


def request_form_blocks(nc: Nonconformity) -> list[dict[str, Any]]:
    """The contributed tables of a nonconformity's request form as plain data (texts only: the
    PDF's data is archived with its hash): {"title", "headings", "rows"} each."""
    blocks = []
    for block in request_form_blocks_registered.values():
        rows = block.rows(nc)
        if rows:
            blocks.append(
                {
                    "title": str(block.title),
                    "headings": [str(h) for h in block.headings],
                    "rows": [[str(cell) for cell in row] for row in rows],
                }
            )
    return blocks


def feedback_blocks(user: User, agency_id: int | None) -> list[Block]:
    blocks = []
    for source in feedback_sources.values():
        ctx = source.context(user, agency_id)
        if ctx is not None:
            blocks.append(Block(source.template, ctx))
    return blocks
