"""The roles a user can hold: the vocabulary every access policy speaks.

They live in core because the policies of every feature (and core's own building blocks)
decide by them; the accounts feature stores who holds which, and where."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from qms.core.labels import LabelledEnum


class Role(LabelledEnum):
    SYSTEM_ADMIN = "system_admin", _l("System administrator")
    CITY_ADMIN = "city_admin", _l("City administrator")
    QUALITY_OFFICER = "quality_officer", _l("Agency quality officer")
    #: Kepala OPD: approves the agency's documents (as the agency configures) and chairs its
    #: management review
    AGENCY_HEAD = "agency_head", _l("Agency head (Kepala OPD)")
    INTERNAL_AUDITOR = "internal_auditor", _l("Internal auditor")
    COOP_OFFICER = "coop_officer", _l("Cooperative office officer")
    BSN_REVIEWER = "bsn_reviewer", _l("BSN reviewer")
    MANAGEMENT_VIEWER = "management_viewer", _l("Management viewer")


ROLE_LABELS = Role.labels()

#: Roles whose scope is every city; they need neither city nor agency.
NATIONAL_ROLES = frozenset({Role.SYSTEM_ADMIN, Role.BSN_REVIEWER})
#: Roles that need an agency (the officer's own agency, the auditor's home agency).
AGENCY_ROLES = frozenset({Role.QUALITY_OFFICER, Role.AGENCY_HEAD, Role.INTERNAL_AUDITOR})
#: Roles that never write anything.
READ_ONLY_ROLES = frozenset({Role.BSN_REVIEWER, Role.MANAGEMENT_VIEWER})
