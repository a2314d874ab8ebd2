"""decisions: decisions, attachments, votes (one per seat), vote history, recusals

Revision ID: decisions_0001
Revises: 0001_platform
Create Date: 2026-11-23 09:20:00
"""
from alembic import op
import sqlalchemy as sa
import api.db


revision = 'decisions_0001'
down_revision = '0001_platform'
branch_labels = ('decisions',)
depends_on = None


def upgrade() -> None:
    op.create_table('decision',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('body_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=64), nullable=False),
    sa.Column('workflow', sa.String(length=64), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('state', sa.String(length=32), nullable=False),
    sa.Column('rules_version_id', sa.Integer(), nullable=True),
    sa.Column('confidential_category', sa.String(length=64), nullable=True),
    sa.Column('opens_at', api.db.UTCDateTime(), nullable=True),
    sa.Column('closes_at', api.db.UTCDateTime(), nullable=True),
    sa.Column('created_by', sa.Integer(), nullable=True),
    sa.Column('created_at', api.db.UTCDateTime(), nullable=False),
    sa.Column('closed_at', api.db.UTCDateTime(), nullable=True),
    sa.Column('outcome', sa.JSON(), nullable=True),
    sa.Column('meeting_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['body_id'], ['body.id'], name=op.f('fk_decision_body_id_body')),
    sa.ForeignKeyConstraint(['created_by'], ['person.id'], name=op.f('fk_decision_created_by_person')),
    sa.ForeignKeyConstraint(['rules_version_id'], ['rules_version.id'], name=op.f('fk_decision_rules_version_id_rules_version')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_decision'))
    )
    with op.batch_alter_table('decision', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_decision_body_id'), ['body_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_decision_meeting_id'), ['meeting_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_decision_state'), ['state'], unique=False)
        batch_op.create_index('ix_decision_state_closes_at', ['state', 'closes_at'], unique=False)


    op.create_table('decision_attachment',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('decision_id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('url', sa.String(length=500), nullable=False),
    sa.ForeignKeyConstraint(['decision_id'], ['decision.id'], name=op.f('fk_decision_attachment_decision_id_decision'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_decision_attachment'))
    )
    with op.batch_alter_table('decision_attachment', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_decision_attachment_decision_id'), ['decision_id'], unique=False)


    op.create_table('recusal',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('decision_id', sa.Integer(), nullable=False),
    sa.Column('seat_id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('reason', sa.Text(), nullable=True),
    sa.Column('automatic', sa.Boolean(), nullable=False),
    sa.Column('created_at', api.db.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['decision_id'], ['decision.id'], name=op.f('fk_recusal_decision_id_decision')),
    sa.ForeignKeyConstraint(['person_id'], ['person.id'], name=op.f('fk_recusal_person_id_person')),
    sa.ForeignKeyConstraint(['seat_id'], ['seat.id'], name=op.f('fk_recusal_seat_id_seat')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_recusal')),
    sa.UniqueConstraint('decision_id', 'seat_id', name=op.f('uq_recusal_decision_id_seat_id'))
    )
    with op.batch_alter_table('recusal', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_recusal_decision_id'), ['decision_id'], unique=False)


    op.create_table('vote',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('decision_id', sa.Integer(), nullable=False),
    sa.Column('seat_id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=True),
    sa.Column('choice', sa.String(length=8), nullable=False),
    sa.Column('cast_at', api.db.UTCDateTime(), nullable=False),
    sa.Column('updated_at', api.db.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['decision_id'], ['decision.id'], name=op.f('fk_vote_decision_id_decision')),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisation.id'], name=op.f('fk_vote_organisation_id_organisation')),
    sa.ForeignKeyConstraint(['person_id'], ['person.id'], name=op.f('fk_vote_person_id_person')),
    sa.ForeignKeyConstraint(['seat_id'], ['seat.id'], name=op.f('fk_vote_seat_id_seat')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_vote')),
    sa.UniqueConstraint('decision_id', 'seat_id', name=op.f('uq_vote_decision_id_seat_id'))
    )
    with op.batch_alter_table('vote', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_vote_decision_id'), ['decision_id'], unique=False)


    op.create_table('vote_change',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('decision_id', sa.Integer(), nullable=False),
    sa.Column('seat_id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('old_choice', sa.String(length=8), nullable=False),
    sa.Column('new_choice', sa.String(length=8), nullable=True),
    sa.Column('at', api.db.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['decision_id'], ['decision.id'], name=op.f('fk_vote_change_decision_id_decision')),
    sa.ForeignKeyConstraint(['person_id'], ['person.id'], name=op.f('fk_vote_change_person_id_person')),
    sa.ForeignKeyConstraint(['seat_id'], ['seat.id'], name=op.f('fk_vote_change_seat_id_seat')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_vote_change'))
    )
    with op.batch_alter_table('vote_change', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_vote_change_decision_id'), ['decision_id'], unique=False)


def downgrade() -> None:
    for table in ('vote_change', 'vote', 'recusal', 'decision_attachment', 'decision'):
        op.drop_table(table)
