"""The JSON documents of results-format.md: the audit results and the validation report."""

from __future__ import annotations

import json
from typing import Any

import polars as pl

from mappa_audit import __version__
from mappa_audit._contract import TABLES
from mappa_audit._engine import AuditResult
from mappa_audit._loader import Dataset
from mappa_audit._signals import signal_counts, watch_list
from mappa_audit.rules import ordered_rules

FORMAT_VERSION = 1


def results_document(result: AuditResult, watch: pl.DataFrame | None = None) -> dict[str, Any]:
    """The results object of ``mappa-audit check --format json``; ``watch``: the watch list
    of ``result`` when the caller has it already (it is not cheap to find again)."""
    dataset = result.dataset
    tables = {
        name: {
            "rows": report.rows_read,
            "rows_kept": report.rows_kept,
            "quarantined": report.rows_quarantined,
            "sha256": report.sha256,
        }
        for name, report in dataset.reports.items()
        if report.present
    }
    statuses = {status.spec.rule_id: status for status in result.statuses}
    rules: list[dict[str, Any]] = []
    for row in result.headline().iter_rows(named=True):
        status = statuses[row["rule_id"]]
        standard = result.policy.rule(row["rule_id"])
        entry: dict[str, Any] = {
            "rule_id": row["rule_id"],
            "title": row["title"],
            "standard": row["standard"],
            "target": standard.target,
            "amber_margin": standard.amber_margin,
            "confirmed": standard.confirmed,
            "compliant": row["compliant"],
            "non_compliant": row["non_compliant"],
            "pending": row["pending"],
            "not_assessable": row["not_assessable"],
            "population": row["population"],
            "rate": row["rate"],
            "rag": row["rag"],
            "status": status.status.value,
        }
        if status.reason is not None:
            entry["reason"] = status.reason
        rules.append(entry)
    return {
        "format_version": FORMAT_VERSION,
        "tool_version": __version__,
        "period": {
            "start": result.start.isoformat(),
            "end": result.end.isoformat(),
            "as_at": result.as_at.isoformat(),
        },
        "area": result.area,
        "policy": {
            "name": result.policy.name,
            "sha256": result.policy.sha256,
            "confirmed": result.policy.all_confirmed,
            "suppress_below": result.policy.suppress_below,
            "rate_min_base": result.policy.rate_min_base,
            "material_change_points": result.policy.material_change_points,
        },
        "dataset": {"source": dataset.source, "tables": tables},
        "quarantine": {
            "entries": dataset.quarantine.height,
            "rows": sum(r.rows_quarantined for r in dataset.reports.values()),
        },
        "rules": rules,
        "data_quality": result.data_quality().to_dicts(),
        "signals": signal_counts(watch_list(result) if watch is None else watch),
    }


def validation_document(dataset: Dataset) -> dict[str, Any]:
    """The report of ``mappa-audit validate --format json``."""
    tables: dict[str, dict[str, Any]] = {}
    for name, report in dataset.reports.items():
        if not report.present:
            tables[name] = {"present": False}
            continue
        tables[name] = {
            "present": True,
            "file": report.file,
            "format": report.format.value if report.format else None,
            "encoding": report.encoding,
            "rows_read": report.rows_read,
            "rows_kept": report.rows_kept,
            "rows_quarantined": report.rows_quarantined,
            "exact_duplicates_dropped": report.exact_duplicates_dropped,
            "invalid_optional_cells": report.invalid_optional_cells,
            "extra_columns": list(report.extra_columns),
            "sha256": report.sha256,
        }
    return {
        "format_version": FORMAT_VERSION,
        "dataset": dataset.source,
        "tables": tables,
        "quarantine": dataset.quarantine.to_dicts(),
        "notes": notes_with_rules(dataset),
    }


def notes_with_rules(dataset: Dataset) -> list[str]:
    """The loader's notes, with the rules an absent table makes not assessable."""
    notes: list[str] = []
    for note in dataset.notes:
        table, _, rest = note.partition(": ")
        affected = [spec.rule_id for spec in ordered_rules() if table in spec.needs]
        if rest == "table absent" and table in TABLES and affected:
            ids = ", ".join(affected[:-1]) + (" and " if len(affected) > 1 else "")
            notes.append(f"{note}; {ids}{affected[-1]} will not be assessable")
        else:
            notes.append(note)
    return notes


def dumps(document: dict[str, Any]) -> str:
    """JSON text as every command writes it: stable key order, UTF-8, two-space indent."""
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"
