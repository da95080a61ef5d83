"""The policy file: what a board may set, what it may not, and the message when it gets it wrong."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from mappa_audit._errors import PolicyError
from mappa_audit._policy import SIGNAL_SETTINGS, load_policy
from mappa_audit.rules import RULES


def policy_file(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "local.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_the_shipped_policy_names_every_rule_of_the_registry() -> None:
    policy = load_policy()
    assert set(policy.rules) == set(RULES)
    assert policy.suppress_below == 5
    assert policy.signals == SIGNAL_SETTINGS
    assert not policy.all_confirmed  # shipped unconfirmed until a board checks its sources


def test_a_local_policy_overrides_only_what_it_sets(tmp_path: Path) -> None:
    policy = load_policy(policy_file(tmp_path, """
name = "Northmoor SMB"
closure_days = ["2026-12-24", 2026-12-29, "2026-12-24"]
[rules."TML-01"]
standard = { value = 10, unit = "working days" }
confirmed = true
[signals]
level1_no_review_months = 9
"""))
    default = load_policy()
    assert policy.name == "Northmoor SMB"
    assert policy.closure_days == (dt.date(2026, 12, 24), dt.date(2026, 12, 29))
    assert policy.rule("TML-01").text == "10 working days"
    assert policy.rule("TML-01").confirmed
    assert policy.rule("TML-01").target == default.rule("TML-01").target
    assert policy.rule("REV-01") == default.rule("REV-01")
    assert policy.signals["level1_no_review_months"] == 9
    assert policy.sha256 != default.sha256


@pytest.mark.parametrize(
    ("text", "fragments"),
    [
        # a typo in a setting name is refused, not ignored
        ("suppress_belw = 5", ("unknown setting 'suppress_belw'", "suppress_below")),
        ("suppress_below = 0", ("suppress_below must be a whole number from 1 to 100",)),
        ("suppress_below = true", ("suppress_below must be",)),  # TOML true is not 1
        ("name = ''", ("name must be text",)),
        ('closure_days = "2026-12-24"', ("closure_days must be a list",)),
        ('closure_days = ["24/12/2026"]', ("closure day '24/12/2026' is not a date",)),
        ('[rules."TML-99"]\ntarget = 0.9', ("unknown rule 'TML-99'", "TML-01")),
        ('[rules."TML-01"]\ntarget = 95', ("target must be a share from 0 to 1", "0.95")),
        ('[rules."TML-01"]\namber_margin = -0.1', ("amber_margin must be a share",)),
        # a rule keeps its unit: 5 working days cannot become 5 weeks
        ('[rules."TML-01"]\nstandard = { value = 5, unit = "weeks" }',
         ("counts in working days, not weeks",)),
        ('[rules."TML-01"]\nstandard = { value = 5, unit = "fortnights" }',
         ("unknown unit 'fortnights'",)),
        ('[rules."TML-01"]\nstandard = { value = -1, unit = "working days" }',
         ("standard value must be a whole number of 0 or more",)),
        ('[rules."TML-01"]\nstandard = 5', ("standard must be",)),
        ('[rules."TML-01"]\nconfirmed = "yes"', ("confirmed must be true or false",)),
        ('[rules."TML-01"]\nowner = "me"', ("unknown setting 'owner'",)),
        ("[signals]\nstep_down_within_weeks = 0", ("from 1 to 120",)),
        ("[signals]\nmonths = 3", ("unknown signal setting 'months'",)),
        ("name = [", ("not valid TOML",)),
    ],
)
def test_a_bad_policy_says_what_to_fix(tmp_path: Path, text: str,
                                       fragments: tuple[str, ...]) -> None:
    with pytest.raises(PolicyError) as raised:
        load_policy(policy_file(tmp_path, text))
    message = raised.value.one_line()
    assert "local.toml" in message
    for fragment in fragments:
        assert fragment in message


def test_a_policy_that_is_not_text_or_not_there(tmp_path: Path) -> None:
    binary = tmp_path / "binary.toml"
    binary.write_bytes(b"\xff\xfe\x00name")
    with pytest.raises(PolicyError, match="not UTF-8"):
        load_policy(binary)
    with pytest.raises(PolicyError, match="cannot read policy"):
        load_policy(tmp_path / "missing.toml")


def test_a_rule_without_a_time_standard_refuses_one(tmp_path: Path) -> None:
    untimed = next(rule_id for rule_id, rule in load_policy().rules.items()
                   if rule.unit is None)
    text = f'[rules."{untimed}"]\nstandard = {{ value = 5, unit = "weeks" }}'
    with pytest.raises(PolicyError, match="has no time standard"):
        load_policy(policy_file(tmp_path, text))
