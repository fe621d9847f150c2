"""mp_members: mini-program members: tier rules and changes, claim document checklist, renewal quote requests

Revision ID: 0005
Revises: 0004
"""
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

# The defaults live beside the code that reads them; the admin panel edits the rows afterwards.
from app.services.mp_claims import DEFAULT_REQUIREMENTS
from app.services.tiers import DEFAULT_TIER_RULES

revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None



def _tier(name):
    return sa.Enum('standard', 'silver', 'gold', 'platinum', 'diamond', name=name, native_enum=False,
                   create_constraint=True, length=32)

def upgrade():
    op.create_table('claim_document_requirements',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('claim_type', sa.String(length=32), nullable=False),
    sa.Column('kind', sa.String(length=32), nullable=False),
    sa.Column('label', sa.String(length=50), nullable=False),
    sa.Column('hint', sa.String(length=200), nullable=True),
    sa.Column('required', sa.Boolean(), nullable=False),
    sa.Column('position', sa.SmallInteger(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_claim_document_requirements')),
    sa.UniqueConstraint('claim_type', 'kind', name='uq_claim_document_requirements_type_kind')
    )
    op.create_table('tier_rules',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('tier', _tier('vip_tier'), nullable=False),
    sa.Column('rank', sa.SmallInteger(), nullable=False),
    sa.Column('min_premium_12m', sa.Numeric(precision=14, scale=2), nullable=False),
    sa.Column('min_years', sa.SmallInteger(), nullable=False),
    sa.Column('max_claims_12m', sa.SmallInteger(), nullable=True),
    sa.Column('benefits', postgresql.JSONB(astext_type=sa.Text()), server_default=sa.text("'[]'::jsonb"), nullable=False),
    sa.Column('updated_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint('max_claims_12m IS NULL OR max_claims_12m >= 0', name=op.f('ck_tier_rules_max_claims_not_negative')),
    sa.CheckConstraint('min_premium_12m >= 0 AND min_years >= 0 AND rank >= 0', name=op.f('ck_tier_rules_thresholds_not_negative')),
    sa.ForeignKeyConstraint(['updated_by_id'], ['staff.id'], name=op.f('fk_tier_rules_updated_by_id_staff')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_tier_rules')),
    sa.UniqueConstraint('rank', name=op.f('uq_tier_rules_rank')),
    sa.UniqueConstraint('tier', name=op.f('uq_tier_rules_tier'))
    )
    op.create_table('tier_changes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('customer_id', sa.Integer(), nullable=False),
    sa.Column('from_tier', _tier('from_tier'), nullable=False),
    sa.Column('to_tier', _tier('to_tier'), nullable=False),
    sa.Column('premium_12m', sa.Numeric(precision=14, scale=2), nullable=False),
    sa.Column('years', sa.Integer(), nullable=False),
    sa.Column('claims_12m', sa.Integer(), nullable=False),
    sa.Column('changed_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.ForeignKeyConstraint(['customer_id'], ['customers.id'], name=op.f('fk_tier_changes_customer_id_customers'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_tier_changes'))
    )
    op.create_index(op.f('ix_tier_changes_customer_id'), 'tier_changes', ['customer_id'], unique=False)
    op.create_table('renewal_quote_requests',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('policy_id', sa.Integer(), nullable=False),
    sa.Column('customer_id', sa.Integer(), nullable=False),
    sa.Column('agent_id', sa.Integer(), nullable=True),
    sa.Column('status', sa.Enum('open', 'done', name='quote_request_status', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('preferred_contact_time', sa.String(length=50), nullable=True),
    sa.Column('note', sa.String(length=500), nullable=True),
    sa.Column('notified_message_id', sa.BigInteger(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.ForeignKeyConstraint(['agent_id'], ['staff.id'], name=op.f('fk_renewal_quote_requests_agent_id_staff')),
    sa.ForeignKeyConstraint(['customer_id'], ['customers.id'], name=op.f('fk_renewal_quote_requests_customer_id_customers'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['notified_message_id'], ['outbox_messages.id'], name=op.f('fk_renewal_quote_requests_notified_message_id_outbox_messages')),
    sa.ForeignKeyConstraint(['policy_id'], ['policies.id'], name=op.f('fk_renewal_quote_requests_policy_id_policies'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_renewal_quote_requests'))
    )
    op.create_index(op.f('ix_renewal_quote_requests_agent_id'), 'renewal_quote_requests', ['agent_id'], unique=False)
    op.create_index(op.f('ix_renewal_quote_requests_customer_id'), 'renewal_quote_requests', ['customer_id'], unique=False)
    op.create_index(op.f('ix_renewal_quote_requests_policy_id'), 'renewal_quote_requests', ['policy_id'], unique=False)
    op.create_index('uq_renewal_quote_requests_open', 'renewal_quote_requests', ['policy_id'], unique=True, postgresql_where=sa.text("status = 'open'"))

    rules = sa.table('tier_rules', sa.column('rank', sa.SmallInteger), sa.column('tier', sa.String),
                     sa.column('min_premium_12m', sa.Numeric), sa.column('min_years', sa.SmallInteger),
                     sa.column('max_claims_12m', sa.SmallInteger), sa.column('benefits', postgresql.JSONB))
    op.bulk_insert(rules, [dict(rank=rank, tier=tier, min_premium_12m=premium, min_years=years, max_claims_12m=claims,
                                benefits=benefits)
                           for rank, tier, premium, years, claims, benefits in DEFAULT_TIER_RULES])
    requirements = sa.table('claim_document_requirements', sa.column('claim_type', sa.String),
                            sa.column('kind', sa.String), sa.column('label', sa.String), sa.column('hint', sa.String),
                            sa.column('required', sa.Boolean), sa.column('position', sa.SmallInteger))
    op.bulk_insert(requirements, [dict(claim_type=claim_type, kind=kind, label=label, hint=hint, required=True,
                                       position=position)
                                  for claim_type, items in DEFAULT_REQUIREMENTS.items()
                                  for position, (kind, label, hint) in enumerate(items)])


def downgrade():
    op.drop_index('uq_renewal_quote_requests_open', table_name='renewal_quote_requests', postgresql_where=sa.text("status = 'open'"))
    op.drop_index(op.f('ix_renewal_quote_requests_policy_id'), table_name='renewal_quote_requests')
    op.drop_index(op.f('ix_renewal_quote_requests_customer_id'), table_name='renewal_quote_requests')
    op.drop_index(op.f('ix_renewal_quote_requests_agent_id'), table_name='renewal_quote_requests')
    op.drop_table('renewal_quote_requests')
    op.drop_index(op.f('ix_tier_changes_customer_id'), table_name='tier_changes')
    op.drop_table('tier_changes')
    op.drop_table('tier_rules')
    op.drop_table('claim_document_requirements')
