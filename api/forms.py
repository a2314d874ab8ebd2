"""Reading an HTML form into the same pydantic schema the API uses, with per-field errors.

A form is checked by the very schema of its API twin (`api.schemas` types: texts without
control characters, dates between 1900 and 2200, ids in range), so a page refuses exactly
what the API refuses; each error becomes a sentence in the person's language (`form.<type>`
in the catalogs, "Valeur invalide." when the type has none), shown next to its field."""

from typing import Any, TypeVar

from pydantic import BaseModel, TypeAdapter, ValidationError

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
        try:
            return t(key, lang, **ctx)
        except (KeyError, IndexError, ValueError):  # a message whose parameters pydantic did not give
            pass
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


def parse_value(kind: Any, raw: str | None, lang: str) -> tuple[Any, str | None]:
    """One value typed in a form or a page's query string (`?start=`), checked by its
    `api.schemas` type (`Day`, `Moment`, `Line`...): (the value, None), (None, None) when
    blank, or (None, the message to show next to it)."""
    if raw is None or not str(raw).strip():
        return None, None
    try:
        return TypeAdapter(kind).validate_python(str(raw).strip()), None
    except ValidationError as exc:
        return None, error_message(exc.errors()[0], lang)
