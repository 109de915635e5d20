"""clause requirements and programme items per standard: a summary of what each clause asks
for, in Indonesian and English, in our own words (set when the checklists are loaded again; SNI
ISO 37001 carries them); the standard each programme item plans (empty: the quality standard)

Revision ID: 0024
Revises: 0023
Create Date: 2026-12-07 03:30:00.000000

"""

from alembic import op
import sqlalchemy as sa

# revision identifiers, used by Alembic.
revision = "0024"
down_revision = "0023"
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
    # the standard a programme item plans (None: the quality standard, as before)
    with op.batch_alter_table("audit_programme_items", schema=None) as batch_op:
        batch_op.add_column(sa.Column("standard_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_audit_programme_items_standard_id_standards"),
            "standards",
            ["standard_id"],
            ["id"],
        )


def downgrade():
    with op.batch_alter_table("audit_programme_items", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_audit_programme_items_standard_id_standards"), type_="foreignkey"
        )
        batch_op.drop_column("standard_id")
    with op.batch_alter_table("clauses", schema=None) as batch_op:
        batch_op.drop_column("requirement_en")
        batch_op.drop_column("requirement_id")
