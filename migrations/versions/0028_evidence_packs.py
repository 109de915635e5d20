"""evidence packs: the report archive keeps ZIP packs beside PDFs (the file's kind) and the
SHA-256 of a pack's manifest (qms/reports/packs.py)

Revision ID: 0028
Revises: 0027
Create Date: 2026-12-07 06:00:00.000000

"""

from alembic import op
import sqlalchemy as sa

# revision identifiers, used by Alembic.
revision = "0028"
down_revision = "0027"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("generated_reports") as batch:
        batch.add_column(
            sa.Column("file_type", sa.String(length=8), nullable=False, server_default="pdf")
        )
        batch.add_column(sa.Column("manifest_sha256", sa.String(length=64), nullable=True))
        batch.create_index(
            "ix_generated_reports_manifest_sha256", ["manifest_sha256"], unique=False
        )


def downgrade():
    with op.batch_alter_table("generated_reports") as batch:
        batch.drop_index("ix_generated_reports_manifest_sha256")
        batch.drop_column("manifest_sha256")
        batch.drop_column("file_type")
