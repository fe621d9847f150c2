"""policy indexes: one (vin, line, start_date) index instead of two; none on channel, customer group, previous policy, agent alone

Every index on policies is paid by every imported policy row. The plain (vin, line, start_date)
index and the partial renewal-link one over the same keys become one full index that includes
status; the code-item foreign keys and previous_policy_id lose their indexes (code items and
policies are never deleted; reports scan; renewal links go by previous_policy_number), and agent_id
its own, since (agent_id, start_date) of migration 0007 leads with it.

Revision ID: 0009
Revises: 0008
"""
from alembic import op

revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade():
    op.drop_index("ix_policies_vin_line_start", table_name="policies")
    op.drop_index("ix_policies_renewal_link", table_name="policies")
    op.create_index("ix_policies_renewal_link", "policies", ["vin", "line", "start_date"],
                    postgresql_include=["issued_on", "id", "status"])
    op.drop_index("ix_policies_channel_id", table_name="policies")
    op.drop_index("ix_policies_customer_group_id", table_name="policies")
    op.drop_index("ix_policies_previous_policy_id", table_name="policies")
    # ix_policies_agent_start (migration 0007) leads with agent_id and serves its look-ups.
    op.drop_index("ix_policies_agent_id", table_name="policies")


def downgrade():
    op.create_index("ix_policies_agent_id", "policies", ["agent_id"])
    op.create_index("ix_policies_previous_policy_id", "policies", ["previous_policy_id"])
    op.create_index("ix_policies_customer_group_id", "policies", ["customer_group_id"])
    op.create_index("ix_policies_channel_id", "policies", ["channel_id"])
    op.drop_index("ix_policies_renewal_link", table_name="policies")
    op.create_index("ix_policies_renewal_link", "policies", ["vin", "line", "start_date"],
                    postgresql_include=["issued_on", "id"], postgresql_where="status <> 'cancelled'")
    op.create_index("ix_policies_vin_line_start", "policies", ["vin", "line", "start_date"])
