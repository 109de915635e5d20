"""indexes for the lists' sorts and filters: every list pages through its rows in a stable
order (qms/core/pagination.py), and each sort and filter the lists and the API use is backed by
an index (complaints by received date, nonconformities by raise date and by agency, status and
due date, audits by planned start and by agency, checklist rows by audit and clause, pathways
by their last change, the outbox by date, …). Documents are already indexed by agency, type and
sequence (their unique constraint).

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-07 03:00:00.000000

"""

from alembic import op

# revision identifiers, used by Alembic.
revision = "0023"
down_revision = "0022"
branch_labels = None
depends_on = None

#: name, table, columns
INDEXES = [
    ("ix_complaints_received", "complaints", ["received_at", "id"]),
    ("ix_complaints_agency_received", "complaints", ["agency_id", "received_at"]),
    ("ix_nonconformities_raised", "nonconformities", ["raised_on", "id"]),
    ("ix_nonconformities_agency_status_due", "nonconformities", ["agency_id", "status", "due_date"]),
    ("ix_nonconformities_status_due", "nonconformities", ["status", "due_date"]),
    ("ix_audits_planned", "audits", ["planned_start", "id"]),
    ("ix_audits_agency_planned", "audits", ["agency_id", "planned_start"]),
    ("ix_audit_checklist_rows_audit_clause", "audit_checklist_rows", ["audit_id", "clause_id"]),
    ("ix_sme_pathways_updated", "sme_pathways", ["updated_at", "id"]),
    ("ix_sme_businesses_city_name", "sme_businesses", ["city_id", "name"]),
    ("ix_sme_guidance_visits_held", "sme_guidance_visits", ["held_on", "id"]),
    ("ix_sme_training_batches_held", "sme_training_batches", ["held_on", "id"]),
    ("ix_outbox_messages_created", "outbox_messages", ["created_at", "id"]),
    ("ix_users_name", "users", ["name", "id"]),
    ("ix_quality_objectives_year_agency", "quality_objectives", ["year", "agency_id"]),
    ("ix_skm_surveys_period_agency", "skm_surveys", ["period_start", "agency_id"]),
    ("ix_management_reviews_planned", "management_reviews", ["planned_on", "id"]),
    ("ix_auditor_evaluations_evaluated", "auditor_evaluations", ["evaluated_on", "id"]),
    ("ix_cities_name", "cities", ["name", "id"]),
    ("ix_agencies_name", "agencies", ["name", "id"]),
    ("ix_generated_reports_created", "generated_reports", ["created_at", "id"]),
]


def upgrade():
    for name, table, columns in INDEXES:
        op.create_index(name, table, columns)


def downgrade():
    for name, table, _columns in reversed(INDEXES):
        op.drop_index(name, table_name=table)
