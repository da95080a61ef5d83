"""The Voila dashboards: the board overview and the auditor's exception browser.

Each dashboard notebook holds one cell that calls :func:`board_overview` or
:func:`auditor_exceptions`. The board overview reads aggregate files of recorded runs only
(``results.json``, ``rule_results.parquet``, ``area_results.parquet``): its kernel never
loads case-level data. Runs are found in the folder named by ``MAPPA_RUNS_DIR`` (set by
``mappa-audit serve``), else ``runs/``.
"""

from __future__ import annotations

import datetime as dt
import os
import re
from pathlib import Path
from typing import Any

import ipywidgets as widgets
import polars as pl
from IPython.display import display

from mappa_audit import _views as views
from mappa_audit._annual import board_document
from mappa_audit._board_summary import board_summary, by_concern
from mappa_audit._calendar import day_month
from mappa_audit._charts import figure, figure_json, ranked_figure
from mappa_audit._downloads import Downloads
from mappa_audit._engine import EXCEPTION_COLUMNS
from mappa_audit._exports import about_rows
from mappa_audit._first_paint import UNREADABLE as _UNREADABLE
from mappa_audit._first_paint import banner_html as _banner_html
from mappa_audit._first_paint import tiles_html as _tiles_html
from mappa_audit._headings import for_people
from mappa_audit._outcome_views import OUTCOMES_THEME, outcomes_theme
from mappa_audit._render import render
from mappa_audit._report import AuditReport
from mappa_audit._serve import KERNEL_SECRET_ENV, KERNEL_SECRET_HEADER
from mappa_audit._store import previous_run, read_outcomes, successful_runs

__all__ = ["auditor_exceptions", "board_overview", "runs_folder"]

ALL_AREAS = "All areas"
ALL = "All"
OUTCOMES = "outcomes"
"""The theme choice that shows the run's annual tables instead of rules."""
NO_OUTCOMES = ("This run has no annual tables (it was made before they existed, or its "
               "data do not cover a whole financial year).")
PAGE_SIZE = 50
BREAKDOWN_CHOICES = {"By area": "area", "By local unit": "lau", "By category": "category",
                     "By level": "level"}


def runs_folder(runs: str | Path | None = None) -> Path:
    """The runs folder: the argument, else ``MAPPA_RUNS_DIR``, else ``runs``."""
    return Path(runs or os.environ.get("MAPPA_RUNS_DIR") or "runs")


def _run_label(entry: dict[str, Any]) -> str:
    start, end = (dt.date.fromisoformat(entry[k]) for k in ("start", "end"))
    made = dt.datetime.fromisoformat(entry["started_at"])
    return (f"{day_month(start)} to {day_month(end)} · {entry['area'] or ALL_AREAS} · "
            f"run {day_month(made)} {made:%H:%M}")


def _message(text: str) -> widgets.HTML:
    return widgets.HTML(render("message.html.j2", text=text))


# ---- the board overview ------------------------------------------------------------------------

class BoardOverview:
    """Widgets and state of the board dashboard (exposed for the tests and benchmarks)."""

    def __init__(self, runs: Path) -> None:
        self.runs = runs
        # board runs only: an auditor run's board view is protected on its own, and would
        # show counts that the board runs of the same audit withhold (decision 64)
        self.entries = successful_runs(runs, "board")
        self.run = widgets.Dropdown(
            options=[(_run_label(e), e["folder"]) for e in self.entries],
            description="Run", layout={"width": "460px"},
        )
        self.area = widgets.Dropdown(description="Area", layout={"width": "260px"})
        self.theme = widgets.Dropdown(
            options=[("All themes", ALL)] + [(t, k.value) for k, t in views.THEME_TITLES.items()]
            + [(OUTCOMES_THEME, OUTCOMES)],
            description="Theme", layout={"width": "300px"},
        )
        self.rule = widgets.Dropdown(description="Chart of", layout={"width": "520px"})
        self.breakdown = widgets.ToggleButtons(options=list(BREAKDOWN_CHOICES),
                                               style={"button_width": "110px"})
        self.banner = widgets.HTML()
        self.summary = widgets.HTML()
        self.tiles = widgets.HTML()
        self.charts = widgets.HTML()
        self.signals = widgets.HTML()
        self.coming_due = widgets.HTML()
        self.signals_heading = widgets.HTML()
        self.coming_due_heading = widgets.HTML()
        self.glossary = widgets.HTML()
        self._reports: dict[str, AuditReport] = {}
        self.report: AuditReport | None = None
        for control in (self.run, self.area, self.theme, self.rule, self.breakdown):
            control.observe(self._changed, names="value")
        self._busy = False
        self._load_run()

    def widget(self) -> widgets.Widget:
        return widgets.VBox([
            self.banner,
            widgets.HBox([self.run, self.area, self.theme], layout={"flex_flow": "row wrap"}),
            self.summary,
            self.tiles,
            widgets.HBox([self.rule, self.breakdown], layout={"flex_flow": "row wrap"}),
            self.charts,
            widgets.HBox([
                widgets.VBox([self.signals_heading, self.signals], layout={"width": "62%"}),
                widgets.VBox([self.coming_due_heading, self.coming_due],
                             layout={"width": "36%"}),
            ], layout={"justify_content": "space-between"}),
            self.glossary,
        ])

    def _report_of(self, folder: str) -> AuditReport:
        if folder not in self._reports:
            self._reports[folder] = AuditReport.from_run(self.runs / folder, "board")
        return self._reports[folder]

    def _changed(self, change: dict[str, Any]) -> None:
        if self._busy:
            return
        if change["owner"] is self.run:
            self._load_run()
        else:
            self.redraw()

    def _load_run(self) -> None:
        self._busy = True
        try:
            report = self._report_of(self.run.value)
            self.area.options = [(ALL_AREAS, ALL)] + [(a, a) for a in report.areas()]
            self.area.value = ALL
            self.area.disabled = len(self.area.options) == 1
        finally:
            self._busy = False
        self.redraw()

    def current_entry(self) -> dict[str, Any]:
        return next(e for e in self.entries if e["folder"] == self.run.value)

    def redraw(self) -> None:
        """Banner, tiles and charts for the current choices."""
        area = None if self.area.value == ALL else self.area.value
        report = self._report_of(self.run.value).for_area(area)
        self.report = report
        previous = self._previous(area)
        theme = None if self.theme.value == ALL else self.theme.value
        self.rule.disabled = self.breakdown.disabled = theme == OUTCOMES
        self.banner.value = _banner_html(report, previous)
        self._draw_panels(report, previous, area)
        if theme == OUTCOMES:
            run = self._report_of(self.run.value)
            # the run's annual tables are of its own cases (decision 50): say which, when the
            # area chosen is another
            self.summary.value = ("" if area is None or area == run.document.get("area") else
                                  render("note.html.j2", italic=False, text=views.panel_title(
                                      "Outcomes and equality", run, area) + "."))
            self.tiles.value = _outcomes_html(self.runs / self.run.value, report.suppress_below)
            self.charts.value = ""
            return
        rule_ids = by_concern(report, [r["rule_id"] for r in report.document["rules"]
                                       if theme is None or r["rule_id"] in report.rules_of(theme)])
        self.summary.value = render("summary.html.j2",
                                    view=board_summary(report, previous, rule_ids))
        self.tiles.value = _tiles_html(report, rule_ids, previous)
        self._busy = True
        try:
            options = [(f"{r} · {report.rule(r)['title']}", r) for r in rule_ids]
            keep = self.rule.value if self.rule.value in rule_ids else rule_ids[0]
            self.rule.options = options
            self.rule.value = keep
            self.breakdown.options = [label for label, dim in BREAKDOWN_CHOICES.items()
                                      if not (dim == "area" and area is not None)]
        finally:
            self._busy = False
        rule_id = self.rule.value
        if report.rule(rule_id)["population"] == 0:
            self.charts.value = render("note.html.j2", text=views.rule_sentence(report, rule_id),
                                       italic=False)
            return
        dimension = BREAKDOWN_CHOICES[self.breakdown.value]
        self.charts.value = (_chart_html(views.quarter_chart(report, rule_id))
                             + _chart_html(views.breakdown_chart(report, rule_id, dimension)))

    def _draw_panels(self, report: AuditReport, previous: AuditReport | None,
                     area: str | None) -> None:
        """The watch list, coming-due and glossary panels, whatever the theme."""
        run = self._report_of(self.run.value)
        # a board folder counts these for the run's own area only: with an area chosen, the
        # headings say so rather than show the run's figures as that area's
        self.signals_heading.value = render("heading.html.j2", warning=None, text=(
            views.panel_title("Watch list", run, area)))
        self.coming_due_heading.value = render("heading.html.j2", warning=None, text=(
            views.panel_title("Coming due after the as-at date", run, area)))
        self.signals.value = render("signals.html.j2", view=views.signals(report, previous))
        self.coming_due.value = render("due_by_week.html.j2", weeks=views.due_by_week(report))
        glossary = render("glossary.html.j2", entries=views.glossary(report), folded=True)
        if glossary != self.glossary.value:  # unchanged, it stays open if it was
            self.glossary.value = glossary

    def _previous(self, area: str | None) -> AuditReport | None:
        entry = self.current_entry()
        before = previous_run(self.entries, entry)
        if before is None:
            return None
        try:
            return self._report_of(before["folder"]).for_area(area)
        except KeyError:
            return None


def _heading(text: str) -> widgets.HTML:
    return widgets.HTML(render("heading.html.j2", text=text, warning=None))


def _chart_html(chart: views.Chart) -> str:
    """A chart as the page's own plotly.js draws it (``mappa-charts.js`` of the Voila template),
    with its figures as a table for those who cannot see it."""
    return render("chart.html.j2", figure=figure_json(figure(chart)), chart=chart)


def _outcomes_html(folder: Path, suppress_below: int) -> str:
    """The "Outcomes and equality" theme of a run: its annual tables as a board reads them
    (hidden whichever audience the run was made for), with the ranked level-use charts."""
    document = read_outcomes(folder)
    if document is None:
        return render("note.html.j2", text=NO_OUTCOMES, italic=True)
    theme = outcomes_theme(board_document(document, suppress_below))
    return render("outcomes.html.j2", theme=theme, svgs=(),
                  figures=[figure_json(ranked_figure(chart)) for chart in theme.charts])


def wait_for_viewer() -> None:
    """In a kernel that ``mappa-audit serve`` pre-heated, wait here until a viewer comes.

    Voila (``preheat_kernel``) starts a kernel and runs the dashboard notebook before anyone
    asks for the page, so that the slow part of a kernel's start (the process and its imports)
    is over when a viewer comes. The runs must still be read when the viewer comes, not when
    the kernel was heated, or a run made in between would be missing; so the dashboard waits
    for Voila's word that this kernel has been handed to a viewer (sent on Voila's
    ``voila/query`` websocket, which answers only a kernel showing the secret that ``serve``
    gave Voila and its kernels). ``voila.utils.wait_for_request`` does the same, but importing
    it loads Voila's server into every kernel: 3 s and more memory each.

    Outside a pre-heated kernel this returns at once. Each viewer has a kernel of their own;
    nothing of one viewer's reaches another.
    """
    if os.environ.get("VOILA_PREHEAT") != "True" or "VOILA_KERNEL_ID" not in os.environ:
        return
    from websockets.exceptions import WebSocketException
    from websockets.sync.client import connect

    url = (f"ws://{os.environ.get('VOILA_APP_IP', '127.0.0.1')}:"
           f"{os.environ.get('VOILA_APP_PORT', '8866')}"
           f"{os.environ.get('VOILA_SERVER_URL', '/')}voila/query/{os.environ['VOILA_KERNEL_ID']}")
    secret = {KERNEL_SECRET_HEADER: os.environ.get(KERNEL_SECRET_ENV, "")}
    try:
        with connect(url, open_timeout=10, additional_headers=secret) as socket:
            socket.recv()
    except (OSError, WebSocketException):
        return  # no word from Voila: show the runs as they are now rather than nothing


def board_overview(runs: str | Path | None = None) -> None:
    """Show the board dashboard for the runs under ``runs`` (aggregates only)."""
    wait_for_viewer()
    folder = runs_folder(runs)
    try:
        if not successful_runs(folder, "board"):
            display(_message("No board audit has been run yet. Ask the MAPPA co-ordinator "
                             "to run `mappa-audit run`; this page shows its results."))
            return
        display(BoardOverview(folder).widget())
    except _UNREADABLE:
        display(_message("The latest audit results could not be read. Ask the MAPPA "
                         "co-ordinator to look at the run folder's manifest.json."))


# ---- the auditor's exceptions --------------------------------------------------------------

class PagedList:
    """One of the auditor's lists (exceptions, worklist, watch list): a page of it at a time,
    a search by case id, a status line a screen reader announces, and its downloads.

    Headings, rule titles and outcomes are in words (:func:`for_people`), on the page and in
    the files; a file is named for its run and the filters that made it, and its workbook
    opens on an "About" sheet that says so.
    """

    def __init__(self, noun: str, css: str, sheet: str, empty: str) -> None:
        self.noun, self.css, self.sheet, self.empty = noun, css, sheet, empty
        self.search = widgets.Text(description="Case id", placeholder="part of a case id",
                                   continuous_update=False, layout={"width": "260px"})
        self.search.add_class(f"mappa-search-{css}")
        self.previous_page = widgets.Button(description="◀ Previous", layout={"width": "110px"})
        self.next_page = widgets.Button(description="Next ▶", layout={"width": "110px"})
        self.status = widgets.HTML()
        self.status.add_class("mappa-live")
        self.table = widgets.HTML()
        self.downloads = Downloads(sheet, css)
        self.rows = pl.DataFrame()
        self.titles: dict[str, str] = {}
        self.name = "mappa"
        self.about: list[tuple[str, str]] = []
        self.page = 0
        self.search.observe(lambda _: self._searched(), names="value")
        self.previous_page.on_click(lambda _: self._turn(-1))
        self.next_page.on_click(lambda _: self._turn(1))

    def widget(self, filters: list[widgets.Widget]) -> widgets.Widget:
        return widgets.VBox([
            widgets.HBox([*filters, self.search], layout={"flex_flow": "row wrap"}),
            widgets.HBox([self.previous_page, self.next_page, self.status],
                         layout={"flex_flow": "row wrap", "align_items": "center"}),
            self.table,
            self.downloads.widget(),
        ])

    def show(self, rows: pl.DataFrame, titles: dict[str, str], name: str,
             about: list[tuple[str, str]]) -> None:
        """List ``rows`` (already filtered) from its first page; ``name`` and ``about`` are
        its files' name and "About" sheet without the case-id search, added here."""
        self.rows, self.titles, self.name, self.about = rows, titles, name, about
        self.page = 0
        self._searched()

    def selection(self) -> pl.DataFrame:
        wanted = self.search.value.strip().upper()
        if not wanted or "case_id" not in self.rows.columns:
            return self.rows
        return self.rows.filter(pl.col("case_id").str.to_uppercase().str.contains(
            wanted, literal=True))

    def _searched(self) -> None:
        self.page = 0
        wanted = self.search.value.strip()
        selection = self.selection()
        name = self.name + (f"-case-{_slug(wanted)}" if wanted else "")
        about = [*self.about, ("Case id contains", wanted or "(no search)")]
        self.downloads.offer(for_people(selection, self.titles), name, about)
        self._show(selection)

    def _turn(self, step: int) -> None:
        self.page += step
        self._show(self.selection())

    def _show(self, selection: pl.DataFrame) -> None:
        pages = max(1, -(-selection.height // PAGE_SIZE))
        self.page = min(max(self.page, 0), pages - 1)
        self.previous_page.disabled = self.page == 0
        self.next_page.disabled = self.page >= pages - 1
        rows = selection.slice(self.page * PAGE_SIZE, PAGE_SIZE)
        self.table.value = (render("list.html.j2", view=None, empty=self.empty)
                            if selection.height == 0 else
                            render("list.html.j2", view=views.table(for_people(
                                rows, self.titles)), css=f"mappa-list mappa-{self.css}",
                                label=self.sheet, more=None, downloads=""))
        # the status line last: when it announces the new count, the rows are there
        self.status.value = render("status.html.j2", css=self.css, text=(
            f"page {self.page + 1} of {pages} · {selection.height} {self.noun}"))


def _slug(text: str) -> str:
    """A filter's value as part of a file name: ``Ashby Fen`` → ``ashby-fen``."""
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "x"


class AuditorExceptions:
    """The run, and its three lists: exceptions, coming due and the watch list, each with
    filters of its own, paged and searchable by case id."""

    FILTERS = ("rule_id", "area", "level", "quarter")

    def __init__(self, runs: Path) -> None:
        self.runs = runs
        self.entries = [e for e in successful_runs(runs, "auditor")
                        if (runs / e["folder"] / "exceptions.parquet").exists()]
        self.run = widgets.Dropdown(options=[(_run_label(e), e["folder"]) for e in self.entries],
                                    description="Run", layout={"width": "460px"})
        self.filters = {name: widgets.Dropdown(description=label, layout={"width": "220px"})
                        for name, label in zip(self.FILTERS, ("Rule", "Area", "Level", "Quarter"),
                                               strict=True)}
        self.due_filters = {
            name: widgets.Dropdown(description=label, layout={"width": "300px"})
            for name, label in (("what", "What"), ("status", "Status"), ("area", "Area "))
        }
        self.lists = {
            "exceptions": PagedList("exceptions", "exceptions", "Exceptions",
                                    "No exception in this selection."),
            "worklist": PagedList("items", "worklist", "Coming due", "Nothing in this "
                                  "selection falls due in the four weeks after the as-at date."),
            "watch": PagedList("cases", "watch", "Watch list", "No case on the watch list."),
            "quality": PagedList("rows", "quality", "Data quality", "The data-quality rules "
                                 "found no row in this selection."),
        }
        self.quality_filters = {"rule_id": widgets.Dropdown(
            description="Data-quality rule", style={"description_width": "initial"},
            layout={"width": "260px"})}
        self.watch_signals = widgets.HTML()
        self.report: AuditReport | None = None
        self.titles: dict[str, str] = {}
        self.exceptions = pl.DataFrame()
        self.worklist: pl.DataFrame | None = None
        self.run.observe(lambda _: self._load_run(), names="value")
        for control in self.filters.values():
            control.observe(lambda _: self._filter(), names="value")
        for control in self.due_filters.values():
            control.observe(lambda _: self._show_due(), names="value")
        for control in self.quality_filters.values():
            control.observe(lambda _: self._show_quality(), names="value")
        self._busy = False
        self._load_run()

    @property
    def downloads(self) -> Downloads:
        return self.lists["exceptions"].downloads

    def widget(self) -> widgets.Widget:
        tabs = widgets.Tab(children=[
            self.lists["exceptions"].widget(list(self.filters.values())),
            self.lists["worklist"].widget(list(self.due_filters.values())),
            widgets.VBox([self.watch_signals, self.lists["watch"].widget([])]),
            self.lists["quality"].widget(list(self.quality_filters.values())),
        ])
        for index, title in enumerate(("Exceptions", "Coming due", "Watch list",
                                       "Data quality")):
            tabs.set_title(index, title)
        return widgets.VBox([
            widgets.HTML(render("heading.html.j2", text="MAPPA exceptions",
                                warning="auditor view: holds case references")),
            self.run,
            tabs,
        ])

    def _about(self, what: str, filters: dict[str, widgets.Dropdown]) -> list[tuple[str, str]]:
        period = self.report.document["period"] if self.report else {}
        area = self.report.document.get("area") if self.report else None
        return about_rows(what, run=self.run.value, area_of_the_run=area or "all areas",
                          period=f"{period.get('start')} to {period.get('end')}",
                          as_at=period.get("as_at")) + [
            (f"Filter: {control.description.strip()}", str(control.value))
            for control in filters.values()]

    def _name(self, stem: str, filters: dict[str, widgets.Dropdown]) -> str:
        chosen = [_slug(str(control.value)) for control in filters.values()
                  if control.value != ALL]
        return "-".join([f"mappa-{stem}-{self.run.value}", *chosen])

    def _load_run(self) -> None:
        report = AuditReport.from_run(self.runs / self.run.value, "auditor")
        assert report.exceptions is not None
        self.report = report
        self.titles = {entry["rule_id"]: entry["title"] for entry in report.document["rules"]}
        self.exceptions = report.exceptions.sort("rule_id", "item_date", "case_id")
        self.worklist = report.worklist
        self._busy = True
        try:
            _offer_values(self.due_filters, _or_empty(self.worklist))
            _offer_values(self.filters, self.exceptions)
            _offer_values(self.quality_filters, _or_empty(report.findings))
            for paged in self.lists.values():
                paged.search.value = ""
        finally:
            self._busy = False
        self._show_due()
        self.watch_signals.value = render("signals.html.j2", view=views.signals(report))
        self.lists["watch"].show(_or_empty(report.watch), self.titles,
                                 f"mappa-watch-{self.run.value}",
                                 self._about("Watch list", {}))
        self._show_quality()
        self._filter()

    def _show_quality(self) -> None:
        """The rows the data-quality rules found: those of the whole run, as its counts are
        (a row that names no known case is in every area's run)."""
        if self._busy or self.report is None:
            return
        titles = {entry["rule_id"]: entry["title"]
                  for entry in self.report.document.get("data_quality", [])}
        filters = self.quality_filters
        self.lists["quality"].show(_chosen(_or_empty(self.report.findings), filters), titles,
                                   self._name("data-quality", filters),
                                   self._about("Data quality: the rows found", filters))

    def _show_due(self) -> None:
        if self._busy:
            return
        worklist = _chosen(_or_empty(self.worklist), self.due_filters)
        self.lists["worklist"].show(worklist, self.titles, self._name("worklist",
                                                                      self.due_filters),
                                    self._about("Worklist: items coming due",
                                                self.due_filters))

    def selection(self) -> pl.DataFrame:
        frame = _chosen(self.exceptions, self.filters)
        shown = [*EXCEPTION_COLUMNS, "area", "lau", "level", "quarter"]
        # a run made before results-format 1.2 has no dates and owners to show
        return frame.select(name for name in shown if name in frame.columns)

    def _filter(self) -> None:
        if self._busy:
            return
        self.lists["exceptions"].show(self.selection(), self.titles,
                                      self._name("exceptions", self.filters),
                                      self._about("Exceptions", self.filters))


def _offer_values(filters: dict[str, widgets.Dropdown], frame: pl.DataFrame) -> None:
    """Each filter offers "All" and the values of its column in ``frame``, and shows all."""
    for name, control in filters.items():
        values = ([] if name not in frame.columns
                  else sorted({str(v) for v in frame[name].to_list()}))
        control.options = [ALL, *values]
        control.value = ALL


def _chosen(frame: pl.DataFrame, filters: dict[str, widgets.Dropdown]) -> pl.DataFrame:
    """The rows of ``frame`` that every filter not at "All" lets through."""
    for name, control in filters.items():
        if control.value != ALL:
            frame = frame.filter(pl.col(name).cast(pl.String) == control.value)
    return frame


def _or_empty(frame: pl.DataFrame | None) -> pl.DataFrame:
    """A list to offer for download; a run made before the list was kept has none."""
    return pl.DataFrame() if frame is None else frame


def auditor_exceptions(runs: str | Path | None = None) -> None:
    """Show the auditor's exception browser for the auditor runs under ``runs``."""
    wait_for_viewer()
    folder = runs_folder(runs)
    try:
        if not [e for e in successful_runs(folder, "auditor")
                if (folder / e["folder"] / "exceptions.parquet").exists()]:
            display(_message("No auditor run yet: run `mappa-audit run … --audience auditor`."))
            return
        display(AuditorExceptions(folder).widget())
    except _UNREADABLE:
        display(_message("The exceptions of this run could not be read; see its manifest.json."))

