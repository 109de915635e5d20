"""clause requirements: a summary of what each clause asks for, in Indonesian and English, in
our own words (set when the checklists are loaded again; SNI ISO 37001 carries them)

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-07 03:30:00.000000

"""

from alembic import op
import sqlalchemy as sa

# revision identifiers, used by Alembic.
revision = "0020"
down_revision = "0019"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("clauses", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("requirement_id", sa.Text(), nullable=False, server_default="")
        )
        batch_op.add_column(
            sa.Column("requirement_en", sa.Text(), nullable=False, server_default="")
        )


def downgrade():
    with op.batch_alter_table("clauses", schema=None) as batch_op:
        batch_op.drop_column("requirement_en")
        batch_op.drop_column("requirement_id")
