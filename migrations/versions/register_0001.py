"""register: keyed signatures of the events and of the chain's head

Revision ID: register_0001
Revises: 0001_platform
"""
import sqlalchemy as sa
from alembic import op

revision = "register_0001"
down_revision = "0001_platform"
branch_labels = ("register",)
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("register_event", schema=None) as batch_op:
        batch_op.add_column(sa.Column("signature", sa.String(length=64), nullable=True))
    with op.batch_alter_table("register_head", schema=None) as batch_op:
        batch_op.add_column(sa.Column("signed_seq", sa.BigInteger(), nullable=False, server_default="0"))
        batch_op.add_column(sa.Column("signature", sa.String(length=64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("register_head", schema=None) as batch_op:
        batch_op.drop_column("signature")
        batch_op.drop_column("signed_seq")
    with op.batch_alter_table("register_event", schema=None) as batch_op:
        batch_op.drop_column("signature")
