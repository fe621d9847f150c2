"""ingestion: import batches, claims waiting for their policy, and the policy's 上年保单号

Revision ID: 0002
Revises: 0001
"""
from alembic import op
import sqlalchemy as sa

revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('import_batches',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum('customers', 'vehicles', 'dealers', 'staff', 'policies', 'claims', 'complaints', 'plans', name='import_kind', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('file_name', sa.String(length=255), nullable=False),
    sa.Column('stored_path', sa.String(length=500), nullable=True),
    sa.Column('staff_id', sa.Integer(), nullable=True),
    sa.Column('channel', sa.String(length=16), nullable=False),
    sa.Column('partial', sa.Boolean(), nullable=False),
    sa.Column('status', sa.Enum('queued', 'running', 'succeeded', 'failed', name='import_status', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('total_rows', sa.Integer(), nullable=False),
    sa.Column('inserted', sa.Integer(), nullable=False),
    sa.Column('updated', sa.Integer(), nullable=False),
    sa.Column('unchanged', sa.Integer(), nullable=False),
    sa.Column('bad', sa.Integer(), nullable=False),
    sa.Column('pending', sa.Integer(), nullable=False),
    sa.Column('progress', sa.Integer(), nullable=False),
    sa.Column('error_report_path', sa.String(length=500), nullable=True),
    sa.Column('message', sa.Text(), nullable=True),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint('progress BETWEEN 0 AND 100', name=op.f('ck_import_batches_progress_is_percent')),
    sa.ForeignKeyConstraint(['staff_id'], ['staff.id'], name=op.f('fk_import_batches_staff_id_staff')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_import_batches'))
    )
    op.create_index(op.f('ix_import_batches_staff_id'), 'import_batches', ['staff_id'], unique=False)
    op.create_table('pending_claims',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('number', sa.String(length=40), nullable=False),
    sa.Column('policy_number', sa.String(length=40), nullable=False),
    sa.Column('status', sa.String(length=32), nullable=False),
    sa.Column('reported_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('registered_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('closed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('cancelled_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('first_reserve', sa.Numeric(precision=14, scale=2), nullable=False),
    sa.Column('reserve', sa.Numeric(precision=14, scale=2), nullable=False),
    sa.Column('paid', sa.Numeric(precision=14, scale=2), nullable=False),
    sa.Column('injury', sa.Boolean(), nullable=False),
    sa.Column('repair_dealer_id', sa.Integer(), nullable=True),
    sa.Column('audit_reduction', sa.Numeric(precision=14, scale=2), nullable=False),
    sa.Column('subrogation_recovered', sa.Numeric(precision=14, scale=2), nullable=False),
    sa.Column('claim_type', sa.String(length=32), nullable=False),
    sa.Column('description', sa.Text(), nullable=True),
    sa.Column('handler_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.ForeignKeyConstraint(['handler_id'], ['staff.id'], name=op.f('fk_pending_claims_handler_id_staff')),
    sa.ForeignKeyConstraint(['repair_dealer_id'], ['dealers.id'], name=op.f('fk_pending_claims_repair_dealer_id_dealers')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_pending_claims')),
    sa.UniqueConstraint('number', name=op.f('uq_pending_claims_number'))
    )
    op.create_index(op.f('ix_pending_claims_policy_number'), 'pending_claims', ['policy_number'], unique=False)
    op.add_column('policies', sa.Column('previous_policy_number', sa.String(length=40), nullable=True))
    op.create_index(op.f('ix_policies_previous_policy_number'), 'policies', ['previous_policy_number'], unique=False)


def downgrade():
    op.drop_index(op.f('ix_policies_previous_policy_number'), table_name='policies')
    op.drop_column('policies', 'previous_policy_number')
    op.drop_index(op.f('ix_pending_claims_policy_number'), table_name='pending_claims')
    op.drop_table('pending_claims')
    op.drop_index(op.f('ix_import_batches_staff_id'), table_name='import_batches')
    op.drop_table('import_batches')
