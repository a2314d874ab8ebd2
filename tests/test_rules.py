"""governance_rules.yaml: the shipped file is valid, and each kind of mistake is reported with
its line, by the library and by `relais rules check`."""

import subprocess
import sys
from pathlib import Path

import pytest

from api.areas import install_all
from api.rules.loader import RulesInvalid, load_rules, parse_rules
from tests.helpers import RULES

GOOD = RULES.read_text(encoding="utf-8")


def line_of(text: str, needle: str, occurrence: int = 1) -> int:
    count = 0
    for number, line in enumerate(text.splitlines(), start=1):
        if needle in line:
            count += 1
            if count == occurrence:
                return number
    raise AssertionError(f"{needle!r} not in the rules")


def errors_of(text: str) -> list:
    with pytest.raises(RulesInvalid) as caught:
        parse_rules(text, "rules.yaml", install_all().engine.guard_names())
    return caught.value.errors


def test_the_shipped_rules_describe_the_err_model():
    rules = load_rules(RULES).rules
    assert [b.key for b in rules.bodies][:2] == ["partners_committee", "executive_committee"]
    subs = [b.key for b in rules.bodies if b.kind == "sub_committee"]
    assert subs == ["hr", "funding", "administration", "communications"]
    assert rules.decision_kinds["hiring"].confidential_category == "human_resources"
    assert rules.reminders.kinds["report_due"].offset_seconds() == [
        30 * 86400, 14 * 86400, 7 * 86400, 86400, -7 * 86400]
    assert set(rules.workflows) >= {"decision", "grant_application", "report", "task", "meeting"}


def test_a_wrong_value_points_at_its_line():
    text = GOOD.replace("majority: two_thirds", "majority: most", 1)
    [error] = errors_of(text)
    assert error.line == line_of(text, "majority: most")
    assert "decision_kinds.fee_split.majority" in error.message


def test_an_unknown_key_points_at_the_key():
    text = GOOD.replace("    vote_window_hours: 72\n", "    vote_window_hours: 72\n    quorom: 3\n", 1)
    [error] = errors_of(text)
    assert error.line == line_of(text, "quorom: 3") and "unknown key" in error.message


def test_a_missing_section_is_named():
    start = GOOD.index("reminders:\n")
    end = GOOD.index("workflows:\n")
    errors = errors_of(GOOD[:start] + GOOD[end:])
    assert any("reminders: required key is missing" in e.message for e in errors)


def test_a_transition_to_an_unknown_state_points_at_the_transition():
    text = GOOD.replace("dest: adopted, allowed: [system]}", "dest: adoptd, allowed: [system]}", 1)
    [error] = errors_of(text)
    assert error.line == line_of(text, "dest: adoptd")
    assert "unknown state 'adoptd'" in error.message


def test_an_unknown_guard_is_refused():
    text = GOOD.replace("conditions: [reason_given]", "conditions: [because_i_said_so]", 1)
    [error] = errors_of(text)
    assert error.line == line_of(text, "because_i_said_so") and "unknown guard" in error.message


def test_a_bad_offset_and_a_bad_time_zone_are_both_reported():
    text = GOOD.replace('offsets: ["7d", "1d"], audience: owners}', 'offsets: ["7 days"], audience: owners}', 1)
    text = text.replace("timezone: America/Toronto", "timezone: Mars/Olympus", 1)
    errors = errors_of(text)
    assert [e.line for e in errors] == sorted([line_of(text, "Mars/Olympus"), line_of(text, '"7 days"')])


def test_a_reference_to_an_unknown_body_is_refused():
    text = GOOD.replace("    parent: executive_committee\n", "    parent: board_of_wizards\n", 1)
    [error] = errors_of(text)
    assert error.line == line_of(text, "board_of_wizards") and "unknown body" in error.message


def test_broken_yaml_is_reported_with_its_line():
    text = GOOD.replace("  timezone: America/Toronto\n", "  timezone: [America/Toronto\n", 1)
    [error] = errors_of(text)
    assert "not valid YAML" in error.message and error.line >= line_of(text, "[America/Toronto")


def test_relais_rules_check_prints_file_line_and_exits_non_zero(tmp_path):
    bad = tmp_path / "rules.yaml"
    bad.write_text(GOOD.replace("majority: simple", "majority: loudest", 1), encoding="utf-8")
    run = subprocess.run([sys.executable, "-m", "api.cli", "rules", "check", str(bad)],
                         capture_output=True, text=True, cwd=Path(__file__).parents[1])
    assert run.returncode == 1
    expected_line = line_of(bad.read_text(), "majority: loudest")
    assert f"{bad}:{expected_line}: decision_kinds.budget.majority" in run.stderr
    ok = subprocess.run([sys.executable, "-m", "api.cli", "rules", "check", str(RULES)],
                        capture_output=True, text=True, cwd=Path(__file__).parents[1])
    assert ok.returncode == 0 and "OK" in ok.stdout


def test_the_app_refuses_to_start_on_an_invalid_file(tmp_path, sqlite_url):
    from api.main import create_app
    from tests.helpers import make_settings

    bad = tmp_path / "rules.yaml"
    bad.write_text(GOOD.replace("initial: draft", "initial: nowhere", 1), encoding="utf-8")
    with pytest.raises(RulesInvalid) as caught:
        create_app(make_settings(sqlite_url, rules_path=bad))
    assert f"{bad}:{line_of(bad.read_text(), 'initial: nowhere')}:" in str(caught.value)
