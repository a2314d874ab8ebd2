"""platform: revocable sessions (person.session_version), sign-in failures counted per client

Revision ID: platform_0002_sessions
Revises: platform_0002 (after the membership version, one line of platform revisions)
"""
import sqlalchemy as sa
from alembic import op

revision = "platform_0002_sessions"
down_revision = "platform_0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("person", schema=None) as batch_op:
        batch_op.add_column(sa.Column("session_version", sa.Integer(), nullable=False, server_default="0"))
    with op.batch_alter_table("signin_attempt", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_signin_attempt_ip"), ["ip"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("signin_attempt", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_signin_attempt_ip"))
    with op.batch_alter_table("person", schema=None) as batch_op:
        batch_op.drop_column("session_version")
