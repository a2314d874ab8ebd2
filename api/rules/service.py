"""The rules in force, and the rules a given decision was opened under.

A stored rules version never changes, so each is parsed once per process and kept in the
process's `RulesBook`; the book travels in the unit of work's context, never in a global.
"""

from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from api.register import service as register
from api.rules.loader import LoadedRules, parse_rules
from api.rules.models import RulesVersion
from api.rules.schema import GovernanceRules


@dataclass(frozen=True)
class RulesInForce:
    """The rules this process runs under, and the id of their stored version."""

    rules: GovernanceRules
    version_id: int
    content_hash: str

    @property
    def timezone(self) -> str:
        return self.rules.collective.timezone


@dataclass
class RulesBook:
    """The rules in force and every stored version asked for so far, parsed once each."""

    in_force: RulesInForce
    _versions: dict[int, GovernanceRules] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self._versions[self.in_force.version_id] = self.in_force.rules

    def of_version(self, session: Session, version_id: int) -> GovernanceRules:
        rules = self._versions.get(version_id)
        if rules is None:
            version = session.get(RulesVersion, version_id)
            if version is None:
                raise LookupError(f"rules version {version_id} not found")
            rules = self._versions[version_id] = parse_rules(version.text)
        return rules


def record_version(session: Session, loaded: LoadedRules) -> RulesVersion:
    """Store this text as a rules version unless the same content is already stored."""
    version = session.execute(
        select(RulesVersion).where(RulesVersion.content_hash == loaded.content_hash)
    ).scalar_one_or_none()
    if version is None:
        version = RulesVersion(content_hash=loaded.content_hash, source_path=loaded.path,
                               text=loaded.text)
        session.add(version)
        session.flush()
        register.record(session, action="rules.loaded", object_type="rules_version",
                        object_id=version.id, actor_id=None,
                        after={"content_hash": loaded.content_hash}, rules_version_id=version.id)
    return version


def book_for(session: Session, loaded: LoadedRules) -> RulesBook:
    """Record the loaded rules (if new) and open a book with them in force."""
    version = record_version(session, loaded)
    return RulesBook(RulesInForce(loaded.rules, version.id, loaded.content_hash))
