"""outgoing webhooks: endpoints and deliveries of storefronts (row-level security) and ISVs

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-22 03:40:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None

TENANT_TABLES = ("storefront_webhook_endpoints", "storefront_webhook_deliveries")
POLICY = (
    "current_setting('storefront.cross_tenant', true) = 'on'"
    " OR storefront_id = NULLIF(current_setting('storefront.tenant', true), '')::integer"
)


def upgrade():
    op.create_table('isv_webhook_endpoints',
    sa.Column('isv_id', sa.Integer(), nullable=False),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('url', sa.String(length=2000), nullable=False),
    sa.Column('description', sa.String(length=200), nullable=False),
    sa.Column('secret', sa.String(length=80), nullable=False),
    sa.Column('events', sa.JSON(), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['isv_id'], ['isvs.id'], name=op.f('fk_isv_webhook_endpoints_isv_id_isvs'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_isv_webhook_endpoints'))
    )
    op.create_index(op.f('ix_isv_webhook_endpoints_isv_id'), 'isv_webhook_endpoints', ['isv_id'], unique=False)
    op.create_table('isv_webhook_deliveries',
    sa.Column('isv_id', sa.Integer(), nullable=False),
    sa.Column('endpoint_id', sa.Integer(), nullable=False),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('public_id', sa.String(length=40), nullable=False),
    sa.Column('event_id', sa.String(length=40), nullable=False),
    sa.Column('event_type', sa.String(length=60), nullable=False),
    sa.Column('payload', sa.JSON(), nullable=False),
    sa.Column('status', sa.Enum('pending', 'succeeded', 'failed-retrying', 'failed-permanently', name='webhook_delivery_status', native_enum=False, create_constraint=True, length=20), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('next_attempt_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('last_attempt_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('last_status_code', sa.Integer(), nullable=True),
    sa.Column('last_response', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('delivered_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['endpoint_id'], ['isv_webhook_endpoints.id'], name=op.f('fk_isv_webhook_deliveries_endpoint_id_isv_webhook_endpoints'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['isv_id'], ['isvs.id'], name=op.f('fk_isv_webhook_deliveries_isv_id_isvs'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_isv_webhook_deliveries')),
    sa.UniqueConstraint('public_id', name=op.f('uq_isv_webhook_deliveries_public_id'))
    )
    op.create_index('ix_isv_webhook_deliveries_due', 'isv_webhook_deliveries', ['status', 'next_attempt_at'], unique=False)
    op.create_index(op.f('ix_isv_webhook_deliveries_endpoint_id'), 'isv_webhook_deliveries', ['endpoint_id'], unique=False)
    op.create_index(op.f('ix_isv_webhook_deliveries_event_id'), 'isv_webhook_deliveries', ['event_id'], unique=False)
    op.create_index(op.f('ix_isv_webhook_deliveries_isv_id'), 'isv_webhook_deliveries', ['isv_id'], unique=False)
    op.create_table('storefront_webhook_endpoints',
    sa.Column('storefront_id', sa.Integer(), nullable=False),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('url', sa.String(length=2000), nullable=False),
    sa.Column('description', sa.String(length=200), nullable=False),
    sa.Column('secret', sa.String(length=80), nullable=False),
    sa.Column('events', sa.JSON(), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['storefront_id'], ['storefronts.id'], name=op.f('fk_storefront_webhook_endpoints_storefront_id_storefronts'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_storefront_webhook_endpoints'))
    )
    op.create_index(op.f('ix_storefront_webhook_endpoints_storefront_id'), 'storefront_webhook_endpoints', ['storefront_id'], unique=False)
    op.create_table('storefront_webhook_deliveries',
    sa.Column('endpoint_id', sa.Integer(), nullable=False),
    sa.Column('storefront_id', sa.Integer(), nullable=False),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('public_id', sa.String(length=40), nullable=False),
    sa.Column('event_id', sa.String(length=40), nullable=False),
    sa.Column('event_type', sa.String(length=60), nullable=False),
    sa.Column('payload', sa.JSON(), nullable=False),
    sa.Column('status', sa.Enum('pending', 'succeeded', 'failed-retrying', 'failed-permanently', name='webhook_delivery_status', native_enum=False, create_constraint=True, length=20), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('next_attempt_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('last_attempt_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('last_status_code', sa.Integer(), nullable=True),
    sa.Column('last_response', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('delivered_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['endpoint_id'], ['storefront_webhook_endpoints.id'], name=op.f('fk_storefront_webhook_deliveries_endpoint_id_storefront_webhook_endpoints'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['storefront_id'], ['storefronts.id'], name=op.f('fk_storefront_webhook_deliveries_storefront_id_storefronts'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_storefront_webhook_deliveries')),
    sa.UniqueConstraint('public_id', name=op.f('uq_storefront_webhook_deliveries_public_id'))
    )
    op.create_index('ix_storefront_webhook_deliveries_due', 'storefront_webhook_deliveries', ['status', 'next_attempt_at'], unique=False)
    op.create_index(op.f('ix_storefront_webhook_deliveries_endpoint_id'), 'storefront_webhook_deliveries', ['endpoint_id'], unique=False)
    op.create_index(op.f('ix_storefront_webhook_deliveries_event_id'), 'storefront_webhook_deliveries', ['event_id'], unique=False)
    op.create_index(op.f('ix_storefront_webhook_deliveries_storefront_id'), 'storefront_webhook_deliveries', ['storefront_id'], unique=False)
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
    op.drop_index(op.f('ix_storefront_webhook_deliveries_storefront_id'), table_name='storefront_webhook_deliveries')
    op.drop_index(op.f('ix_storefront_webhook_deliveries_event_id'), table_name='storefront_webhook_deliveries')
    op.drop_index(op.f('ix_storefront_webhook_deliveries_endpoint_id'), table_name='storefront_webhook_deliveries')
    op.drop_index('ix_storefront_webhook_deliveries_due', table_name='storefront_webhook_deliveries')
    op.drop_table('storefront_webhook_deliveries')
    op.drop_index(op.f('ix_storefront_webhook_endpoints_storefront_id'), table_name='storefront_webhook_endpoints')
    op.drop_table('storefront_webhook_endpoints')
    op.drop_index(op.f('ix_isv_webhook_deliveries_isv_id'), table_name='isv_webhook_deliveries')
    op.drop_index(op.f('ix_isv_webhook_deliveries_event_id'), table_name='isv_webhook_deliveries')
    op.drop_index(op.f('ix_isv_webhook_deliveries_endpoint_id'), table_name='isv_webhook_deliveries')
    op.drop_index('ix_isv_webhook_deliveries_due', table_name='isv_webhook_deliveries')
    op.drop_table('isv_webhook_deliveries')
    op.drop_index(op.f('ix_isv_webhook_endpoints_isv_id'), table_name='isv_webhook_endpoints')
    op.drop_table('isv_webhook_endpoints')
