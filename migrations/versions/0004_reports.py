"""reports: the index behind the renewal reports' renewing and next policy

Revision ID: 0004
Revises: 0003
"""
import sqlalchemy as sa
from alembic import op

revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade():
    # A due policy's renewing policy and its next policy are probes of (vin, line, start_date)
    # over non-cancelled policies, answered from the index alone (issued_on and id included).
    op.create_index("ix_policies_renewal_link", "policies", ["vin", "line", "start_date"],
                    postgresql_include=["issued_on", "id"], postgresql_where=sa.text("status <> 'cancelled'"))


def downgrade():
    op.drop_index("ix_policies_renewal_link", table_name="policies")
