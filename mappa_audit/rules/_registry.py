"""Outcome, reason and RAG words, and the registry where each rule is declared once."""

from __future__ import annotations

import enum
import re
import string
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

import polars as pl

from mappa_audit._errors import NotFoundError, PolicyError

if TYPE_CHECKING:
    from mappa_audit._policy import Policy
    from mappa_audit.rules._context import AuditContext


class Outcome(enum.StrEnum):
    """What became of one item of a rule (audit-rules.md, "Outcomes")."""

    COMPLIANT = "compliant"
    NON_COMPLIANT = "non_compliant"
    PENDING = "pending"
    NOT_ASSESSABLE = "not_assessable"
    DROPPED = "dropped"
    """Not an outcome of the spec: the rule says the row is not an item. Never leaves a rule."""


REPORTED_OUTCOMES = (
    Outcome.COMPLIANT,
    Outcome.NON_COMPLIANT,
    Outcome.PENDING,
    Outcome.NOT_ASSESSABLE,
)
EXCEPTION_OUTCOMES = (Outcome.NON_COMPLIANT, Outcome.NOT_ASSESSABLE)


class Rag(enum.StrEnum):
    GREEN = "green"
    AMBER = "amber"
    RED = "red"
    NONE = "none"


class Status(enum.StrEnum):
    ASSESSED = "assessed"
    NOT_ASSESSABLE = "not_assessable"


class Theme(enum.StrEnum):
    """The themes of docs/rules.md, in the order reports show them (and so order the rules)."""

    TIMELINESS = "timeliness"
    REVIEWS = "reviews"
    ACTIONS = "actions"
    ATTENDANCE = "attendance"
    DISCLOSURE = "disclosure"
    DATA_QUALITY = "data quality"


ITEM_COLUMNS = ("item_id", "case_id", "item_date", "outcome", "reason")
"""What every rule function yields, in this order (the engine adds rule_id and breakdowns)."""

RuleFunction = Callable[["AuditContext"], pl.LazyFrame]

RULE_ID = re.compile(r"[A-Z]{3}-\d{2}")
"""A rule id: theme letters and a two-digit number, so that ids sort in number order."""
STANDARD_FIELD = "standard"
"""The one placeholder of a title: the rule's ``standard`` in the policy, as people say it."""


@dataclass(frozen=True, slots=True)
class RuleSpec:
    """A compliance rule, declared once: id, title, theme, needs, worklist label, function.

    Its place in reports follows from its theme (in the order of :class:`Theme`) and then its
    id. A rule with a time standard names it ``{standard}`` in its title template, so that the
    title states the standard of whichever policy the audit ran against.
    """

    rule_id: str
    title_template: str
    theme: Theme
    needs: tuple[str, ...]
    function: RuleFunction
    worklist_label: str | None = None
    """What a co-ordinator has to do for an item still awaited (``what`` on the worklist);
    ``None`` for a rule that puts nothing on the worklist."""

    @property
    def states_standard(self) -> bool:
        """Whether the title states the rule's time standard."""
        return f"{{{STANDARD_FIELD}}}" in self.title_template

    @property
    def order(self) -> tuple[int, str]:
        """The rule's place in every report: its theme's place, then its id."""
        return list(Theme).index(self.theme), self.rule_id

    def title(self, policy: Policy) -> str:
        """The title with the standard ``policy`` sets for this rule.

        Raises
        ------
        PolicyError
            The title states a standard and the policy gives the rule none.

        Examples
        --------
        >>> from mappa_audit import load_policy
        >>> get_rule("TML-01").title(load_policy())
        'First meeting within 5 working days of a Level 3 referral'
        >>> get_rule("ACT-01").title(load_policy())
        'Actions have an owner and a due date'
        """
        if not self.states_standard:
            return self.title_template
        standard = policy.rule(self.rule_id).text
        if standard is None:
            msg = f"policy {policy.source} gives rule {self.rule_id} no standard to state"
            raise PolicyError(msg, "give the rule a standard = { value = N, unit = \"…\" }")
        return self.title_template.format_map({STANDARD_FIELD: standard})


RULES: dict[str, RuleSpec] = {}
"""Every compliance rule, by id, as the theme modules register them."""


def rule(
    rule_id: str,
    title: str,
    theme: Theme,
    *,
    needs: tuple[str, ...] = (),
    worklist: str | None = None,
) -> Callable[[RuleFunction], RuleFunction]:
    """Register a rule function under ``rule_id``.

    Parameters
    ----------
    rule_id
        The public id, ``XXX-NN`` (docs/rules.md); with ``theme`` it fixes the rule's order.
    title
        The title template: ``{standard}`` stands for the rule's standard in the audit's
        policy (``"5 working days"``); a rule without a time standard has a plain title.
    theme
        The theme the rule is reported under.
    needs
        The optional tables without which the rule is not assessable.
    worklist
        What a co-ordinator has to do for an awaited item, for a rule whose items carry a
        ``due`` date and go on the worklist.
    """
    if not RULE_ID.fullmatch(rule_id):
        msg = f"rule id {rule_id!r} is not of the form XXX-NN"
        raise ValueError(msg)
    fields = {field for _, field, _, _ in string.Formatter().parse(title) if field is not None}
    if fields - {STANDARD_FIELD}:
        msg = f"title of rule {rule_id} names {sorted(fields)}, not only {{{STANDARD_FIELD}}}"
        raise ValueError(msg)

    def register(function: RuleFunction) -> RuleFunction:
        if rule_id in RULES:
            msg = f"rule {rule_id} is registered twice"
            raise ValueError(msg)
        RULES[rule_id] = RuleSpec(rule_id, title, theme, needs, function, worklist)
        return function

    return register


def get_rule(rule_id: str) -> RuleSpec:
    try:
        return RULES[rule_id]
    except KeyError:
        known = ", ".join(spec.rule_id for spec in ordered_rules())
        msg = f"`rule_id` {rule_id!r} is not a rule"
        raise NotFoundError(msg, f"known rules: {known}", argument="rule_id") from None


def ordered_rules() -> list[RuleSpec]:
    """Every rule in the order of docs/rules.md: by theme, then by id."""
    return sorted(RULES.values(), key=lambda spec: spec.order)
