"""points: points ledger, sign-in, referrals, mall, vouchers and campaigns

Revision ID: 0006
Revises: 0005
"""
import sqlalchemy as sa
from alembic import op

revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


# The ledger is append-only in the database too, whatever code runs against it: no line is ever
# deleted, and of a line only an award's `remaining` may change (as debits draw on it and refunds
# restore it). Allocations are never changed at all. (TRUNCATE, which the test suite uses to empty
# tables, is not a row operation and is not affected.)
APPEND_ONLY = """
CREATE FUNCTION points_ledger_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        RAISE EXCEPTION '% is append-only: rows are never deleted', TG_TABLE_NAME;
    END IF;
    IF TG_TABLE_NAME = 'points_entries' THEN
        IF (NEW.id, NEW.customer_id, NEW.amount, NEW.balance_after, NEW.reason, NEW.idempotency_key, NEW.ref_type,
            NEW.ref_id, NEW.policy_id, NEW.expires_on, NEW.note, NEW.staff_id, NEW.created_at)
           IS NOT DISTINCT FROM
           (OLD.id, OLD.customer_id, OLD.amount, OLD.balance_after, OLD.reason, OLD.idempotency_key, OLD.ref_type,
            OLD.ref_id, OLD.policy_id, OLD.expires_on, OLD.note, OLD.staff_id, OLD.created_at) THEN
            RETURN NEW;  -- only remaining changed
        END IF;
    END IF;
    RAISE EXCEPTION '% is append-only: only an award''s remaining points may change', TG_TABLE_NAME;
END
$$;
CREATE TRIGGER points_entries_append_only BEFORE UPDATE OR DELETE ON points_entries
    FOR EACH ROW EXECUTE FUNCTION points_ledger_append_only();
CREATE TRIGGER points_allocations_append_only BEFORE UPDATE OR DELETE ON points_allocations
    FOR EACH ROW EXECUTE FUNCTION points_ledger_append_only();
"""


def upgrade():
    op.create_table('campaigns',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum('lottery', 'red_packet', name='campaign_kind', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('description', sa.Text(), nullable=True),
    sa.Column('starts_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('ends_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('budget_points', sa.Integer(), nullable=False),
    sa.Column('budget_used', sa.Integer(), server_default=sa.text('0'), nullable=False),
    sa.Column('daily_limit', sa.Integer(), nullable=True),
    sa.Column('draw_cost_points', sa.Integer(), nullable=False),
    sa.Column('per_customer_limit', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint('budget_points >= 0', name=op.f('ck_campaigns_budget_not_negative')),
    sa.CheckConstraint('budget_used >= 0 AND budget_used <= budget_points', name=op.f('ck_campaigns_budget_used_within_budget')),
    sa.CheckConstraint('draw_cost_points >= 0', name=op.f('ck_campaigns_draw_cost_not_negative')),
    sa.CheckConstraint('ends_at > starts_at', name=op.f('ck_campaigns_dates_in_order')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_campaigns'))
    )
    op.create_table('partners',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('kind', sa.Enum('dealer', 'merchant', name='partner_kind', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('dealer_id', sa.Integer(), nullable=True),
    sa.Column('contact', sa.String(length=100), nullable=True),
    sa.Column('key_prefix', sa.String(length=16), nullable=True),
    sa.Column('key_hash', sa.LargeBinary(), nullable=True),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint("(kind = 'dealer') = (dealer_id IS NOT NULL)", name=op.f('ck_partners_dealer_kind_has_dealer')),
    sa.ForeignKeyConstraint(['dealer_id'], ['dealers.id'], name=op.f('fk_partners_dealer_id_dealers')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_partners')),
    sa.UniqueConstraint('dealer_id', name=op.f('uq_partners_dealer_id')),
    sa.UniqueConstraint('key_prefix', name=op.f('uq_partners_key_prefix'))
    )
    op.create_table('mall_items',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('category', sa.Enum('car_wash', 'designated_driver', 'inspection', 'maintenance', 'gift', name='mall_category', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('description', sa.Text(), nullable=True),
    sa.Column('image_url', sa.String(length=500), nullable=True),
    sa.Column('price_points', sa.Integer(), nullable=False),
    sa.Column('face_value', sa.Numeric(precision=14, scale=2), nullable=True),
    sa.Column('stock', sa.Integer(), nullable=True),
    sa.Column('limit_quantity', sa.Integer(), nullable=True),
    sa.Column('limit_period', sa.Enum('day', 'month', 'year', 'ever', name='mall_limit_period', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('starts_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('ends_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('partner_id', sa.Integer(), nullable=True),
    sa.Column('voucher_valid_days', sa.Integer(), nullable=False),
    sa.Column('cancellable', sa.Boolean(), nullable=False),
    sa.Column('sort_order', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint('limit_quantity IS NULL OR limit_quantity > 0', name=op.f('ck_mall_items_limit_positive')),
    sa.CheckConstraint('price_points > 0', name=op.f('ck_mall_items_price_positive')),
    sa.CheckConstraint('stock IS NULL OR stock >= 0', name=op.f('ck_mall_items_stock_not_negative')),
    sa.CheckConstraint('voucher_valid_days > 0', name=op.f('ck_mall_items_valid_days_positive')),
    sa.ForeignKeyConstraint(['partner_id'], ['partners.id'], name=op.f('fk_mall_items_partner_id_partners')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_mall_items'))
    )
    op.create_index('ix_mall_items_listing', 'mall_items', ['category', 'sort_order', 'id'], unique=False, postgresql_where=sa.text('active'))
    op.create_index(op.f('ix_mall_items_partner_id'), 'mall_items', ['partner_id'], unique=False)
    op.create_table('campaign_prizes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('campaign_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('kind', sa.Enum('points', 'voucher', 'none', name='prize_kind', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('points', sa.Integer(), nullable=False),
    sa.Column('item_id', sa.Integer(), nullable=True),
    sa.Column('weight', sa.Integer(), nullable=False),
    sa.Column('quantity', sa.Integer(), nullable=True),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.CheckConstraint("(kind = 'points') = (points > 0)", name=op.f('ck_campaign_prizes_points_prize_has_points')),
    sa.CheckConstraint("(kind = 'voucher') = (item_id IS NOT NULL)", name=op.f('ck_campaign_prizes_voucher_prize_has_item')),
    sa.CheckConstraint('points >= 0', name=op.f('ck_campaign_prizes_points_not_negative')),
    sa.CheckConstraint('quantity IS NULL OR quantity >= 0', name=op.f('ck_campaign_prizes_quantity_not_negative')),
    sa.CheckConstraint('weight >= 0', name=op.f('ck_campaign_prizes_weight_not_negative')),
    sa.ForeignKeyConstraint(['campaign_id'], ['campaigns.id'], name=op.f('fk_campaign_prizes_campaign_id_campaigns')),
    sa.ForeignKeyConstraint(['item_id'], ['mall_items.id'], name=op.f('fk_campaign_prizes_item_id_mall_items')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_campaign_prizes'))
    )
    op.create_index(op.f('ix_campaign_prizes_campaign_id'), 'campaign_prizes', ['campaign_id'], unique=False)
    op.create_table('mall_stock_adjustments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('item_id', sa.Integer(), nullable=False),
    sa.Column('delta', sa.Integer(), nullable=True),
    sa.Column('stock_before', sa.Integer(), nullable=True),
    sa.Column('stock_after', sa.Integer(), nullable=True),
    sa.Column('reason', sa.String(length=200), nullable=False),
    sa.Column('staff_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.ForeignKeyConstraint(['item_id'], ['mall_items.id'], name=op.f('fk_mall_stock_adjustments_item_id_mall_items')),
    sa.ForeignKeyConstraint(['staff_id'], ['staff.id'], name=op.f('fk_mall_stock_adjustments_staff_id_staff')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_mall_stock_adjustments'))
    )
    op.create_index(op.f('ix_mall_stock_adjustments_item_id'), 'mall_stock_adjustments', ['item_id'], unique=False)
    op.create_table('points_accounts',
    sa.Column('customer_id', sa.Integer(), nullable=False),
    sa.Column('balance', sa.Integer(), server_default=sa.text('0'), nullable=False),
    sa.Column('shortfall', sa.Integer(), server_default=sa.text('0'), nullable=False),
    sa.Column('invite_code', sa.String(length=16), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint('balance >= 0', name=op.f('ck_points_accounts_balance_not_negative')),
    sa.CheckConstraint('shortfall >= 0', name=op.f('ck_points_accounts_shortfall_not_negative')),
    sa.ForeignKeyConstraint(['customer_id'], ['customers.id'], name=op.f('fk_points_accounts_customer_id_customers')),
    sa.PrimaryKeyConstraint('customer_id', name=op.f('pk_points_accounts')),
    sa.UniqueConstraint('invite_code', name=op.f('uq_points_accounts_invite_code'))
    )
    op.create_table('points_sign_ins',
    sa.Column('id', sa.BigInteger(), nullable=False),
    sa.Column('customer_id', sa.Integer(), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('streak', sa.Integer(), nullable=False),
    sa.Column('points', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint('streak >= 1', name=op.f('ck_points_sign_ins_streak_positive')),
    sa.ForeignKeyConstraint(['customer_id'], ['customers.id'], name=op.f('fk_points_sign_ins_customer_id_customers')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_points_sign_ins')),
    sa.UniqueConstraint('customer_id', 'day', name='uq_points_sign_ins_customer_day')
    )
    op.create_table('points_entries',
    sa.Column('id', sa.BigInteger(), nullable=False),
    sa.Column('customer_id', sa.Integer(), nullable=False),
    sa.Column('amount', sa.Integer(), nullable=False),
    sa.Column('balance_after', sa.Integer(), nullable=False),
    sa.Column('reason', sa.Enum('sign_in', 'sign_in_bonus', 'referral', 'policy_purchase', 'policy_renewal', 'campaign_prize', 'red_packet', 'redemption', 'redemption_refund', 'lottery_cost', 'expiry', 'reversal', 'shortfall_recovery', 'adjustment', name='points_reason', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('idempotency_key', sa.String(length=200), nullable=False),
    sa.Column('ref_type', sa.String(length=32), nullable=True),
    sa.Column('ref_id', sa.BigInteger(), nullable=True),
    sa.Column('policy_id', sa.Integer(), nullable=True),
    sa.Column('expires_on', sa.Date(), nullable=True),
    sa.Column('remaining', sa.Integer(), nullable=True),
    sa.Column('note', sa.String(length=200), nullable=True),
    sa.Column('staff_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint('(expires_on IS NULL) = (remaining IS NULL)', name=op.f('ck_points_entries_award_has_expiry_and_remaining')),
    sa.CheckConstraint('amount <> 0', name=op.f('ck_points_entries_amount_not_zero')),
    sa.CheckConstraint('balance_after >= 0', name=op.f('ck_points_entries_balance_after_not_negative')),
    sa.CheckConstraint('remaining IS NULL OR (amount > 0 AND remaining >= 0 AND remaining <= amount)', name=op.f('ck_points_entries_remaining_within_award')),
    sa.ForeignKeyConstraint(['customer_id'], ['customers.id'], name=op.f('fk_points_entries_customer_id_customers')),
    sa.ForeignKeyConstraint(['policy_id'], ['policies.id'], name=op.f('fk_points_entries_policy_id_policies')),
    sa.ForeignKeyConstraint(['staff_id'], ['staff.id'], name=op.f('fk_points_entries_staff_id_staff')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_points_entries')),
    sa.UniqueConstraint('idempotency_key', name=op.f('uq_points_entries_idempotency_key'))
    )
    op.create_index('ix_points_entries_customer', 'points_entries', ['customer_id', 'id'], unique=False)
    op.create_index('ix_points_entries_expiring', 'points_entries', ['expires_on'], unique=False, postgresql_where=sa.text('remaining > 0'))
    op.create_index('ix_points_entries_live_awards', 'points_entries', ['customer_id', 'expires_on', 'id'], unique=False, postgresql_where=sa.text('remaining > 0'))
    op.create_index(op.f('ix_points_entries_policy_id'), 'points_entries', ['policy_id'], unique=False)
    op.create_index('ix_points_entries_ref', 'points_entries', ['ref_type', 'ref_id'], unique=False)
    op.create_table('referrals',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('inviter_id', sa.Integer(), nullable=False),
    sa.Column('invitee_id', sa.Integer(), nullable=False),
    sa.Column('invitee_mobile_hash', sa.LargeBinary(), nullable=True),
    sa.Column('device_hash', sa.LargeBinary(), nullable=False),
    sa.Column('status', sa.Enum('pending', 'awarded', name='referral_status', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('accepted_on', sa.Date(), nullable=False),
    sa.Column('policy_id', sa.Integer(), nullable=True),
    sa.Column('points', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('awarded_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint('inviter_id <> invitee_id', name=op.f('ck_referrals_not_self')),
    sa.ForeignKeyConstraint(['invitee_id'], ['customers.id'], name=op.f('fk_referrals_invitee_id_customers')),
    sa.ForeignKeyConstraint(['inviter_id'], ['customers.id'], name=op.f('fk_referrals_inviter_id_customers')),
    sa.ForeignKeyConstraint(['policy_id'], ['policies.id'], name=op.f('fk_referrals_policy_id_policies')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_referrals')),
    sa.UniqueConstraint('device_hash', name=op.f('uq_referrals_device_hash')),
    sa.UniqueConstraint('invitee_id', name=op.f('uq_referrals_invitee_id')),
    sa.UniqueConstraint('invitee_mobile_hash', name=op.f('uq_referrals_invitee_mobile_hash'))
    )
    op.create_index(op.f('ix_referrals_inviter_id'), 'referrals', ['inviter_id'], unique=False)
    op.create_table('points_allocations',
    sa.Column('id', sa.BigInteger(), nullable=False),
    sa.Column('debit_id', sa.BigInteger(), nullable=False),
    sa.Column('award_id', sa.BigInteger(), nullable=False),
    sa.Column('points', sa.Integer(), nullable=False),
    sa.CheckConstraint('points > 0', name=op.f('ck_points_allocations_points_positive')),
    sa.ForeignKeyConstraint(['award_id'], ['points_entries.id'], name=op.f('fk_points_allocations_award_id_points_entries')),
    sa.ForeignKeyConstraint(['debit_id'], ['points_entries.id'], name=op.f('fk_points_allocations_debit_id_points_entries')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_points_allocations')),
    sa.UniqueConstraint('debit_id', 'award_id', name='uq_points_allocations_debit_award')
    )
    op.create_index(op.f('ix_points_allocations_award_id'), 'points_allocations', ['award_id'], unique=False)
    op.create_index(op.f('ix_points_allocations_debit_id'), 'points_allocations', ['debit_id'], unique=False)
    op.create_table('points_shortfalls',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('customer_id', sa.Integer(), nullable=False),
    sa.Column('award_id', sa.BigInteger(), nullable=False),
    sa.Column('reversal_id', sa.BigInteger(), nullable=True),
    sa.Column('policy_id', sa.Integer(), nullable=True),
    sa.Column('points', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint('points > 0', name=op.f('ck_points_shortfalls_points_positive')),
    sa.ForeignKeyConstraint(['award_id'], ['points_entries.id'], name=op.f('fk_points_shortfalls_award_id_points_entries')),
    sa.ForeignKeyConstraint(['customer_id'], ['customers.id'], name=op.f('fk_points_shortfalls_customer_id_customers')),
    sa.ForeignKeyConstraint(['policy_id'], ['policies.id'], name=op.f('fk_points_shortfalls_policy_id_policies')),
    sa.ForeignKeyConstraint(['reversal_id'], ['points_entries.id'], name=op.f('fk_points_shortfalls_reversal_id_points_entries')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_points_shortfalls')),
    sa.UniqueConstraint('award_id', name=op.f('uq_points_shortfalls_award_id'))
    )
    op.create_index(op.f('ix_points_shortfalls_customer_id'), 'points_shortfalls', ['customer_id'], unique=False)
    op.create_table('vouchers',
    sa.Column('id', sa.BigInteger(), nullable=False),
    sa.Column('code', sa.String(length=32), nullable=False),
    sa.Column('customer_id', sa.Integer(), nullable=False),
    sa.Column('item_id', sa.Integer(), nullable=False),
    sa.Column('partner_id', sa.Integer(), nullable=True),
    sa.Column('source', sa.Enum('redemption', 'campaign', name='voucher_source', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('quantity', sa.Integer(), nullable=False),
    sa.Column('points', sa.Integer(), nullable=False),
    sa.Column('status', sa.Enum('issued', 'used', 'cancelled', 'expired', name='voucher_status', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('request_id', sa.String(length=64), nullable=False),
    sa.Column('spend_entry_id', sa.BigInteger(), nullable=True),
    sa.Column('refund_entry_id', sa.BigInteger(), nullable=True),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('used_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('used_by_partner_id', sa.Integer(), nullable=True),
    sa.Column('cancelled_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint("(status = 'used') = (used_at IS NOT NULL)", name=op.f('ck_vouchers_used_has_time')),
    sa.CheckConstraint('points >= 0', name=op.f('ck_vouchers_points_not_negative')),
    sa.CheckConstraint('quantity > 0', name=op.f('ck_vouchers_quantity_positive')),
    sa.ForeignKeyConstraint(['customer_id'], ['customers.id'], name=op.f('fk_vouchers_customer_id_customers')),
    sa.ForeignKeyConstraint(['item_id'], ['mall_items.id'], name=op.f('fk_vouchers_item_id_mall_items')),
    sa.ForeignKeyConstraint(['partner_id'], ['partners.id'], name=op.f('fk_vouchers_partner_id_partners')),
    sa.ForeignKeyConstraint(['refund_entry_id'], ['points_entries.id'], name=op.f('fk_vouchers_refund_entry_id_points_entries')),
    sa.ForeignKeyConstraint(['spend_entry_id'], ['points_entries.id'], name=op.f('fk_vouchers_spend_entry_id_points_entries')),
    sa.ForeignKeyConstraint(['used_by_partner_id'], ['partners.id'], name=op.f('fk_vouchers_used_by_partner_id_partners')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_vouchers')),
    sa.UniqueConstraint('code', name=op.f('uq_vouchers_code')),
    sa.UniqueConstraint('customer_id', 'request_id', name='uq_vouchers_customer_request')
    )
    op.create_index('ix_vouchers_customer', 'vouchers', ['customer_id', 'id'], unique=False)
    op.create_index('ix_vouchers_customer_item', 'vouchers', ['customer_id', 'item_id', 'created_at'], unique=False)
    op.create_index('ix_vouchers_expiring', 'vouchers', ['expires_at'], unique=False, postgresql_where=sa.text("status = 'issued'"))
    op.create_index(op.f('ix_vouchers_item_id'), 'vouchers', ['item_id'], unique=False)
    op.create_index(op.f('ix_vouchers_partner_id'), 'vouchers', ['partner_id'], unique=False)
    op.create_table('campaign_draws',
    sa.Column('id', sa.BigInteger(), nullable=False),
    sa.Column('campaign_id', sa.Integer(), nullable=False),
    sa.Column('customer_id', sa.Integer(), nullable=False),
    sa.Column('request_id', sa.String(length=64), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('prize_id', sa.Integer(), nullable=True),
    sa.Column('drawn_prize_id', sa.Integer(), nullable=True),
    sa.Column('kind', sa.Enum('points', 'voucher', 'none', name='draw_prize_kind', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('points', sa.Integer(), nullable=False),
    sa.Column('budget_cost', sa.Integer(), nullable=False),
    sa.Column('voucher_id', sa.BigInteger(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint('budget_cost >= 0', name=op.f('ck_campaign_draws_budget_cost_not_negative')),
    sa.ForeignKeyConstraint(['campaign_id'], ['campaigns.id'], name=op.f('fk_campaign_draws_campaign_id_campaigns')),
    sa.ForeignKeyConstraint(['customer_id'], ['customers.id'], name=op.f('fk_campaign_draws_customer_id_customers')),
    sa.ForeignKeyConstraint(['drawn_prize_id'], ['campaign_prizes.id'], name=op.f('fk_campaign_draws_drawn_prize_id_campaign_prizes')),
    sa.ForeignKeyConstraint(['prize_id'], ['campaign_prizes.id'], name=op.f('fk_campaign_draws_prize_id_campaign_prizes')),
    sa.ForeignKeyConstraint(['voucher_id'], ['vouchers.id'], name=op.f('fk_campaign_draws_voucher_id_vouchers')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_campaign_draws')),
    sa.UniqueConstraint('campaign_id', 'customer_id', 'request_id', name='uq_campaign_draws_request')
    )
    op.create_index('ix_campaign_draws_campaign_customer_day', 'campaign_draws', ['campaign_id', 'customer_id', 'day'], unique=False)
    op.create_index(op.f('ix_campaign_draws_customer_id'), 'campaign_draws', ['customer_id'], unique=False)
    op.create_table('voucher_verifications',
    sa.Column('id', sa.BigInteger(), nullable=False),
    sa.Column('voucher_id', sa.BigInteger(), nullable=True),
    sa.Column('partner_id', sa.Integer(), nullable=False),
    sa.Column('staff_id', sa.Integer(), nullable=True),
    sa.Column('code_tail', sa.String(length=8), nullable=False),
    sa.Column('result', sa.Enum('ok', 'not_found', 'already_used', 'cancelled', 'expired', 'wrong_partner', name='verification_result', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('ip', sa.String(length=64), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.ForeignKeyConstraint(['partner_id'], ['partners.id'], name=op.f('fk_voucher_verifications_partner_id_partners')),
    sa.ForeignKeyConstraint(['staff_id'], ['staff.id'], name=op.f('fk_voucher_verifications_staff_id_staff')),
    sa.ForeignKeyConstraint(['voucher_id'], ['vouchers.id'], name=op.f('fk_voucher_verifications_voucher_id_vouchers')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_voucher_verifications'))
    )
    op.create_index(op.f('ix_voucher_verifications_created_at'), 'voucher_verifications', ['created_at'], unique=False)
    op.create_index(op.f('ix_voucher_verifications_partner_id'), 'voucher_verifications', ['partner_id'], unique=False)
    op.create_index(op.f('ix_voucher_verifications_voucher_id'), 'voucher_verifications', ['voucher_id'], unique=False)
    # ### end Alembic commands ###
    op.execute(APPEND_ONLY)


def downgrade():
    op.drop_index(op.f('ix_voucher_verifications_voucher_id'), table_name='voucher_verifications')
    op.drop_index(op.f('ix_voucher_verifications_partner_id'), table_name='voucher_verifications')
    op.drop_index(op.f('ix_voucher_verifications_created_at'), table_name='voucher_verifications')
    op.drop_table('voucher_verifications')
    op.drop_index(op.f('ix_campaign_draws_customer_id'), table_name='campaign_draws')
    op.drop_index('ix_campaign_draws_campaign_customer_day', table_name='campaign_draws')
    op.drop_table('campaign_draws')
    op.drop_index(op.f('ix_vouchers_partner_id'), table_name='vouchers')
    op.drop_index(op.f('ix_vouchers_item_id'), table_name='vouchers')
    op.drop_index('ix_vouchers_expiring', table_name='vouchers', postgresql_where=sa.text("status = 'issued'"))
    op.drop_index('ix_vouchers_customer_item', table_name='vouchers')
    op.drop_index('ix_vouchers_customer', table_name='vouchers')
    op.drop_table('vouchers')
    op.drop_index(op.f('ix_points_shortfalls_customer_id'), table_name='points_shortfalls')
    op.drop_table('points_shortfalls')
    op.drop_index(op.f('ix_points_allocations_debit_id'), table_name='points_allocations')
    op.drop_index(op.f('ix_points_allocations_award_id'), table_name='points_allocations')
    op.drop_table('points_allocations')
    op.drop_index(op.f('ix_referrals_inviter_id'), table_name='referrals')
    op.drop_table('referrals')
    op.drop_index('ix_points_entries_ref', table_name='points_entries')
    op.drop_index(op.f('ix_points_entries_policy_id'), table_name='points_entries')
    op.drop_index('ix_points_entries_live_awards', table_name='points_entries', postgresql_where=sa.text('remaining > 0'))
    op.drop_index('ix_points_entries_expiring', table_name='points_entries', postgresql_where=sa.text('remaining > 0'))
    op.drop_index('ix_points_entries_customer', table_name='points_entries')
    op.drop_table('points_entries')
    op.drop_table('points_sign_ins')
    op.drop_table('points_accounts')
    op.drop_index(op.f('ix_mall_stock_adjustments_item_id'), table_name='mall_stock_adjustments')
    op.drop_table('mall_stock_adjustments')
    op.drop_index(op.f('ix_campaign_prizes_campaign_id'), table_name='campaign_prizes')
    op.drop_table('campaign_prizes')
    op.drop_index(op.f('ix_mall_items_partner_id'), table_name='mall_items')
    op.drop_index('ix_mall_items_listing', table_name='mall_items', postgresql_where=sa.text('active'))
    op.drop_table('mall_items')
    op.drop_table('partners')
    op.drop_table('campaigns')
    op.execute("DROP FUNCTION IF EXISTS points_ledger_append_only()")
