"""audits: optimistic locking of checklist rows

Each checklist row gets a version (existing rows start at 1) and the user who saved it last,
so that of two auditors saving the same row at once the second is refused instead of silently
overwriting the first.

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-30 10:00:00.000000

"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("audit_checklist_rows", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("version", sa.Integer(), nullable=False, server_default="1")
        )
        batch_op.add_column(sa.Column("changed_by_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_audit_checklist_rows_changed_by_id_users"),
            "users",
            ["changed_by_id"],
            ["id"],
        )
    # the default only filled the existing rows; new rows get their version from the model
    with op.batch_alter_table("audit_checklist_rows", schema=None) as batch_op:
        batch_op.alter_column("version", server_default=None)


def downgrade():
    with op.batch_alter_table("audit_checklist_rows", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_audit_checklist_rows_changed_by_id_users"), type_="foreignkey"
        )
        batch_op.drop_column("changed_by_id")
        batch_op.drop_column("version")
