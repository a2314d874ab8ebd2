"""Settings and rules the reminders layer works with, outside a request.

The app's lifespan (`start_scheduler`) and `relais worker` call `configure`; otherwise the
settings come from the environment and the rules from `settings.rules_path`.
"""

from functools import lru_cache
from pathlib import Path

from api.config import Settings, get_settings
from api.rules.schema import GovernanceRules

_settings: Settings | None = None
_rules: GovernanceRules | None = None


def configure(settings: Settings | None = None, rules: GovernanceRules | None = None) -> None:
    global _settings, _rules
    if settings is not None:
        _settings = settings
    if rules is not None:
        _rules = rules


def settings() -> Settings:
    return _settings or get_settings()


@lru_cache(maxsize=4)
def _load(path: Path, mtime: float) -> GovernanceRules:
    from api.rules.loader import load_rules

    return load_rules(path).rules


def rules() -> GovernanceRules:
    if _rules is not None:
        return _rules
    path = Path(settings().rules_path)
    return _load(path, path.stat().st_mtime)


def timezone() -> str:
    return rules().collective.timezone
