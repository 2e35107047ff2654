"""hot path indexes

The buyer pages' queries (host → storefront, the storefront row, its suspension, the listing
rules) and checkout's already use indexes from earlier revisions (unique slugs and hostnames,
tenant ids, plan prices by plan and currency, listing prices by listing and plan); EXPLAIN on
PostgreSQL with 10,000 storefronts shows index scans throughout (`bench/scale.py`). What was
missing: whether a storefront is suspended now, asked whenever a storefront is loaded into the
cache, answered from one index (storefront, lifted_at IS NULL) instead of two.

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-22 03:40:00

"""
from alembic import op


revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('storefront_suspensions', schema=None) as batch_op:
        batch_op.create_index(
            'ix_storefront_suspensions_in_force', ['storefront_id', 'lifted_at'], unique=False
        )


def downgrade():
    with op.batch_alter_table('storefront_suspensions', schema=None) as batch_op:
        batch_op.drop_index('ix_storefront_suspensions_in_force')
