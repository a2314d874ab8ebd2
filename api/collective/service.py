"""Business rules for organisations, people, bodies and seats.

Every membership change lands in the register in the same transaction.
"""

from datetime import date, timedelta

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from api.collective.models import Body, Organisation, Person, Seat
from api.collective.schemas import (
    OrganisationIn,
    OrganisationPatch,
    PersonIn,
    PersonPatch,
    SeatIn,
    SeatPatch,
)
from api.context import Context
from api.errors import Conflict, Invalid, NotFound
from api.register import service as register
from api.security import hash_password


def _snapshot(obj, fields: list[str]) -> dict:
    return {f: getattr(obj, f) for f in fields}


ORG_FIELDS = ["name", "kind", "is_lead", "email", "website"]
PERSON_FIELDS = ["email", "name", "title", "organisation_id", "language", "is_admin", "is_active"]
SEAT_FIELDS = ["person_id", "body_id", "role", "voting", "organisation_id", "starts_on", "ends_on"]


def get_organisation(session: Session, org_id: int) -> Organisation:
    org = session.get(Organisation, org_id)
    if org is None:
        raise NotFound("error.organisation_not_found")
    return org


def _unique_org_name(session: Session, name: str, exclude_id: int | None = None) -> None:
    stmt = select(Organisation.id).where(func.lower(Organisation.name) == name.lower())
    if exclude_id:
        stmt = stmt.where(Organisation.id != exclude_id)
    if session.execute(stmt).first():
        raise Conflict("error.organisation_exists", field="name")


def create_organisation(ctx: Context, data: OrganisationIn) -> Organisation:
    session = ctx.session
    _unique_org_name(session, data.name)
    org = Organisation(**data.model_dump())
    session.add(org)
    session.flush()
    register.record(session, action="organisation.created", object_type="organisation",
                    object_id=org.id, actor_id=ctx.actor_id, after=_snapshot(org, ORG_FIELDS))
    return org


def update_organisation(ctx: Context, org_id: int, data: OrganisationPatch) -> Organisation:
    session = ctx.session
    org = get_organisation(session, org_id)
    changes = data.model_dump(exclude_unset=True)
    if "name" in changes and changes["name"] is not None:
        _unique_org_name(session, changes["name"], exclude_id=org.id)
    before = _snapshot(org, ORG_FIELDS)
    for key, value in changes.items():
        if key in ("name", "kind", "is_lead") and value is None:
            raise Invalid("error.required", field=key)
        setattr(org, key, value)
    register.record(session, action="organisation.updated", object_type="organisation",
                    object_id=org.id, actor_id=ctx.actor_id, before=before,
                    after=_snapshot(org, ORG_FIELDS))
    return org


def get_person(session: Session, person_id: int) -> Person:
    person = session.get(Person, person_id)
    if person is None:
        raise NotFound("error.person_not_found")
    return person


def find_person_by_email(session: Session, email: str) -> Person | None:
    return session.execute(
        select(Person).where(func.lower(Person.email) == email.strip().lower())
    ).scalar_one_or_none()


def _check_org(session: Session, org_id: int | None, field: str = "organisation_id") -> None:
    if org_id is not None and session.get(Organisation, org_id) is None:
        raise Invalid("error.organisation_not_found", field=field)


def create_person(ctx: Context, data: PersonIn) -> Person:
    session = ctx.session
    email = str(data.email).lower()
    if find_person_by_email(session, email):
        raise Conflict("error.email_taken", field="email")
    _check_org(session, data.organisation_id)
    person = Person(email=email, name=data.name, title=data.title,
                    organisation_id=data.organisation_id, language=data.language,
                    is_admin=data.is_admin,
                    password_hash=hash_password(data.password) if data.password else None)
    session.add(person)
    try:
        with session.begin_nested():  # a duplicate undoes only this insert
            session.flush()
    except IntegrityError as exc:  # two concurrent creations with the same email
        raise Conflict("error.email_taken", field="email") from exc
    register.record(session, action="person.created", object_type="person", object_id=person.id,
                    actor_id=ctx.actor_id, after=_snapshot(person, PERSON_FIELDS))
    return person


def update_person(ctx: Context, person_id: int, data: PersonPatch) -> Person:
    session = ctx.session
    person = get_person(session, person_id)
    changes = data.model_dump(exclude_unset=True)
    before = _snapshot(person, PERSON_FIELDS)
    if changes.get("email"):
        email = str(changes["email"]).lower()
        other = find_person_by_email(session, email)
        if other is not None and other.id != person.id:
            raise Conflict("error.email_taken", field="email")
        changes["email"] = email
    if "organisation_id" in changes:
        _check_org(session, changes["organisation_id"])
    password = changes.pop("password", None)
    for key, value in changes.items():
        if key in ("email", "name", "language", "is_admin", "is_active") and value is None:
            raise Invalid("error.required", field=key)
        setattr(person, key, value)
    if password:
        person.password_hash = hash_password(password)
    register.record(session, action="person.updated", object_type="person", object_id=person.id,
                    actor_id=ctx.actor_id, before=before, after=_snapshot(person, PERSON_FIELDS))
    return person


def set_language(ctx: Context, person: Person, lang: str) -> None:
    if person.language != lang:
        person.language = lang
        ctx.session.flush()


def get_body(session: Session, body_id: int) -> Body:
    body = session.get(Body, body_id)
    if body is None:
        raise NotFound("error.body_not_found")
    return body


def body_by_key(session: Session, key: str) -> Body | None:
    return session.execute(select(Body).where(Body.key == key)).scalar_one_or_none()


def list_bodies(session: Session) -> list[Body]:
    return list(session.execute(select(Body).order_by(Body.id)).scalars())


def current_seats(session: Session, body_id: int, on: date) -> list[Seat]:
    return list(session.execute(
        select(Seat).where(Seat.body_id == body_id, Seat.current_on(on)).order_by(Seat.role, Seat.id)
    ).scalars())


def get_seat(session: Session, seat_id: int) -> Seat:
    seat = session.get(Seat, seat_id)
    if seat is None:
        raise NotFound("error.seat_not_found")
    return seat


def create_seat(ctx: Context, data: SeatIn) -> Seat:
    session, rules, today = ctx.session, ctx.rules, ctx.today
    if session.get(Person, data.person_id) is None:
        raise Invalid("error.person_not_found", field="person_id")
    body = session.get(Body, data.body_id)
    if body is None:
        raise Invalid("error.body_not_found", field="body_id")
    _check_org(session, data.organisation_id)
    starts_on = data.starts_on or today
    overlapping = [s for s in current_seats(session, body.id, starts_on) if s.person_id == data.person_id]
    if overlapping:
        raise Conflict("error.seat_exists", field="person_id")
    role_rules = rules.roles.get(str(data.role))
    voting = data.voting if data.voting is not None else bool(role_rules and role_rules.voting)
    if data.role == "staff_observer":
        voting = False  # observers never vote, whatever the form says
    limits = next((b.seats for b in rules.bodies if b.key == body.key), None)
    if limits and voting:
        voting_now = [s for s in current_seats(session, body.id, starts_on) if s.voting]
        if len(voting_now) >= limits.max:
            raise Conflict("error.body_full", field="body_id", max=limits.max)
    seat = Seat(person_id=data.person_id, body_id=body.id, role=str(data.role), voting=voting,
                organisation_id=data.organisation_id, starts_on=starts_on, ends_on=data.ends_on)
    session.add(seat)
    session.flush()
    register.record(session, action="seat.created", object_type="seat", object_id=seat.id,
                    actor_id=ctx.actor_id, after=_snapshot(seat, SEAT_FIELDS), body_id=body.id)
    return seat


def update_seat(ctx: Context, seat_id: int, data: SeatPatch) -> Seat:
    session = ctx.session
    seat = get_seat(session, seat_id)
    before = _snapshot(seat, SEAT_FIELDS)
    changes = data.model_dump(exclude_unset=True)
    if "organisation_id" in changes:
        _check_org(session, changes["organisation_id"])
    if changes.get("ends_on") and changes["ends_on"] < seat.starts_on:
        raise Invalid("error.seat_end_before_start", field="ends_on")
    for key, value in changes.items():
        if key in ("role", "voting") and value is None:
            raise Invalid("error.required", field=key)
        setattr(seat, key, str(value) if key == "role" else value)
    if seat.role == "staff_observer":
        seat.voting = False
    register.record(session, action="seat.updated", object_type="seat", object_id=seat.id,
                    actor_id=ctx.actor_id, before=before, after=_snapshot(seat, SEAT_FIELDS),
                    body_id=seat.body_id)
    return seat


def end_seat(ctx: Context, seat_id: int) -> Seat:
    """The seat stops counting from today: its last day is yesterday (or it never started)."""
    session = ctx.session
    seat = get_seat(session, seat_id)
    before = _snapshot(seat, SEAT_FIELDS)
    seat.ends_on = max(ctx.today, seat.starts_on) - timedelta(days=1)
    register.record(session, action="seat.ended", object_type="seat", object_id=seat.id,
                    actor_id=ctx.actor_id, before=before, after=_snapshot(seat, SEAT_FIELDS),
                    body_id=seat.body_id)
    return seat
