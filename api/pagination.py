"""One way to paginate every list endpoint: ?page=1&per_page=50 -> {items, total, page, ...}."""

from typing import Any

from fastapi import Query
from pydantic import BaseModel
from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session


class PageParams(BaseModel):
    page: int
    per_page: int


def page_params(page: int = Query(1, ge=1, le=100_000),
                per_page: int = Query(50, ge=1, le=200)) -> PageParams:
    return PageParams(page=page, per_page=per_page)


def paginate(session: Session, stmt: Select, params: PageParams, serialize=lambda x: x) -> dict[str, Any]:
    total = session.execute(select(func.count()).select_from(stmt.order_by(None).subquery())).scalar_one()
    rows = session.execute(stmt.limit(params.per_page).offset((params.page - 1) * params.per_page))
    items = [serialize(r) for r in rows.scalars().all()]
    return {"items": items, "total": total, "page": params.page, "per_page": params.per_page,
            "pages": max(1, -(-total // params.per_page))}
