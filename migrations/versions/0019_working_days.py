"""working days, authorised approvers and untitled sub-clauses: a city's own days off; the working days each
complaint took to be answered (counted now with the national calendar, since no city had days
off of its own yet); who each agency authorises to approve documents of each type; which clauses of a standard have no
title of their own (set when the checklists are loaded again)

SP4N-LAPOR limits are working days (qms/core/workdays.py). The approvers table starts empty:
every agency approves by the defaults of qms/documents/approvers.py (the agency head for the
quality manual, policy and SOPs, quality officers for the other types) until it says otherwise.

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-07 00:00:00.000000

"""

from alembic import op
import sqlalchemy as sa

from qms.core.workdays import Calendar

# revision identifiers, used by Alembic.
revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None

ROLES = (
    "system_admin",
    "city_admin",
    "quality_officer",
    "agency_head",
    "internal_auditor",
    "coop_officer",
    "bsn_reviewer",
    "management_viewer",
)
DOCUMENT_TYPES = (
    "quality_policy",
    "quality_manual",
    "procedure",
    "work_instruction",
    "form",
    "service_standard",
    "record",
)


def upgrade():
    op.create_table(
        "local_days_off",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("city_id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("archived_at", sa.DateTime(), nullable=True),
        sa.Column("archived_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["city_id"], ["cities.id"], name=op.f("fk_local_days_off_city_id_cities")
        ),
        sa.ForeignKeyConstraint(
            ["archived_by_id"], ["users.id"], name=op.f("fk_local_days_off_archived_by_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_local_days_off")),
    )
    with op.batch_alter_table("local_days_off", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_local_days_off_city_id"), ["city_id"], unique=False)

    op.create_table(
        "document_approvers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("agency_id", sa.Integer(), nullable=False),
        sa.Column(
            "document_type",
            sa.Enum(*DOCUMENT_TYPES, name="documenttype", native_enum=False, length=32),
            nullable=False,
        ),
        sa.Column(
            "role", sa.Enum(*ROLES, name="role", native_enum=False, length=32), nullable=False
        ),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["agency_id"], ["agencies.id"], name=op.f("fk_document_approvers_agency_id_agencies")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_document_approvers")),
        sa.UniqueConstraint(
            "agency_id",
            "document_type",
            "role",
            name=op.f("uq_document_approvers_agency_id_document_type_role"),
        ),
    )
    with op.batch_alter_table("document_approvers", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_document_approvers_agency_id"), ["agency_id"], unique=False
        )

    with op.batch_alter_table("complaints", schema=None) as batch_op:
        batch_op.add_column(sa.Column("response_working_days", sa.Integer(), nullable=True))
    _count_working_days()

    # ISO 9001 sub-clauses without a title of their own: marked by `flask qms load-checklists`
    with op.batch_alter_table("clauses", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("untitled", sa.Boolean(), nullable=False, server_default=sa.false())
        )


def _count_working_days():
    """The answered complaints' working days, with the national calendar (weekends, holidays,
    cuti bersama): no city has days off of its own before this migration."""
    connection = op.get_bind()
    complaints = sa.table(
        "complaints",
        sa.column("id", sa.Integer()),
        sa.column("received_at", sa.DateTime()),
        sa.column("responded_at", sa.DateTime()),
        sa.column("response_working_days", sa.Integer()),
    )
    calendar = Calendar()
    rows = connection.execute(
        sa.select(complaints.c.id, complaints.c.received_at, complaints.c.responded_at).where(
            complaints.c.responded_at.is_not(None)
        )
    ).all()
    for complaint_id, received_at, responded_at in rows:
        days = calendar.working_days_between(received_at.date(), responded_at.date())
        connection.execute(
            complaints.update()
            .where(complaints.c.id == complaint_id)
            .values(response_working_days=days)
        )


def downgrade():
    with op.batch_alter_table("clauses", schema=None) as batch_op:
        batch_op.drop_column("untitled")
    with op.batch_alter_table("complaints", schema=None) as batch_op:
        batch_op.drop_column("response_working_days")
    with op.batch_alter_table("document_approvers", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_document_approvers_agency_id"))
    op.drop_table("document_approvers")
    with op.batch_alter_table("local_days_off", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_local_days_off_city_id"))
    op.drop_table("local_days_off")
