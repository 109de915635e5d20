"""Mail when a step of a revision starts waiting for someone: a revision submitted for approval
tells the people who may approve it (approvers.approvers_of), at once, through the outbox;
those who chose the daily digest read it there."""

from __future__ import annotations

from typing import Any

from flask import url_for
from flask_babel import gettext as _

from qms.core.mail import notify
from qms.documents import approvers
from qms.documents.models import DocumentRevision


def after_step(actor: Any, revision: DocumentRevision, action: str) -> None:
    if action != "submit":
        return
    document = revision.document
    submitted = revision.submitted_at.isoformat() if revision.submitted_at else ""

    def compose(user: Any) -> tuple[str, str]:
        link = url_for("documents.show_revision", revision_id=revision.id, _external=True)
        subject = _(
            "Revision awaiting your approval: %(code)s rev. %(n)s",
            code=document.code,
            n=revision.number,
        )
        body = _(
            "%(author)s submitted this revision for approval. Approve it or request changes "
            "in qms.",
            author=actor.name,
        )
        return (
            subject,
            f"{body}\n\n{document.code} rev. {revision.number}: {document.title}\n{link}",
        )

    notify(
        approvers.approvers_of(revision),
        actor,
        f"event:revision-submitted:{revision.id}:{submitted}",
        compose,
    )
