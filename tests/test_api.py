"""The public API is what `__all__` says, and every name in it exists."""

from __future__ import annotations

import mappa_audit as ma
from mappa_audit import dashboard, notebook

PUBLIC = {
    "BREAKDOWNS", "ArgumentError", "Audience", "AuditReport", "AuditResult", "AuditorOnlyError",
    "Dataset", "DatasetError", "MappaAuditError", "MissingColumnError", "MissingTableError",
    "NotFoundError", "Outcome", "Policy",
    "PolicyError", "Rag", "RuleStandard", "SmallSuppressionError", "StrictModeError",
    "TableReport",
    "UnreadableFileError", "UsageError", "WorkingDayCalendar", "__version__", "annual_tables",
    "audit",
    "load_dataset", "load_policy", "results_document", "validation_document",
}


def test_all_is_the_public_api() -> None:
    assert set(ma.__all__) == PUBLIC
    for module in (ma, notebook, dashboard):
        for name in module.__all__:
            assert hasattr(module, name), (module.__name__, name)


def test_package_ships_its_type_marker() -> None:
    from importlib import resources

    assert (resources.files("mappa_audit") / "py.typed").is_file()
