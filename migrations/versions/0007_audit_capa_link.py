"""audit_capa_link: findings followed up by nonconformities

Each nonconformity raised from an audit finding now points to it by a foreign key (one per
finding), and the findings' built-in follow-up (a plan text and its acceptance) is dropped: the
nonconformity's corrective action plan carries the follow-up. Before the constraints, links to
findings that do not exist are cleared and, should a finding have several nonconformities, all
but the first lose the link (they stay in the register).

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-28 19:51:51.076816

"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("audit_findings", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_audit_findings_follow_up_accepted_by_id_users"), type_="foreignkey"
        )
        batch_op.drop_column("follow_up_accepted_by_id")
        batch_op.drop_column("follow_up_plan")
        batch_op.drop_column("follow_up_accepted_at")

    op.execute(
        "UPDATE nonconformities SET finding_id = NULL WHERE finding_id IS NOT NULL "
        "AND finding_id NOT IN (SELECT id FROM audit_findings)"
    )
    op.execute(
        "UPDATE nonconformities SET finding_id = NULL WHERE finding_id IS NOT NULL "
        "AND id NOT IN (SELECT MIN(id) FROM nonconformities "
        "WHERE finding_id IS NOT NULL GROUP BY finding_id)"
    )
    with op.batch_alter_table("nonconformities", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_nonconformities_finding_id"))
        batch_op.create_index(
            batch_op.f("ix_nonconformities_finding_id"), ["finding_id"], unique=True
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_nonconformities_finding_id_audit_findings"),
            "audit_findings",
            ["finding_id"],
            ["id"],
        )


def downgrade():
    with op.batch_alter_table("nonconformities", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_nonconformities_finding_id_audit_findings"), type_="foreignkey"
        )
        batch_op.drop_index(batch_op.f("ix_nonconformities_finding_id"))
        batch_op.create_index(
            batch_op.f("ix_nonconformities_finding_id"), ["finding_id"], unique=False
        )

    with op.batch_alter_table("audit_findings", schema=None) as batch_op:
        batch_op.add_column(sa.Column("follow_up_accepted_at", sa.DateTime(), nullable=True))
        batch_op.add_column(
            sa.Column("follow_up_plan", sa.Text(), nullable=False, server_default="")
        )
        batch_op.add_column(sa.Column("follow_up_accepted_by_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_audit_findings_follow_up_accepted_by_id_users"),
            "users",
            ["follow_up_accepted_by_id"],
            ["id"],
        )
