"""The `relais` command: init, demo, serve, worker, inbound, rules check, users create, register verify /
head / seal, backup, restore, export, workflows show."""

import os
import secrets
import sys
from pathlib import Path

import typer

from api.config import get_settings

app = typer.Typer(help="Relais — gouvernance partagée / shared governance", no_args_is_help=True,
                  pretty_exceptions_show_locals=False)
rules_app = typer.Typer(help="Governance rules file")
users_app = typer.Typer(help="People who can sign in")
register_app = typer.Typer(help="The decision register")
workflows_app = typer.Typer(help="Workflows from the rules")
app.add_typer(rules_app, name="rules")
app.add_typer(users_app, name="users")
app.add_typer(register_app, name="register")
app.add_typer(workflows_app, name="workflows")


def _ensure_secret() -> None:
    """A random secret key in .env the first time, so sessions are not signed with a default."""
    import os

    if os.environ.get("RELAIS_SECRET_KEY"):
        return
    env = Path(".env")
    text = env.read_text() if env.exists() else ""
    if "RELAIS_SECRET_KEY=" not in text:
        env.write_text(text + ("" if not text or text.endswith("\n") else "\n")
                       + f"RELAIS_SECRET_KEY={secrets.token_urlsafe(48)}\n")
        get_settings.cache_clear()


def _rules_errors_exit(exc) -> typer.Exit:
    for error in exc.errors:
        typer.echo(str(error), err=True)
    return typer.Exit(1)


def _load_rules_or_exit(path: Path):
    """The rules file checked as the app checks it (guard names included), or exit 1."""
    from api.areas import install_all
    from api.rules.loader import RulesInvalid, load_rules

    try:
        return load_rules(path, install_all().engine.guard_names())
    except RulesInvalid as exc:
        raise _rules_errors_exit(exc) from exc


def _runtime():
    """The runtime of a CLI command: settings, database, rules in force, installed areas."""
    from api.areas import build_runtime
    from api.rules.loader import RulesInvalid

    try:
        return build_runtime(get_settings())
    except RulesInvalid as exc:
        raise _rules_errors_exit(exc) from exc


def _seal(runtime) -> None:
    """Sign the register's events written without the key (by the command just run)."""
    from api.register.service import seal

    with runtime.unit_of_work() as ctx:
        seal(ctx)


def _write_starter_rules(path: Path) -> None:
    """A folder without a rules file gets the starter rules, as the collective's own to edit."""
    from api.config import STARTER_RULES

    if not path.exists():
        path.write_text(STARTER_RULES.read_text(encoding="utf-8"), encoding="utf-8")
        typer.echo(f"Règles de départ écrites / starter rules written: {path}")


def _init():
    """Migrate, record the rules, sync the collective and its bodies; returns the runtime."""
    from api.collective.setup import sync_from_rules
    from migrations import upgrade

    settings = get_settings()
    _write_starter_rules(settings.rules_path)
    _load_rules_or_exit(settings.rules_path)  # a clear message before touching the database
    upgrade(settings.database_url)
    runtime = _runtime()
    with runtime.unit_of_work() as ctx:
        sync_from_rules(ctx)
    _seal(runtime)
    return runtime


@app.command()
def init() -> None:
    """Create or upgrade the database and load the rules (safe to run again)."""
    _ensure_secret()
    _init().database.dispose()
    typer.echo("Base de données prête / database ready: " + get_settings().database_url)


@app.command()
def demo() -> None:
    """Load the demo collective of seed 000 (does nothing if it is already there)."""
    from api.demo import DEMO_PASSWORD, load_demo

    _ensure_secret()
    runtime = _init()
    with runtime.unit_of_work() as ctx:
        accounts = load_demo(ctx, ctx.today)
    _seal(runtime)
    runtime.database.dispose()
    typer.echo("\nComptes de démonstration / demo accounts "
               f"(mot de passe / password: {DEMO_PASSWORD}):")
    for email, name in accounts:
        typer.echo(f"  {email:40} {name}")


@app.command()
def serve(host: str | None = None, port: int | None = None, reload: bool = False,
          workers: int = typer.Option(1, min=1, max=64, help="app processes (PostgreSQL)"),
          access_log: bool = typer.Option(False, "--access-log/--no-access-log",
                                          help="one line per request on the console")) -> None:
    """Start the web app (and its scheduler unless RELAIS_SCHEDULER_ENABLED=false).

    uvloop and httptools when installed (they are dependencies). Several `--workers` share
    one PostgreSQL database; on SQLite, one process writes at a time anyway, so keep one.
    No line per request by default: the reverse proxy in front keeps those, and writing
    them costs a burst of votes a few per cent; errors and warnings are always logged."""
    import uvicorn

    # The worker processes read their settings from the environment: they share the
    # database's admission capacity between them (`api.admission.Gate.for_database`). A
    # RELAIS_PROCESSES set by hand, in the environment or .env (several instances behind a
    # proxy), is left as it is.
    settings = get_settings()
    if workers > 1 and not reload and "processes" not in settings.model_fields_set:
        os.environ["RELAIS_PROCESSES"] = str(workers)
        get_settings.cache_clear()
        settings = get_settings()
    typer.echo(f"Relais: {settings.base_url}")
    uvicorn.run("api.asgi:app", host=host or settings.host, port=port or settings.port,
                reload=reload, proxy_headers=True, workers=None if reload else workers,
                access_log=access_log)


@app.command()
def worker() -> None:
    """Run the scheduler on its own (set RELAIS_SCHEDULER_ENABLED=false on the web app)."""
    try:
        from notifications.worker import run_worker
    except ModuleNotFoundError as exc:  # pragma: no cover
        typer.echo(f"worker unavailable: {exc}", err=True)
        raise typer.Exit(1) from exc
    run_worker(get_settings())


@app.command()
def inbound(host: str = "127.0.0.1", port: int = 2525) -> None:
    """Receive votes answered by email (vote+...@ the RELAIS_MAIL_FROM domain) over SMTP."""
    import logging

    from notifications.inbound import serve

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    typer.echo(f"relais inbound: SMTP on {host}:{port}")
    serve(_runtime(), host, port)


@rules_app.command("check")
def rules_check(file: Path) -> None:
    """Validate a rules file; prints file:line: what is wrong, and exits non-zero on errors."""
    loaded = _load_rules_or_exit(file)
    typer.echo(f"{file}: OK ({len(loaded.rules.workflows)} workflows, "
               f"{len(loaded.rules.decision_kinds)} decision kinds, version {loaded.content_hash[:12]})")


@users_app.command("create")
def users_create(email: str, name: str, admin: bool = False, language: str = "fr",
                 password: str = typer.Option(..., prompt=True, hide_input=True,
                                              confirmation_prompt=True)) -> None:
    """Create a person who can sign in."""
    from pydantic import ValidationError

    from api.collective.schemas import PersonIn
    from api.collective.service import create_person
    from api.errors import AppError
    from api.i18n import t

    try:
        data = PersonIn(email=email, name=name, is_admin=admin, language=language, password=password)
    except ValidationError as exc:
        for err in exc.errors():
            typer.echo(f"{'.'.join(map(str, err['loc']))}: {err['msg']}", err=True)
        raise typer.Exit(2) from exc
    runtime = _runtime()
    try:
        with runtime.unit_of_work() as ctx:
            person = create_person(ctx, data)
        _seal(runtime)
    except AppError as exc:
        typer.echo(t(exc.key, language), err=True)
        raise typer.Exit(1) from exc
    finally:
        runtime.database.dispose()
    typer.echo(f"created person {person.id} <{person.email}>")


@register_app.command("verify")
def register_verify(anchor: str | None = typer.Option(
        None, help="SEQ:HASH printed in an outcome email, the minutes or a packet: "
                   "the register must still hold it")) -> None:
    """Check the register's hash chain and signatures (and an anchor kept outside the
    database); names the first broken event and exits 1."""
    from api.db import Database
    from api.register.service import parse_anchor, signing_key, verify

    parsed = None
    if anchor is not None:
        parsed = parse_anchor(anchor)
        if parsed is None:
            typer.echo("--anchor: expected SEQ:HASH (a number, a colon, 64 hexadecimal characters)", err=True)
            raise typer.Exit(2)
    settings = get_settings()
    db = Database(settings.database_url)
    try:
        with db.sessionmaker() as session:
            result = verify(session, signing_key(settings.secret_key), anchor=parsed)
    finally:
        db.dispose()
    if result.ok:
        signed = ("signed" if result.signed else "NOT signed yet (run `relais register seal`)")
        if result.signed and result.unsigned:
            signed += f", {result.unsigned} recent event(s) not signed yet"
        if result.pending:
            signed += (f", {result.pending} vote event(s) pending, linked within a second by the "
                       "running app or by `relais register seal`")
        typer.echo(f"register OK: {result.checked} events verified, {signed}; "
                   f"head {result.head_seq}:{result.head_hash}")
        if parsed is not None:
            typer.echo(f"anchor {parsed[0]}:{parsed[1]} is in the chain")
        return
    typer.echo(f"register BROKEN at event {result.broken_seq}: {result.reason} "
               f"({result.checked} events verified before it)", err=True)
    raise typer.Exit(1)


@register_app.command("head")
def register_head() -> None:
    """Print the register's head as SEQ:HASH (an anchor to keep outside the database)."""
    from api.register.service import head

    runtime = _runtime()
    try:
        with runtime.unit_of_work() as ctx:
            seq, digest = head(ctx)
    finally:
        runtime.database.dispose()
    typer.echo(f"{seq}:{digest}")


@register_app.command("seal")
def register_seal() -> None:
    """Link the pending events (votes') and sign the events written without the secret key
    (after checking their links)."""
    from api.register.service import seal

    runtime = _runtime()
    try:
        with runtime.unit_of_work() as ctx:
            count = seal(ctx)
    finally:
        runtime.database.dispose()
    typer.echo(f"{count} event(s) linked or signed")


@app.command()
def backup(file: Path) -> None:
    """Write a consistent copy of the database while the app runs, with the register's head
    next to it (FILE.register-head.json); exits 1 if the register does not verify."""
    from api.backup import BackupError
    from api.backup import backup as run_backup

    try:
        record = run_backup(get_settings(), file)
    except BackupError as exc:
        typer.echo(f"backup failed: {exc}", err=True)
        raise typer.Exit(1) from exc
    if not record.verified:
        typer.echo(f"backup written to {file}, but its register does NOT verify: {record.reason}", err=True)
        raise typer.Exit(1)
    typer.echo(f"backup written to {file}; register head {record.anchor} "
               f"(recorded in {file}.register-head.json: keep a copy elsewhere)")


@app.command()
def restore(file: Path) -> None:
    """Restore a backup into the (new, empty) database of the settings; refuses a file whose
    register does not verify with this installation's secret key."""
    from api.backup import BackupError
    from api.backup import restore as run_restore

    try:
        result = run_restore(get_settings(), file)
    except BackupError as exc:
        typer.echo(f"restore refused: {exc}", err=True)
        raise typer.Exit(1) from exc
    typer.echo(f"restored {file}: {result.checked} register events verified, head {result.head_seq}:{result.head_hash}")


@app.command("export")
def export_data(directory: Path) -> None:
    """Write every table of the collective as CSV and JSON, with a README of the columns."""
    from api.backup import BackupError
    from api.backup import export as run_export

    try:
        counts = run_export(get_settings(), directory)
    except BackupError as exc:
        typer.echo(f"export failed: {exc}", err=True)
        raise typer.Exit(1) from exc
    typer.echo(f"{len(counts)} tables, {sum(n for _, n in counts)} rows written to {directory} (see README.md)")


@workflows_app.command("show")
def workflows_show(name: str) -> None:
    """Print a workflow as a Mermaid state diagram."""
    from workflows.engine import mermaid

    loaded = _load_rules_or_exit(get_settings().rules_path)
    if name not in loaded.rules.workflows:
        typer.echo(f"unknown workflow {name!r}; known: {', '.join(loaded.rules.workflows)}", err=True)
        raise typer.Exit(1)
    typer.echo(mermaid(loaded.rules.workflows[name], name))


def main() -> None:  # pragma: no cover
    app(prog_name="relais", args=sys.argv[1:])


if __name__ == "__main__":  # pragma: no cover
    app()
