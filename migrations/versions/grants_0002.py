"""grants: report content (template, period, frozen moment), sections, their revisions, frozen figures

Revision ID: grants_0002
Revises: grants_0001
"""
import sqlalchemy as sa
from alembic import op

import api.db

revision = "grants_0002"
down_revision = "grants_0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('grant_report_figure',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('report_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=64), nullable=False),
    sa.Column('label_fr', sa.String(length=300), nullable=False),
    sa.Column('label_en', sa.String(length=300), nullable=False),
    sa.Column('expr', sa.Text(), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('part', sa.BigInteger(), nullable=False),
    sa.Column('whole', sa.BigInteger(), nullable=True),
    sa.ForeignKeyConstraint(['report_id'], ['grant_report.id'], name=op.f('fk_grant_report_figure_report_id_grant_report'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_grant_report_figure'))
    )

    with op.batch_alter_table('grant_report_figure', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_grant_report_figure_report_id'), ['report_id'], unique=False)

    op.create_table('grant_report_section',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('report_id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=64), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('updated_at', api.db.UTCDateTime(), nullable=True),
    sa.Column('updated_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['report_id'], ['grant_report.id'], name=op.f('fk_grant_report_section_report_id_grant_report'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['updated_by_id'], ['person.id'], name=op.f('fk_grant_report_section_updated_by_id_person')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_grant_report_section')),
    sa.UniqueConstraint('report_id', 'key', name=op.f('uq_grant_report_section_report_id_key'))
    )

    with op.batch_alter_table('grant_report_section', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_grant_report_section_report_id'), ['report_id'], unique=False)

    op.create_table('grant_report_section_revision',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('section_id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=True),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('at', api.db.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['person_id'], ['person.id'], name=op.f('fk_grant_report_section_revision_person_id_person')),
    sa.ForeignKeyConstraint(['section_id'], ['grant_report_section.id'], name=op.f('fk_grant_report_section_revision_section_id_grant_report_section'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_grant_report_section_revision'))
    )

    with op.batch_alter_table('grant_report_section_revision', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_grant_report_section_revision_section_id'), ['section_id'], unique=False)

    with op.batch_alter_table('grant_report', schema=None) as batch_op:
        batch_op.add_column(sa.Column('template_key', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('period_start', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('period_end', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('frozen_at', api.db.UTCDateTime(), nullable=True))


def downgrade() -> None:
    op.drop_table('grant_report_figure')
    op.drop_table('grant_report_section_revision')
    op.drop_table('grant_report_section')
    with op.batch_alter_table('grant_report', schema=None) as batch_op:
        batch_op.drop_column('frozen_at')
        batch_op.drop_column('period_end')
        batch_op.drop_column('period_start')
        batch_op.drop_column('template_key')
