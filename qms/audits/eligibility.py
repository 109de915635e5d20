"""Who may lead an audit or join its team beyond independence: the extension point of team
eligibility rules.

A later feature (qms.support keeps the auditors' qualifications, ISO 19011 §7) registers a rule
from its init_app through interface.py; the audits never import it. A rule answers why a
candidate may not take the place, or None. With no rule registered, every internal auditor of
the city who is independent of the audited agency qualifies, as before."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import date

from qms.accounts.models import User

#: (candidate, the audit's date — its planned start, or today while it is being planned —,
#: whether they would lead) -> why they may not, or None
TeamRule = Callable[[User, date, bool], str | None]
team_rules: list[TeamRule] = []


def register_team_rule(rule: TeamRule) -> None:
    if rule not in team_rules:
        team_rules.append(rule)


def team_problem(candidate: User, on: date, *, lead: bool) -> str | None:
    """The first reason a rule gives why `candidate` may not lead (or join) an audit held on
    `on`, or None."""
    for rule in team_rules:
        problem = rule(candidate, on, lead)
        if problem:
            return problem
    return None


def split_offers(
    candidates: Iterable[User], on: date, *, lead: bool
) -> tuple[list[User], list[tuple[User, str]]]:
    """The candidates a form offers, and those it does not with the reason why."""
    offered: list[User] = []
    refused: list[tuple[User, str]] = []
    for candidate in candidates:
        problem = team_problem(candidate, on, lead=lead)
        if problem:
            refused.append((candidate, problem))
        else:
            offered.append(candidate)
    return offered, refused
