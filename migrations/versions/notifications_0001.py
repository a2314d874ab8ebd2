"""notifications: outbox of reminders, notification preferences, sign-in links

Revision ID: notifications_0001
Revises: 0001_platform
"""
import sqlalchemy as sa
from alembic import op

import api.db

revision = "notifications_0001"
down_revision = "0001_platform"
branch_labels = ("notifications",)
depends_on = None


def upgrade() -> None:
    op.create_table(
        "outbox_message",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=64), nullable=False),
        sa.Column("object_type", sa.String(length=32), nullable=False),
        sa.Column("object_id", sa.Integer(), nullable=False),
        sa.Column("offset_seconds", sa.Integer(), nullable=False),
        sa.Column("recipient_id", sa.Integer(), nullable=False),
        sa.Column("due_at", api.db.UTCDateTime(), nullable=False),
        sa.Column("send_at", api.db.UTCDateTime(), nullable=False),
        sa.Column("next_attempt_at", api.db.UTCDateTime(), nullable=False),
        sa.Column("digest", sa.Boolean(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("message_id", sa.String(length=200), nullable=True),
        sa.Column("sent_at", api.db.UTCDateTime(), nullable=True),
        sa.Column("language", sa.String(length=2), nullable=False),
        sa.Column("subject", sa.String(length=300), nullable=True),
        sa.Column("title_fr", sa.String(length=300), nullable=False),
        sa.Column("title_en", sa.String(length=300), nullable=False),
        sa.Column("path", sa.String(length=300), nullable=False),
        sa.Column("confidential_category", sa.String(length=64), nullable=True),
        sa.Column("body_id", sa.Integer(), nullable=True),
        sa.Column("all_day", sa.Boolean(), nullable=False),
        sa.Column("location", sa.String(length=300), nullable=True),
        sa.Column("body_text", sa.Text(), nullable=True),
        sa.Column("body_html", sa.Text(), nullable=True),
        sa.Column("created_at", api.db.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["recipient_id"], ["person.id"], ondelete="CASCADE",
                                name=op.f("fk_outbox_message_recipient_id_person")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outbox_message")),
        sa.UniqueConstraint("kind", "object_type", "object_id", "offset_seconds", "recipient_id",
                            "due_at", name="uq_outbox_message_key"),
    )
    op.create_index("ix_outbox_due", "outbox_message", ["status", "next_attempt_at"])
    op.create_index("ix_outbox_item", "outbox_message", ["object_type", "object_id", "kind"])
    op.create_index(op.f("ix_outbox_message_recipient_id"), "outbox_message", ["recipient_id"])
    op.create_index(op.f("ix_outbox_message_message_id"), "outbox_message", ["message_id"])
    op.create_table(
        "notification_preference",
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("muted_kinds", sa.Text(), nullable=False),
        sa.Column("mode", sa.String(length=16), nullable=False),
        sa.Column("digest_hour", sa.Integer(), nullable=False),
        sa.Column("paused_until", sa.Date(), nullable=True),
        sa.Column("unsubscribe_token", sa.String(length=64), nullable=False),
        sa.Column("updated_at", api.db.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["person_id"], ["person.id"], ondelete="CASCADE",
                                name=op.f("fk_notification_preference_person_id_person")),
        sa.PrimaryKeyConstraint("person_id", name=op.f("pk_notification_preference")),
        sa.UniqueConstraint("unsubscribe_token", name=op.f("uq_notification_preference_unsubscribe_token")),
    )
    op.create_table(
        "login_link",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("expires_at", api.db.UTCDateTime(), nullable=False),
        sa.Column("used_at", api.db.UTCDateTime(), nullable=True),
        sa.Column("created_at", api.db.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["person_id"], ["person.id"], ondelete="CASCADE",
                                name=op.f("fk_login_link_person_id_person")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_login_link")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_login_link_token_hash")),
    )
    op.create_index(op.f("ix_login_link_person_id"), "login_link", ["person_id"])


def downgrade() -> None:
    op.drop_table("login_link")
    op.drop_table("notification_preference")
    op.drop_index("ix_outbox_item", table_name="outbox_message")
    op.drop_index("ix_outbox_due", table_name="outbox_message")
    op.drop_table("outbox_message")
