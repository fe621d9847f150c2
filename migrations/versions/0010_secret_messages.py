"""secret messages: one-time codes encrypted at rest until sent, shown masked, then dropped

A login code in the outbox was kept in clear in its payload, the provider body and the text an
admin reads. A secret message keeps those masked and the real body encrypted (body_enc) only
until the message is final. The login codes already in the table are masked here (they expired
minutes after they were sent).

Revision ID: 0010
Revises: 0009
"""
import sqlalchemy as sa
from alembic import op

revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None

MASK = "******"


def upgrade():
    op.add_column("outbox_messages", sa.Column("secret", sa.Boolean(), server_default=sa.text("false"),
                                               nullable=False))
    op.add_column("outbox_messages", sa.Column("body_enc", sa.LargeBinary(), nullable=True))
    op.execute(sa.text(
        "UPDATE outbox_messages m SET secret = true, "
        "payload = m.payload || jsonb_build_object('code', :mask), "
        "body = replace(m.body::text, '\"' || (m.payload->>'code') || '\"', '\"' || :mask || '\"')::jsonb, "
        "body_text = replace(m.body_text, m.payload->>'code', :mask) "
        "FROM message_templates t WHERE t.id = m.template_id AND t.code = 'sms_login_code' "
        "AND m.payload ? 'code'").bindparams(mask=MASK))


def downgrade():
    op.drop_column("outbox_messages", "body_enc")
    op.drop_column("outbox_messages", "secret")
