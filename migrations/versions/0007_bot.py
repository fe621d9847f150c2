"""bot: WeCom bot: command log

Revision ID: 0007
Revises: 0006
"""
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None

OUTCOMES = ('answered', 'deferred', 'delivered', 'no_match', 'not_understood', 'refused', 'failed')


def upgrade():
    op.create_table('bot_commands',
    sa.Column('id', sa.BigInteger(), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('msg_key', sa.String(length=128), nullable=False),
    sa.Column('wecom_userid', sa.String(length=64), nullable=False),
    sa.Column('staff_id', sa.Integer(), nullable=True),
    sa.Column('intent', sa.String(length=32), nullable=False),
    sa.Column('text', sa.String(length=500), nullable=False),
    sa.Column('slots', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
    sa.Column('outcome', sa.Enum(*OUTCOMES, name='bot_outcome', native_enum=False, create_constraint=True,
                                 length=32), nullable=False),
    sa.Column('latency_ms', sa.Integer(), nullable=False),
    sa.Column('job_latency_ms', sa.Integer(), nullable=True),
    sa.Column('error', sa.String(length=500), nullable=True),
    sa.ForeignKeyConstraint(['staff_id'], ['staff.id'], name=op.f('fk_bot_commands_staff_id_staff')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_bot_commands'))
    )
    op.create_index('ix_bot_commands_at', 'bot_commands', ['at'], unique=False)
    op.create_index('ix_bot_commands_staff_at', 'bot_commands', ['staff_id', 'at'], unique=False)
    op.create_index(op.f('ix_bot_commands_msg_key'), 'bot_commands', ['msg_key'], unique=False)
    # The bot's per-agent questions over a date range (see app/models/bot.py).
    op.create_index('ix_policies_agent_start', 'policies', ['agent_id', 'start_date'], unique=False)
    op.create_index('ix_policies_agent_end', 'policies', ['agent_id', 'end_date'], unique=False)
    op.create_index('ix_plans_agent_month', 'plans', ['agent_id', 'month'], unique=False)


def downgrade():
    op.drop_index('ix_plans_agent_month', table_name='plans')
    op.drop_index('ix_policies_agent_end', table_name='policies')
    op.drop_index('ix_policies_agent_start', table_name='policies')
    op.drop_index(op.f('ix_bot_commands_msg_key'), table_name='bot_commands')
    op.drop_index('ix_bot_commands_staff_at', table_name='bot_commands')
    op.drop_index('ix_bot_commands_at', table_name='bot_commands')
    op.drop_table('bot_commands')
