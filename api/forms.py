"""Reading an HTML form into the same pydantic schema the API uses, with per-field errors."""

from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from api.i18n import catalog, t

M = TypeVar("M", bound=BaseModel)


def form_values(form: Any, fields: list[str], checkboxes: tuple[str, ...] = ()) -> dict[str, Any]:
    """Blank inputs become None (absent), checkboxes become booleans."""
    values: dict[str, Any] = {}
    for name in fields:
        if name in checkboxes:
            values[name] = form.get(name) in ("on", "true", "1", "yes")
            continue
        raw = form.get(name)
        if raw is None:
            continue
        raw = str(raw)
        values[name] = raw if raw.strip() else None
    return values


def error_message(err: dict, lang: str) -> str:
    key = f"form.{err['type']}"
    if key in catalog():
        ctx = {k: v for k, v in (err.get("ctx") or {}).items() if isinstance(v, int | float | str)}
        return t(key, lang, **ctx)
    return t("form.invalid", lang)


def parse(schema: type[M], values: dict[str, Any], lang: str) -> tuple[M | None, dict[str, str]]:
    cleaned = {k: v for k, v in values.items() if v is not None}
    try:
        return schema.model_validate(cleaned), {}
    except ValidationError as exc:
        errors: dict[str, str] = {}
        for err in exc.errors():
            field = str(err["loc"][0]) if err["loc"] else "form"
            errors.setdefault(field, error_message(err, lang))
        return None, errors
