"""The board dashboard's first paint: the latest run's banner and tiles as plain HTML.

When a whole board opens the dashboard at once, each page waits for the widgets' JavaScript
and its kernel before the live dashboard shows anything, and on a small machine 20 pages of
that take far longer than reading a few numbers should. So the board's page carries, from its
first bytes, what the live dashboard opens on (the same run, all areas, all themes, the same
view models and templates, the board audience with its suppression), and the live dashboard
takes its place once drawn (``templates/jupyter/.../mappa-first-paint.js``). Nothing here
imports ipywidgets or plotly: Voila's server renders it.
"""

from __future__ import annotations

import threading
from pathlib import Path

import polars as pl
from markupsafe import Markup

from mappa_audit import _views as views
from mappa_audit._board_summary import by_concern
from mappa_audit._errors import MappaAuditError
from mappa_audit._privacy import Audience
from mappa_audit._render import render
from mappa_audit._report import AuditReport
from mappa_audit._store import INDEX_NAME, previous_run, successful_runs

UNREADABLE = (MappaAuditError, OSError, ValueError, KeyError, pl.exceptions.PolarsError)
"""What a broken or half-written run folder can raise; the page says so in words instead."""
MARKER = "<!--mappa:first-paint-->"
"""Where the dashboard page's template wants the first paint (``index.html.j2``)."""


def banner_html(report: AuditReport, previous: AuditReport | None) -> str:
    """The board dashboard's banner, compared with the run before."""
    return render("banner.html.j2", view=views.banner(
        report, title="MAPPA board overview", compare=True, previous=previous))


def tiles_html(report: AuditReport, rule_ids: list[str], previous: AuditReport | None) -> str:
    """The board dashboard's tiles for ``rule_ids``."""
    return render("tiles.html.j2", tiles=views.tiles(report, rule_ids, previous))


def board_first_paint(runs: Path) -> str:
    """What the board dashboard opens on, as HTML: the banner and every tile of the first run
    it offers, for all areas (empty when there is no run yet or it cannot be read: the live
    dashboard then says so in words)."""
    entries = successful_runs(runs, "board")
    if not entries:
        return ""
    entry = entries[0]
    report = AuditReport.from_run(runs / entry["folder"], Audience.BOARD)
    before = previous_run(entries, entry)
    previous = (None if before is None
                else AuditReport.from_run(runs / before["folder"], Audience.BOARD))
    # in the live dashboard's order of concern, so that nothing moves when it takes over
    rule_ids = by_concern(report, [rule["rule_id"] for rule in report.document["rules"]])
    # both already rendered (and escaped) by their own templates
    return render("first_paint.html.j2", banner=Markup(banner_html(report, previous)),
                  tiles=Markup(tiles_html(report, rule_ids, previous)))


class FirstPaints:
    """The first paint of a runs folder, made again only when its index has changed (a run
    recorded): 20 viewers at once cost one rendering, not 20."""

    def __init__(self, runs: Path) -> None:
        self.runs = runs
        self._lock = threading.Lock()
        self._made_for: tuple[int, int] | None = None
        self._html = ""

    def html(self) -> str:
        try:
            stat = (self.runs / INDEX_NAME).stat()
            key: tuple[int, int] | None = (stat.st_mtime_ns, stat.st_size)
        except OSError:
            key = None
        with self._lock:
            if key is None or key != self._made_for:
                try:
                    self._html = board_first_paint(self.runs)
                except UNREADABLE:  # the live dashboard says so in words
                    self._html = ""
                self._made_for = key
            return self._html
