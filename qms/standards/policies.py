"""Standards are reference data: everyone logged in reads them; only loading changes them."""

from __future__ import annotations

from sqlalchemy import true

from qms.core import access
from qms.standards.models import Clause, Question, Standard


class ReferenceDataPolicy(access.Policy):
    def visible(self, user: access.User):
        return true()


def register() -> None:
    for model in (Standard, Clause, Question):
        access.register_policy(model, ReferenceDataPolicy())
