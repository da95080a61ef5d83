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
from pathlib import Path
from typing import Any

import ipywidgets as widgets
import plotly.graph_objects as go
import polars as pl
from IPython.display import display

from mappa_audit import _views as views
from mappa_audit._calendar import day_month
from mappa_audit._charts import figure, figure_json
from mappa_audit._downloads import Downloads
from mappa_audit._first_paint import UNREADABLE as _UNREADABLE
from mappa_audit._first_paint import banner_html as _banner_html
from mappa_audit._first_paint import successful_runs as _successful_runs
from mappa_audit._first_paint import tiles_html as _tiles_html
from mappa_audit._render import render
from mappa_audit._report import AuditReport
from mappa_audit._runs import previous_run
from mappa_audit._serve import KERNEL_SECRET_ENV, KERNEL_SECRET_HEADER

__all__ = ["auditor_exceptions", "board_overview", "runs_folder"]

ALL_AREAS = "All areas"
ALL = "All"
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
        self.entries = _successful_runs(runs)
        self.run = widgets.Dropdown(
            options=[(_run_label(e), e["folder"]) for e in self.entries],
            description="Run", layout={"width": "460px"},
        )
        self.area = widgets.Dropdown(description="Area", layout={"width": "260px"})
        self.theme = widgets.Dropdown(
            options=[("All themes", ALL)] + [(t, k.value) for k, t in views.THEME_TITLES.items()],
            description="Theme", layout={"width": "240px"},
        )
        self.rule = widgets.Dropdown(description="Chart of", layout={"width": "520px"})
        self.breakdown = widgets.ToggleButtons(options=list(BREAKDOWN_CHOICES),
                                               style={"button_width": "110px"})
        self.banner = widgets.HTML()
        self.tiles = widgets.HTML()
        self.charts = widgets.HTML()
        self.signals = widgets.HTML()
        self.coming_due = widgets.HTML()
        self.glossary = widgets.HTML()
        self._reports: dict[str, AuditReport] = {}
        self.report: AuditReport | None = None
        for control in (self.run, self.area, self.theme, self.rule, self.breakdown):
            control.observe(self._changed, names="value")
        self._busy = False
        self._load_run()

    def widget(self) -> widgets.Widget:
        glossary = widgets.Accordion(children=[self.glossary])
        glossary.set_title(0, "What the words mean")
        glossary.selected_index = None
        return widgets.VBox([
            self.banner,
            widgets.HBox([self.run, self.area, self.theme], layout={"flex_flow": "row wrap"}),
            self.tiles,
            widgets.HBox([self.rule, self.breakdown], layout={"flex_flow": "row wrap"}),
            self.charts,
            widgets.HBox([
                widgets.VBox([_heading("Watch list"), self.signals], layout={"width": "62%"}),
                widgets.VBox([_heading("Coming due after the as-at date"), self.coming_due],
                             layout={"width": "36%"}),
            ], layout={"justify_content": "space-between"}),
            glossary,
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
        rule_ids = [r["rule_id"] for r in report.document["rules"]
                    if theme is None or r["rule_id"] in report.rules_of(theme)]
        self.banner.value = _banner_html(report, previous)
        self.tiles.value = _tiles_html(report, rule_ids, previous)
        self.signals.value = render("signals.html.j2", view=views.signals(report, previous))
        self.coming_due.value = render("due_by_week.html.j2", weeks=views.due_by_week(report))
        self.glossary.value = render("glossary.html.j2", entries=views.glossary(report))
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
        self.charts.value = (_chart_html(figure(views.quarter_chart(report, rule_id)))
                             + _chart_html(figure(views.breakdown_chart(report, rule_id,
                                                                        dimension))))

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


def _chart_html(plotted: go.Figure) -> str:
    """A chart as the page's own plotly.js draws it (``mappa-charts.js`` of the Voila template)."""
    return render("chart.html.j2", figure=figure_json(plotted))


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
        if not _successful_runs(folder):
            display(_message("No audit has been run yet. Ask the MAPPA co-ordinator to run "
                             "`mappa-audit run`; this page shows its results."))
            return
        display(BoardOverview(folder).widget())
    except _UNREADABLE:
        display(_message("The latest audit results could not be read. Ask the MAPPA "
                         "co-ordinator to look at the run folder's manifest.json."))


# ---- the auditor's exceptions --------------------------------------------------------------

class AuditorExceptions:
    """Filters, a paged exception table and downloads of the current selection."""

    FILTERS = ("rule_id", "area", "level", "quarter")

    def __init__(self, runs: Path) -> None:
        self.runs = runs
        self.entries = [e for e in _successful_runs(runs, "auditor")
                        if (runs / e["folder"] / "exceptions.parquet").exists()]
        self.run = widgets.Dropdown(options=[(_run_label(e), e["folder"]) for e in self.entries],
                                    description="Run", layout={"width": "460px"})
        self.filters = {name: widgets.Dropdown(description=label, layout={"width": "220px"})
                        for name, label in zip(self.FILTERS, ("Rule", "Area", "Level", "Quarter"),
                                               strict=True)}
        self.page = 0
        self.previous_page = widgets.Button(description="◀ Previous", layout={"width": "110px"})
        self.next_page = widgets.Button(description="Next ▶", layout={"width": "110px"})
        self.status = widgets.HTML()
        self.table = widgets.HTML()
        self.downloads = Downloads("exceptions", "exceptions")
        self.coming_due = widgets.HTML()
        self.due_downloads = Downloads("worklist", "worklist")
        self.due_filters = {
            name: widgets.Dropdown(description=label, layout={"width": "300px"})
            for name, label in (("what", "What"), ("status", "Status"), ("area", "Area "))
        }
        self.watch = widgets.HTML()
        self.watch_downloads = Downloads("watch list", "watch")
        self.exceptions = pl.DataFrame()
        self.worklist: pl.DataFrame | None = None
        self.run.observe(lambda _: self._load_run(), names="value")
        for control in self.filters.values():
            control.observe(lambda _: self._filter(), names="value")
        for control in self.due_filters.values():
            control.observe(lambda _: self._show_due(), names="value")
        self.previous_page.on_click(lambda _: self._turn(-1))
        self.next_page.on_click(lambda _: self._turn(1))
        self._busy = False
        self._load_run()

    def widget(self) -> widgets.Widget:
        exceptions = widgets.VBox([
            widgets.HBox(list(self.filters.values()), layout={"flex_flow": "row wrap"}),
            widgets.HBox([self.previous_page, self.next_page, self.status]),
            self.table,
            self.downloads.widget(),
        ])
        coming_due = widgets.VBox([
            widgets.HBox(list(self.due_filters.values()), layout={"flex_flow": "row wrap"}),
            self.coming_due,
            self.due_downloads.widget(),
        ])
        watch = widgets.VBox([self.watch, self.watch_downloads.widget()])
        tabs = widgets.Tab(children=[exceptions, coming_due, watch])
        for index, title in enumerate(("Exceptions", "Coming due", "Watch list")):
            tabs.set_title(index, title)
        return widgets.VBox([
            widgets.HTML(render("heading.html.j2", text="MAPPA exceptions",
                                warning="auditor view: holds case references")),
            self.run,
            tabs,
        ])

    def _load_run(self) -> None:
        report = AuditReport.from_run(self.runs / self.run.value, "auditor")
        assert report.exceptions is not None
        self.exceptions = report.exceptions.sort("rule_id", "item_date", "case_id")
        self.worklist = report.worklist
        self._busy = True
        try:
            for name, control in self.due_filters.items():
                values = ([] if self.worklist is None
                          else sorted({str(v) for v in self.worklist[name].to_list()}))
                control.options = [ALL, *values]
                control.value = ALL
        finally:
            self._busy = False
        self._show_due()
        self.watch.value = (render("signals.html.j2", view=views.signals(report))
                            + _list_html(report.watch, "mappa-watch", ""))
        self.watch_downloads.offer(_or_empty(report.watch), f"mappa-watch-{self.run.value}")
        self._busy = True
        try:
            for name, control in self.filters.items():
                values = sorted({str(v) for v in self.exceptions[name].to_list()})
                control.options = [ALL, *values]
                control.value = ALL
        finally:
            self._busy = False
        self._filter()

    def _show_due(self) -> None:
        if self._busy:
            return
        worklist = self.worklist
        if worklist is not None:
            for name, control in self.due_filters.items():
                if control.value != ALL:
                    worklist = worklist.filter(pl.col(name).cast(pl.String) == control.value)
        self.coming_due.value = _list_html(worklist, "mappa-worklist",
                                           "Nothing in this selection falls due in the four "
                                           "weeks after the as-at date.")
        self.due_downloads.offer(_or_empty(worklist), f"mappa-worklist-{self.run.value}")

    def selection(self) -> pl.DataFrame:
        frame = self.exceptions
        for name, control in self.filters.items():
            if control.value != ALL:
                frame = frame.filter(pl.col(name).cast(pl.String) == control.value)
        return frame.select("rule_id", "case_id", "item_id", "item_date", "outcome", "reason",
                            "area", "lau", "level", "quarter")

    def _filter(self) -> None:
        if self._busy:
            return
        self.page = 0
        selection = self.selection()
        self.downloads.offer(selection, f"mappa-exceptions-{self.run.value}")
        self._show(selection)

    def _turn(self, step: int) -> None:
        self.page += step
        self._show(self.selection())

    def _show(self, selection: pl.DataFrame) -> None:
        pages = max(1, -(-selection.height // PAGE_SIZE))
        self.page = min(max(self.page, 0), pages - 1)
        self.previous_page.disabled = self.page == 0
        self.next_page.disabled = self.page >= pages - 1
        self.status.value = render("status.html.j2", text=f"page {self.page + 1} of {pages} · "
                                                          f"{selection.height} exceptions")
        rows = selection.slice(self.page * PAGE_SIZE, PAGE_SIZE)
        self.table.value = render("list.html.j2", view=views.table(rows), css="mappa-exceptions",
                                  more=None, downloads="")


def _list_html(frame: pl.DataFrame | None, css: str, empty: str) -> str:
    """A whole list (worklist, watch list) as a table; its downloads are buttons below it."""
    if frame is None or frame.height == 0:
        return render("list.html.j2", view=None, empty=empty)
    more = (f"The first 500 of {frame.height} are shown; the downloads hold them all."
            if frame.height > 500 else None)
    return render("list.html.j2", view=views.table(frame.head(500)), css=f"mappa-list {css}",
                  more=more, downloads="")


def _or_empty(frame: pl.DataFrame | None) -> pl.DataFrame:
    """A list to offer for download; a run made before the list was kept has none."""
    return pl.DataFrame() if frame is None else frame


def auditor_exceptions(runs: str | Path | None = None) -> None:
    """Show the auditor's exception browser for the auditor runs under ``runs``."""
    wait_for_viewer()
    folder = runs_folder(runs)
    try:
        if not [e for e in _successful_runs(folder, "auditor")
                if (folder / e["folder"] / "exceptions.parquet").exists()]:
            display(_message("No auditor run yet: run `mappa-audit run … --audience auditor`."))
            return
        display(AuditorExceptions(folder).widget())
    except _UNREADABLE:
        display(_message("The exceptions of this run could not be read; see its manifest.json."))

