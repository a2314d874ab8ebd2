"""JSON API for organisations, people, bodies and seats."""

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Response
from sqlalchemy import select

from api.auth import service as auth
from api.collective import service
from api.collective.models import Body, Organisation, Person, Seat
from api.collective.schemas import (
    BodyOut,
    BodyWithSeatsOut,
    OrganisationIn,
    OrganisationOut,
    OrganisationPatch,
    PersonIn,
    PersonOut,
    PersonPatch,
    SeatIn,
    SeatOut,
    SeatPatch,
)
from api.deps import AdminCtx, ViewerCtx
from api.errors import ERROR_RESPONSES, Forbidden
from api.pagination import PageParams, page_params, paginate
from api.schemas import MAX_ID, Id, Page

Paging = Annotated[PageParams, Depends(page_params)]
router = APIRouter(prefix="/api/v1", tags=["collective"], responses=ERROR_RESPONSES)


def _out(schema):
    return lambda obj: schema.model_validate(obj)


@router.get("/organisations", response_model=Page[OrganisationOut])
def list_organisations(params: Paging, ctx: ViewerCtx):
    return paginate(ctx.session, select(Organisation).order_by(Organisation.name), params, _out(OrganisationOut))


@router.post("/organisations", status_code=201, response_model=OrganisationOut)
def create_organisation(data: OrganisationIn, ctx: AdminCtx):
    return service.create_organisation(ctx, data)


@router.get("/organisations/{org_id}", response_model=OrganisationOut)
def get_organisation(org_id: Id, ctx: ViewerCtx):
    return service.get_organisation(ctx.session, org_id)


@router.patch("/organisations/{org_id}", response_model=OrganisationOut)
def update_organisation(org_id: Id, data: OrganisationPatch, ctx: AdminCtx):
    return service.update_organisation(ctx, org_id, data)


@router.get("/people", response_model=Page[PersonOut])
def list_people(params: Paging, ctx: ViewerCtx):
    return paginate(ctx.session, select(Person).order_by(Person.name), params, _out(PersonOut))


@router.post("/people", status_code=201, response_model=PersonOut)
def create_person(data: PersonIn, ctx: AdminCtx):
    return service.create_person(ctx, data)


@router.get("/people/{person_id}", response_model=PersonOut)
def get_person(person_id: Id, ctx: ViewerCtx):
    return service.get_person(ctx.session, person_id)


@router.patch("/people/{person_id}", response_model=PersonOut)
def update_person(person_id: Id, data: PersonPatch, ctx: ViewerCtx):
    """A new password ends every session and API token of the person issued before it, the
    token of this request included: ask `/auth/token` for a new one."""
    # People may change their own language and password; everything else is the admin's.
    viewer = ctx.viewer
    own_fields = {"language", "password"}
    if not viewer.is_admin and (person_id != viewer.id or set(data.model_fields_set) - own_fields):
        raise Forbidden("error.admin_only")
    person = service.update_person(ctx, person_id, data)
    if data.password:
        # A new password ends every session and token issued before it, this one included.
        auth.end_sessions(ctx, person.id)
    return person


@router.delete("/people/{person_id}/sessions", status_code=204, response_model=None)
def sign_out_everywhere(person_id: Id, ctx: ViewerCtx) -> Response:
    """End every session and API token of a person: an administrator for anyone, a person for
    themselves (a lost phone). Their password is unchanged; they sign in again."""
    person = service.get_person(ctx.session, person_id)
    if not ctx.viewer.is_admin and person.id != ctx.viewer.id:
        raise Forbidden("error.admin_only")
    auth.sign_out_everywhere(ctx, person)
    return Response(status_code=204)


@router.get("/bodies", response_model=Page[BodyOut])
def list_bodies(params: Paging, ctx: ViewerCtx):
    return paginate(ctx.session, select(Body).order_by(Body.id), params, _out(BodyOut))


@router.get("/bodies/{body_id}", response_model=BodyWithSeatsOut)
def get_body(body_id: Id, ctx: ViewerCtx):
    body = service.get_body(ctx.session, body_id)
    seats = service.current_seats(ctx.session, body.id, ctx.today)
    return BodyWithSeatsOut(**BodyOut.model_validate(body).model_dump(),
                            seats=[SeatOut.model_validate(s) for s in seats])


@router.get("/seats", response_model=Page[SeatOut])
def list_seats(params: Paging, ctx: ViewerCtx, body_id: int | None = Query(None, ge=1, le=MAX_ID),
               person_id: int | None = Query(None, ge=1, le=MAX_ID)):
    stmt = select(Seat).order_by(Seat.id)
    if body_id:
        stmt = stmt.where(Seat.body_id == body_id)
    if person_id:
        stmt = stmt.where(Seat.person_id == person_id)
    return paginate(ctx.session, stmt, params, _out(SeatOut))


@router.post("/seats", status_code=201, response_model=SeatOut)
def create_seat(data: SeatIn, ctx: AdminCtx):
    return service.create_seat(ctx, data)


@router.patch("/seats/{seat_id}", response_model=SeatOut)
def update_seat(seat_id: Id, data: SeatPatch, ctx: AdminCtx):
    return service.update_seat(ctx, seat_id, data)
