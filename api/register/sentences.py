"""Register events as sentences, not codes: "Ouverture du vote de la décision n° 12" /
"Vote opened on decision #12".

An action is `<object type>.<verb>` (the engine hook writes `<object type>.<trigger>` for every
transition). The verb and the object are looked up in api/locales/register.yaml
(`register.verb.<verb>`, `register.of.<object type>`); an action not translated yet still reads
as words (its verb with spaces), never as a dotted code. State codes become their labels.
"""

from typing import Any

from api.i18n import catalog, t

# Where each object type's state labels live in the catalogue.
STATE_KEYS = {"decision": "decision.state", "grant_application": "grants.state", "report": "report.state",
              "task": "committees.state", "meeting": "committees.state"}


def _known(key: str) -> bool:
    return key in catalog()


def object_name(object_type: str, lang: str) -> str:
    key = f"register.of.{object_type}"
    return t(key, lang) if _known(key) else object_type.replace("_", " ")


def type_name(object_type: str, lang: str) -> str:
    """"Décision", "Tâche": the object's kind on its own (the register's Object column)."""
    key = f"register.type.{object_type}"
    return t(key, lang) if _known(key) else object_type.replace("_", " ")


def state_label(object_type: str, state: Any, lang: str) -> str:
    if state is None:
        return ""
    key = f"{STATE_KEYS.get(object_type, object_type + '.state')}.{state}"
    return t(key, lang) if _known(key) else str(state).replace("_", " ")


def sentence(action: str, object_type: str, object_id: int | None, lang: str) -> str:
    """One event as a sentence in `lang`."""
    verb = action.rsplit(".", 1)[-1] if "." in action else action
    key = f"register.verb.{verb}"
    words = t(key, lang) if _known(key) else verb.replace("_", " ").capitalize()
    what = object_name(object_type, lang)
    if object_id is None:
        return t("register.sentence_no_id", lang, verb=words, object=what)
    return t("register.sentence", lang, verb=words, object=what, id=object_id)


def change(event: Any, lang: str) -> str:
    """"Ouvert → Adopté": the state change in words, or nothing."""
    before = (event.before or {}).get("state") if isinstance(event.before, dict) else None
    after = (event.after or {}).get("state") if isinstance(event.after, dict) else None
    if after is None:
        return ""
    if before is None or before == after:
        return state_label(event.object_type, after, lang)
    return f"{state_label(event.object_type, before, lang)} → {state_label(event.object_type, after, lang)}"
