"""city letterhead: the letterhead (kop surat) each city's reports are printed under, its
government's name, address lines and emblem (a file in the file store); a city without one
prints a letterhead of text made from its name (qms/reports/letterhead.py)

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-07 03:30:00.000000

"""

from alembic import op
import sqlalchemy as sa

# revision identifiers, used by Alembic.
revision = "0021"
down_revision = "0020"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "city_letterheads",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("city_id", sa.Integer(), nullable=False),
        sa.Column("government", sa.String(length=200), nullable=False),
        sa.Column("address", sa.String(length=500), nullable=False),
        sa.Column("emblem_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["city_id"], ["cities.id"], name=op.f("fk_city_letterheads_city_id_cities")
        ),
        sa.ForeignKeyConstraint(
            ["emblem_id"],
            ["stored_files.id"],
            name=op.f("fk_city_letterheads_emblem_id_stored_files"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_city_letterheads")),
        sa.UniqueConstraint("city_id", name=op.f("uq_city_letterheads_city_id")),
    )


def downgrade():
    op.drop_table("city_letterheads")
