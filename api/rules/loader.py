"""Reading governance_rules.yaml: parse, validate, and point at the line of each error."""

import hashlib
from dataclasses import dataclass
from pathlib import Path

import yaml
from pydantic import ValidationError

from api.rules.schema import GovernanceRules, cross_check


@dataclass
class RuleError:
    file: str
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.message}"


class RulesInvalid(Exception):
    def __init__(self, errors: list[RuleError]):
        self.errors = errors
        super().__init__("\n".join(str(e) for e in errors))


@dataclass
class LoadedRules:
    rules: GovernanceRules
    text: str
    content_hash: str
    path: str


def _line_of(node: yaml.Node | None, path: tuple) -> int:
    """Follow a pydantic location through the YAML node tree; the deepest line found wins."""
    line = node.start_mark.line + 1 if node is not None else 1
    for part in path:
        if isinstance(node, yaml.MappingNode):
            match = next((v for k, v in node.value if k.value == str(part)), None)
            if match is None:
                # An unexpected key: point at the key itself when it exists.
                key = next((k for k, _ in node.value if k.value == str(part)), None)
                return key.start_mark.line + 1 if key is not None else line
            node = match
        elif isinstance(node, yaml.SequenceNode) and isinstance(part, int):
            if part >= len(node.value):
                return line
            node = node.value[part]
        else:
            return line
        line = node.start_mark.line + 1
    return line


def _extra_key_line(node: yaml.Node | None, path: tuple) -> int:
    """For 'extra field' errors the key is the last part; find the key's own line."""
    parent_path, key = path[:-1], path[-1]
    parent = node
    for part in parent_path:
        if isinstance(parent, yaml.MappingNode):
            parent = next((v for k, v in parent.value if k.value == str(part)), None)
        elif isinstance(parent, yaml.SequenceNode) and isinstance(part, int) and part < len(parent.value):
            parent = parent.value[part]
        else:
            return _line_of(node, path)
    if isinstance(parent, yaml.MappingNode):
        for k, _ in parent.value:
            if k.value == str(key):
                return k.start_mark.line + 1
    return _line_of(node, path)


def parse_rules(text: str, file: str = "governance_rules.yaml", known_guards: set[str] | None = None
                ) -> GovernanceRules:
    """Parse and check a rules text; guard names are checked when `known_guards` is given."""
    try:
        node = yaml.compose(text)
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else 1
        problem = getattr(exc, "problem", None) or str(exc)
        raise RulesInvalid([RuleError(file, line, f"not valid YAML: {problem}")]) from exc
    if not isinstance(data, dict):
        raise RulesInvalid([RuleError(file, 1, "the file must be a mapping of sections")])
    try:
        rules = GovernanceRules.model_validate(data)
    except ValidationError as exc:
        errors = []
        for err in exc.errors():
            loc = tuple(err["loc"])
            where = ".".join(str(p) for p in loc) or "(top)"
            if err["type"] == "extra_forbidden":
                line = _extra_key_line(node, loc)
                message = f"{where}: unknown key"
            elif err["type"] == "missing":
                line = _line_of(node, loc[:-1])
                message = f"{where}: required key is missing"
            else:
                line = _line_of(node, loc)
                message = f"{where}: {err['msg']}"
            errors.append(RuleError(file, line, message))
        raise RulesInvalid(sorted(errors, key=lambda e: e.line)) from exc
    problems = cross_check(rules, known_guards)
    if problems:
        errors = [
            RuleError(file, _line_of(node, path), f"{'.'.join(map(str, path))}: {msg}")
            for path, msg in problems
        ]
        raise RulesInvalid(sorted(errors, key=lambda e: e.line))
    return rules


def load_rules(path: Path | str, known_guards: set[str] | None = None) -> LoadedRules:
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise RulesInvalid([RuleError(str(path), 1, f"cannot read the file: {exc.strerror}")]) from exc
    rules = parse_rules(text, str(path), known_guards)
    return LoadedRules(rules, text, hashlib.sha256(text.encode()).hexdigest(), str(path))
