"""organisations: the places of a city (kecamatan and their kelurahan)

Places are data loaded from checklists/places/ (the checklist kind `places`), like the
standards: one row per kecamatan and per kelurahan of a city, a kelurahan pointing to its
kecamatan; a place a later file drops is retired, not deleted.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-02 09:00:00.000000

"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "places",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("city_id", sa.Integer(), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "kecamatan", "kelurahan", name="placekind", native_enum=False, length=32
            ),
            nullable=False,
        ),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("parent_id", sa.Integer(), nullable=True),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("retired_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["city_id"], ["cities.id"], name=op.f("fk_places_city_id_cities")
        ),
        sa.ForeignKeyConstraint(
            ["parent_id"], ["places.id"], name=op.f("fk_places_parent_id_places")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_places")),
        sa.UniqueConstraint(
            "city_id", "kind", "name", name=op.f("uq_places_city_id_kind_name")
        ),
    )


def downgrade():
    op.drop_table("places")
