"""notifications: index of a person's messages about one object (the vote path asks for the
voter's next reminder of the decision on every vote)

Revision ID: notifications_0002
Revises: notifications_0001
"""
from alembic import op

revision = "notifications_0002"
down_revision = "notifications_0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_outbox_recipient_item", "outbox_message",
                    ["recipient_id", "object_type", "object_id"])


def downgrade() -> None:
    op.drop_index("ix_outbox_recipient_item", table_name="outbox_message")
