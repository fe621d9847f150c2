"""audit channel h5: the staff H5 pages opened from WeCom audit as their own channel

Until now they audited as `api`, like the staff API they sit beside; an auditor could not tell a
read on a phone in WeCom from a call of the API.

Revision ID: 0011
Revises: 0010
"""
import sqlalchemy as sa
from alembic import op

revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None

CONSTRAINT = op.f("ck_audit_logs_audit_channel")  # the full name: no naming convention on top


def _channels(*names: str):
    return sa.column("channel").in_(names)


def upgrade():
    op.drop_constraint(CONSTRAINT, "audit_logs", type_="check")
    op.create_check_constraint(CONSTRAINT, "audit_logs", _channels("admin", "api", "bot", "job", "cli", "h5"))


def downgrade():
    audit_logs = sa.table("audit_logs", sa.column("channel"))
    op.execute(audit_logs.update().where(audit_logs.c.channel == "h5").values(channel="api"))
    op.drop_constraint(CONSTRAINT, "audit_logs", type_="check")
    op.create_check_constraint(CONSTRAINT, "audit_logs", _channels("admin", "api", "bot", "job", "cli"))
