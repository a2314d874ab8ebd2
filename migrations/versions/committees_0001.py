"""committees: tasks, meetings, agenda, attendance

Revision ID: committees_0001
Revises: 0001_platform
Create Date: 2026-11-23 09:19:24.231913
"""
from alembic import op
import sqlalchemy as sa
import api.db


revision = 'committees_0001'
down_revision = '0001_platform'
branch_labels = ('committees',)
depends_on = ('decisions_0001',)


def upgrade() -> None:
    # committees tables only
    op.create_table('meeting',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('body_id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('starts_at', api.db.UTCDateTime(), nullable=False),
    sa.Column('ends_at', api.db.UTCDateTime(), nullable=True),
    sa.Column('place', sa.String(length=300), nullable=True),
    sa.Column('video_url', sa.String(length=500), nullable=True),
    sa.Column('state', sa.String(length=32), nullable=False),
    sa.Column('confidential_category', sa.String(length=64), nullable=True),
    sa.Column('minutes_decision_id', sa.Integer(), nullable=True),
    sa.Column('created_at', api.db.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['body_id'], ['body.id'], name=op.f('fk_meeting_body_id_body')),
    sa.ForeignKeyConstraint(['minutes_decision_id'], ['decision.id'], name=op.f('fk_meeting_minutes_decision_id_decision')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_meeting'))
    )
    with op.batch_alter_table('meeting', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_meeting_body_id'), ['body_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_meeting_starts_at'), ['starts_at'], unique=False)

    op.create_table('agenda_item',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('meeting_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('kind', sa.String(length=64), nullable=False),
    sa.Column('description', sa.Text(), nullable=True),
    sa.Column('minutes', sa.Text(), nullable=True),
    sa.Column('decision_id', sa.Integer(), nullable=True),
    sa.Column('confidential_category', sa.String(length=64), nullable=True),
    sa.Column('body_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['body_id'], ['body.id'], name=op.f('fk_agenda_item_body_id_body')),
    sa.ForeignKeyConstraint(['meeting_id'], ['meeting.id'], name=op.f('fk_agenda_item_meeting_id_meeting'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_agenda_item'))
    )
    with op.batch_alter_table('agenda_item', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_agenda_item_meeting_id'), ['meeting_id'], unique=False)

    op.create_table('task',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('body_id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('description', sa.Text(), nullable=True),
    sa.Column('due_at', api.db.UTCDateTime(), nullable=True),
    sa.Column('priority', sa.String(length=16), nullable=False),
    sa.Column('link_type', sa.String(length=32), nullable=True),
    sa.Column('link_id', sa.Integer(), nullable=True),
    sa.Column('state', sa.String(length=32), nullable=False),
    sa.Column('blocked_reason', sa.Text(), nullable=True),
    sa.Column('confidential_category', sa.String(length=64), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', api.db.UTCDateTime(), nullable=False),
    sa.Column('updated_at', api.db.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['body_id'], ['body.id'], name=op.f('fk_task_body_id_body')),
    sa.ForeignKeyConstraint(['created_by_id'], ['person.id'], name=op.f('fk_task_created_by_id_person')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_task'))
    )
    with op.batch_alter_table('task', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_task_body_id'), ['body_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_task_due_at'), ['due_at'], unique=False)

    op.create_table('meeting_attendance',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('meeting_id', sa.Integer(), nullable=False),
    sa.Column('seat_id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.ForeignKeyConstraint(['meeting_id'], ['meeting.id'], name=op.f('fk_meeting_attendance_meeting_id_meeting'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['person_id'], ['person.id'], name=op.f('fk_meeting_attendance_person_id_person')),
    sa.ForeignKeyConstraint(['seat_id'], ['seat.id'], name=op.f('fk_meeting_attendance_seat_id_seat')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_meeting_attendance')),
    sa.UniqueConstraint('meeting_id', 'seat_id', name=op.f('uq_meeting_attendance_meeting_id_seat_id'))
    )
    with op.batch_alter_table('meeting_attendance', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_meeting_attendance_meeting_id'), ['meeting_id'], unique=False)

    op.create_table('task_comment',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('task_id', sa.Integer(), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=True),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('created_at', api.db.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['author_id'], ['person.id'], name=op.f('fk_task_comment_author_id_person')),
    sa.ForeignKeyConstraint(['task_id'], ['task.id'], name=op.f('fk_task_comment_task_id_task'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_task_comment'))
    )
    with op.batch_alter_table('task_comment', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_task_comment_task_id'), ['task_id'], unique=False)

    op.create_table('task_owner',
    sa.Column('task_id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['person_id'], ['person.id'], name=op.f('fk_task_owner_person_id_person')),
    sa.ForeignKeyConstraint(['task_id'], ['task.id'], name=op.f('fk_task_owner_task_id_task'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('task_id', 'person_id', name=op.f('pk_task_owner'))
    )
    op.create_table('task_time_entry',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('task_id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=True),
    sa.Column('hours', sa.Numeric(precision=8, scale=2), nullable=False),
    sa.Column('on_date', sa.Date(), nullable=False),
    sa.Column('note', sa.String(length=200), nullable=True),
    sa.Column('created_at', api.db.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisation.id'], name=op.f('fk_task_time_entry_organisation_id_organisation')),
    sa.ForeignKeyConstraint(['person_id'], ['person.id'], name=op.f('fk_task_time_entry_person_id_person')),
    sa.ForeignKeyConstraint(['task_id'], ['task.id'], name=op.f('fk_task_time_entry_task_id_task'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_task_time_entry'))
    )
    with op.batch_alter_table('task_time_entry', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_task_time_entry_on_date'), ['on_date'], unique=False)
        batch_op.create_index(batch_op.f('ix_task_time_entry_organisation_id'), ['organisation_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_task_time_entry_task_id'), ['task_id'], unique=False)

    # ### end Alembic commands ###


def downgrade() -> None:
    # committees tables only
    with op.batch_alter_table('task_time_entry', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_task_time_entry_task_id'))
        batch_op.drop_index(batch_op.f('ix_task_time_entry_organisation_id'))
        batch_op.drop_index(batch_op.f('ix_task_time_entry_on_date'))

    op.drop_table('task_time_entry')
    op.drop_table('task_owner')
    with op.batch_alter_table('task_comment', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_task_comment_task_id'))

    op.drop_table('task_comment')
    with op.batch_alter_table('meeting_attendance', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_meeting_attendance_meeting_id'))

    op.drop_table('meeting_attendance')
    with op.batch_alter_table('task', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_task_due_at'))
        batch_op.drop_index(batch_op.f('ix_task_body_id'))

    op.drop_table('task')
    with op.batch_alter_table('agenda_item', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_agenda_item_meeting_id'))

    op.drop_table('agenda_item')
    with op.batch_alter_table('meeting', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_meeting_starts_at'))
        batch_op.drop_index(batch_op.f('ix_meeting_body_id'))

    op.drop_table('meeting')
    # ### end Alembic commands ###
