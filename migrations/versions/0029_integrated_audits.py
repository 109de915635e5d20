"""integrated audits: the standards an audit and a programme item are planned against (one, or
several for an integrated audit; the primary one stays in `standard_id`), the further clauses a
finding breaches, and the standard of a nonconformity's clause (with the further clauses of the
finding it was raised from)

Revision ID: 0029
Revises: 0028
Create Date: 2026-12-07 06:00:00.000000

"""

from alembic import op
import sqlalchemy as sa

# revision identifiers, used by Alembic.
revision = "0029"
down_revision = "0028"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "audit_standards",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("audit_id", sa.Integer(), nullable=False),
        sa.Column("standard_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False, server_default="0"),
        sa.ForeignKeyConstraint(
            ["audit_id"], ["audits.id"], name=op.f("fk_audit_standards_audit_id_audits")
        ),
        sa.ForeignKeyConstraint(
            ["standard_id"], ["standards.id"], name=op.f("fk_audit_standards_standard_id_standards")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_standards")),
        sa.UniqueConstraint(
            "audit_id", "standard_id", name=op.f("uq_audit_standards_audit_id_standard_id")
        ),
    )
    op.create_index(op.f("ix_audit_standards_audit_id"), "audit_standards", ["audit_id"])
    op.create_index(op.f("ix_audit_standards_standard_id"), "audit_standards", ["standard_id"])
    op.create_table(
        "audit_programme_item_standards",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("standard_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False, server_default="0"),
        sa.ForeignKeyConstraint(
            ["item_id"],
            ["audit_programme_items.id"],
            name=op.f("fk_audit_programme_item_standards_item_id_audit_programme_items"),
        ),
        sa.ForeignKeyConstraint(
            ["standard_id"],
            ["standards.id"],
            name=op.f("fk_audit_programme_item_standards_standard_id_standards"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_programme_item_standards")),
        sa.UniqueConstraint(
            "item_id", "standard_id", name=op.f("uq_audit_programme_item_standards_item_id_standard_id")
        ),
    )
    op.create_index(
        op.f("ix_audit_programme_item_standards_item_id"),
        "audit_programme_item_standards",
        ["item_id"],
    )
    op.create_index(
        op.f("ix_audit_programme_item_standards_standard_id"),
        "audit_programme_item_standards",
        ["standard_id"],
    )
    op.create_table(
        "audit_finding_clauses",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("finding_id", sa.Integer(), nullable=False),
        sa.Column("clause_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["finding_id"],
            ["audit_findings.id"],
            name=op.f("fk_audit_finding_clauses_finding_id_audit_findings"),
        ),
        sa.ForeignKeyConstraint(
            ["clause_id"], ["clauses.id"], name=op.f("fk_audit_finding_clauses_clause_id_clauses")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_finding_clauses")),
        sa.UniqueConstraint(
            "finding_id", "clause_id", name=op.f("uq_audit_finding_clauses_finding_id_clause_id")
        ),
    )
    op.create_index(
        op.f("ix_audit_finding_clauses_finding_id"), "audit_finding_clauses", ["finding_id"]
    )
    with op.batch_alter_table("nonconformities") as batch:
        batch.add_column(
            sa.Column("clause_standard", sa.String(length=64), nullable=False, server_default="")
        )
        batch.add_column(sa.Column("other_clauses", sa.JSON(), nullable=True))

    # every existing audit and programme item keeps its one standard
    op.execute(
        "INSERT INTO audit_standards (audit_id, standard_id, position) "
        "SELECT id, standard_id, 0 FROM audits"
    )
    op.execute(
        "INSERT INTO audit_programme_item_standards (item_id, standard_id, position) "
        "SELECT id, standard_id, 0 FROM audit_programme_items WHERE standard_id IS NOT NULL"
    )
    # a nonconformity raised from a finding names the standard of the finding's clause; one
    # raised by hand with a clause named the quality standard (the only one then)
    op.execute(
        "UPDATE nonconformities SET clause_standard = COALESCE(("
        "SELECT standards.code FROM audit_findings "
        "JOIN clauses ON clauses.id = audit_findings.clause_id "
        "JOIN standards ON standards.id = clauses.standard_id "
        "WHERE audit_findings.id = nonconformities.finding_id), '') "
        "WHERE finding_id IS NOT NULL"
    )
    op.execute(
        "UPDATE nonconformities SET clause_standard = 'SNI-ISO-9001-2015' "
        "WHERE clause_standard = '' AND clause <> ''"
    )


def downgrade():
    with op.batch_alter_table("nonconformities") as batch:
        batch.drop_column("other_clauses")
        batch.drop_column("clause_standard")
    op.drop_index(op.f("ix_audit_finding_clauses_finding_id"), table_name="audit_finding_clauses")
    op.drop_table("audit_finding_clauses")
    op.drop_index(
        op.f("ix_audit_programme_item_standards_standard_id"),
        table_name="audit_programme_item_standards",
    )
    op.drop_index(
        op.f("ix_audit_programme_item_standards_item_id"),
        table_name="audit_programme_item_standards",
    )
    op.drop_table("audit_programme_item_standards")
    op.drop_index(op.f("ix_audit_standards_standard_id"), table_name="audit_standards")
    op.drop_index(op.f("ix_audit_standards_audit_id"), table_name="audit_standards")
    op.drop_table("audit_standards")
