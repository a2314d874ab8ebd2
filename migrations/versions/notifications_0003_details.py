"""notifications: what a reminder is about, in words (funder, amount, grant, owner), kept on
the outbox row with its title so delivery renders without asking the area

Revision ID: notifications_0003
Revises: notifications_0002
"""
import sqlalchemy as sa
from alembic import op

revision = "notifications_0003"
down_revision = "notifications_0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("outbox_message") as batch:
        batch.add_column(sa.Column("details_fr", sa.Text(), nullable=True))
        batch.add_column(sa.Column("details_en", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("outbox_message") as batch:
        batch.drop_column("details_en")
        batch.drop_column("details_fr")
