"""Placeholder until the reminders area lands: planning does nothing yet."""

from sqlalchemy.orm import Session


def plan_deadline(session: Session, deadline) -> None:  # noqa: ANN001
    return None


def cancel(session: Session, kind: str, object_type: str, object_id: int) -> None:
    return None
