"""imports: registers in from spreadsheets (qms/imports). import_batches holds an uploaded file
with its column mapping and report until its uploader confirms; imported_records keeps each
imported row's key (document code, nonconformity number, NIB) per agency or city, so that the
same file imported again stores nothing twice.

Revision ID: 0030
Revises: 0029
Create Date: 2026-12-07 06:00:00.000000

"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "0030"
down_revision = "0029"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "import_batches",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("city_id", sa.Integer(), nullable=False),
        sa.Column("agency_id", sa.Integer(), nullable=True),
        sa.Column("uploaded_by_id", sa.Integer(), nullable=False),
        sa.Column("filename", sa.String(length=255), nullable=False),
        sa.Column("file_format", sa.String(length=8), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=False),
        sa.Column("sheet", sa.String(length=100), nullable=True),
        sa.Column("heading_row", sa.Integer(), nullable=False),
        sa.Column("headings", sa.JSON(), nullable=False),
        sa.Column("mapping", sa.JSON(), nullable=False),
        sa.Column("mapped_at", sa.DateTime(), nullable=True),
        sa.Column("report", sa.JSON(), nullable=False),
        sa.Column("confirmed_at", sa.DateTime(), nullable=True),
        sa.Column("confirmed_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["agency_id"], ["agencies.id"], name=op.f("fk_import_batches_agency_id_agencies")
        ),
        sa.ForeignKeyConstraint(
            ["city_id"], ["cities.id"], name=op.f("fk_import_batches_city_id_cities")
        ),
        sa.ForeignKeyConstraint(
            ["confirmed_by_id"], ["users.id"], name=op.f("fk_import_batches_confirmed_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["uploaded_by_id"], ["users.id"], name=op.f("fk_import_batches_uploaded_by_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_import_batches")),
    )
    with op.batch_alter_table("import_batches", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_import_batches_agency_id"), ["agency_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_import_batches_city_id"), ["city_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_import_batches_kind"), ["kind"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_import_batches_uploaded_by_id"), ["uploaded_by_id"], unique=False
        )

    op.create_table(
        "imported_records",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("owner_id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=255), nullable=False),
        sa.Column("record_id", sa.Integer(), nullable=False),
        sa.Column("batch_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["batch_id"],
            ["import_batches.id"],
            name=op.f("fk_imported_records_batch_id_import_batches"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_imported_records")),
        sa.UniqueConstraint(
            "kind", "owner_id", "key", name=op.f("uq_imported_records_kind_owner_id_key")
        ),
    )
    with op.batch_alter_table("imported_records", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_imported_records_batch_id"), ["batch_id"], unique=False
        )


def downgrade():
    with op.batch_alter_table("imported_records", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_imported_records_batch_id"))

    op.drop_table("imported_records")
    with op.batch_alter_table("import_batches", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_import_batches_uploaded_by_id"))
        batch_op.drop_index(batch_op.f("ix_import_batches_kind"))
        batch_op.drop_index(batch_op.f("ix_import_batches_city_id"))
        batch_op.drop_index(batch_op.f("ix_import_batches_agency_id"))

    op.drop_table("import_batches")
