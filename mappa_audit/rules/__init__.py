"""The rules of audit-rules.md: one module per theme, each rule one registered function."""

from mappa_audit.rules import actions, attendance, disclosure, reviews, timeliness
from mappa_audit.rules._context import AuditContext, build_context
from mappa_audit.rules._registry import (
    EXCEPTION_OUTCOMES,
    REPORTED_OUTCOMES,
    RULES,
    Outcome,
    Rag,
    RuleSpec,
    Status,
    Theme,
    get_rule,
    ordered_rules,
)
from mappa_audit.rules.data_quality import DATA_QUALITY_RULES, FINDING_SCHEMA, data_quality_findings

del actions, attendance, disclosure, reviews, timeliness  # imported to register their rules

RULE_ORDER = tuple(spec.rule_id for spec in ordered_rules())
"""Every rule id, in the order of docs/rules.md (which each rule's theme and id decide)."""

__all__ = [
    "DATA_QUALITY_RULES",
    "EXCEPTION_OUTCOMES",
    "FINDING_SCHEMA",
    "REPORTED_OUTCOMES",
    "RULES",
    "RULE_ORDER",
    "AuditContext",
    "Outcome",
    "Rag",
    "RuleSpec",
    "Status",
    "Theme",
    "build_context",
    "data_quality_findings",
    "get_rule",
    "ordered_rules",
]
