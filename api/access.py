"""Who is asking, and what they may see.

Confidential (in-camera) items carry a category and a body. Staff observers never see them.
A person sees a confidential item of body B only with a current non-observer seat on B, or,
when B is a sub-committee, on B's parent (the executive committee sees its sub-committees'
items; the partners' committee does not see the executive committee's). Being an administrator
does not open confidential items: the coordinator may administer the site and still must
never see them.
"""

from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import ColumnElement, false, or_, select, true
from sqlalchemy.orm import Session, selectinload

from api.collective.models import Body, BodyKind, Person, Seat, SeatRole


@dataclass
class Viewer:
    person: Person
    today: date
    seats: list[Seat] = field(default_factory=list)  # current seats only
    parents: dict[int, int | None] = field(default_factory=dict)  # body id -> parent id
    sub_committees: set[int] = field(default_factory=set)  # ids of bodies that are sub-committees
    # The person's session version when this viewer was loaded (`Person.session_version`): a
    # session cookie or token counts only if it carries the same one (`api.deps`). Cached with
    # the viewer: raising the version changes the person, which invalidates cached viewers.
    session_version: int = 0

    @property
    def id(self) -> int:
        return self.person.id

    @property
    def is_admin(self) -> bool:
        return self.person.is_admin

    @property
    def lang(self) -> str:
        return self.person.language

    @property
    def member_body_ids(self) -> set[int]:
        """Bodies where this person holds a non-observer seat."""
        return {s.body_id for s in self.seats if s.role != SeatRole.staff_observer}

    @property
    def voting_seats(self) -> list[Seat]:
        return [s for s in self.seats if s.voting and s.role != SeatRole.staff_observer]

    @property
    def is_staff(self) -> bool:
        """Staff observers with no member seat anywhere."""
        return any(s.is_staff for s in self.seats) and not self.member_body_ids

    @property
    def confidential_body_ids(self) -> set[int]:
        """Bodies whose confidential items this person may see."""
        members = self.member_body_ids
        return {b for b, parent in self.parents.items()
                if b in members or (b in self.sub_committees and parent in members)}

    def seat_on(self, body_id: int) -> Seat | None:
        return next((s for s in self.seats if s.body_id == body_id), None)

    def roles_on(self, body_id: int) -> set[str]:
        """Seat roles on this body; 'member' for any non-observer seat."""
        roles = {s.role for s in self.seats if s.body_id == body_id}
        if roles - {SeatRole.staff_observer}:
            roles.add("member")
        return {str(r) for r in roles}

    def can_see(self, category: str | None, body_id: int | None) -> bool:
        if category is None:
            return True
        return body_id is not None and body_id in self.confidential_body_ids

    def visible(self, category_col, body_col) -> ColumnElement[bool]:
        """The same rule as `can_see`, as a SQL condition for lists and counts."""
        allowed = self.confidential_body_ids
        return or_(category_col.is_(None), body_col.in_(allowed) if allowed else false())


def load_viewer(session: Session, person: Person, today: date) -> Viewer:
    seats = session.execute(
        select(Seat).where(Seat.person_id == person.id, Seat.current_on(today))
        .options(selectinload(Seat.body))
    ).scalars().all()
    bodies = session.execute(select(Body.id, Body.parent_id, Body.kind)).all()
    return Viewer(person=person, today=today, seats=list(seats), session_version=person.session_version,
                  parents={b.id: b.parent_id for b in bodies},
                  sub_committees={b.id for b in bodies if b.kind == BodyKind.sub_committee})


def everyone() -> ColumnElement[bool]:
    return true()
