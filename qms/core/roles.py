"""The roles a user can hold: the vocabulary every access policy speaks.

They live in core because the policies of every feature (and core's own building blocks)
decide by them; the accounts feature stores who holds which, and where."""

from __future__ import annotations

import enum

from flask_babel import lazy_gettext as _l


class Role(enum.StrEnum):
    SYSTEM_ADMIN = "system_admin"
    CITY_ADMIN = "city_admin"
    QUALITY_OFFICER = "quality_officer"
    #: Kepala OPD: approves the agency's documents (as the agency configures) and chairs its
    #: management review
    AGENCY_HEAD = "agency_head"
    INTERNAL_AUDITOR = "internal_auditor"
    COOP_OFFICER = "coop_officer"
    BSN_REVIEWER = "bsn_reviewer"
    MANAGEMENT_VIEWER = "management_viewer"


ROLE_LABELS = {
    Role.SYSTEM_ADMIN: _l("System administrator"),
    Role.CITY_ADMIN: _l("City administrator"),
    Role.QUALITY_OFFICER: _l("Agency quality officer"),
    Role.AGENCY_HEAD: _l("Agency head (Kepala OPD)"),
    Role.INTERNAL_AUDITOR: _l("Internal auditor"),
    Role.COOP_OFFICER: _l("Cooperative office officer"),
    Role.BSN_REVIEWER: _l("BSN reviewer"),
    Role.MANAGEMENT_VIEWER: _l("Management viewer"),
}

#: Roles whose scope is every city; they need neither city nor agency.
NATIONAL_ROLES = frozenset({Role.SYSTEM_ADMIN, Role.BSN_REVIEWER})
#: Roles that need an agency (the officer's own agency, the auditor's home agency).
AGENCY_ROLES = frozenset({Role.QUALITY_OFFICER, Role.AGENCY_HEAD, Role.INTERNAL_AUDITOR})
#: Roles that never write anything.
READ_ONLY_ROLES = frozenset({Role.BSN_REVIEWER, Role.MANAGEMENT_VIEWER})
