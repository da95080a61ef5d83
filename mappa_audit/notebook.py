"""Display helpers for the audit notebooks: each cell calls one of these and shows the result.

Figures are shown as a bundle: plotly's own MIME type for JupyterLab and Voila, and plain
HTML (without plotly.js, which the report template inlines once) for the HTML export.

Everything else is shown as HTML rendered from the view models of :mod:`mappa_audit._views`
through the autoescaping templates of ``templates/views``, never as Markdown: Markdown lets
raw HTML through, and a sentence names areas from the data.
"""

from __future__ import annotations

from typing import Any

import plotly.graph_objects as go
import polars as pl
from IPython.display import HTML, display

from mappa_audit import _views as views
from mappa_audit._charts import figure, figure_html, figure_spec, ranked_figure
from mappa_audit._disclosure_review import shown_summary
from mappa_audit._outcome_views import outcomes_theme
from mappa_audit._privacy import Audience
from mappa_audit._render import render
from mappa_audit._report import MAX_EXCEPTION_ROWS, AuditReport, previous_report
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
    "show_level_use_charts",
    "show_outcomes",
    "show_theme",
    "show_watch_list",
]


def show_figure(figure: go.Figure, *, with_html: bool = True) -> None:
    """Display a plotly figure so that it draws in JupyterLab, Voila and the HTML export.

    ``with_html=False`` leaves out the HTML copy the export needs: a live dashboard draws the
    plotly JSON itself, and every redraw then sends and renders half as much.
    """
    bundle: dict[str, Any] = {"application/vnd.plotly.v1+json": figure_spec(figure)}
    if with_html:
        bundle["text/html"] = figure_html(figure)
    display(bundle, raw=True)


def _note(text: str) -> None:
    """A line of plain text in italics."""
    display(HTML(render("note.html.j2", text=text, italic=True)))


def _table(frame: pl.DataFrame, heading: str | None = None) -> None:
    display(HTML(render("table.html.j2", view=views.table(frame), css="mappa", heading=heading)))


def show_banner(report: AuditReport) -> None:
    """Period, policy and data-quality note, and whom the report is for."""
    display(HTML(render("banner.html.j2", view=views.banner(report))))


def show_headline(report: AuditReport) -> None:
    """The headline table of every rule, with RAG."""
    display(HTML(render("headline.html.j2", rows=views.headline_rows(report))))


def show_theme(report: AuditReport, theme: str) -> None:
    """One theme: a sentence per rule, then its trend by quarter and its rate by area (when
    the report is of all areas) and by local unit."""
    [section] = views.theme_sections(report, [Theme(theme)])
    if not section.rules:
        _note(f"No {section.title.lower()} rules in this run.")
        return
    rule_ids = [rule.rule_id for rule in section.rules]
    display(HTML(render("headline.html.j2", rows=views.headline_rows(report, rule_ids))))
    for rule in section.rules:
        display(HTML(render("rule_sentence.html.j2", rule_id=rule.rule_id,
                            sentence=rule.sentence)))
        if not rule.has_items:
            continue
        show_figure(figure(views.quarter_chart(report, rule.rule_id)))
        if report.document.get("area") is None:  # one area's report: a chart of one bar
            show_figure(figure(views.breakdown_chart(report, rule.rule_id, "area")))
        show_figure(figure(views.breakdown_chart(report, rule.rule_id, "lau")))


def show_data_quality(report: AuditReport) -> None:
    """DQ-01..06 counts and the quarantine, by table and reason."""
    display(HTML(render("data_quality.html.j2", view=views.data_quality(report))))


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
    _table(shown)


def show_glossary(report: AuditReport | None = None) -> None:
    """The words a board member may not know (with ``report``, how near "near target" is)."""
    display(HTML(render("glossary.html.j2", entries=views.glossary(report))))


def show_disclosure_summary(report: AuditReport, by: str) -> None:
    """Disclosure decisions of the period counted by ``by`` (area, level, recipient_type…)."""
    summary = report.disclosure_by(by)
    if summary.height == 0:
        _note("No disclosure decisions in the period.")
        return
    shown = shown_summary(summary, report.suppress_below if report.is_board else None)
    _table(shown.rename({"value": by.replace("_", " ").capitalize()}))


def show_watch_list(report: AuditReport, run_folder: str | None = None) -> None:
    """Watch-list counts (and their change since the last run) for everyone; the cases
    themselves for auditors only."""
    previous = previous_report(run_folder, report) if run_folder else None
    display(HTML(render("signals.html.j2", view=views.signals(report, previous))))
    if report.is_board or report.watch is None:
        return
    _note(f"{report.watch.height} cases picked out:")
    _table(report.watch.head(MAX_EXCEPTION_ROWS))


def show_coming_due(report: AuditReport) -> None:
    """What falls due in the four weeks after the as-at date (counts; the list for auditors)."""
    display(HTML(render("due_by_week.html.j2", weeks=views.due_by_week(report))))
    if report.is_board or report.worklist is None:
        return
    _note(f"{report.worklist.height} items; the full list is in worklist.parquet and from "
          "mappa-audit due.")
    _table(report.worklist.head(MAX_EXCEPTION_ROWS))


def show_change(report: AuditReport, run_folder: str | None) -> None:
    """Change per rule since the previous run of the same period length."""
    previous = previous_report(run_folder, report) if run_folder else None
    display(HTML(render("change_table.html.j2", view=views.change_table(report, previous))))


def show_outcomes(report: AuditReport, run_folder: str | None = None,
                  dataset: str | None = None, policy: str | None = None) -> None:
    """The "Outcomes and equality" theme: the annual tables of the last whole financial year
    by the report's as-at date (the run's ``outcomes.json``; opened by hand, made from
    ``dataset``), then the ranked level-use charts. Hidden as a board reads them in a board
    report; groups only, never an individual."""
    import datetime as dt

    from mappa_audit._annual import (
        AnnualSource,
        annual_document,
        board_document,
        last_whole_year,
    )
    from mappa_audit._store import read_outcomes

    area = report.document.get("area")
    board = report.audience is Audience.BOARD
    if run_folder:
        document = read_outcomes(run_folder)
    elif dataset is not None:
        year = last_whole_year(dt.date.fromisoformat(report.document["period"]["end"]))
        source = AnnualSource(dataset, year, policy=policy)
        below = report.suppress_below if board else None
        document = annual_document(  # a board's protected with every area's (decision 60)
            source.tables(area), year, area=area, suppress_below=below,
            rate_min_base=source.policy.rate_min_base,
            hidden_tables=None if below is None else source.hidden(
                area, below, rate_min_base=source.policy.rate_min_base))
    else:
        document = None
    if document is None:
        _note("No annual tables: the run was made before they existed, or its data do not "
              "cover a whole financial year.")
        return
    if board:
        document = board_document(document, report.suppress_below)
    theme = outcomes_theme(document)
    display(HTML(render("outcomes.html.j2", theme=theme, figures=(), svgs=(), heading=False)))
    for chart in theme.charts:
        show_figure(figure=ranked_figure(chart))


def show_level_use_charts(tables: dict[str, Any], year: str, area: str | None,
                          suppress_below: int | None,
                          hidden_tables: dict[str, Any] | None = None) -> None:
    """Each area's use of the levels, ranked, against the national figure (the annual
    report's charts); ``suppress_below`` ``None``: exact, else hidden as a board reads it
    (``hidden_tables``, protected with the other areas', when given)."""
    from mappa_audit._annual import annual_document

    document = annual_document(tables, year, area=area, suppress_below=suppress_below,
                               hidden_tables=hidden_tables)
    for chart in outcomes_theme(document).charts:
        show_figure(figure=ranked_figure(chart))


def show_annual_tables(tables: dict[str, Any], titles: dict[str, str]) -> None:
    """The annual-report tables, each under its title."""
    for name, frame in tables.items():
        _table(frame, heading=titles[name])
