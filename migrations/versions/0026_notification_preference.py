"""notification preference: each user hears of steps waiting for them immediately (one mail per
event) or in the daily digest (qms/core/mail.py notify, qms/home/digest.py)

Revision ID: 0026
Revises: 0025
Create Date: 2026-12-07 04:00:00.000000

"""

from alembic import op
import sqlalchemy as sa

# revision identifiers, used by Alembic.
revision = "0026"
down_revision = "0025"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("users") as batch:
        batch.add_column(
            sa.Column(
                "notify", sa.String(length=20), nullable=False, server_default="immediately"
            )
        )


def downgrade():
    with op.batch_alter_table("users") as batch:
        batch.drop_column("notify")
