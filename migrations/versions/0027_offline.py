"""offline uploads: a file sent in pieces from a phone (file_uploads and file_upload_parts),
resumed after a drop and attached once whole (qms/files/uploads.py)

Revision ID: 0027
Revises: 0026
Create Date: 2026-12-07 06:00:00.000000

"""

from alembic import op
import sqlalchemy as sa

# revision identifiers, used by Alembic.
revision = "0027"
down_revision = "0026"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "file_uploads",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("owner_type", sa.String(length=64), nullable=False),
        sa.Column("owner_id", sa.Integer(), nullable=False),
        sa.Column("original_name", sa.String(length=255), nullable=False),
        sa.Column("description", sa.String(length=255), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("received", sa.Integer(), nullable=False),
        sa.Column("file_id", sa.Integer(), nullable=True),
        sa.Column("started_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_file_uploads_user_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["file_id"], ["stored_files.id"], name=op.f("fk_file_uploads_file_id_stored_files")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_file_uploads")),
        sa.UniqueConstraint("user_id", "key", name=op.f("uq_file_uploads_user_id_key")),
    )
    op.create_table(
        "file_upload_parts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("upload_id", sa.Integer(), nullable=False),
        sa.Column("first_byte", sa.Integer(), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(
            ["upload_id"],
            ["file_uploads.id"],
            name=op.f("fk_file_upload_parts_upload_id_file_uploads"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_file_upload_parts")),
    )
    op.create_index(
        op.f("ix_file_upload_parts_upload_id"), "file_upload_parts", ["upload_id"]
    )


def downgrade():
    op.drop_index(op.f("ix_file_upload_parts_upload_id"), table_name="file_upload_parts")
    op.drop_table("file_upload_parts")
    op.drop_table("file_uploads")
