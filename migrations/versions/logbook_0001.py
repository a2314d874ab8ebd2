"""logbook: interventions, their people by age, issues and referrals; coordinators

Revision ID: logbook_0001
Revises: 0001_platform
"""
import sqlalchemy as sa
from alembic import op

import api.db

revision = "logbook_0001"
down_revision = "0001_platform"
branch_labels = ('logbook',)
depends_on = None


def upgrade() -> None:
    op.create_table('logbook_coordinator',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('created_at', api.db.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['person_id'], ['person.id'], name=op.f('fk_logbook_coordinator_person_id_person')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_logbook_coordinator')),
    sa.UniqueConstraint('person_id', name=op.f('uq_logbook_coordinator_person_id'))
    )

    op.create_table('logbook_entry',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('worker_id', sa.Integer(), nullable=False),
    sa.Column('occurred_on', sa.Date(), nullable=False),
    sa.Column('duration_minutes', sa.Integer(), nullable=False),
    sa.Column('site', sa.String(length=64), nullable=False),
    sa.Column('mode', sa.String(length=64), nullable=False),
    sa.Column('people_total', sa.Integer(), nullable=False),
    sa.Column('followups', sa.Integer(), nullable=False),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('created_at', api.db.UTCDateTime(), nullable=False),
    sa.Column('updated_at', api.db.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['worker_id'], ['person.id'], name=op.f('fk_logbook_entry_worker_id_person')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_logbook_entry'))
    )

    with op.batch_alter_table('logbook_entry', schema=None) as batch_op:
        batch_op.create_index('ix_logbook_entry_stats', ['occurred_on', 'worker_id', 'site', 'mode', 'people_total', 'followups', 'duration_minutes'], unique=False)
        batch_op.create_index('ix_logbook_entry_worker_day', ['worker_id', 'occurred_on'], unique=False)

    op.create_table('logbook_issue',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('entry_id', sa.Integer(), nullable=False),
    sa.Column('occurred_on', sa.Date(), nullable=False),
    sa.Column('worker_id', sa.Integer(), nullable=False),
    sa.Column('site', sa.String(length=64), nullable=False),
    sa.Column('mode', sa.String(length=64), nullable=False),
    sa.Column('issue', sa.String(length=64), nullable=False),
    sa.ForeignKeyConstraint(['entry_id'], ['logbook_entry.id'], name=op.f('fk_logbook_issue_entry_id_logbook_entry'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_logbook_issue'))
    )

    with op.batch_alter_table('logbook_issue', schema=None) as batch_op:
        batch_op.create_index('ix_logbook_issue_entry', ['entry_id', 'issue'], unique=False)
        batch_op.create_index('ix_logbook_issue_stats', ['occurred_on', 'worker_id', 'site', 'mode', 'issue'], unique=False)

    op.create_table('logbook_people',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('entry_id', sa.Integer(), nullable=False),
    sa.Column('occurred_on', sa.Date(), nullable=False),
    sa.Column('worker_id', sa.Integer(), nullable=False),
    sa.Column('site', sa.String(length=64), nullable=False),
    sa.Column('mode', sa.String(length=64), nullable=False),
    sa.Column('age', sa.String(length=64), nullable=False),
    sa.Column('count', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['entry_id'], ['logbook_entry.id'], name=op.f('fk_logbook_people_entry_id_logbook_entry'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_logbook_people'))
    )

    with op.batch_alter_table('logbook_people', schema=None) as batch_op:
        batch_op.create_index('ix_logbook_people_entry', ['entry_id', 'age'], unique=False)
        batch_op.create_index('ix_logbook_people_stats', ['occurred_on', 'worker_id', 'site', 'mode', 'age', 'count', 'entry_id'], unique=False)

    op.create_table('logbook_referral',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('entry_id', sa.Integer(), nullable=False),
    sa.Column('occurred_on', sa.Date(), nullable=False),
    sa.Column('worker_id', sa.Integer(), nullable=False),
    sa.Column('site', sa.String(length=64), nullable=False),
    sa.Column('mode', sa.String(length=64), nullable=False),
    sa.Column('resource', sa.String(length=64), nullable=False),
    sa.Column('issue', sa.String(length=64), nullable=True),
    sa.Column('organisation_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['entry_id'], ['logbook_entry.id'], name=op.f('fk_logbook_referral_entry_id_logbook_entry'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisation.id'], name=op.f('fk_logbook_referral_organisation_id_organisation')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_logbook_referral'))
    )

    with op.batch_alter_table('logbook_referral', schema=None) as batch_op:
        batch_op.create_index('ix_logbook_referral_entry', ['entry_id', 'resource'], unique=False)
        batch_op.create_index('ix_logbook_referral_stats', ['occurred_on', 'worker_id', 'site', 'mode', 'resource', 'issue'], unique=False)


def downgrade() -> None:
    op.drop_table('logbook_referral')
    op.drop_table('logbook_people')
    op.drop_table('logbook_issue')
    op.drop_table('logbook_entry')
    op.drop_table('logbook_coordinator')
