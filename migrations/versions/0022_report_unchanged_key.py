"""report unchanged key: a report asked again with the same parameters on the same day, when
nothing it reads has changed since (the same change mark), is served from the archive without
building its data again (qms/reports/archive.py)

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-07 03:50:00.000000

"""

from alembic import op
import sqlalchemy as sa

# revision identifiers, used by Alembic.
revision = "0022"
down_revision = "0021"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("generated_reports") as batch:
        batch.add_column(sa.Column("unchanged_key", sa.String(length=64), nullable=True))
        batch.create_index(
            batch.f("ix_generated_reports_unchanged_key"), ["unchanged_key"], unique=False
        )


def downgrade():
    with op.batch_alter_table("generated_reports") as batch:
        batch.drop_index(batch.f("ix_generated_reports_unchanged_key"))
        batch.drop_column("unchanged_key")
