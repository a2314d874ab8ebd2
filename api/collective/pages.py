"""Pages: organisations, people, bodies and their seats; admins add and edit them."""

from fastapi import APIRouter, Depends, Request
from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload
from starlette.concurrency import run_in_threadpool

from api.auth import service as auth
from api.collective import service
from api.collective.models import Body, Organisation, OrganisationKind, Person, Seat, SeatRole
from api.collective.schemas import OrganisationIn, OrganisationPatch, PersonIn, PersonPatch, SeatIn
from api.context import Context
from api.deps import PageAdminCtx, PageCtx, check_csrf
from api.errors import AppError, Forbidden
from api.forms import form_values, parse
from api.schemas import Id
from api.security import start_session
from api.web import flash, redirect, render

router = APIRouter(include_in_schema=False, dependencies=[Depends(check_csrf)])

ORG_FIELDS = ["name", "kind", "email", "website"]
PERSON_FIELDS = ["email", "name", "title", "organisation_id", "language", "password"]


def _orgs(db: Session) -> list[Organisation]:
    return list(db.execute(select(Organisation).order_by(Organisation.name)).scalars())


@router.get("/organisations")
def organisations(request: Request, ctx: PageCtx):
    return render(request, ctx, "collective/organisations.html", {"organisations": _orgs(ctx.session)})


def _org_form(request: Request, ctx: Context, values: dict, errors: dict, org_id: int | None = None,
              status: int = 200):
    return render(request, ctx, "collective/organisation_form.html", {
        "values": values, "errors": errors, "org_id": org_id, "kinds": list(OrganisationKind)},
        status=status)


@router.get("/organisations/new")
def new_organisation(request: Request, ctx: PageAdminCtx):
    return _org_form(request, ctx, {"kind": "community"}, {})


@router.get("/organisations/{org_id}/edit")
def edit_organisation(org_id: Id, request: Request, ctx: PageAdminCtx):
    org = service.get_organisation(ctx.session, org_id)
    values = {f: getattr(org, f) for f in ORG_FIELDS} | {"is_lead": org.is_lead}
    return _org_form(request, ctx, values, {}, org.id)


@router.post("/organisations")
@router.post("/organisations/{org_id}/edit")
async def save_organisation(request: Request, ctx: PageAdminCtx, org_id: int | None = None):
    form = await request.form()
    values = form_values(form, ORG_FIELDS + ["is_lead"], checkboxes=("is_lead",))
    data, errors = parse(OrganisationIn, values, ctx.lang)
    if data is None:
        return _org_form(request, ctx, values, errors, org_id, status=422)
    try:
        if org_id is None:
            await run_in_threadpool(service.create_organisation, ctx, data)
        else:
            await run_in_threadpool(service.update_organisation, ctx, org_id,
                                    OrganisationPatch(**data.model_dump()))
    except AppError as exc:
        if exc.status == 404:
            raise
        return _org_form(request, ctx, values, {exc.field or "form": exc.message(ctx.lang)}, org_id,
                         status=exc.status)
    flash(request, "flash.saved", "success")
    return redirect("/organisations")


@router.get("/people")
def people(request: Request, ctx: PageCtx):
    rows = ctx.session.execute(select(Person).options(selectinload(Person.organisation))
                      .where(Person.is_active.is_(True)).order_by(Person.name)).scalars().all()
    return render(request, ctx, "collective/people.html", {"people": rows})


@router.get("/people/{person_id}")
def person_page(person_id: Id, request: Request, ctx: PageCtx):
    person = service.get_person(ctx.session, person_id)
    seats = ctx.session.execute(select(Seat).where(Seat.person_id == person.id)
                       .options(selectinload(Seat.body), selectinload(Seat.organisation))
                       .order_by(Seat.starts_on.desc())).scalars().all()
    return render(request, ctx, "collective/person.html", {"person": person, "seats": seats})


def _person_form(request: Request, ctx: Context, values: dict, errors: dict,
                 person_id: int | None = None, status: int = 200):
    return render(request, ctx, "collective/person_form.html", {
        "values": values, "errors": errors, "person_id": person_id,
        "organisations": _orgs(ctx.session)}, status=status)


@router.get("/people/new/form")
def new_person(request: Request, ctx: PageAdminCtx):
    return _person_form(request, ctx, {"language": "fr"}, {})


@router.get("/people/{person_id}/edit")
def edit_person(person_id: Id, request: Request, ctx: PageAdminCtx):
    person = service.get_person(ctx.session, person_id)
    values = {f: getattr(person, f) for f in PERSON_FIELDS if f != "password"}
    values["is_admin"] = person.is_admin
    return _person_form(request, ctx, values, {}, person.id)


@router.post("/people")
@router.post("/people/{person_id}/edit")
async def save_person(request: Request, ctx: PageAdminCtx, person_id: int | None = None):
    form = await request.form()
    values = form_values(form, PERSON_FIELDS + ["is_admin"], checkboxes=("is_admin",))
    schema = PersonIn if person_id is None else PersonPatch
    data, errors = parse(schema, values, ctx.lang)
    if data is None:
        values.pop("password", None)
        return await run_in_threadpool(_person_form, request, ctx, values, errors, person_id, 422)
    try:
        if person_id is None:
            person = await run_in_threadpool(service.create_person, ctx, data)
        else:
            person = await run_in_threadpool(service.update_person, ctx, person_id, data)
    except AppError as exc:
        if exc.status == 404:
            raise
        values.pop("password", None)
        return await run_in_threadpool(_person_form, request, ctx, values,
                                       {exc.field or "form": exc.message(ctx.lang)}, person_id, exc.status)
    if person_id is not None and data.password:
        # A new password ends every session and token issued before it; an administrator who
        # changed their own stays signed in on this browser only.
        version = await run_in_threadpool(auth.end_sessions, ctx, person.id)
        if person.id == ctx.viewer.id:
            start_session(request.session, person.id, version)
    flash(request, "flash.saved", "success")
    return redirect(f"/people/{person.id}")


@router.post("/people/{person_id}/signout-everywhere")
def sign_out_everywhere(person_id: Id, request: Request, ctx: PageCtx):
    """The button on a person's page: an administrator for anyone, a person for themselves."""
    person = service.get_person(ctx.session, person_id)
    if not ctx.viewer.is_admin and person.id != ctx.viewer.id:
        raise Forbidden("error.admin_only")
    auth.sign_out_everywhere(ctx, person)
    if person.id == ctx.viewer.id:
        request.session.clear()
        flash(request, "auth.signed_out_everywhere", "success")
        return redirect("/signin")
    flash(request, "person.signed_out_everywhere", "success")
    return redirect(f"/people/{person.id}")


@router.get("/bodies")
def bodies(request: Request, ctx: PageCtx):
    rows = service.list_bodies(ctx.session)
    counts = {b.id: len(service.current_seats(ctx.session, b.id, ctx.today)) for b in rows}
    return render(request, ctx, "collective/bodies.html", {"bodies": rows, "counts": counts})


def _body_page(request: Request, ctx: Context, body: Body, values: dict, errors: dict,
               status: int = 200):
    db = ctx.session
    seats = service.current_seats(db, body.id, ctx.today)
    people_rows = db.execute(select(Person).where(Person.is_active.is_(True))
                             .order_by(Person.name)).scalars().all() if ctx.viewer.is_admin else []
    children = db.execute(select(Body).where(Body.parent_id == body.id)).scalars().all()
    return render(request, ctx, "collective/body.html", {
        "body": body, "seats": seats, "people": people_rows, "organisations": _orgs(db),
        "roles": list(SeatRole), "values": values, "errors": errors, "children": children},
        status=status)


@router.get("/bodies/{body_id}")
def body_page(body_id: Id, request: Request, ctx: PageCtx):
    return _body_page(request, ctx, service.get_body(ctx.session, body_id), {"role": "member"}, {})


@router.post("/bodies/{body_id}/seats")
async def add_seat(body_id: Id, request: Request, ctx: PageAdminCtx):
    form = await request.form()
    return await run_in_threadpool(_add_seat, body_id, request, ctx, form)


def _add_seat(body_id: int, request: Request, ctx: Context, form):
    body = service.get_body(ctx.session, body_id)
    values = form_values(form, ["person_id", "role", "organisation_id", "starts_on"])
    data, errors = parse(SeatIn, {**values, "body_id": body.id}, ctx.lang)
    if data is None:
        return _body_page(request, ctx, body, values, errors, status=422)
    try:
        service.create_seat(ctx, data)
    except AppError as exc:
        return _body_page(request, ctx, body, values,
                          {exc.field or "form": exc.message(ctx.lang)}, status=exc.status)
    flash(request, "flash.seat_added", "success")
    return redirect(f"/bodies/{body.id}")


@router.post("/seats/{seat_id}/end")
def end_seat(seat_id: Id, request: Request, ctx: PageAdminCtx):
    seat = service.end_seat(ctx, seat_id)
    flash(request, "flash.seat_ended", "success")
    return redirect(f"/bodies/{seat.body_id}")
