"""mappa-audit: audit the Multi-Agency Public Protection Arrangements of a MAPPA area.

The public API, for notebooks, dashboards and your own scripts::

    import mappa_audit as ma
    dataset = ma.load_dataset("data_samples")
    result = ma.audit(dataset, "2025-04-01", "2026-03-31", area="Eastvale")
    result.headline()            # one row per rule: counts, rate, RAG
    result.breakdown("quarter")  # the same per quarter (or area, lau, category, level)
    result.exceptions()          # auditor view only: case ids and reasons
    result.data_quality()        # DQ-01..06 row counts
    ma.results_document(result)  # the results JSON of results-format.md
    ma.annual_tables(dataset, "2025-26")  # the annual report's tables, as polars frames
"""

__version__ = "0.1.0"

import logging

from mappa_audit._annual import annual_tables
from mappa_audit._calendar import WorkingDayCalendar
from mappa_audit._engine import BREAKDOWNS, AuditResult, audit
from mappa_audit._errors import (
    ArgumentError,
    AuditorOnlyError,
    DatasetError,
    MappaAuditError,
    MissingColumnError,
    MissingTableError,
    NotFoundError,
    PolicyError,
    SmallSuppressionError,
    StrictModeError,
    UnreadableFileError,
    UsageError,
)
from mappa_audit._loader import Dataset, TableReport, load_dataset
from mappa_audit._policy import Policy, RuleStandard, load_policy
from mappa_audit._privacy import Audience
from mappa_audit._report import AuditReport
from mappa_audit._results import results_document, validation_document
from mappa_audit.rules import Outcome, Rag

# A library logs and lets the application choose where to (the command line prints warnings
# on stderr); in a notebook or a dashboard's kernel, stderr would be the reader's page.
logging.getLogger("mappa_audit").addHandler(logging.NullHandler())

__all__ = [
    "BREAKDOWNS",
    "ArgumentError",
    "Audience",
    "AuditReport",
    "AuditResult",
    "AuditorOnlyError",
    "Dataset",
    "DatasetError",
    "MappaAuditError",
    "MissingColumnError",
    "MissingTableError",
    "NotFoundError",
    "Outcome",
    "Policy",
    "PolicyError",
    "Rag",
    "RuleStandard",
    "SmallSuppressionError",
    "StrictModeError",
    "TableReport",
    "UnreadableFileError",
    "UsageError",
    "WorkingDayCalendar",
    "__version__",
    "annual_tables",
    "audit",
    "load_dataset",
    "load_policy",
    "results_document",
    "validation_document",
]
