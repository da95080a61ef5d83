"""The registry: each rule declared once, and in step with the shipped policy (issue 15, item 5).

A rule's ``@rule`` carries its order (by theme, then id), its title template, its theme, the
tables it needs and its worklist label; its standard, target and margin live in the policy.
These tests keep the two declarations naming the same rules, and the titles stating the
standard of the policy in force.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import polars as pl
import pytest

import mappa_audit as ma
from mappa_audit._worklist import WHAT_IS_DUE
from mappa_audit.rules import RULE_ORDER, RULES, Theme, get_rule, ordered_rules
from mappa_audit.rules._registry import rule

SAMPLE = Path(__file__).parent.parent.parent / "data_samples"


def test_policy_and_registry_name_the_same_rules_in_the_same_order() -> None:
    assert list(ma.load_policy().rules) == list(RULE_ORDER)
    assert [spec.rule_id for spec in ordered_rules()] == list(RULE_ORDER)
    assert set(RULES) == set(RULE_ORDER)


def test_rules_are_ordered_by_theme_then_id() -> None:
    themes = [spec.theme for spec in ordered_rules()]
    assert themes == sorted(themes, key=list(Theme).index)
    assert RULE_ORDER[:3] == ("TML-01", "TML-02", "TML-03")


@pytest.mark.parametrize("rule_id", RULE_ORDER)
def test_a_title_states_the_standard_exactly_when_the_policy_sets_one(rule_id: str) -> None:
    # a rule timed by the policy must say its time in its title, or a board changing the
    # standard reads the old figure; a completeness rule has nothing to state
    has_standard = ma.load_policy().rule(rule_id).value is not None
    assert get_rule(rule_id).states_standard == has_standard


BOARD_STANDARDS = [
    # the case: a board allowing twice the default time for a Level 3 first meeting
    pytest.param("TML-01", "10", "First meeting within 10 working days of a Level 3 referral",
                 id="tml01-10-working-days"),
    # one of a unit is said in the singular
    pytest.param("TML-04", "1", "ViSOR record created within 1 calendar day",
                 id="tml04-singular-day"),
    pytest.param("REV-02", "1", "Level 3 cases reviewed at least every 1 week",
                 id="rev02-singular-week"),
    # zero is a standard a policy may set (the same day)
    pytest.param("TML-03", "0", "Minutes distributed within 0 working days of the meeting",
                 id="tml03-zero"),
    pytest.param("TML-05", "9", "Level set at least 9 months before release", id="tml05-months"),
]


@pytest.mark.parametrize(("rule_id", "value", "expected"), BOARD_STANDARDS)
def test_title_is_filled_from_the_policy(tmp_path: Path, rule_id: str, value: str,
                                         expected: str) -> None:
    unit = ma.load_policy().rule(rule_id).unit
    policy_file = tmp_path / "board.toml"
    policy_file.write_text(
        f'[rules."{rule_id}"]\nstandard = {{ value = {value}, unit = "{unit}" }}\n',
        encoding="utf-8",
    )
    assert get_rule(rule_id).title(ma.load_policy(policy_file)) == expected


def test_a_title_without_a_standard_ignores_the_policy() -> None:
    assert get_rule("DIS-02").title(ma.load_policy()) == (
        "Every disclosure decision has a recorded rationale")


def test_a_policy_without_the_standard_a_title_states_is_an_error() -> None:
    policy = ma.load_policy()
    standard = dataclasses.replace(policy.rule("REV-01"), value=None)
    broken = dataclasses.replace(policy, rules={**policy.rules, "REV-01": standard})
    with pytest.raises(ma.PolicyError, match=r"gives rule REV-01 no standard(.|\n)*Hint:"):
        get_rule("REV-01").title(broken)


def test_the_worklist_labels_the_rules_whose_items_fall_due() -> None:
    # a rule that gives its items a due date puts them on the worklist, so it needs a label
    items = ma.audit(SAMPLE, "2025-04-01", "2026-03-31").items
    with_due_dates = items.filter(pl.col("due_date").is_not_null())["rule_id"].unique()
    assert set(with_due_dates) == set(WHAT_IS_DUE)
    assert list(WHAT_IS_DUE) == [r for r in RULE_ORDER if r in WHAT_IS_DUE]


BAD_DECLARATIONS = [
    # the policy calls the time allowed `standard`; any other name cannot be filled
    pytest.param("XYZ-01", "Within {working_days}", "names", id="unknown-placeholder"),
    # positional placeholders say nothing of what fills them
    pytest.param("XYZ-01", "Within {}", "names", id="positional-placeholder"),
    # ids must sort in number order within a theme
    pytest.param("XYZ-1", "A title", "not of the form", id="one-digit-id"),
    pytest.param("xyz-01", "A title", "not of the form", id="lower-case-id"),
]


@pytest.mark.parametrize(("rule_id", "title", "message"), BAD_DECLARATIONS)
def test_bad_declarations_are_refused(rule_id: str, title: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        rule(rule_id, title, Theme.TIMELINESS)


def test_a_rule_cannot_be_registered_twice() -> None:
    before = dict(RULES)
    with pytest.raises(ValueError, match="registered twice"):
        rule("TML-01", "Again", Theme.TIMELINESS)(get_rule("TML-01").function)
    assert before == RULES


def test_an_unknown_rule_lists_the_known_ones() -> None:
    with pytest.raises(KeyError, match="known rules: TML-01"):
        get_rule("TML-99")
