"""The bare endpoint of the vote benchmark: FastAPI + SQLAlchemy, one row per request.

    BENCH_BARE_DATABASE_URL=sqlite:////tmp/x.db python -m uvicorn bare_server:app --port 8001

`POST /bare` {"decision_id", "seat_id", "choice"} inserts one row into `bench_bare_vote`, which
has the same unique key shape as Relais's `vote` table (decision_id, seat_id), and answers 201
(409 for a duplicate). It is what a minimal app does: a sync endpoint (one thread-pool hop), a
pydantic body, an ORM session from the default pool, one INSERT, one COMMIT. Nothing of Relais
is imported, so the same bare figures stand next to any version of Relais.

SQLite gets the settings any SQLite web app needs under concurrent writers (WAL,
synchronous=NORMAL as Relais, a 30 s busy timeout), with the driver's default deferred
transactions and SQLAlchemy's default pool (5 + 10; more connections only mean more writers
polling in SQLite's busy handler). On PostgreSQL the pool holds as many connections as the
thread pool has threads (40, BENCH_BARE_POOL to change it): with the default 5 + 10, requests
beyond 15 at once would open and close a connection each (a backend started per request), and
the yardstick would measure that instead of an insert.
"""

import os
from datetime import UTC, datetime

from fastapi import FastAPI
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from sqlalchemy import (
    Column,
    DateTime,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    UniqueConstraint,
    create_engine,
    event,
    text,
)
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import sessionmaker

URL = os.environ["BENCH_BARE_DATABASE_URL"]
POOL = int(os.environ.get("BENCH_BARE_POOL", "40"))

metadata = MetaData()
table = Table("bench_bare_vote", metadata,
              Column("id", Integer, primary_key=True),
              Column("decision_id", Integer, nullable=False),
              Column("seat_id", Integer, nullable=False),
              Column("choice", String(8), nullable=False),
              Column("cast_at", DateTime, nullable=False),
              UniqueConstraint("decision_id", "seat_id"),
              Index("ix_bench_bare_vote_decision_id", "decision_id"))

if URL.startswith("sqlite"):
    engine = create_engine(URL, connect_args={"check_same_thread": False, "timeout": 30})

    @event.listens_for(engine, "connect")
    def _pragmas(dbapi_conn, _record):
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA synchronous=NORMAL")
        cur.close()
else:
    engine = create_engine(URL, pool_size=POOL, max_overflow=0)

metadata.create_all(engine)
Session = sessionmaker(engine)
app = FastAPI(title="bare insert")


class VoteIn(BaseModel):
    decision_id: int = Field(ge=1)
    seat_id: int = Field(ge=1)
    choice: str = Field(pattern="^(yes|no|abstain)$")


@app.post("/bare", status_code=201)
def bare(data: VoteIn):
    with Session() as session:
        try:
            session.execute(table.insert().values(decision_id=data.decision_id, seat_id=data.seat_id,
                                                  choice=data.choice,
                                                  cast_at=datetime.now(UTC).replace(tzinfo=None)))
            session.commit()
        except IntegrityError:
            session.rollback()
            return JSONResponse({"detail": "duplicate"}, status_code=409)
    return {"decision_id": data.decision_id, "seat_id": data.seat_id, "choice": data.choice, "status": "cast"}


@app.get("/healthz")
def healthz():
    with engine.connect() as conn:
        conn.execute(text("SELECT 1"))
    return {"status": "ok"}
