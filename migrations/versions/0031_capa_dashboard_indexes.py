"""capa: indexes for the dashboard's national figures, chosen by EXPLAIN on the 20 × 40
benchmark dataset (40 000 nonconformities, 120 000 complaints). Partial indexes over the open
and the closed nonconformities let the counts by agency and grade, by age and the mean days to
close be read from the index alone (13–22 ms each as sequential scans of the wide table, 1–4 ms
now); complaints by channel and working days to answer are grouped in index order.

Revision ID: 0031
Revises: 0030
Create Date: 2026-12-07 14:00:00.000000

"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "0031"
down_revision = "0030"
branch_labels = None
depends_on = None

OPEN = "archived_at IS NULL AND status != 'closed'"
CLOSED = "archived_at IS NULL AND status = 'closed'"

#: name, table, columns, the rows indexed (None: all)
INDEXES = [
    ("ix_complaints_channel_days", "complaints", ["channel", "response_working_days"], None),
    ("ix_nonconformities_open_agency_grade", "nonconformities", ["agency_id", "grade"], OPEN),
    ("ix_nonconformities_open_raised", "nonconformities", ["raised_on"], OPEN),
    ("ix_nonconformities_closed_days", "nonconformities", ["raised_on", "closed_at"], CLOSED),
]


def upgrade():
    for name, table, columns, where in INDEXES:
        condition = sa.text(where) if where else None
        op.create_index(name, table, columns, sqlite_where=condition, postgresql_where=condition)


def downgrade():
    for name, table, _columns, _where in reversed(INDEXES):
        op.drop_index(name, table_name=table)
