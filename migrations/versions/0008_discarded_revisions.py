"""docs: a draft revision that does not go ahead is discarded, with the reason

The revision state gains "discarded" (a non-native enum: no schema change); the reason is kept
in its own column.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-30 21:45:00.000000

"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade():
    # the server default fills the existing rows; the model gives new rows their value
    with op.batch_alter_table("document_revisions", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("discard_reason", sa.Text(), nullable=False, server_default="")
        )
    with op.batch_alter_table("document_revisions", schema=None) as batch_op:
        batch_op.alter_column("discard_reason", server_default=None)


def downgrade():
    with op.batch_alter_table("document_revisions", schema=None) as batch_op:
        batch_op.drop_column("discard_reason")
