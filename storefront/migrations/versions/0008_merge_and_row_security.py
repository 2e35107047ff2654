"""merge the reseller, console and security branches; row-level security on invitations

Revision ID: 0008
Revises: 0004, 0005, 0007
Create Date: 2026-11-22 02:00:00

"""
from alembic import op


revision = '0008'
down_revision = ('0004', '0005', '0007')
branch_labels = None
depends_on = None

POLICY = (
    "current_setting('storefront.cross_tenant', true) = 'on'"
    " OR storefront_id = NULLIF(current_setting('storefront.tenant', true), '')::integer"
)


def upgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("ALTER TABLE reseller_invitations ENABLE ROW LEVEL SECURITY")
    op.execute(
        "CREATE POLICY storefront_tenant ON reseller_invitations"
        f" USING ({POLICY}) WITH CHECK ({POLICY})"
    )


def downgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("DROP POLICY IF EXISTS storefront_tenant ON reseller_invitations")
    op.execute("ALTER TABLE reseller_invitations DISABLE ROW LEVEL SECURITY")
