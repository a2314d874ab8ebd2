"""The rules in force, and the rules a given decision was opened under."""

from functools import lru_cache

from sqlalchemy import select
from sqlalchemy.orm import Session

from api.rules.loader import LoadedRules, parse_rules
from api.rules.models import RulesVersion
from api.rules.schema import GovernanceRules


def record_version(session: Session, loaded: LoadedRules) -> RulesVersion:
    """Store this text as a rules version unless the same content is already stored."""
    version = session.execute(
        select(RulesVersion).where(RulesVersion.content_hash == loaded.content_hash)
    ).scalar_one_or_none()
    if version is None:
        from api.register import service as register

        version = RulesVersion(content_hash=loaded.content_hash, source_path=loaded.path,
                               text=loaded.text)
        session.add(version)
        session.flush()
        register.record(session, action="rules.loaded", object_type="rules_version",
                        object_id=version.id, actor_id=None,
                        after={"content_hash": loaded.content_hash}, rules_version_id=version.id)
    return version


@lru_cache(maxsize=32)
def _parse_cached(text: str) -> GovernanceRules:
    return parse_rules(text, check_guards=False)


def rules_of_version(session: Session, version_id: int) -> GovernanceRules:
    """The rules a decision was opened under; stored text never changes, so cache by text."""
    version = session.get(RulesVersion, version_id)
    if version is None:
        raise LookupError(f"rules version {version_id} not found")
    return _parse_cached(version.text)
