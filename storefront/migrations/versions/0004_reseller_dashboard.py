"""reseller dashboard: footer links, reviewed offers, domain creation time, invitations

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-22 10:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('storefronts', schema=None) as batch_op:
        batch_op.add_column(sa.Column('footer_links', sa.JSON(), nullable=False, server_default=sa.text("'[]'")))
        batch_op.add_column(sa.Column('offers_reviewed_at', sa.DateTime(timezone=True), nullable=True))

    with op.batch_alter_table('storefront_domains', schema=None) as batch_op:
        batch_op.add_column(sa.Column('created_at', sa.DateTime(timezone=True), nullable=True))

    op.create_table('reseller_invitations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('email', sa.String(length=254), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('invited_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('accepted_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('storefront_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['invited_by_id'], ['users.id'], name=op.f('fk_reseller_invitations_invited_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['storefront_id'], ['storefronts.id'], name=op.f('fk_reseller_invitations_storefront_id_storefronts'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_reseller_invitations')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_reseller_invitations_token_hash'))
    )
    with op.batch_alter_table('reseller_invitations', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_reseller_invitations_invited_by_id'), ['invited_by_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_reseller_invitations_storefront_id'), ['storefront_id'], unique=False)


def downgrade():
    with op.batch_alter_table('reseller_invitations', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_reseller_invitations_storefront_id'))
        batch_op.drop_index(batch_op.f('ix_reseller_invitations_invited_by_id'))

    op.drop_table('reseller_invitations')

    with op.batch_alter_table('storefront_domains', schema=None) as batch_op:
        batch_op.drop_column('created_at')

    with op.batch_alter_table('storefronts', schema=None) as batch_op:
        batch_op.drop_column('offers_reviewed_at')
        batch_op.drop_column('footer_links')
