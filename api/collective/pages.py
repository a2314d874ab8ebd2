"""Pages: organisations, people, bodies and their seats; admins add and edit them."""

from fastapi import APIRouter, Depends, Request
from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from api.access import Viewer
from api.collective import service
from api.collective.models import Body, Organisation, OrganisationKind, Person, Seat, SeatRole
from api.collective.schemas import OrganisationIn, PersonIn, PersonPatch, SeatIn
from api.deps import RulesInForce, check_csrf, get_db, get_rules, page_admin, page_viewer
from api.errors import AppError
from api.forms import form_values, parse
from api.web import add_nav, flash, redirect, render

router = APIRouter(include_in_schema=False, dependencies=[Depends(check_csrf)])

add_nav("nav.bodies", "/bodies")
add_nav("nav.organisations", "/organisations")
add_nav("nav.people", "/people")

ORG_FIELDS = ["name", "kind", "email", "website"]
PERSON_FIELDS = ["email", "name", "title", "organisation_id", "language", "password"]


def _orgs(db: Session) -> list[Organisation]:
    return list(db.execute(select(Organisation).order_by(Organisation.name)).scalars())


@router.get("/organisations")
def organisations(request: Request, db: Session = Depends(get_db), viewer: Viewer = Depends(page_viewer)):
    return render(request, "collective/organisations.html", {"organisations": _orgs(db)})


def _org_form(request: Request, values: dict, errors: dict, org_id: int | None = None, status: int = 200):
    return render(request, "collective/organisation_form.html", {
        "values": values, "errors": errors, "org_id": org_id, "kinds": list(OrganisationKind)},
        status=status)


@router.get("/organisations/new")
def new_organisation(request: Request, viewer: Viewer = Depends(page_admin)):
    return _org_form(request, {"kind": "community"}, {})


@router.get("/organisations/{org_id}/edit")
def edit_organisation(org_id: int, request: Request, db: Session = Depends(get_db),
                      viewer: Viewer = Depends(page_admin)):
    org = service.get_organisation(db, org_id)
    values = {f: getattr(org, f) for f in ORG_FIELDS} | {"is_lead": org.is_lead}
    return _org_form(request, values, {}, org.id)


@router.post("/organisations")
@router.post("/organisations/{org_id}/edit")
async def save_organisation(request: Request, org_id: int | None = None, db: Session = Depends(get_db),
                            viewer: Viewer = Depends(page_admin)):
    form = await request.form()
    values = form_values(form, ORG_FIELDS + ["is_lead"], checkboxes=("is_lead",))
    data, errors = parse(OrganisationIn, values, viewer.lang)
    if data is None:
        return _org_form(request, values, errors, org_id, status=422)
    try:
        if org_id is None:
            service.create_organisation(db, data, viewer.id)
        else:
            from api.collective.schemas import OrganisationPatch

            service.update_organisation(db, org_id, OrganisationPatch(**data.model_dump()), viewer.id)
    except AppError as exc:
        if exc.status == 404:
            raise
        return _org_form(request, values, {exc.field or "form": exc.message(viewer.lang)}, org_id,
                         status=exc.status)
    flash(request, "flash.saved", "success")
    return redirect("/organisations")


@router.get("/people")
def people(request: Request, db: Session = Depends(get_db), viewer: Viewer = Depends(page_viewer)):
    rows = db.execute(select(Person).options(selectinload(Person.organisation))
                      .where(Person.is_active.is_(True)).order_by(Person.name)).scalars().all()
    return render(request, "collective/people.html", {"people": rows})


@router.get("/people/{person_id}")
def person_page(person_id: int, request: Request, db: Session = Depends(get_db),
                viewer: Viewer = Depends(page_viewer)):
    person = service.get_person(db, person_id)
    seats = db.execute(select(Seat).where(Seat.person_id == person.id)
                       .options(selectinload(Seat.body), selectinload(Seat.organisation))
                       .order_by(Seat.starts_on.desc())).scalars().all()
    return render(request, "collective/person.html", {"person": person, "seats": seats})


def _person_form(request: Request, db: Session, values: dict, errors: dict,
                 person_id: int | None = None, status: int = 200):
    return render(request, "collective/person_form.html", {
        "values": values, "errors": errors, "person_id": person_id, "organisations": _orgs(db)},
        status=status)


@router.get("/people/new/form")
def new_person(request: Request, db: Session = Depends(get_db), viewer: Viewer = Depends(page_admin)):
    return _person_form(request, db, {"language": "fr"}, {})


@router.get("/people/{person_id}/edit")
def edit_person(person_id: int, request: Request, db: Session = Depends(get_db),
                viewer: Viewer = Depends(page_admin)):
    person = service.get_person(db, person_id)
    values = {f: getattr(person, f) for f in PERSON_FIELDS if f != "password"}
    values["is_admin"] = person.is_admin
    return _person_form(request, db, values, {}, person.id)


@router.post("/people")
@router.post("/people/{person_id}/edit")
async def save_person(request: Request, person_id: int | None = None, db: Session = Depends(get_db),
                      viewer: Viewer = Depends(page_admin)):
    form = await request.form()
    values = form_values(form, PERSON_FIELDS + ["is_admin"], checkboxes=("is_admin",))
    schema = PersonIn if person_id is None else PersonPatch
    data, errors = parse(schema, values, viewer.lang)
    if data is None:
        values.pop("password", None)
        return _person_form(request, db, values, errors, person_id, status=422)
    try:
        if person_id is None:
            person = service.create_person(db, data, viewer.id)
        else:
            person = service.update_person(db, person_id, data, viewer.id)
    except AppError as exc:
        if exc.status == 404:
            raise
        values.pop("password", None)
        return _person_form(request, db, values, {exc.field or "form": exc.message(viewer.lang)},
                            person_id, status=exc.status)
    flash(request, "flash.saved", "success")
    return redirect(f"/people/{person.id}")


@router.get("/bodies")
def bodies(request: Request, db: Session = Depends(get_db), viewer: Viewer = Depends(page_viewer)):
    rows = service.list_bodies(db)
    counts = {b.id: len(service.current_seats(db, b.id, viewer.today)) for b in rows}
    return render(request, "collective/bodies.html", {"bodies": rows, "counts": counts})


def _body_page(request: Request, db: Session, viewer: Viewer, body: Body, values: dict,
               errors: dict, status: int = 200):
    seats = service.current_seats(db, body.id, viewer.today)
    people_rows = db.execute(select(Person).where(Person.is_active.is_(True))
                             .order_by(Person.name)).scalars().all() if viewer.is_admin else []
    children = db.execute(select(Body).where(Body.parent_id == body.id)).scalars().all()
    return render(request, "collective/body.html", {
        "body": body, "seats": seats, "people": people_rows, "organisations": _orgs(db),
        "roles": list(SeatRole), "values": values, "errors": errors, "children": children},
        status=status)


@router.get("/bodies/{body_id}")
def body_page(body_id: int, request: Request, db: Session = Depends(get_db),
              viewer: Viewer = Depends(page_viewer)):
    return _body_page(request, db, viewer, service.get_body(db, body_id), {"role": "member"}, {})


@router.post("/bodies/{body_id}/seats")
async def add_seat(body_id: int, request: Request, db: Session = Depends(get_db),
                   viewer: Viewer = Depends(page_admin), rules: RulesInForce = Depends(get_rules)):
    body = service.get_body(db, body_id)
    form = await request.form()
    values = form_values(form, ["person_id", "role", "organisation_id", "starts_on"])
    data, errors = parse(SeatIn, {**values, "body_id": body.id}, viewer.lang)
    if data is None:
        return _body_page(request, db, viewer, body, values, errors, status=422)
    try:
        service.create_seat(db, data, rules.rules, viewer.today, viewer.id)
    except AppError as exc:
        return _body_page(request, db, viewer, body, values,
                          {exc.field or "form": exc.message(viewer.lang)}, status=exc.status)
    flash(request, "flash.seat_added", "success")
    return redirect(f"/bodies/{body.id}")


@router.post("/seats/{seat_id}/end")
def end_seat(seat_id: int, request: Request, db: Session = Depends(get_db),
             viewer: Viewer = Depends(page_admin)):
    seat = service.end_seat(db, seat_id, viewer.today, viewer.id)
    flash(request, "flash.seat_ended", "success")
    return redirect(f"/bodies/{seat.body_id}")
