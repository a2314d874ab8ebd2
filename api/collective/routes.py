"""JSON API for organisations, people, bodies and seats."""

from fastapi import APIRouter, Depends, Query
from sqlalchemy import select
from sqlalchemy.orm import Session

from api.access import Viewer
from api.collective import service
from api.collective.models import Body, Organisation, Person, Seat
from api.collective.schemas import (
    BodyOut,
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
from api.deps import RulesInForce, admin_viewer, current_viewer, get_db, get_rules
from api.errors import Forbidden
from api.pagination import PageParams, page_params, paginate

router = APIRouter(prefix="/api/v1", tags=["collective"])


def _out(schema):
    return lambda obj: schema.model_validate(obj).model_dump(mode="json")


@router.get("/organisations")
def list_organisations(params: PageParams = Depends(page_params), db: Session = Depends(get_db),
                       _: Viewer = Depends(current_viewer)) -> dict:
    return paginate(db, select(Organisation).order_by(Organisation.name), params, _out(OrganisationOut))


@router.post("/organisations", status_code=201, response_model=OrganisationOut)
def create_organisation(data: OrganisationIn, db: Session = Depends(get_db),
                        viewer: Viewer = Depends(admin_viewer)):
    return service.create_organisation(db, data, viewer.id)


@router.get("/organisations/{org_id}", response_model=OrganisationOut)
def get_organisation(org_id: int, db: Session = Depends(get_db), _: Viewer = Depends(current_viewer)):
    return service.get_organisation(db, org_id)


@router.patch("/organisations/{org_id}", response_model=OrganisationOut)
def update_organisation(org_id: int, data: OrganisationPatch, db: Session = Depends(get_db),
                        viewer: Viewer = Depends(admin_viewer)):
    return service.update_organisation(db, org_id, data, viewer.id)


@router.get("/people")
def list_people(params: PageParams = Depends(page_params), db: Session = Depends(get_db),
                _: Viewer = Depends(current_viewer)) -> dict:
    return paginate(db, select(Person).order_by(Person.name), params, _out(PersonOut))


@router.post("/people", status_code=201, response_model=PersonOut)
def create_person(data: PersonIn, db: Session = Depends(get_db), viewer: Viewer = Depends(admin_viewer)):
    return service.create_person(db, data, viewer.id)


@router.get("/people/{person_id}", response_model=PersonOut)
def get_person(person_id: int, db: Session = Depends(get_db), _: Viewer = Depends(current_viewer)):
    return service.get_person(db, person_id)


@router.patch("/people/{person_id}", response_model=PersonOut)
def update_person(person_id: int, data: PersonPatch, db: Session = Depends(get_db),
                  viewer: Viewer = Depends(current_viewer)):
    # People may change their own language and password; everything else is the admin's.
    own_fields = {"language", "password"}
    if not viewer.is_admin and (person_id != viewer.id or set(data.model_fields_set) - own_fields):
        raise Forbidden("error.admin_only")
    return service.update_person(db, person_id, data, viewer.id)


@router.get("/bodies")
def list_bodies(params: PageParams = Depends(page_params), db: Session = Depends(get_db),
                _: Viewer = Depends(current_viewer)) -> dict:
    return paginate(db, select(Body).order_by(Body.id), params, _out(BodyOut))


@router.get("/bodies/{body_id}")
def get_body(body_id: int, db: Session = Depends(get_db), viewer: Viewer = Depends(current_viewer)) -> dict:
    body = service.get_body(db, body_id)
    seats = service.current_seats(db, body.id, viewer.today)
    return {**BodyOut.model_validate(body).model_dump(),
            "seats": [SeatOut.model_validate(s).model_dump(mode="json") for s in seats]}


@router.get("/seats")
def list_seats(params: PageParams = Depends(page_params), body_id: int | None = Query(None, ge=1),
               person_id: int | None = Query(None, ge=1), db: Session = Depends(get_db),
               _: Viewer = Depends(current_viewer)) -> dict:
    stmt = select(Seat).order_by(Seat.id)
    if body_id:
        stmt = stmt.where(Seat.body_id == body_id)
    if person_id:
        stmt = stmt.where(Seat.person_id == person_id)
    return paginate(db, stmt, params, _out(SeatOut))


@router.post("/seats", status_code=201, response_model=SeatOut)
def create_seat(data: SeatIn, db: Session = Depends(get_db), viewer: Viewer = Depends(admin_viewer),
                rules: RulesInForce = Depends(get_rules)):
    return service.create_seat(db, data, rules.rules, viewer.today, viewer.id)


@router.patch("/seats/{seat_id}", response_model=SeatOut)
def update_seat(seat_id: int, data: SeatPatch, db: Session = Depends(get_db),
                viewer: Viewer = Depends(admin_viewer)):
    return service.update_seat(db, seat_id, data, viewer.id)
