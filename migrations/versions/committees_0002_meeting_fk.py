"""committees: a decision's meeting_id is a real foreign key to meeting (ON DELETE SET NULL)

Before, `decision.meeting_id` was a bare integer: SQLite stored an id pointing nowhere and
PostgreSQL failed later with a server error. Ids already pointing nowhere are cleared first
(a decision "taken in" a meeting that does not exist was taken in none).

On SQLite a constraint can only be added by rebuilding the table. The rebuild follows
SQLite's own procedure (https://sqlite.org/lang_altertable.html#otheralter): foreign keys are
switched off outside any transaction, so that dropping the old table neither fails nor
cascades to the votes that reference it, the table is copied in one transaction, and
`PRAGMA foreign_key_check` must find nothing before it commits.

Revision ID: committees_0002_meeting_fk
Revises: committees_0001
Create Date: 2026-12-02 10:00:00
"""
from alembic import op

revision = "committees_0002_meeting_fk"
down_revision = "committees_0001"
branch_labels = None
depends_on = ("decisions_0001",)

NAME = "fk_decision_meeting_id_meeting"
CLEAR_DANGLING = ("UPDATE decision SET meeting_id = NULL WHERE meeting_id IS NOT NULL "
                  "AND meeting_id NOT IN (SELECT id FROM meeting)")


def upgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name != "sqlite":
        op.execute(CLEAR_DANGLING)
        op.create_foreign_key(NAME, "decision", "meeting", ["meeting_id"], ["id"], ondelete="SET NULL")
        return
    _rebuild_sqlite(bind, add=True)


def downgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name != "sqlite":
        op.drop_constraint(NAME, "decision", type_="foreignkey")
        return
    _rebuild_sqlite(bind, add=False)


def _rebuild_sqlite(bind, add: bool) -> None:
    raw = bind.connection.dbapi_connection  # isolation_level=None: we say BEGIN and COMMIT
    if raw.in_transaction:
        raw.execute("COMMIT")  # what the earlier revisions wrote
    raw.execute("PRAGMA foreign_keys=OFF")  # a no-op inside a transaction: hence the COMMIT
    try:
        raw.execute("BEGIN IMMEDIATE")
        if add:
            raw.execute(CLEAR_DANGLING)
        with op.batch_alter_table("decision", recreate="always") as batch_op:
            if add:
                batch_op.create_foreign_key(NAME, "meeting", ["meeting_id"], ["id"], ondelete="SET NULL")
            else:
                batch_op.drop_constraint(NAME, type_="foreignkey")
        broken = raw.execute("PRAGMA foreign_key_check").fetchall()
        if broken:
            raw.execute("ROLLBACK")
            raise RuntimeError(f"foreign keys broken by the rebuild of decision: {broken[:5]}")
        raw.execute("COMMIT")
    finally:
        raw.execute("PRAGMA foreign_keys=ON")
    # Alembic records this revision and commits, as after any other one.
    raw.execute("BEGIN IMMEDIATE")

