"""subscriptions, renewals, saved cards and license keys

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-22 03:40:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None

TENANT_TABLES = ("saved_cards", "subscriptions", "subscription_renewals", "license_keys")
POLICY = (
    "current_setting('storefront.cross_tenant', true) = 'on'"
    " OR storefront_id = NULLIF(current_setting('storefront.tenant', true), '')::integer"
)


def upgrade():
    op.create_table('saved_cards',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('buyer_id', sa.Integer(), nullable=False),
    sa.Column('customer_reference', sa.String(length=80), nullable=False),
    sa.Column('payment_method', sa.String(length=80), nullable=False),
    sa.Column('brand', sa.String(length=20), nullable=False),
    sa.Column('last4', sa.String(length=4), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('storefront_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['buyer_id'], ['users.id'], name=op.f('fk_saved_cards_buyer_id_users'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['storefront_id'], ['storefronts.id'], name=op.f('fk_saved_cards_storefront_id_storefronts'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_saved_cards')),
    sa.UniqueConstraint('payment_method', name=op.f('uq_saved_cards_payment_method'))
    )
    with op.batch_alter_table('saved_cards', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_saved_cards_buyer_id'), ['buyer_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_saved_cards_customer_reference'), ['customer_reference'], unique=False)
        batch_op.create_index(batch_op.f('ix_saved_cards_storefront_id'), ['storefront_id'], unique=False)

    op.create_table('subscriptions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('buyer_id', sa.Integer(), nullable=False),
    sa.Column('order_line_id', sa.Integer(), nullable=False),
    sa.Column('offer_id', sa.Integer(), nullable=False),
    sa.Column('plan_id', sa.Integer(), nullable=False),
    sa.Column('isv_id', sa.Integer(), nullable=False),
    sa.Column('offer_name', sa.String(length=120), nullable=False),
    sa.Column('plan_name', sa.String(length=80), nullable=False),
    sa.Column('term', sa.Enum('one_time', 'monthly', 'yearly', 'two_years', 'three_years', name='subscription_term', native_enum=False, create_constraint=True, length=20), nullable=False),
    sa.Column('quantity', sa.Integer(), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('unit_retail_minor', sa.Integer(), nullable=False),
    sa.Column('unit_wholesale_minor', sa.Integer(), nullable=False),
    sa.Column('pending_retail_minor', sa.Integer(), nullable=True),
    sa.Column('pending_wholesale_minor', sa.Integer(), nullable=True),
    sa.Column('price_notified_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('status', sa.Enum('active', 'past_due', 'suspended', 'cancelled', 'ended', name='subscription_status', native_enum=False, create_constraint=True, length=20), nullable=False),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('period', sa.Integer(), nullable=False),
    sa.Column('current_period_start', sa.DateTime(timezone=True), nullable=False),
    sa.Column('current_period_end', sa.DateTime(timezone=True), nullable=False),
    sa.Column('cancel_at_period_end', sa.Boolean(), nullable=False),
    sa.Column('past_due_since', sa.DateTime(timezone=True), nullable=True),
    sa.Column('failed_attempts', sa.Integer(), nullable=False),
    sa.Column('next_attempt_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('suspended_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('ended_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('end_reason', sa.String(length=40), nullable=False),
    sa.Column('customer_reference', sa.String(length=80), nullable=True),
    sa.Column('payment_method', sa.String(length=80), nullable=True),
    sa.Column('card_brand', sa.String(length=20), nullable=False),
    sa.Column('card_last4', sa.String(length=4), nullable=False),
    sa.Column('billing_name', sa.String(length=120), nullable=False),
    sa.Column('billing_email', sa.String(length=254), nullable=False),
    sa.Column('billing_country', sa.String(length=2), nullable=False),
    sa.Column('locale', sa.String(length=16), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('storefront_id', sa.Integer(), nullable=False),
    sa.CheckConstraint('2 * unit_wholesale_minor <= unit_retail_minor', name=op.f('ck_subscriptions_margin_floor')),
    sa.CheckConstraint('pending_retail_minor IS NULL OR 2 * pending_wholesale_minor <= pending_retail_minor', name=op.f('ck_subscriptions_pending_margin_floor')),
    sa.CheckConstraint('period >= 1', name=op.f('ck_subscriptions_period_positive')),
    sa.CheckConstraint('quantity > 0', name=op.f('ck_subscriptions_quantity_positive')),
    sa.ForeignKeyConstraint(['buyer_id'], ['users.id'], name=op.f('fk_subscriptions_buyer_id_users'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['isv_id'], ['isvs.id'], name=op.f('fk_subscriptions_isv_id_isvs'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['offer_id'], ['offers.id'], name=op.f('fk_subscriptions_offer_id_offers'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['order_line_id'], ['order_lines.id'], name=op.f('fk_subscriptions_order_line_id_order_lines'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['plan_id'], ['plans.id'], name=op.f('fk_subscriptions_plan_id_plans'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['storefront_id'], ['storefronts.id'], name=op.f('fk_subscriptions_storefront_id_storefronts'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_subscriptions')),
    sa.UniqueConstraint('order_line_id', name=op.f('uq_subscriptions_order_line_id'))
    )
    with op.batch_alter_table('subscriptions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_subscriptions_buyer_id'), ['buyer_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_subscriptions_isv_id'), ['isv_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_subscriptions_offer_id'), ['offer_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_subscriptions_plan_id'), ['plan_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_subscriptions_status'), ['status'], unique=False)
        batch_op.create_index('ix_subscriptions_status_next_attempt', ['status', 'next_attempt_at'], unique=False)
        batch_op.create_index('ix_subscriptions_status_period_end', ['status', 'current_period_end'], unique=False)
        batch_op.create_index(batch_op.f('ix_subscriptions_storefront_id'), ['storefront_id'], unique=False)

    op.create_table('license_keys',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=40), nullable=False),
    sa.Column('order_id', sa.Integer(), nullable=False),
    sa.Column('order_line_id', sa.Integer(), nullable=False),
    sa.Column('subscription_id', sa.Integer(), nullable=True),
    sa.Column('offer_id', sa.Integer(), nullable=False),
    sa.Column('offer_name', sa.String(length=120), nullable=False),
    sa.Column('plan_name', sa.String(length=80), nullable=False),
    sa.Column('seats', sa.Integer(), nullable=False),
    sa.Column('status', sa.Enum('active', 'suspended', 'revoked', name='license_status', native_enum=False, create_constraint=True, length=20), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('storefront_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['offer_id'], ['offers.id'], name=op.f('fk_license_keys_offer_id_offers'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['order_id'], ['orders.id'], name=op.f('fk_license_keys_order_id_orders'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['order_line_id'], ['order_lines.id'], name=op.f('fk_license_keys_order_line_id_order_lines'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['storefront_id'], ['storefronts.id'], name=op.f('fk_license_keys_storefront_id_storefronts'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['subscription_id'], ['subscriptions.id'], name=op.f('fk_license_keys_subscription_id_subscriptions'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_license_keys')),
    sa.UniqueConstraint('key', name=op.f('uq_license_keys_key')),
    sa.UniqueConstraint('order_line_id', name=op.f('uq_license_keys_order_line_id'))
    )
    with op.batch_alter_table('license_keys', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_license_keys_offer_id'), ['offer_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_license_keys_order_id'), ['order_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_license_keys_storefront_id'), ['storefront_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_license_keys_subscription_id'), ['subscription_id'], unique=False)

    op.create_table('subscription_renewals',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('subscription_id', sa.Integer(), nullable=False),
    sa.Column('period', sa.Integer(), nullable=False),
    sa.Column('order_id', sa.Integer(), nullable=False),
    sa.Column('due_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('storefront_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['order_id'], ['orders.id'], name=op.f('fk_subscription_renewals_order_id_orders'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['storefront_id'], ['storefronts.id'], name=op.f('fk_subscription_renewals_storefront_id_storefronts'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['subscription_id'], ['subscriptions.id'], name=op.f('fk_subscription_renewals_subscription_id_subscriptions'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_subscription_renewals')),
    sa.UniqueConstraint('order_id', name=op.f('uq_subscription_renewals_order_id')),
    sa.UniqueConstraint('subscription_id', 'period', name=op.f('uq_subscription_renewals_subscription_id_period'))
    )
    with op.batch_alter_table('subscription_renewals', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_subscription_renewals_storefront_id'), ['storefront_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_subscription_renewals_subscription_id'), ['subscription_id'], unique=False)

    if op.get_bind().dialect.name == "postgresql":
        for table in TENANT_TABLES:
            op.execute(f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY")
            op.execute(
                f"CREATE POLICY storefront_tenant ON {table} USING ({POLICY}) WITH CHECK ({POLICY})"
            )


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        for table in TENANT_TABLES:
            op.execute(f"DROP POLICY IF EXISTS storefront_tenant ON {table}")
            op.execute(f"ALTER TABLE {table} DISABLE ROW LEVEL SECURITY")
    with op.batch_alter_table('subscription_renewals', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_subscription_renewals_subscription_id'))
        batch_op.drop_index(batch_op.f('ix_subscription_renewals_storefront_id'))

    op.drop_table('subscription_renewals')
    with op.batch_alter_table('license_keys', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_license_keys_subscription_id'))
        batch_op.drop_index(batch_op.f('ix_license_keys_storefront_id'))
        batch_op.drop_index(batch_op.f('ix_license_keys_order_id'))
        batch_op.drop_index(batch_op.f('ix_license_keys_offer_id'))

    op.drop_table('license_keys')
    with op.batch_alter_table('subscriptions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_subscriptions_storefront_id'))
        batch_op.drop_index('ix_subscriptions_status_period_end')
        batch_op.drop_index('ix_subscriptions_status_next_attempt')
        batch_op.drop_index(batch_op.f('ix_subscriptions_status'))
        batch_op.drop_index(batch_op.f('ix_subscriptions_plan_id'))
        batch_op.drop_index(batch_op.f('ix_subscriptions_offer_id'))
        batch_op.drop_index(batch_op.f('ix_subscriptions_isv_id'))
        batch_op.drop_index(batch_op.f('ix_subscriptions_buyer_id'))

    op.drop_table('subscriptions')
    with op.batch_alter_table('saved_cards', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_saved_cards_storefront_id'))
        batch_op.drop_index(batch_op.f('ix_saved_cards_customer_reference'))
        batch_op.drop_index(batch_op.f('ix_saved_cards_buyer_id'))

    op.drop_table('saved_cards')
