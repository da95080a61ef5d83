"""Outcome, reason and RAG words, and the registry that maps rule ids to rule functions."""

from __future__ import annotations

import enum
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

import polars as pl

if TYPE_CHECKING:
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
    TIMELINESS = "timeliness"
    REVIEWS = "reviews"
    ACTIONS = "actions"
    ATTENDANCE = "attendance"
    DISCLOSURE = "disclosure"
    DATA_QUALITY = "data quality"


ITEM_COLUMNS = ("item_id", "case_id", "item_date", "outcome", "reason")
"""What every rule function yields, in this order (the engine adds rule_id and breakdowns)."""

RuleFunction = Callable[["AuditContext"], pl.LazyFrame]


@dataclass(frozen=True, slots=True)
class RuleSpec:
    """A compliance rule: id, title, theme, the optional tables it needs, its function."""

    rule_id: str
    title: str
    theme: Theme
    needs: tuple[str, ...]
    function: RuleFunction


RULES: dict[str, RuleSpec] = {}
"""Every compliance rule, in the order of audit-rules.md."""

RULE_ORDER = (
    "TML-01", "TML-02", "TML-03", "TML-04", "TML-05",
    "REV-01", "REV-02", "REV-03",
    "ACT-01", "ACT-02",
    "ATT-01", "ATT-02",
    "DIS-01", "DIS-02", "DIS-03", "DIS-04", "DIS-05",
)  # fmt: skip


def rule(
    rule_id: str, title: str, theme: Theme, *, needs: tuple[str, ...] = ()
) -> Callable[[RuleFunction], RuleFunction]:
    """Register a rule function under ``rule_id``.

    ``needs`` names the optional tables without which the rule is not assessable.
    """

    def register(function: RuleFunction) -> RuleFunction:
        if rule_id in RULES:
            msg = f"rule {rule_id} is registered twice"
            raise ValueError(msg)
        RULES[rule_id] = RuleSpec(rule_id, title, theme, needs, function)
        return function

    return register


def get_rule(rule_id: str) -> RuleSpec:
    try:
        return RULES[rule_id]
    except KeyError:
        known = ", ".join(RULES)
        msg = f"unknown rule {rule_id!r}; known rules: {known}"
        raise KeyError(msg) from None


def ordered_rules() -> list[RuleSpec]:
    return [RULES[rule_id] for rule_id in RULE_ORDER]
