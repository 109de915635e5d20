"""the record a management review's action opened is found from that record: a unique index on
the action's (link_kind, link_id), so that a nonconformity's or a revision's page finds the
review action that opened it in one indexed look-up, and no record is claimed by two actions

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-07 03:00:00.000000

"""

from alembic import op

# revision identifiers, used by Alembic.
revision = "0020"
down_revision = "0019"
branch_labels = None
depends_on = None


def upgrade():
    op.create_index(
        "uq_management_review_actions_link",
        "management_review_actions",
        ["link_kind", "link_id"],
        unique=True,
    )


def downgrade():
    op.drop_index("uq_management_review_actions_link", table_name="management_review_actions")
