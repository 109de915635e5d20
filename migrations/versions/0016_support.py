"""support: the calibration register, staff competence, qualified auditors and external
providers

Measuring instruments with their calibrations and verifications and the evaluation of a result
out of tolerance (ISO 9001 7.1.5); positions with their required competences, staff, their
trainings and certificates (7.2); internal auditors' qualifications, auditor trainings and the
evaluations after audits (ISO 19011 §7); external providers and their evaluations (8.4).
Nothing existing changes.

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-06 23:41:02.426817

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0016'
down_revision = '0015'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('auditor_qualifications',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('city_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('prior_audits_as_member', sa.Integer(), nullable=False),
    sa.Column('prior_audits_led', sa.Integer(), nullable=False),
    sa.Column('notes', sa.Text(), nullable=False),
    sa.Column('archived_at', sa.DateTime(), nullable=True),
    sa.Column('archived_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint('prior_audits_as_member >= 0', name=op.f('ck_auditor_qualifications_prior_member_positive')),
    sa.CheckConstraint('prior_audits_led >= 0', name=op.f('ck_auditor_qualifications_prior_led_positive')),
    sa.ForeignKeyConstraint(['archived_by_id'], ['users.id'], name=op.f('fk_auditor_qualifications_archived_by_id_users')),
    sa.ForeignKeyConstraint(['city_id'], ['cities.id'], name=op.f('fk_auditor_qualifications_city_id_cities')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_auditor_qualifications_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_auditor_qualifications')),
    sa.UniqueConstraint('user_id', name=op.f('uq_auditor_qualifications_user_id'))
    )
    with op.batch_alter_table('auditor_qualifications', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_auditor_qualifications_city_id'), ['city_id'], unique=False)

    op.create_table('auditor_trainings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('qualification_id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=255), nullable=False),
    sa.Column('provider', sa.String(length=255), nullable=False),
    sa.Column('completed_on', sa.Date(), nullable=False),
    sa.Column('certificate_number', sa.String(length=100), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['qualification_id'], ['auditor_qualifications.id'], name=op.f('fk_auditor_trainings_qualification_id_auditor_qualifications')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_auditor_trainings'))
    )
    with op.batch_alter_table('auditor_trainings', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_auditor_trainings_qualification_id'), ['qualification_id'], unique=False)

    op.create_table('positions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('agency_id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=255), nullable=False),
    sa.Column('required_education', sa.String(length=255), nullable=False),
    sa.Column('archived_at', sa.DateTime(), nullable=True),
    sa.Column('archived_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['agency_id'], ['agencies.id'], name=op.f('fk_positions_agency_id_agencies')),
    sa.ForeignKeyConstraint(['archived_by_id'], ['users.id'], name=op.f('fk_positions_archived_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_positions'))
    )
    with op.batch_alter_table('positions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_positions_agency_id'), ['agency_id'], unique=False)

    op.create_table('providers',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('agency_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=255), nullable=False),
    sa.Column('kind', sa.Enum('process', 'product', 'service', name='providerkind', native_enum=False, length=32), nullable=False),
    sa.Column('supplies', sa.Text(), nullable=False),
    sa.Column('criteria', sa.Text(), nullable=False),
    sa.Column('contact', sa.String(length=255), nullable=False),
    sa.Column('status', sa.Enum('approved', 'conditional', 'suspended', name='providerstatus', native_enum=False, length=32), nullable=False),
    sa.Column('next_evaluation_on', sa.Date(), nullable=True),
    sa.Column('archived_at', sa.DateTime(), nullable=True),
    sa.Column('archived_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['agency_id'], ['agencies.id'], name=op.f('fk_providers_agency_id_agencies')),
    sa.ForeignKeyConstraint(['archived_by_id'], ['users.id'], name=op.f('fk_providers_archived_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_providers'))
    )
    with op.batch_alter_table('providers', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_providers_agency_id'), ['agency_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_providers_next_evaluation_on'), ['next_evaluation_on'], unique=False)

    op.create_table('instruments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('agency_id', sa.Integer(), nullable=False),
    sa.Column('identifier', sa.String(length=64), nullable=False),
    sa.Column('description', sa.String(length=255), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=True),
    sa.Column('location', sa.String(length=255), nullable=False),
    sa.Column('measuring_range', sa.String(length=255), nullable=False),
    sa.Column('required_accuracy', sa.String(length=255), nullable=False),
    sa.Column('interval_months', sa.Integer(), nullable=False),
    sa.Column('method', sa.Enum('laboratory', 'in_house', 'no_standard', name='traceabilitymethod', native_enum=False, length=32), nullable=False),
    sa.Column('laboratory', sa.String(length=255), nullable=False),
    sa.Column('kan_number', sa.String(length=32), nullable=False),
    sa.Column('reference', sa.Text(), nullable=False),
    sa.Column('state', sa.Enum('in_use', 'out_of_service', 'retired', name='instrumentstate', native_enum=False, length=32), nullable=False),
    sa.Column('next_due_on', sa.Date(), nullable=True),
    sa.Column('archived_at', sa.DateTime(), nullable=True),
    sa.Column('archived_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint('interval_months > 0', name=op.f('ck_instruments_interval_positive')),
    sa.ForeignKeyConstraint(['agency_id'], ['agencies.id'], name=op.f('fk_instruments_agency_id_agencies')),
    sa.ForeignKeyConstraint(['archived_by_id'], ['users.id'], name=op.f('fk_instruments_archived_by_id_users')),
    sa.ForeignKeyConstraint(['unit_id'], ['units.id'], name=op.f('fk_instruments_unit_id_units')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_instruments')),
    sa.UniqueConstraint('agency_id', 'identifier', name=op.f('uq_instruments_agency_id_identifier'))
    )
    with op.batch_alter_table('instruments', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_instruments_agency_id'), ['agency_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_instruments_next_due_on'), ['next_due_on'], unique=False)

    op.create_table('position_competences',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('position_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=255), nullable=False),
    sa.ForeignKeyConstraint(['position_id'], ['positions.id'], name=op.f('fk_position_competences_position_id_positions')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_position_competences')),
    sa.UniqueConstraint('position_id', 'name', name=op.f('uq_position_competences_position_id_name'))
    )
    with op.batch_alter_table('position_competences', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_position_competences_position_id'), ['position_id'], unique=False)

    op.create_table('provider_evaluations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('provider_id', sa.Integer(), nullable=False),
    sa.Column('evaluated_on', sa.Date(), nullable=False),
    sa.Column('score', sa.Integer(), nullable=False),
    sa.Column('comments', sa.Text(), nullable=False),
    sa.Column('status', sa.Enum('approved', 'conditional', 'suspended', name='providerstatus', native_enum=False, length=32), nullable=False),
    sa.Column('next_evaluation_on', sa.Date(), nullable=False),
    sa.Column('evaluated_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint('score BETWEEN 0 AND 100', name=op.f('ck_provider_evaluations_score_percent')),
    sa.ForeignKeyConstraint(['evaluated_by_id'], ['users.id'], name=op.f('fk_provider_evaluations_evaluated_by_id_users')),
    sa.ForeignKeyConstraint(['provider_id'], ['providers.id'], name=op.f('fk_provider_evaluations_provider_id_providers')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_provider_evaluations'))
    )
    with op.batch_alter_table('provider_evaluations', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_provider_evaluations_provider_id'), ['provider_id'], unique=False)

    op.create_table('staff',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('agency_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('nip', sa.String(length=18), nullable=False),
    sa.Column('position_id', sa.Integer(), nullable=True),
    sa.Column('unit_id', sa.Integer(), nullable=True),
    sa.Column('education', sa.String(length=255), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('archived_at', sa.DateTime(), nullable=True),
    sa.Column('archived_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['agency_id'], ['agencies.id'], name=op.f('fk_staff_agency_id_agencies')),
    sa.ForeignKeyConstraint(['archived_by_id'], ['users.id'], name=op.f('fk_staff_archived_by_id_users')),
    sa.ForeignKeyConstraint(['position_id'], ['positions.id'], name=op.f('fk_staff_position_id_positions')),
    sa.ForeignKeyConstraint(['unit_id'], ['units.id'], name=op.f('fk_staff_unit_id_units')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_staff_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_staff'))
    )
    with op.batch_alter_table('staff', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_staff_agency_id'), ['agency_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_staff_position_id'), ['position_id'], unique=False)

    op.create_table('auditor_evaluations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('audit_id', sa.Integer(), nullable=False),
    sa.Column('auditor_id', sa.Integer(), nullable=False),
    sa.Column('evaluator_id', sa.Integer(), nullable=False),
    sa.Column('evaluator_role', sa.Enum('lead', 'auditee', name='evaluatorrole', native_enum=False, length=32), nullable=False),
    sa.Column('score', sa.Integer(), nullable=False),
    sa.Column('comments', sa.Text(), nullable=False),
    sa.Column('evaluated_on', sa.Date(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint('score BETWEEN 1 AND 5', name=op.f('ck_auditor_evaluations_score_scale')),
    sa.ForeignKeyConstraint(['audit_id'], ['audits.id'], name=op.f('fk_auditor_evaluations_audit_id_audits')),
    sa.ForeignKeyConstraint(['auditor_id'], ['users.id'], name=op.f('fk_auditor_evaluations_auditor_id_users')),
    sa.ForeignKeyConstraint(['evaluator_id'], ['users.id'], name=op.f('fk_auditor_evaluations_evaluator_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_auditor_evaluations')),
    sa.UniqueConstraint('audit_id', 'auditor_id', 'evaluator_id', name=op.f('uq_auditor_evaluations_audit_id_auditor_id_evaluator_id'))
    )
    with op.batch_alter_table('auditor_evaluations', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_auditor_evaluations_audit_id'), ['audit_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_auditor_evaluations_auditor_id'), ['auditor_id'], unique=False)

    op.create_table('trainings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=255), nullable=False),
    sa.Column('provider', sa.String(length=255), nullable=False),
    sa.Column('competence', sa.String(length=255), nullable=False),
    sa.Column('started_on', sa.Date(), nullable=True),
    sa.Column('finished_on', sa.Date(), nullable=False),
    sa.Column('certificate_number', sa.String(length=100), nullable=False),
    sa.Column('certificate_expires_on', sa.Date(), nullable=True),
    sa.Column('effectiveness', sa.Text(), nullable=False),
    sa.Column('effective', sa.Boolean(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['person_id'], ['staff.id'], name=op.f('fk_trainings_person_id_staff')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_trainings'))
    )
    with op.batch_alter_table('trainings', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_trainings_certificate_expires_on'), ['certificate_expires_on'], unique=False)
        batch_op.create_index(batch_op.f('ix_trainings_person_id'), ['person_id'], unique=False)

    op.create_table('calibration_events',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('instrument_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum('calibration', 'verification', name='eventkind', native_enum=False, length=32), nullable=False),
    sa.Column('performed_on', sa.Date(), nullable=False),
    sa.Column('performed_by', sa.String(length=255), nullable=False),
    sa.Column('result', sa.Enum('within', 'out', name='toleranceresult', native_enum=False, length=32), nullable=False),
    sa.Column('certificate_number', sa.String(length=100), nullable=False),
    sa.Column('next_due_on', sa.Date(), nullable=False),
    sa.Column('notes', sa.Text(), nullable=False),
    sa.Column('previous_results_valid', sa.Boolean(), nullable=True),
    sa.Column('evaluation', sa.Text(), nullable=False),
    sa.Column('conclusion', sa.Text(), nullable=False),
    sa.Column('evaluated_on', sa.Date(), nullable=True),
    sa.Column('nonconformity_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['instrument_id'], ['instruments.id'], name=op.f('fk_calibration_events_instrument_id_instruments')),
    sa.ForeignKeyConstraint(['nonconformity_id'], ['nonconformities.id'], name=op.f('fk_calibration_events_nonconformity_id_nonconformities')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_calibration_events'))
    )
    with op.batch_alter_table('calibration_events', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_calibration_events_instrument_id'), ['instrument_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_calibration_events_nonconformity_id'), ['nonconformity_id'], unique=False)



def downgrade():
    with op.batch_alter_table('calibration_events', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_calibration_events_nonconformity_id'))
        batch_op.drop_index(batch_op.f('ix_calibration_events_instrument_id'))

    op.drop_table('calibration_events')
    with op.batch_alter_table('trainings', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_trainings_person_id'))
        batch_op.drop_index(batch_op.f('ix_trainings_certificate_expires_on'))

    op.drop_table('trainings')
    with op.batch_alter_table('auditor_evaluations', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_auditor_evaluations_auditor_id'))
        batch_op.drop_index(batch_op.f('ix_auditor_evaluations_audit_id'))

    op.drop_table('auditor_evaluations')
    with op.batch_alter_table('staff', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_staff_position_id'))
        batch_op.drop_index(batch_op.f('ix_staff_agency_id'))

    op.drop_table('staff')
    with op.batch_alter_table('provider_evaluations', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_provider_evaluations_provider_id'))

    op.drop_table('provider_evaluations')
    with op.batch_alter_table('position_competences', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_position_competences_position_id'))

    op.drop_table('position_competences')
    with op.batch_alter_table('instruments', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_instruments_next_due_on'))
        batch_op.drop_index(batch_op.f('ix_instruments_agency_id'))

    op.drop_table('instruments')
    with op.batch_alter_table('providers', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_providers_next_evaluation_on'))
        batch_op.drop_index(batch_op.f('ix_providers_agency_id'))

    op.drop_table('providers')
    with op.batch_alter_table('positions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_positions_agency_id'))

    op.drop_table('positions')
    with op.batch_alter_table('auditor_trainings', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_auditor_trainings_qualification_id'))

    op.drop_table('auditor_trainings')
    with op.batch_alter_table('auditor_qualifications', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_auditor_qualifications_city_id'))

    op.drop_table('auditor_qualifications')
