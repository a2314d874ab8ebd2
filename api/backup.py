"""Backup, restore and export: a collective's data is its own.

* `backup(settings, file)` writes a consistent copy while the app runs: SQLite's online backup
  API (one read transaction: writers go on, the copy is one instant of the database), or
  `pg_dump --format=custom` in a REPEATABLE READ snapshot for PostgreSQL. The register is
  verified *in that same instant* and its head (sequence number, hash) is written next to the
  file (`<file>.register-head.json`): keep it elsewhere too, it anchors the copy.
* `restore(settings, file)` puts a backup into an empty database (the one of the settings)
  and refuses a file whose register does not verify (with the secret key of the settings), or
  whose head is not the one recorded next to it: nothing is left behind when it refuses.
* `export(settings, directory)` writes every table a collective owns as CSV and JSON, with a
  README of the columns, for a collective that leaves Relais. Secrets (password hashes, sign-in
  and feed tokens) are left out.

Nothing here goes through a unit of work: these are whole-database operations on the file or
the server, run by the `relais` command.
"""

import base64
import csv
import json
import os
import sqlite3
import subprocess
from dataclasses import asdict, dataclass
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

from sqlalchemy import Engine, create_engine, inspect, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from api.config import Settings
from api.register.service import VerifyResult, signing_key, verify
from api.timeutil import now

SIDECAR = ".register-head.json"
SQLITE_MAGIC = b"SQLite format 3\x00"
PGDUMP_MAGIC = b"PGDMP"


class BackupError(Exception):
    """A backup, restore or export that cannot be done; the message says why."""


@dataclass
class HeadRecord:
    """What is written next to a backup: the register's head at the instant of the copy."""

    seq: int
    hash: str
    verified: bool
    signed: bool
    engine: str
    taken_at: str
    reason: str | None = None

    @property
    def anchor(self) -> str:
        return f"{self.seq}:{self.hash}"


def sidecar_of(path: Path) -> Path:
    return path.with_name(path.name + SIDECAR)


def _is_sqlite(url: str) -> bool:
    return make_url(url).get_backend_name() == "sqlite"


def _sqlite_file(url: str) -> Path:
    database = make_url(url).database
    if not database or database == ":memory:":
        raise BackupError("the SQLite database must be a file")
    return Path(database)


def _libpq(url: str) -> tuple[str, dict[str, str]]:
    """(libpq URL without the password, environment carrying it) for pg_dump / pg_restore."""
    parsed = make_url(url)
    env = dict(os.environ)
    if parsed.password:
        env["PGPASSWORD"] = str(parsed.password)
    plain = parsed.set(drivername="postgresql", password=None)
    return plain.render_as_string(hide_password=False), env


def _run(cmd: list[str], env: dict[str, str]) -> None:
    try:
        done = subprocess.run(cmd, env=env, capture_output=True, text=True, check=False)
    except FileNotFoundError as exc:
        raise BackupError(f"{cmd[0]} not found: install the PostgreSQL client") from exc
    if done.returncode != 0:
        raise BackupError(f"{cmd[0]} failed: {done.stderr.strip()[-2000:]}")


def _head_record(result: VerifyResult, engine: str) -> HeadRecord:
    return HeadRecord(seq=result.head_seq if result.ok else 0, hash=result.head_hash if result.ok else "",
                      verified=result.ok, signed=result.signed, engine=engine,
                      taken_at=now().isoformat(timespec="seconds"),
                      reason=None if result.ok else f"event {result.broken_seq}: {result.reason}")


def _verify_with(engine: Engine, key: bytes, anchor: tuple[int, str] | None = None) -> VerifyResult:
    with Session(engine) as session:
        return verify(session, key, anchor=anchor)


def _sqlite_copy(source: Path, target: Path, read_only: bool = False) -> None:
    """SQLite's online backup: the whole database as of one read transaction."""
    target.unlink(missing_ok=True)
    src = sqlite3.connect(f"file:{source}?mode=ro", uri=True, timeout=30) if read_only \
        else sqlite3.connect(str(source), timeout=30)
    try:
        dst = sqlite3.connect(str(target))
        try:
            src.backup(dst)  # pages=-1: one step, one snapshot
            dst.execute("PRAGMA journal_mode=DELETE")  # a single self-contained file
        finally:
            dst.close()
    finally:
        src.close()


def _plain_sqlite_engine(path: Path) -> Engine:
    return create_engine(f"sqlite:///{path}")


# --- backup ---------------------------------------------------------------------------------

def backup(settings: Settings, file: Path) -> HeadRecord:
    """Write a consistent copy of the database to `file` and its register head next to it."""
    file = Path(file)
    key = signing_key(settings.secret_key)
    partial = file.with_name(file.name + ".part")
    url = settings.database_url
    try:
        if _is_sqlite(url):
            source = _sqlite_file(url)
            if not source.exists():
                raise BackupError(f"no database at {source}")
            _sqlite_copy(source, partial)
            engine = _plain_sqlite_engine(partial)
            try:
                record = _head_record(_verify_with(engine, key), "sqlite")
            finally:
                engine.dispose()
        else:
            record = _backup_postgres(url, partial, key)
        partial.replace(file)
    finally:
        partial.unlink(missing_ok=True)
    sidecar_of(file).write_text(json.dumps(asdict(record), indent=2) + "\n", encoding="utf-8")
    return record


def _backup_postgres(url: str, partial: Path, key: bytes) -> HeadRecord:
    """pg_dump of one exported snapshot, the register verified in that very snapshot."""
    libpq, env = _libpq(url)
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            conn = conn.execution_options(isolation_level="REPEATABLE READ")
            with conn.begin():
                snapshot = conn.execute(text("SELECT pg_export_snapshot()")).scalar_one()
                with Session(bind=conn) as session:
                    record = _head_record(verify(session, key), "postgresql")
                _run(["pg_dump", "--format=custom", "--no-owner", "--no-privileges",
                      f"--snapshot={snapshot}", f"--file={partial}", f"--dbname={libpq}"], env)
    finally:
        engine.dispose()
    return record


# --- restore --------------------------------------------------------------------------------

def _kind_of(file: Path) -> str:
    with file.open("rb") as handle:
        start = handle.read(16)
    if start.startswith(SQLITE_MAGIC):
        return "sqlite"
    if start.startswith(PGDUMP_MAGIC):
        return "postgresql"
    return "unknown"


def _recorded_head(file: Path) -> tuple[int, str] | None:
    sidecar = sidecar_of(file)
    if not sidecar.exists():
        return None
    try:
        data = json.loads(sidecar.read_text(encoding="utf-8"))
        return int(data["seq"]), str(data["hash"])
    except (ValueError, KeyError, TypeError) as exc:
        raise BackupError(f"{sidecar} is not a register head record") from exc


def _judge(result: VerifyResult, recorded: tuple[int, str] | None) -> str | None:
    """Why a restored copy is refused, or None."""
    if not result.ok:
        return f"its register does not verify: event {result.broken_seq}: {result.reason}"
    if recorded is not None and (result.head_seq, result.head_hash) != recorded:
        return (f"its register head {result.head_seq}:{result.head_hash} is not the one recorded next "
                f"to it ({recorded[0]}:{recorded[1]})")
    return None


def restore(settings: Settings, file: Path) -> VerifyResult:
    """Restore `file` into the (empty) database of the settings; refuse it, leaving nothing
    behind, when its register does not verify or its head is not the recorded one."""
    file = Path(file)
    if not file.is_file():
        raise BackupError(f"no backup file at {file}")
    key = signing_key(settings.secret_key)
    recorded = _recorded_head(file)
    url = settings.database_url
    kind = _kind_of(file)
    if _is_sqlite(url):
        if kind != "sqlite":
            raise BackupError(f"{file} is not a SQLite backup (found: {kind}); the database is SQLite")
        return _restore_sqlite(_sqlite_file(url), file, key, recorded)
    if kind != "postgresql":
        raise BackupError(f"{file} is not a PostgreSQL backup (found: {kind}); the database is PostgreSQL")
    return _restore_postgres(url, file, key, recorded)


def _restore_sqlite(target: Path, file: Path, key: bytes, recorded) -> VerifyResult:
    if target.exists() and target.stat().st_size > 0:
        engine = _plain_sqlite_engine(target)
        try:
            tables = inspect(engine).get_table_names()
        finally:
            engine.dispose()
        if tables:
            raise BackupError(f"{target} is not empty: restore into a new database")
    staging = target.with_name(target.name + ".restoring")
    try:
        _sqlite_copy(file, staging, read_only=True)
        engine = _plain_sqlite_engine(staging)
        try:
            result = _verify_with(engine, key)
        finally:
            engine.dispose()
        refused = _judge(result, recorded)
        if refused:
            raise BackupError(f"{file} refused: {refused}")
        for suffix in ("-wal", "-shm"):
            target.with_name(target.name + suffix).unlink(missing_ok=True)
        staging.replace(target)
    finally:
        staging.unlink(missing_ok=True)
    return result


def _restore_postgres(url: str, file: Path, key: bytes, recorded) -> VerifyResult:
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            count = conn.execute(text("SELECT count(*) FROM information_schema.tables "
                                      "WHERE table_schema = 'public'")).scalar_one()
        if count:
            raise BackupError("the target database is not empty: restore into a new database")
        libpq, env = _libpq(url)
        _run(["pg_restore", "--no-owner", "--no-privileges", "--single-transaction", "--exit-on-error",
              f"--dbname={libpq}", str(file)], env)
        result = _verify_with(engine, key)
        refused = _judge(result, recorded)
        if refused:
            _empty_postgres(engine)  # it was empty before: leave nothing behind
            raise BackupError(f"{file} refused: {refused}")
        return result
    finally:
        engine.dispose()


def _empty_postgres(engine: Engine) -> None:
    with engine.begin() as conn:
        for table in inspect(conn).get_table_names():
            conn.execute(text(f'DROP TABLE IF EXISTS "{table}" CASCADE'))
        for (sequence,) in conn.execute(text("SELECT sequence_name FROM information_schema.sequences "
                                             "WHERE sequence_schema = 'public'")):
            conn.execute(text(f'DROP SEQUENCE IF EXISTS "{sequence}" CASCADE'))


# --- export ---------------------------------------------------------------------------------

# Column names holding secrets (password hashes, sign-in, feed and unsubscribe tokens): never
# exported. The sign-in emails (which hold a link) are emptied too.
SECRET_WORDS = ("password", "token", "secret")


def _secret(column: str) -> bool:
    return any(word in column for word in SECRET_WORDS)


def _json_value(value):
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, bytes):
        return base64.b64encode(value).decode()
    return value


def _csv_value(value) -> str:
    value = _json_value(value)
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False, sort_keys=True)
    text_value = str(value)
    # A spreadsheet would run a cell starting with these as a formula: quoted (JSON is exact).
    if isinstance(value, str) and text_value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + text_value
    return text_value


def _describe(column) -> str:
    name = column.name
    notes = []
    for fk in column.foreign_keys:
        notes.append(f"→ {fk.column.table.name}.{fk.column.name}")
    if name.endswith("_cents"):
        notes.append("montant en cents / amount in cents")
    if name.endswith("_bp"):
        notes.append("points de base (1 % = 100) / basis points (1% = 100)")
    type_name = type(column.type).__name__
    if type_name == "UTCDateTime":
        notes.append("date-heure UTC (ISO 8601) / UTC date-time (ISO 8601)")
        type_name = "datetime"
    if column.primary_key:
        notes.append("clé / key")
    if not column.nullable and not column.primary_key:
        notes.append("obligatoire / required")
    return f"| `{name}` | {type_name} | {'; '.join(notes)} |"


def export(settings: Settings, directory: Path) -> list[tuple[str, int]]:
    """Every table as <table>.csv and <table>.json in `directory`, with README.md; returns
    (table, row count) pairs. Read from one consistent instant of the database."""
    from api.areas import import_models
    from api.db import Base

    import_models()
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    url = settings.database_url
    staging = None
    if _is_sqlite(url):  # one instant: a backup copy, read at leisure
        staging = directory / ".export-snapshot.db"
        _sqlite_copy(_sqlite_file(url), staging)
        engine = _plain_sqlite_engine(staging)
    else:
        engine = create_engine(url)
    counts: list[tuple[str, int]] = []
    readme: list[str] = []
    try:
        with engine.connect() as conn:
            if not _is_sqlite(url):
                conn = conn.execution_options(isolation_level="REPEATABLE READ")
            with conn.begin():
                existing = set(inspect(conn).get_table_names())
                with Session(bind=conn) as session:
                    head = verify(session, signing_key(settings.secret_key))
                for table in Base.metadata.sorted_tables:
                    if table.name not in existing:
                        continue
                    columns = [c for c in table.columns if not _secret(c.name)]
                    left_out = [c.name for c in table.columns if _secret(c.name)]
                    rows = [dict(row._mapping) for row in conn.execute(
                        select(*columns).order_by(*table.primary_key.columns))]
                    if table.name == "outbox_message":
                        for row in rows:
                            if row.get("kind") == "signin_link":
                                row["body_text"] = row["body_html"] = None
                    _write_table(directory, table.name, [c.name for c in columns], rows)
                    counts.append((table.name, len(rows)))
                    readme += [f"\n## {table.name} ({len(rows)})\n", "| colonne / column | type | notes |",
                               "|---|---|---|", *(_describe(c) for c in columns)]
                    if left_out:
                        readme.append(f"\nNon exporté (secret) / not exported (secret): {', '.join(left_out)}")
    finally:
        engine.dispose()
        if staging is not None:
            staging.unlink(missing_ok=True)
    (directory / "README.md").write_text(_readme_head(head) + "\n".join(readme) + "\n", encoding="utf-8")
    return counts


def _write_table(directory: Path, name: str, columns: list[str], rows: list[dict]) -> None:
    with (directory / f"{name}.csv").open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(columns)
        for row in rows:
            writer.writerow([_csv_value(row[c]) for c in columns])
    with (directory / f"{name}.json").open("w", encoding="utf-8") as handle:
        json.dump([{c: _json_value(row[c]) for c in columns} for row in rows], handle,
                  ensure_ascii=False, indent=1)


def _readme_head(head: VerifyResult) -> str:
    state = (f"vérifié / verified, tête / head {head.head_seq}:{head.head_hash}" if head.ok
             else f"NE VÉRIFIE PAS / DOES NOT VERIFY: event {head.broken_seq}: {head.reason}")
    return f"""# Données de la collective / The collective's data

Exporté le / exported on {now().isoformat(timespec="seconds")} par / by `relais export`.

Chaque table est écrite deux fois : `<table>.csv` (UTF-8, une ligne d'en-tête) et
`<table>.json` (liste d'objets, valeurs exactes). Les dates-heures sont en UTC (ISO 8601),
les montants en cents. Dans le CSV, une cellule de texte qui commence par = + - ou @ est
précédée d'une apostrophe (pour qu'un tableur ne l'exécute pas) : le JSON garde la valeur
exacte. Les secrets (empreintes de mots de passe, jetons de connexion, d'agenda et de
désabonnement) ne sont pas exportés.

Every table is written twice: `<table>.csv` (UTF-8, one header row) and `<table>.json`
(a list of objects, exact values). Date-times are UTC (ISO 8601), amounts in cents. In the
CSV, a text cell starting with = + - or @ gets a leading apostrophe (so that a spreadsheet
does not run it): the JSON keeps the exact value. Secrets (password hashes, sign-in, calendar
and unsubscribe tokens) are not exported.

Registre des décisions / decision register (`register_event`, chaîné par empreinte / hash-chained):
{state}
"""
