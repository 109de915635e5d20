"""capa: one open nonconformity per escalation rule, enforced by the database

Two runs of the complaint escalation rules at the same moment (two imports confirmed at once,
the daily job) could each raise a nonconformity for the same rule. A partial unique index
allows one open, unarchived nonconformity per escalation key.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-07 04:00:00.000000

"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None

OPEN_ESCALATION = "escalation_key IS NOT NULL AND status != 'closed' AND archived_at IS NULL"


def upgrade():
    with op.batch_alter_table("nonconformities", schema=None) as batch_op:
        batch_op.create_index(
            "uq_nonconformities_open_escalation",
            ["escalation_key"],
            unique=True,
            sqlite_where=sa.text(OPEN_ESCALATION),
            postgresql_where=sa.text(OPEN_ESCALATION),
        )


def downgrade():
    with op.batch_alter_table("nonconformities", schema=None) as batch_op:
        batch_op.drop_index("uq_nonconformities_open_escalation")
