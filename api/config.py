"""All settings in one place, read from RELAIS_* environment variables (or a .env file)."""

from functools import lru_cache
from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

ROOT = Path(__file__).resolve().parent.parent
# The rules Relais ships with (the Équipe Ressources Relais model, seed 000), inside the
# package so that an installed Relais has them; `relais init` copies them into the working
# folder when it has none, as the collective's own file to edit.
STARTER_RULES = Path(__file__).resolve().parent / "rules" / "governance_rules.yaml"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="RELAIS_", env_file=".env", extra="ignore")

    database_url: str = "sqlite:///./relais.db"
    # The collective's rules file, relative to the folder Relais runs in.
    rules_path: Path = Path("governance_rules.yaml")
    # `relais init` writes a random key to .env; this default only serves tests and a first look.
    secret_key: str = "dev-only-change-me"
    base_url: str = "http://127.0.0.1:8000"
    host: str = "127.0.0.1"
    port: int = 8000

    # The in-process scheduler; turn it off when `relais worker` runs on its own.
    scheduler_enabled: bool = True
    sweep_interval_seconds: int = 30

    # Admission control (api/admission.py): requests working on the database at once (0: one
    # on SQLite, where writers queue anyway; 4 on PostgreSQL), how many may wait, how long.
    admission_capacity: int = 0
    admission_queue: int = 1000
    admission_wait_seconds: float = 3.0
    # App processes serving the same database (`relais serve --workers N` sets it for them;
    # for several instances behind a proxy, set it to their total): the default admission
    # capacity on PostgreSQL is shared between them.
    processes: int = Field(default=1, ge=1, le=64)

    session_max_age_seconds: int = 8 * 3600
    cookie_secure: bool = False
    token_ttl_seconds: int = 12 * 3600
    signin_max_failures: int = 5
    signin_window_seconds: int = 15 * 60

    # Email. With no SMTP host, messages stay in the outbox as a local mailbox (the demo shows them).
    smtp_host: str | None = None
    smtp_port: int = 587
    smtp_username: str | None = None
    smtp_password: str | None = None
    smtp_starttls: bool = False
    smtp_timeout_seconds: float = 10.0
    smtp_connections: int = 2
    mail_from: str = "Relais <relais@localhost>"

    # Documents: attached files and the governance library are kept on disk under this
    # directory (by content hash); an upload larger than this is refused with a clear message.
    data_dir: Path = ROOT / "data"
    upload_max_bytes: int = 20 * 1024 * 1024


@lru_cache
def get_settings() -> Settings:
    return Settings()
