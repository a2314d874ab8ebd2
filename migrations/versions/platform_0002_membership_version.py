"""platform: membership_version, the counter that invalidates cached viewers

Revision ID: platform_0002
Revises: 0001_platform
Create Date: 2026-12-02 22:00:00
"""
from alembic import op
import sqlalchemy as sa


revision = 'platform_0002'
down_revision = '0001_platform'
branch_labels = ('platform_viewers',)
depends_on = None


def upgrade() -> None:
    table = op.create_table('membership_version',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_membership_version'))
    )
    op.bulk_insert(table, [{'id': 1, 'version': 0}])


def downgrade() -> None:
    op.drop_table('membership_version')
