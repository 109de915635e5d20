"""planning and skm: context, quality objectives and measurements, the risk register with its
treatments and the risks corrective actions updated; the public satisfaction survey with its
responses, imports and follow-up plan

Context issues and interested parties (ISO 9001 4.1, 4.2), quality objectives with their
indicator and plan and their measurements per period (6.2, 9.1.1; a run of misses links the
nonconformity it raised), risks and opportunities rated on the matrix with their treatments
(6.1) and their links to the nonconformities whose analysis updated them (10.2.1 e); the SKM
surveys per service unit and period, their anonymous responses (scores 1-4, checked here too),
the uploads held until confirmed and the follow-up actions (9.1.2). Nothing existing changes:
capa's new source value is stored in its non-native enum column.

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-06 22:30:00.000000

"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "context_issues",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("agency_id", sa.Integer(), nullable=False),
        sa.Column(
            "side",
            sa.Enum("internal", "external", name="side", native_enum=False, length=32),
            nullable=False,
        ),
        sa.Column("title", sa.String(length=255), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("effect", sa.Text(), nullable=False),
        sa.Column("identified_on", sa.Date(), nullable=False),
        sa.Column("reviewed_on", sa.Date(), nullable=True),
        sa.Column("archived_at", sa.DateTime(), nullable=True),
        sa.Column("archived_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["agency_id"], ["agencies.id"], name=op.f("fk_context_issues_agency_id_agencies")
        ),
        sa.ForeignKeyConstraint(
            ["archived_by_id"], ["users.id"], name=op.f("fk_context_issues_archived_by_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_context_issues")),
    )
    with op.batch_alter_table("context_issues", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_context_issues_agency_id"), ["agency_id"], unique=False
        )

    op.create_table(
        "interested_parties",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("agency_id", sa.Integer(), nullable=False),
        sa.Column(
            "side",
            sa.Enum("internal", "external", name="side", native_enum=False, length=32),
            nullable=False,
        ),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("requirements", sa.Text(), nullable=False),
        sa.Column("monitoring", sa.Text(), nullable=False),
        sa.Column("identified_on", sa.Date(), nullable=False),
        sa.Column("reviewed_on", sa.Date(), nullable=True),
        sa.Column("archived_at", sa.DateTime(), nullable=True),
        sa.Column("archived_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["agency_id"], ["agencies.id"], name=op.f("fk_interested_parties_agency_id_agencies")
        ),
        sa.ForeignKeyConstraint(
            ["archived_by_id"],
            ["users.id"],
            name=op.f("fk_interested_parties_archived_by_id_users"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_interested_parties")),
    )
    with op.batch_alter_table("interested_parties", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_interested_parties_agency_id"), ["agency_id"], unique=False
        )

    op.create_table(
        "quality_objectives",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("agency_id", sa.Integer(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("policy_link", sa.Text(), nullable=False),
        sa.Column("process", sa.String(length=255), nullable=False),
        sa.Column("indicator", sa.String(length=255), nullable=False),
        sa.Column(
            "unit",
            sa.Enum(
                "percent",
                "index",
                "days",
                "hours",
                "count",
                name="measureunit",
                native_enum=False,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("target", sa.Numeric(precision=12, scale=2), nullable=False),
        sa.Column(
            "direction",
            sa.Enum("at_least", "at_most", name="direction", native_enum=False, length=32),
            nullable=False,
        ),
        sa.Column(
            "frequency",
            sa.Enum(
                "monthly",
                "quarterly",
                "semester",
                "yearly",
                name="frequency",
                native_enum=False,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("data_source", sa.String(length=255), nullable=False),
        sa.Column("automatic_source", sa.String(length=64), nullable=True),
        sa.Column("responsible", sa.String(length=200), nullable=False),
        sa.Column("starts_on", sa.Date(), nullable=False),
        sa.Column("plan_actions", sa.Text(), nullable=False),
        sa.Column("plan_resources", sa.Text(), nullable=False),
        sa.Column("plan_owner", sa.String(length=200), nullable=False),
        sa.Column("plan_due_on", sa.Date(), nullable=True),
        sa.Column("plan_evaluation", sa.Text(), nullable=False),
        sa.Column("archived_at", sa.DateTime(), nullable=True),
        sa.Column("archived_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["agency_id"], ["agencies.id"], name=op.f("fk_quality_objectives_agency_id_agencies")
        ),
        sa.ForeignKeyConstraint(
            ["archived_by_id"],
            ["users.id"],
            name=op.f("fk_quality_objectives_archived_by_id_users"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_quality_objectives")),
    )
    with op.batch_alter_table("quality_objectives", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_quality_objectives_agency_id"), ["agency_id"], unique=False
        )

    op.create_table(
        "risks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("agency_id", sa.Integer(), nullable=False),
        sa.Column(
            "kind",
            sa.Enum("risk", "opportunity", name="riskkind", native_enum=False, length=32),
            nullable=False,
        ),
        sa.Column("title", sa.String(length=255), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=True),
        sa.Column("process", sa.String(length=255), nullable=False),
        sa.Column("context_issue_id", sa.Integer(), nullable=True),
        sa.Column("interested_party_id", sa.Integer(), nullable=True),
        sa.Column("cause", sa.Text(), nullable=False),
        sa.Column("effect", sa.Text(), nullable=False),
        sa.Column("likelihood", sa.Integer(), nullable=False),
        sa.Column("impact", sa.Integer(), nullable=False),
        sa.Column("existing_controls", sa.Text(), nullable=False),
        sa.Column("residual_likelihood", sa.Integer(), nullable=True),
        sa.Column("residual_impact", sa.Integer(), nullable=True),
        sa.Column("owner", sa.String(length=200), nullable=False),
        sa.Column("reviewed_on", sa.Date(), nullable=True),
        sa.Column("next_review_on", sa.Date(), nullable=True),
        sa.Column("archived_at", sa.DateTime(), nullable=True),
        sa.Column("archived_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.CheckConstraint("impact BETWEEN 1 AND 5", name=op.f("ck_risks_impact_scale")),
        sa.CheckConstraint("likelihood BETWEEN 1 AND 5", name=op.f("ck_risks_likelihood_scale")),
        sa.CheckConstraint(
            "residual_impact BETWEEN 1 AND 5", name=op.f("ck_risks_residual_impact_scale")
        ),
        sa.CheckConstraint(
            "residual_likelihood BETWEEN 1 AND 5", name=op.f("ck_risks_residual_likelihood_scale")
        ),
        sa.ForeignKeyConstraint(
            ["agency_id"], ["agencies.id"], name=op.f("fk_risks_agency_id_agencies")
        ),
        sa.ForeignKeyConstraint(
            ["archived_by_id"], ["users.id"], name=op.f("fk_risks_archived_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["context_issue_id"],
            ["context_issues.id"],
            name=op.f("fk_risks_context_issue_id_context_issues"),
        ),
        sa.ForeignKeyConstraint(
            ["interested_party_id"],
            ["interested_parties.id"],
            name=op.f("fk_risks_interested_party_id_interested_parties"),
        ),
        sa.ForeignKeyConstraint(["unit_id"], ["units.id"], name=op.f("fk_risks_unit_id_units")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_risks")),
    )
    with op.batch_alter_table("risks", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_risks_agency_id"), ["agency_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_risks_next_review_on"), ["next_review_on"], unique=False
        )

    op.create_table(
        "skm_surveys",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("agency_id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=255), nullable=False),
        sa.Column("period_start", sa.Date(), nullable=False),
        sa.Column("period_end", sa.Date(), nullable=False),
        sa.Column("population", sa.Integer(), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "collecting",
                "closed",
                "published",
                name="surveystatus",
                native_enum=False,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("closed_on", sa.Date(), nullable=True),
        sa.Column("published_on", sa.Date(), nullable=True),
        sa.Column("archived_at", sa.DateTime(), nullable=True),
        sa.Column("archived_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.CheckConstraint("period_end >= period_start", name=op.f("ck_skm_surveys_period_order")),
        sa.CheckConstraint("population > 0", name=op.f("ck_skm_surveys_population_positive")),
        sa.ForeignKeyConstraint(
            ["agency_id"], ["agencies.id"], name=op.f("fk_skm_surveys_agency_id_agencies")
        ),
        sa.ForeignKeyConstraint(
            ["archived_by_id"], ["users.id"], name=op.f("fk_skm_surveys_archived_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["unit_id"], ["units.id"], name=op.f("fk_skm_surveys_unit_id_units")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_skm_surveys")),
    )
    with op.batch_alter_table("skm_surveys", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_skm_surveys_agency_id"), ["agency_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_skm_surveys_unit_id"), ["unit_id"], unique=False)

    op.create_table(
        "risk_treatments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("risk_id", sa.Integer(), nullable=False),
        sa.Column("action", sa.Text(), nullable=False),
        sa.Column("owner", sa.String(length=200), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "planned",
                "in_progress",
                "done",
                "cancelled",
                name="treatmentstatus",
                native_enum=False,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("evidence", sa.Text(), nullable=False),
        sa.Column("done_on", sa.Date(), nullable=True),
        sa.Column("cancel_reason", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["risk_id"], ["risks.id"], name=op.f("fk_risk_treatments_risk_id_risks")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_risk_treatments")),
    )
    with op.batch_alter_table("risk_treatments", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_risk_treatments_risk_id"), ["risk_id"], unique=False)

    op.create_table(
        "skm_follow_ups",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("survey_id", sa.Integer(), nullable=False),
        sa.Column("element", sa.String(length=2), nullable=False),
        sa.Column("action", sa.Text(), nullable=False),
        sa.Column("owner", sa.String(length=200), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("done_on", sa.Date(), nullable=True),
        sa.Column("result", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["survey_id"], ["skm_surveys.id"], name=op.f("fk_skm_follow_ups_survey_id_skm_surveys")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_skm_follow_ups")),
    )
    with op.batch_alter_table("skm_follow_ups", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_skm_follow_ups_survey_id"), ["survey_id"], unique=False
        )

    op.create_table(
        "skm_imports",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("survey_id", sa.Integer(), nullable=False),
        sa.Column("uploaded_by_id", sa.Integer(), nullable=False),
        sa.Column("filename", sa.String(length=255), nullable=False),
        sa.Column("file_format", sa.String(length=8), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("content", sa.Text(), nullable=False),
        sa.Column("report", sa.JSON(), nullable=False),
        sa.Column("confirmed_at", sa.DateTime(), nullable=True),
        sa.Column("confirmed_by_id", sa.Integer(), nullable=True),
        sa.Column("stored", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["confirmed_by_id"], ["users.id"], name=op.f("fk_skm_imports_confirmed_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["survey_id"], ["skm_surveys.id"], name=op.f("fk_skm_imports_survey_id_skm_surveys")
        ),
        sa.ForeignKeyConstraint(
            ["uploaded_by_id"], ["users.id"], name=op.f("fk_skm_imports_uploaded_by_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_skm_imports")),
    )
    with op.batch_alter_table("skm_imports", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_skm_imports_sha256"), ["sha256"], unique=False)
        batch_op.create_index(batch_op.f("ix_skm_imports_survey_id"), ["survey_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_skm_imports_uploaded_by_id"), ["uploaded_by_id"], unique=False
        )

    op.create_table(
        "skm_responses",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("survey_id", sa.Integer(), nullable=False),
        sa.Column("answered_on", sa.Date(), nullable=False),
        sa.Column("gender", sa.Enum("L", "P", name="gender", native_enum=False), nullable=True),
        sa.Column(
            "age",
            sa.Enum(
                "<20",
                "20-29",
                "30-39",
                "40-49",
                "50-59",
                "60+",
                name="ageband",
                native_enum=False,
                length=8,
            ),
            nullable=True,
        ),
        sa.Column(
            "education",
            sa.Enum(
                "none",
                "sd",
                "smp",
                "sma",
                "diploma",
                "s1",
                "s2",
                "s3",
                name="education",
                native_enum=False,
                length=16,
            ),
            nullable=True,
        ),
        sa.Column(
            "occupation",
            sa.Enum(
                "pns",
                "tni_polri",
                "swasta",
                "wirausaha",
                "pelajar",
                "lainnya",
                name="occupation",
                native_enum=False,
                length=16,
            ),
            nullable=True,
        ),
        sa.Column("service", sa.String(length=255), nullable=False),
        sa.Column("u1", sa.SmallInteger(), nullable=False),
        sa.Column("u2", sa.SmallInteger(), nullable=False),
        sa.Column("u3", sa.SmallInteger(), nullable=False),
        sa.Column("u4", sa.SmallInteger(), nullable=False),
        sa.Column("u5", sa.SmallInteger(), nullable=False),
        sa.Column("u6", sa.SmallInteger(), nullable=False),
        sa.Column("u7", sa.SmallInteger(), nullable=False),
        sa.Column("u8", sa.SmallInteger(), nullable=False),
        sa.Column("u9", sa.SmallInteger(), nullable=False),
        sa.Column("suggestion", sa.Text(), nullable=False),
        sa.Column(
            "channel",
            sa.Enum("file", "api", "form", name="channel", native_enum=False, length=8),
            nullable=False,
        ),
        sa.Column("import_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.CheckConstraint("u1 BETWEEN 1 AND 4", name=op.f("ck_skm_responses_u1_scale")),
        sa.CheckConstraint("u2 BETWEEN 1 AND 4", name=op.f("ck_skm_responses_u2_scale")),
        sa.CheckConstraint("u3 BETWEEN 1 AND 4", name=op.f("ck_skm_responses_u3_scale")),
        sa.CheckConstraint("u4 BETWEEN 1 AND 4", name=op.f("ck_skm_responses_u4_scale")),
        sa.CheckConstraint("u5 BETWEEN 1 AND 4", name=op.f("ck_skm_responses_u5_scale")),
        sa.CheckConstraint("u6 BETWEEN 1 AND 4", name=op.f("ck_skm_responses_u6_scale")),
        sa.CheckConstraint("u7 BETWEEN 1 AND 4", name=op.f("ck_skm_responses_u7_scale")),
        sa.CheckConstraint("u8 BETWEEN 1 AND 4", name=op.f("ck_skm_responses_u8_scale")),
        sa.CheckConstraint("u9 BETWEEN 1 AND 4", name=op.f("ck_skm_responses_u9_scale")),
        sa.ForeignKeyConstraint(
            ["import_id"], ["skm_imports.id"], name=op.f("fk_skm_responses_import_id_skm_imports")
        ),
        sa.ForeignKeyConstraint(
            ["survey_id"], ["skm_surveys.id"], name=op.f("fk_skm_responses_survey_id_skm_surveys")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_skm_responses")),
    )
    with op.batch_alter_table("skm_responses", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_skm_responses_import_id"), ["import_id"], unique=False)
        batch_op.create_index(
            "ix_skm_responses_survey_answered", ["survey_id", "answered_on"], unique=False
        )

    op.create_table(
        "objective_measurements",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("objective_id", sa.Integer(), nullable=False),
        sa.Column("period", sa.String(length=8), nullable=False),
        sa.Column("period_start", sa.Date(), nullable=False),
        sa.Column("period_end", sa.Date(), nullable=False),
        sa.Column("value", sa.Numeric(precision=12, scale=2), nullable=False),
        sa.Column(
            "source",
            sa.Enum("entered", "automatic", name="measurementsource", native_enum=False, length=32),
            nullable=False,
        ),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("recorded_by_id", sa.Integer(), nullable=True),
        sa.Column("nonconformity_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["nonconformity_id"],
            ["nonconformities.id"],
            name=op.f("fk_objective_measurements_nonconformity_id_nonconformities"),
        ),
        sa.ForeignKeyConstraint(
            ["objective_id"],
            ["quality_objectives.id"],
            name=op.f("fk_objective_measurements_objective_id_quality_objectives"),
        ),
        sa.ForeignKeyConstraint(
            ["recorded_by_id"],
            ["users.id"],
            name=op.f("fk_objective_measurements_recorded_by_id_users"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_objective_measurements")),
        sa.UniqueConstraint(
            "objective_id", "period", name=op.f("uq_objective_measurements_objective_id_period")
        ),
    )
    with op.batch_alter_table("objective_measurements", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_objective_measurements_nonconformity_id"),
            ["nonconformity_id"],
            unique=False,
        )
        batch_op.create_index(
            batch_op.f("ix_objective_measurements_objective_id"), ["objective_id"], unique=False
        )

    op.create_table(
        "risk_nonconformity_links",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("risk_id", sa.Integer(), nullable=False),
        sa.Column("nonconformity_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["nonconformity_id"],
            ["nonconformities.id"],
            name=op.f("fk_risk_nonconformity_links_nonconformity_id_nonconformities"),
        ),
        sa.ForeignKeyConstraint(
            ["risk_id"], ["risks.id"], name=op.f("fk_risk_nonconformity_links_risk_id_risks")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_risk_nonconformity_links")),
        sa.UniqueConstraint(
            "risk_id",
            "nonconformity_id",
            name=op.f("uq_risk_nonconformity_links_risk_id_nonconformity_id"),
        ),
    )
    with op.batch_alter_table("risk_nonconformity_links", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_risk_nonconformity_links_nonconformity_id"),
            ["nonconformity_id"],
            unique=False,
        )
        batch_op.create_index(
            batch_op.f("ix_risk_nonconformity_links_risk_id"), ["risk_id"], unique=False
        )


def downgrade():
    with op.batch_alter_table("risk_nonconformity_links", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_risk_nonconformity_links_risk_id"))
        batch_op.drop_index(batch_op.f("ix_risk_nonconformity_links_nonconformity_id"))

    op.drop_table("risk_nonconformity_links")
    with op.batch_alter_table("objective_measurements", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_objective_measurements_objective_id"))
        batch_op.drop_index(batch_op.f("ix_objective_measurements_nonconformity_id"))

    op.drop_table("objective_measurements")
    with op.batch_alter_table("skm_responses", schema=None) as batch_op:
        batch_op.drop_index("ix_skm_responses_survey_answered")
        batch_op.drop_index(batch_op.f("ix_skm_responses_import_id"))

    op.drop_table("skm_responses")
    with op.batch_alter_table("skm_imports", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_skm_imports_uploaded_by_id"))
        batch_op.drop_index(batch_op.f("ix_skm_imports_survey_id"))
        batch_op.drop_index(batch_op.f("ix_skm_imports_sha256"))

    op.drop_table("skm_imports")
    with op.batch_alter_table("skm_follow_ups", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_skm_follow_ups_survey_id"))

    op.drop_table("skm_follow_ups")
    with op.batch_alter_table("risk_treatments", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_risk_treatments_risk_id"))

    op.drop_table("risk_treatments")
    with op.batch_alter_table("skm_surveys", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_skm_surveys_unit_id"))
        batch_op.drop_index(batch_op.f("ix_skm_surveys_agency_id"))

    op.drop_table("skm_surveys")
    with op.batch_alter_table("risks", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_risks_next_review_on"))
        batch_op.drop_index(batch_op.f("ix_risks_agency_id"))

    op.drop_table("risks")
    with op.batch_alter_table("quality_objectives", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_quality_objectives_agency_id"))

    op.drop_table("quality_objectives")
    with op.batch_alter_table("interested_parties", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_interested_parties_agency_id"))

    op.drop_table("interested_parties")
    with op.batch_alter_table("context_issues", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_context_issues_agency_id"))

    op.drop_table("context_issues")
