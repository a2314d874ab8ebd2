"""feesplit: fee splits, their weights, and the shares recorded when adopted

Revision ID: feesplit_0001
Revises: 0001_platform
Create Date: 2026-11-23 09:30:00
"""
import sqlalchemy as sa
from alembic import op

import api.db

revision = 'feesplit_0001'
down_revision = '0001_platform'
branch_labels = ('feesplit',)
depends_on = ('decisions_0001',)


def upgrade() -> None:
    op.create_table('fee_split',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('decision_id', sa.Integer(), nullable=False),
    sa.Column('amount_cents', sa.BigInteger(), nullable=False),
    sa.Column('grant_id', sa.Integer(), nullable=True),
    sa.Column('period', sa.String(length=50), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('weight_unit', sa.String(length=16), nullable=False),
    sa.Column('confidential_category', sa.String(length=64), nullable=True),
    sa.Column('body_id', sa.Integer(), nullable=True),
    sa.Column('created_by', sa.Integer(), nullable=True),
    sa.Column('created_at', api.db.UTCDateTime(), nullable=False),
    sa.Column('recorded_at', api.db.UTCDateTime(), nullable=True),
    sa.ForeignKeyConstraint(['body_id'], ['body.id'], name=op.f('fk_fee_split_body_id_body')),
    sa.ForeignKeyConstraint(['created_by'], ['person.id'], name=op.f('fk_fee_split_created_by_person')),
    sa.ForeignKeyConstraint(['decision_id'], ['decision.id'], name=op.f('fk_fee_split_decision_id_decision')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_fee_split')),
    sa.UniqueConstraint('decision_id', name=op.f('uq_fee_split_decision_id'))
    )
    with op.batch_alter_table('fee_split', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_fee_split_grant_id'), ['grant_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_fee_split_recorded_at'), ['recorded_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_fee_split_year'), ['year'], unique=False)

    op.create_table('fee_split_weight',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('split_id', sa.Integer(), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.Column('weight', sa.Numeric(precision=12, scale=4), nullable=False),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisation.id'],
                            name=op.f('fk_fee_split_weight_organisation_id_organisation')),
    sa.ForeignKeyConstraint(['split_id'], ['fee_split.id'], name=op.f('fk_fee_split_weight_split_id_fee_split')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_fee_split_weight')),
    sa.UniqueConstraint('split_id', 'organisation_id',
                        name=op.f('uq_fee_split_weight_split_id_organisation_id'))
    )
    with op.batch_alter_table('fee_split_weight', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_fee_split_weight_split_id'), ['split_id'], unique=False)

    op.create_table('fee_share',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('split_id', sa.Integer(), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.Column('amount_cents', sa.BigInteger(), nullable=False),
    sa.Column('exact_cents', sa.String(length=80), nullable=False),
    sa.Column('rounding_delta', sa.String(length=80), nullable=False),
    sa.Column('rounding_cents', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisation.id'],
                            name=op.f('fk_fee_share_organisation_id_organisation')),
    sa.ForeignKeyConstraint(['split_id'], ['fee_split.id'], name=op.f('fk_fee_share_split_id_fee_split')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_fee_share')),
    sa.UniqueConstraint('split_id', 'organisation_id', name=op.f('uq_fee_share_split_id_organisation_id'))
    )
    with op.batch_alter_table('fee_share', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_fee_share_organisation_id'), ['organisation_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_fee_share_split_id'), ['split_id'], unique=False)


def downgrade() -> None:
    op.drop_table('fee_share')
    op.drop_table('fee_split_weight')
    op.drop_table('fee_split')
