"""register: events written pending (the vote path), linked to the chain a moment later

Revision ID: register_0002_pending
Revises: register_0001
"""
import sqlalchemy as sa
from alembic import op

revision = "register_0002_pending"
down_revision = "register_0001"
branch_labels = None
depends_on = None

_PENDING = sa.text("seq IS NULL")


def upgrade() -> None:
    with op.batch_alter_table("register_event", schema=None) as batch_op:
        batch_op.alter_column("seq", existing_type=sa.BigInteger(), nullable=True)
        batch_op.alter_column("prev_hash", existing_type=sa.String(length=64), nullable=True)
        batch_op.alter_column("hash", existing_type=sa.String(length=64), nullable=True)
    op.create_index("ix_register_event_pending", "register_event", ["id"],
                    postgresql_where=_PENDING, sqlite_where=_PENDING)


def downgrade() -> None:
    # Pending events are linked first (`relais register seal`): a downgrade refuses them.
    op.drop_index("ix_register_event_pending", table_name="register_event")
    with op.batch_alter_table("register_event", schema=None) as batch_op:
        batch_op.alter_column("hash", existing_type=sa.String(length=64), nullable=False)
        batch_op.alter_column("prev_hash", existing_type=sa.String(length=64), nullable=False)
        batch_op.alter_column("seq", existing_type=sa.BigInteger(), nullable=False)
