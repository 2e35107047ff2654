"""row-level security on tenant-owned tables (PostgreSQL)

A second line behind the ORM's tenant scoping: connected as the application role (not the
tables' owner), a query sees only the rows of the storefront named in the transaction-local
setting `storefront.tenant`, or every row when `storefront.cross_tenant` is on (platform work).

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-22 01:45:00

"""
from alembic import op


revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None

TENANT_TABLES = (
    "listings",
    "listing_prices",
    "storefront_domains",
    "orders",
    "order_lines",
    "payments",
    "refunds",
)
POLICY = (
    "current_setting('storefront.cross_tenant', true) = 'on'"
    " OR storefront_id = NULLIF(current_setting('storefront.tenant', true), '')::integer"
)


def upgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    for table in TENANT_TABLES:
        op.execute(f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY")
        op.execute(
            f"CREATE POLICY storefront_tenant ON {table} USING ({POLICY}) WITH CHECK ({POLICY})"
        )


def downgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    for table in TENANT_TABLES:
        op.execute(f"DROP POLICY IF EXISTS storefront_tenant ON {table}")
        op.execute(f"ALTER TABLE {table} DISABLE ROW LEVEL SECURITY")
