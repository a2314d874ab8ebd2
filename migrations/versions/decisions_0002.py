"""decisions: ratification link, withdrawal reason, reminders asked for; how and by whom a vote
was cast (capacity, channel, reason); the discussion; alternates and written proxies

Revision ID: decisions_0002
Revises: decisions_0001
Create Date: 2026-11-30 10:00:00
"""
from alembic import op
import sqlalchemy as sa
import api.db


revision = 'decisions_0002'
down_revision = 'decisions_0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        # Added in place with its reference: copying the table (batch mode) would drop the old
        # one, which the votes' foreign keys forbid once decisions exist.
        # (A downgrade leaves it there: it is then reused.)
        columns = {c["name"] for c in sa.inspect(op.get_bind()).get_columns("decision")}
        if "ratifies_id" not in columns:
            op.execute("ALTER TABLE decision ADD COLUMN ratifies_id INTEGER REFERENCES decision (id)")
    else:
        op.add_column('decision', sa.Column('ratifies_id', sa.Integer(), nullable=True))
        op.create_foreign_key(op.f('fk_decision_ratifies_id_decision'), 'decision', 'decision',
                              ['ratifies_id'], ['id'])
    with op.batch_alter_table('decision', schema=None) as batch_op:
        batch_op.add_column(sa.Column('withdrawal_reason', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('nudged_at', api.db.UTCDateTime(), nullable=True))
        batch_op.create_index(batch_op.f('ix_decision_ratifies_id'), ['ratifies_id'], unique=False)

    with op.batch_alter_table('vote', schema=None) as batch_op:
        batch_op.add_column(sa.Column('capacity', sa.String(length=16), nullable=False,
                                      server_default='titular'))
        batch_op.add_column(sa.Column('channel', sa.String(length=8), nullable=False,
                                      server_default='api'))
        batch_op.add_column(sa.Column('reason', sa.Text(), nullable=True))

    op.create_table('decision_comment',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('decision_id', sa.Integer(), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=True),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('created_at', api.db.UTCDateTime(), nullable=False),
    sa.Column('edited_at', api.db.UTCDateTime(), nullable=True),
    sa.ForeignKeyConstraint(['decision_id'], ['decision.id'], name=op.f('fk_decision_comment_decision_id_decision'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['author_id'], ['person.id'], name=op.f('fk_decision_comment_author_id_person')),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisation.id'], name=op.f('fk_decision_comment_organisation_id_organisation')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_decision_comment'))
    )
    with op.batch_alter_table('decision_comment', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_decision_comment_decision_id'), ['decision_id'], unique=False)

    op.create_table('seat_alternate',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('seat_id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('designated_by', sa.Integer(), nullable=True),
    sa.Column('created_at', api.db.UTCDateTime(), nullable=False),
    sa.Column('ended_at', api.db.UTCDateTime(), nullable=True),
    sa.ForeignKeyConstraint(['seat_id'], ['seat.id'], name=op.f('fk_seat_alternate_seat_id_seat')),
    sa.ForeignKeyConstraint(['person_id'], ['person.id'], name=op.f('fk_seat_alternate_person_id_person')),
    sa.ForeignKeyConstraint(['designated_by'], ['person.id'], name=op.f('fk_seat_alternate_designated_by_person')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_seat_alternate'))
    )
    with op.batch_alter_table('seat_alternate', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_seat_alternate_seat_id'), ['seat_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_seat_alternate_person_id'), ['person_id'], unique=False)

    op.create_table('vote_proxy',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('body_id', sa.Integer(), nullable=False),
    sa.Column('seat_id', sa.Integer(), nullable=False),
    sa.Column('grantor_id', sa.Integer(), nullable=False),
    sa.Column('holder_id', sa.Integer(), nullable=False),
    sa.Column('decision_id', sa.Integer(), nullable=True),
    sa.Column('meeting_id', sa.Integer(), nullable=True),
    sa.Column('statement', sa.Text(), nullable=False),
    sa.Column('confidential_category', sa.String(length=64), nullable=True),
    sa.Column('created_at', api.db.UTCDateTime(), nullable=False),
    sa.Column('revoked_at', api.db.UTCDateTime(), nullable=True),
    sa.ForeignKeyConstraint(['body_id'], ['body.id'], name=op.f('fk_vote_proxy_body_id_body')),
    sa.ForeignKeyConstraint(['seat_id'], ['seat.id'], name=op.f('fk_vote_proxy_seat_id_seat')),
    sa.ForeignKeyConstraint(['grantor_id'], ['person.id'], name=op.f('fk_vote_proxy_grantor_id_person')),
    sa.ForeignKeyConstraint(['holder_id'], ['person.id'], name=op.f('fk_vote_proxy_holder_id_person')),
    sa.ForeignKeyConstraint(['decision_id'], ['decision.id'], name=op.f('fk_vote_proxy_decision_id_decision')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_vote_proxy'))
    )
    with op.batch_alter_table('vote_proxy', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_vote_proxy_body_id'), ['body_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_vote_proxy_seat_id'), ['seat_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_vote_proxy_holder_id'), ['holder_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_vote_proxy_decision_id'), ['decision_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_vote_proxy_meeting_id'), ['meeting_id'], unique=False)


def downgrade() -> None:
    for table in ('vote_proxy', 'seat_alternate', 'decision_comment'):
        op.drop_table(table)
    with op.batch_alter_table('vote', schema=None) as batch_op:
        batch_op.drop_column('reason')
        batch_op.drop_column('channel')
        batch_op.drop_column('capacity')
    with op.batch_alter_table('decision', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_decision_ratifies_id'))
        batch_op.drop_column('nudged_at')
        batch_op.drop_column('withdrawal_reason')
    if op.get_bind().dialect.name != "sqlite":
        op.drop_constraint(op.f('fk_decision_ratifies_id_decision'), 'decision', type_='foreignkey')
        op.drop_column('decision', 'ratifies_id')
    # SQLite cannot drop a referencing column in place: the empty column stays (unused).
