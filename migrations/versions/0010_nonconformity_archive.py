"""capa: the reason a nonconformity was archived

A nonconformity raised by mistake (or a duplicate) is archived with a reason, never deleted.

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-30 21:40:00.000000

"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("nonconformities", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("archive_reason", sa.Text(), nullable=False, server_default="")
        )


def downgrade():
    with op.batch_alter_table("nonconformities", schema=None) as batch_op:
        batch_op.drop_column("archive_reason")
