"""capa: a nonconformity's auditee representative holds the audit's representatives

A nonconformity raised from an audit finding carries the audit's auditee representatives, a
free text of several names and roles (audits.auditee_representatives is text), so the column
is widened from 200 characters to text.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-01 10:00:00.000000

"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("nonconformities", schema=None) as batch_op:
        batch_op.alter_column(
            "auditee_representative",
            existing_type=sa.String(length=200),
            type_=sa.Text(),
            existing_nullable=False,
        )


def downgrade():
    with op.batch_alter_table("nonconformities", schema=None) as batch_op:
        batch_op.alter_column(
            "auditee_representative",
            existing_type=sa.Text(),
            type_=sa.String(length=200),
            existing_nullable=False,
        )
