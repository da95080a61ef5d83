"""The rules of audit-rules.md: one module per theme, each rule one registered function."""

from mappa_audit.rules import actions, attendance, disclosure, reviews, timeliness
from mappa_audit.rules._context import AuditContext, build_context
from mappa_audit.rules._registry import (
    EXCEPTION_OUTCOMES,
    REPORTED_OUTCOMES,
    RULE_ORDER,
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
