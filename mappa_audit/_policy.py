"""The policy: a board's standards, targets and amber margins per rule, read from TOML.

The shipped policy (``policies/default.toml``) holds the defaults of audit-rules.md. A board's
own file overrides any of its fields; what it leaves out keeps the default. Results name the
policy and the SHA-256 of the file they were measured against.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import tomllib
from dataclasses import dataclass, field, replace
from importlib import resources
from pathlib import Path
from typing import Any

from mappa_audit._errors import PolicyError

DEFAULT_POLICY_NAME = "default.toml"
UNITS = ("working days", "calendar days", "weeks", "months")
_RULE_FIELDS = {"standard", "target", "amber_margin", "source", "confirmed"}
_TOP_FIELDS = {"name", "suppress_below", "closure_days", "rules", "signals", "reporting"}
REPORTING_SETTINGS: dict[str, int | float] = {"rate_min_base": 20, "material_change_points": 2.0}
"""How a board's rates and changes are shown (docs/rules.md, "Disclosure control") and their
defaults: a rate or a change from fewer items than ``rate_min_base`` is greyed and carries
its count; a change is coloured only when it is ``material_change_points`` or more."""
SIGNAL_SETTINGS = {
    "step_down_within_weeks": 12,
    "level1_no_review_months": 12,
    "level23_gap_multiple": 2,
}
"""Watch-list thresholds (docs/rules.md, "Watch list") and their defaults."""


@dataclass(frozen=True, slots=True)
class RuleStandard:
    """One rule's standard, target and RAG margin."""

    rule_id: str
    value: int | None
    unit: str | None
    target: float
    amber_margin: float
    source: str
    confirmed: bool

    @property
    def text(self) -> str | None:
        """The standard as people say it: ``"16 weeks"`` (``None`` when it has no value)."""
        if self.value is None or self.unit is None:
            return None
        unit = self.unit
        if self.value == 1:
            unit = unit.replace("days", "day").replace("weeks", "week").replace("months", "month")
        return f"{self.value} {unit}"

    def require_value(self) -> int:
        if self.value is None:
            msg = f"policy gives rule {self.rule_id} no standard value"
            raise PolicyError(msg, f'add standard = {{ value = N, unit = "{self.unit}" }}')
        return self.value


@dataclass(frozen=True, slots=True)
class Policy:
    """Standards per rule, small-number suppression and local closure days."""

    name: str
    sha256: str
    source: str
    suppress_below: int
    closure_days: tuple[dt.date, ...]
    rules: dict[str, RuleStandard]
    signals: dict[str, int] = field(default_factory=lambda: dict(SIGNAL_SETTINGS))
    """Watch-list thresholds: ``step_down_within_weeks``, ``level1_no_review_months``,
    ``level23_gap_multiple``."""
    rate_min_base: int = 20
    """A rate or change from fewer items than this is greyed, with its count."""
    material_change_points: float = 2.0
    """A change since the last run smaller than this (percentage points) is not coloured."""

    def rule(self, rule_id: str) -> RuleStandard:
        try:
            return self.rules[rule_id]
        except KeyError:
            known = ", ".join(self.rules)
            msg = f"policy has no rule {rule_id!r}; known rules: {known}"
            raise PolicyError(msg) from None

    @property
    def all_confirmed(self) -> bool:
        """Whether the board has confirmed every standard of the policy."""
        return all(rule.confirmed for rule in self.rules.values())


def default_policy_path() -> Path:
    return Path(str(resources.files("mappa_audit") / "policies" / DEFAULT_POLICY_NAME))


def load_policy(path: str | Path | None = None) -> Policy:
    """Read a policy file; ``None`` gives the shipped default policy.

    Raises
    ------
    PolicyError
        The file is missing, is not TOML, names an unknown rule or holds an impossible
        value (a target of 1.5, a unit the rule cannot use …).

    Examples
    --------
    >>> policy = load_policy()
    >>> policy.rule("REV-01").text, policy.rule("REV-01").target
    ('16 weeks', 0.95)
    """
    default_path = default_policy_path()
    default_bytes = default_path.read_bytes()
    defaults = _parse(default_bytes, default_path.name)
    base = _build(defaults, None, default_path.name, default_bytes)
    if path is None:
        return base
    policy_path = Path(path)
    try:
        data = policy_path.read_bytes()
    except OSError as error:
        msg = f"cannot read policy {str(policy_path)!r}: {error.strerror or error}"
        raise PolicyError(msg, "give the path of a .toml policy file") from None
    return _build(_parse(data, policy_path.name), base, policy_path.name, data)


def _parse(data: bytes, display: str) -> dict[str, Any]:
    try:
        return tomllib.loads(data.decode("utf-8-sig"))
    except UnicodeDecodeError:
        msg = f"cannot read policy {display}: it is not UTF-8 text"
        raise PolicyError(msg, "save the policy as a UTF-8 .toml file") from None
    except tomllib.TOMLDecodeError as error:
        msg = f"cannot read policy {display}: not valid TOML ({error})"
        hint = 'compare with the shipped policy: `key = value`, [rules."REV-01"]'
        raise PolicyError(msg, hint) from None


def _build(
    document: dict[str, Any], base: Policy | None, display: str, data: bytes
) -> Policy:
    unknown = set(document) - _TOP_FIELDS
    if unknown:
        msg = f"policy {display}: unknown setting {sorted(unknown)[0]!r}"
        raise PolicyError(msg, f"settings are: {', '.join(sorted(_TOP_FIELDS))}")
    name = document.get("name", base.name + " (modified)" if base else "policy")
    if not isinstance(name, str) or not name.strip():
        msg = f"policy {display}: name must be text, got {name!r}"
        raise PolicyError(msg)
    suppress_below = document.get("suppress_below", base.suppress_below if base else 5)
    if isinstance(suppress_below, bool) or not isinstance(suppress_below, int) or not (
        1 <= suppress_below <= 100
    ):
        msg = (
            f"policy {display}: suppress_below must be a whole number from 1 to 100, "
            f"got {suppress_below!r}"
        )
        raise PolicyError(msg, "the usual value is 5: counts 1 to 4 are shown as <5")
    closures = document.get("closure_days", list(base.closure_days) if base else [])
    closure_days = _closure_days(closures, display)

    rules_section = document.get("rules", {})
    if not isinstance(rules_section, dict):
        msg = f"policy {display}: [rules] must be a table of rules"
        raise PolicyError(msg, 'write each rule as a section such as [rules."REV-01"]')
    rules = dict(base.rules) if base else {}
    for rule_id, fields in rules_section.items():
        if base is not None and rule_id not in base.rules:
            known = ", ".join(base.rules)
            msg = f"policy {display}: unknown rule {rule_id!r}"
            raise PolicyError(msg, f"known rules are {known}")
        previous = rules.get(rule_id)
        rules[rule_id] = _rule(rule_id, fields, previous, display)
    return Policy(
        name=name.strip(),
        sha256=hashlib.sha256(data).hexdigest(),
        source=display,
        suppress_below=suppress_below,
        closure_days=closure_days,
        rules=rules,
        signals=_signals(document.get("signals", {}), base, display),
        **_reporting(document.get("reporting", {}), base, display),
    )


def _reporting(section: object, base: Policy | None, display: str) -> dict[str, Any]:
    """``[reporting]``: ``rate_min_base`` (whole, 1 to 1000) and ``material_change_points``
    (0 to 100), with ``source`` and ``confirmed`` as the rules have them."""
    settings: dict[str, Any] = (
        {"rate_min_base": base.rate_min_base,
         "material_change_points": base.material_change_points}
        if base else dict(REPORTING_SETTINGS))
    if not isinstance(section, dict):
        msg = f"policy {display}: [reporting] must be a table of settings"
        raise PolicyError(msg, "write [reporting] then rate_min_base = 20")
    for key, value in section.items():
        if key in ("source", "confirmed"):
            continue
        if key not in REPORTING_SETTINGS:
            msg = f"policy {display}: unknown reporting setting {key!r}"
            raise PolicyError(msg, "reporting settings are: rate_min_base, "
                              "material_change_points, source, confirmed")
        whole = key == "rate_min_base"
        if (isinstance(value, bool) or not isinstance(value, int | float)
                or (whole and not isinstance(value, int))
                or not (1 if whole else 0) <= value <= (1000 if whole else 100)):
            limits = "a whole number from 1 to 1000" if whole else "a number from 0 to 100"
            msg = f"policy {display}: {key} must be {limits}, got {value!r}"
            raise PolicyError(msg, "the usual values are rate_min_base = 20 and "
                              "material_change_points = 2")
        settings[key] = int(value) if whole else float(value)
    return settings


def _signals(section: object, base: Policy | None, display: str) -> dict[str, int]:
    settings = dict(base.signals) if base else dict(SIGNAL_SETTINGS)
    if not isinstance(section, dict):
        msg = f"policy {display}: [signals] must be a table of settings"
        raise PolicyError(msg, "write [signals] then step_down_within_weeks = 12")
    for key, value in section.items():
        if key not in SIGNAL_SETTINGS:
            msg = f"policy {display}: unknown signal setting {key!r}"
            raise PolicyError(msg, f"signal settings are: {', '.join(SIGNAL_SETTINGS)}")
        if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 120:
            msg = f"policy {display}: {key} must be a whole number from 1 to 120, got {value!r}"
            raise PolicyError(msg)
        settings[key] = value
    return settings


def _closure_days(values: object, display: str) -> tuple[dt.date, ...]:
    if not isinstance(values, list):
        msg = f"policy {display}: closure_days must be a list of dates, got {values!r}"
        raise PolicyError(msg, 'write closure_days = ["2026-12-24"]')
    days: set[dt.date] = set()
    for value in values:
        if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
            days.add(value)
            continue
        try:
            days.add(dt.date.fromisoformat(str(value)))
        except ValueError:
            msg = f"policy {display}: closure day {value!r} is not a date"
            raise PolicyError(msg, 'write closure days as "YYYY-MM-DD"') from None
    return tuple(sorted(days))


def _rule(
    rule_id: str, fields: object, previous: RuleStandard | None, display: str
) -> RuleStandard:
    where = f"policy {display}, rule {rule_id}"
    if not isinstance(fields, dict):
        msg = f"{where}: expected a table of settings, got {fields!r}"
        raise PolicyError(msg, f'write [rules."{rule_id}"] then target = 0.95 on the next line')
    unknown = set(fields) - _RULE_FIELDS
    if unknown:
        msg = f"{where}: unknown setting {sorted(unknown)[0]!r}"
        raise PolicyError(msg, f"settings are: {', '.join(sorted(_RULE_FIELDS))}")
    rule = previous or RuleStandard(rule_id, None, None, 0.95, 0.10, "local", False)

    if "standard" in fields:
        standard = fields["standard"]
        if not isinstance(standard, dict) or set(standard) != {"value", "unit"}:
            msg = f"{where}: standard must be {{ value = N, unit = \"…\" }}, got {standard!r}"
            raise PolicyError(msg, 'for example standard = { value = 16, unit = "weeks" }')
        value, unit = standard["value"], standard["unit"]
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            msg = f"{where}: standard value must be a whole number of 0 or more, got {value!r}"
            raise PolicyError(msg)
        if unit not in UNITS:
            msg = f"{where}: unknown unit {unit!r}"
            raise PolicyError(msg, f"units are: {', '.join(UNITS)}")
        if previous is not None and previous.unit is not None and unit != previous.unit:
            msg = f"{where}: this rule counts in {previous.unit}, not {unit}"
            raise PolicyError(msg, f'keep unit = "{previous.unit}" and change the value')
        if previous is not None and previous.unit is None:
            msg = f"{where}: this rule has no time standard"
            raise PolicyError(msg, "remove the standard line; set target and amber_margin only")
        rule = replace(rule, value=value, unit=unit)
    for share in ("target", "amber_margin"):
        if share in fields:
            number = fields[share]
            if isinstance(number, bool) or not isinstance(number, int | float) or not (
                0 <= number <= 1
            ):
                msg = f"{where}: {share} must be a share from 0 to 1, got {number!r}"
                raise PolicyError(msg, "write 95 % as 0.95")
            rule = (
                replace(rule, target=float(number))
                if share == "target"
                else replace(rule, amber_margin=float(number))
            )
    if "source" in fields:
        if not isinstance(fields["source"], str):
            msg = f"{where}: source must be text, got {fields['source']!r}"
            raise PolicyError(msg)
        rule = replace(rule, source=fields["source"])
    if "confirmed" in fields:
        if not isinstance(fields["confirmed"], bool):
            msg = f"{where}: confirmed must be true or false, got {fields['confirmed']!r}"
            raise PolicyError(msg)
        rule = replace(rule, confirmed=fields["confirmed"])
    return rule
