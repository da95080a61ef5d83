"""Display helpers for the audit notebooks: each cell calls one of these and shows the result.

Figures are shown as a bundle: plotly's own MIME type for JupyterLab and Voila, and plain
HTML (without plotly.js, which the report template inlines once) for the HTML export.

Everything is shown as HTML built with every value escaped, never as Markdown: Markdown lets
raw HTML through, and a sentence names areas from the data.
"""

from __future__ import annotations

import json
from typing import Any

import plotly.graph_objects as go
from IPython.display import HTML, display

from mappa_audit._disclosure_review import shown_summary
from mappa_audit._report import (
    MAX_EXCEPTION_ROWS,
    THEME_TITLES,
    AuditReport,
    frame_html,
    glossary_html,
    html_text,
    previous_report,
)
from mappa_audit.rules import Theme

__all__ = [
    "show_banner",
    "show_change",
    "show_coming_due",
    "show_data_quality",
    "show_disclosure_summary",
    "show_exceptions",
    "show_figure",
    "show_glossary",
    "show_headline",
    "show_theme",
    "show_watch_list",
]


def show_figure(figure: go.Figure, *, with_html: bool = True) -> None:
    """Display a plotly figure so that it draws in JupyterLab, Voila and the HTML export.

    ``with_html=False`` leaves out the HTML copy the export needs: a live dashboard draws the
    plotly JSON itself, and every redraw then sends and renders half as much.
    """
    bundle: dict[str, Any] = {"application/vnd.plotly.v1+json": json.loads(figure.to_json())}
    if with_html:
        bundle["text/html"] = figure.to_html(full_html=False, include_plotlyjs=False,
                                             config={"displaylogo": False, "responsive": True})
    display(bundle, raw=True)


def _note(text: str) -> None:
    """A line of plain text in italics (text, not Markdown: nothing in it is markup)."""
    display(HTML(f"<p><i>{html_text(text)}</i></p>"))


def show_banner(report: AuditReport) -> None:
    """Period, policy and data-quality note, and whom the report is for."""
    lines = "".join(f"<div>{html_text(line)}</div>" for line in report.banner_text())
    audience = ("Board view: aggregates only; counts from 1 to "
                f"{report.suppress_below - 1} are shown as &lt;{report.suppress_below}."
                if report.is_board else
                "Auditor view: holds case references. OFFICIAL-SENSITIVE; do not circulate.")
    display(HTML(
        "<div style='border-left:6px solid #1f4e79;padding:8px 12px;background:#f3f6fa;"
        f"font-family:system-ui,sans-serif'>{lines}<div><i>{audience}</i></div></div>"
    ))


def show_headline(report: AuditReport) -> None:
    """The headline table of every rule, with RAG."""
    display(HTML(report.headline_html()))


def show_theme(report: AuditReport, theme: str) -> None:
    """One theme: a sentence per rule, then its trend by quarter and its rate by area (when
    the report is of all areas) and by local unit."""
    rule_ids = report.rules_of(theme)
    if len(rule_ids) == 0:
        _note(f"No {THEME_TITLES[Theme(theme)].lower()} rules in this run.")
        return
    display(HTML(report.headline_html(rule_ids)))
    for rule_id in rule_ids:
        display(HTML(f"<p><b>{html_text(rule_id)}.</b> {html_text(report.sentence(rule_id))}"
                     "</p>"))
        if report.rule(rule_id)["population"] == 0:
            continue
        show_figure(report.quarter_figure(rule_id))
        if report.document.get("area") is None:  # one area's report: a chart of one bar
            show_figure(report.breakdown_figure(rule_id, "area"))
        show_figure(report.breakdown_figure(rule_id, "lau"))


def show_data_quality(report: AuditReport) -> None:
    """DQ-01..06 counts and the quarantine, by table and reason."""
    display(HTML(report.data_quality_html()))


def show_exceptions(report: AuditReport, theme: str | None = None) -> None:
    """Auditor view: the exceptions (case id, date, reason); the board view says where they are."""
    if report.is_board:
        _note("Case-level exceptions are shown in the auditor view only.")
        return
    rule_ids = report.rules_of(theme) if theme else None
    frame = report.exceptions_frame(rule_ids)
    shown = frame.head(MAX_EXCEPTION_ROWS).select(
        "rule_id", "case_id", "item_id", "item_date", "outcome", "reason", "area")
    more = frame.height - shown.height
    note = (f"{frame.height} exceptions" + (f"; the first {shown.height} are shown, all are in "
                                            "exceptions.parquet" if more else ""))
    _note(f"{note}.")
    display(HTML(frame_html(shown)))


def show_glossary() -> None:
    """The words a board member may not know."""
    display(HTML(glossary_html()))


def show_disclosure_summary(report: AuditReport, by: str) -> None:
    """Disclosure decisions of the period counted by ``by`` (area, level, recipient_type…)."""
    summary = report.disclosure_by(by)
    if summary.height == 0:
        _note("No disclosure decisions in the period.")
        return
    shown = shown_summary(summary, report.suppress_below if report.is_board else None)
    display(HTML(frame_html(shown.rename({"value": by.replace("_", " ").capitalize()}))))


def show_watch_list(report: AuditReport, run_folder: str | None = None) -> None:
    """Watch-list counts (and their change since the last run) for everyone; the cases
    themselves for auditors only."""
    previous = previous_report(run_folder, report) if run_folder else None
    display(HTML(report.signals_html(previous)))
    if report.is_board or report.watch is None:
        return
    _note(f"{report.watch.height} cases picked out:")
    display(HTML(frame_html(report.watch.head(MAX_EXCEPTION_ROWS))))


def show_coming_due(report: AuditReport) -> None:
    """What falls due in the four weeks after the as-at date (counts; the list for auditors)."""
    display(HTML(report.due_by_week_html()))
    if report.is_board or report.worklist is None:
        return
    _note(f"{report.worklist.height} items; the full list is in worklist.parquet and from "
          "mappa-audit due.")
    display(HTML(frame_html(report.worklist.head(MAX_EXCEPTION_ROWS))))


def show_change(report: AuditReport, run_folder: str | None) -> None:
    """Change per rule since the previous run of the same period length."""
    previous = previous_report(run_folder, report) if run_folder else None
    display(HTML(report.change_html(previous)))


def show_annual_tables(tables: dict[str, Any], titles: dict[str, str]) -> None:
    """The annual-report tables, each under its title."""
    for name, frame in tables.items():
        display(HTML(f"<h3>{html_text(titles[name])}</h3>"))
        display(HTML(frame_html(frame)))
