"""The audit as people read it: banner, headline table, sentences, charts and exception tables.

One :class:`AuditReport` serves the notebooks, the dashboards and the board paper. It is built
either from an :class:`~mappa_audit.AuditResult` (a notebook that has just run the audit) or
from a run folder (a dashboard, which never loads case-level data for the board). Every view
it gives a board goes through :mod:`mappa_audit._privacy`.
"""

from __future__ import annotations

import copy
import datetime as dt
import html
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import plotly.graph_objects as go
import polars as pl

from mappa_audit._calendar import day_month
from mappa_audit._disclosure_review import DISCLOSURE_COUNTS, disclosure_summaries
from mappa_audit._engine import AuditResult
from mappa_audit._errors import AuditorOnlyError, NotFoundError, UsageError
from mappa_audit._files import make_folder
from mappa_audit._privacy import (
    COUNT_COLUMNS,
    Audience,
    hide_small,
    hide_small_in_results,
    is_hidden,
    parse_audience,
    shown_count,
    suppress,
)
from mappa_audit._results import results_document
from mappa_audit._signals import watch_list
from mappa_audit._store import read_results, read_run_data, write_run_data
from mappa_audit._worklist import due_items
from mappa_audit.rules import RULES, Theme

RAG_COLOURS = {"green": "#2e7d32", "amber": "#b26a00", "red": "#c62828", "none": "#6b6b6b"}
RAG_WORDS = {"green": "on target", "amber": "near target", "red": "below target",
             "none": "too few to rate"}
THEME_TITLES = {
    Theme.TIMELINESS: "Timeliness",
    Theme.REVIEWS: "Reviews",
    Theme.DISCLOSURE: "Disclosure",
    Theme.ACTIONS: "Actions",
    Theme.ATTENDANCE: "Attendance",
}
DIMENSION_TITLES = {"area": "area", "lau": "local unit", "category": "MAPPA category",
                    "level": "level on the item's date", "quarter": "quarter"}
GLOSSARY = {
    "MAPPA": "Multi-Agency Public Protection Arrangements: police, probation and prisons "
    "jointly manage the risk posed by sexual, violent and terrorist offenders.",
    "Level 1": "Ordinary agency management: the lead agency manages the case and reviews it.",
    "Level 2": "Active multi-agency management: agencies meet at MAPP meetings at least "
    "every 16 weeks.",
    "Level 3": "As Level 2, for the highest-risk cases, with senior staff; meetings at least "
    "every 8 weeks.",
    "Responsible Authority": "Police, probation and the prison service, which must attend.",
    "Duty to co-operate": "Other agencies (housing, health, children's services, job "
    "centres…) that must co-operate when invited.",
    "Disclosure": "Telling a third party (a new partner, a landlord, a head teacher) about "
    "an offender to protect them; each decision needs a recorded rationale.",
    "ViSOR": "The national database of people who pose a risk of serious harm.",
    "RAG": "Green: at or above the target; amber: within the amber margin below it; red: "
    "further below; grey: too few items to give a rate.",
}
_HEADLINE_TYPES = dict.fromkeys(COUNT_COLUMNS, pl.Int64) | {
    "rate": pl.Float64, "standard": pl.String, "rag": pl.String}
"""Types of the headline's columns, whatever is hidden (a column of nulls has none)."""
MAX_EXCEPTION_ROWS = 200
"""Exception rows shown in a notebook; the full list is in ``exceptions.parquet``."""


@dataclass(frozen=True)
class AuditReport:
    """The readable views of one audit for one audience.

    Examples
    --------
    >>> from mappa_audit import audit
    >>> report = AuditReport.from_result(
    ...     audit("data_samples", "2025-04-01", "2026-03-31"), "board")
    >>> report.headline()["rule_id"].to_list()[:3]
    ['TML-01', 'TML-02', 'TML-03']
    """

    audience: Audience
    document: dict[str, Any]
    """The results JSON (results-format.md): aggregates only."""
    rule_results: pl.DataFrame
    """Exact counts per rule and breakdown; views apply suppression for the board."""
    quarantine_summary: pl.DataFrame
    """``table, reason, entries``: the quarantine without any values."""
    exceptions: pl.DataFrame | None = None
    """Auditor only: every exception with its case id."""
    quarantine: pl.DataFrame | None = None
    """Auditor only: every quarantine entry with its raw value."""
    area_results: pl.DataFrame | None = None
    """Counts per area, rule and breakdown (``area_results.parquet``), for area views."""
    disclosure: pl.DataFrame | None = None
    """Disclosure decisions counted per ``dimension`` and ``value``
    (``disclosure_summary.parquet``); ``None`` for a run made before it was kept."""
    watch: pl.DataFrame | None = None
    """Auditor only: the cases each watch-list signal picks out (``watch_list.parquet``)."""
    worklist: pl.DataFrame | None = None
    """Auditor only: what falls due in the 4 weeks after ``as_at`` (``worklist.parquet``)."""

    # ---- building ----------------------------------------------------------------------------

    @classmethod
    def from_result(cls, result: AuditResult, audience: str | Audience, *,
                    coming_due: bool = True, watch: pl.DataFrame | None = None,
                    worklist: pl.DataFrame | None = None) -> AuditReport:
        """The report of an audit that has just run, for ``audience``: a board's has its
        small numbers hidden as it is built (:func:`~mappa_audit._privacy.hide_small`), so
        nothing built from it, and no file saved from it, holds them.

        ``watch`` and ``worklist``: the watch list and the worklist of the same audit when
        the caller has them already (of all areas: they are narrowed to ``result.area``).
        ``coming_due=False`` leaves out what falls due after the as-at date (the worklist
        and ``due_by_week``), for a report that does not show it: finding it is a second
        audit run forward, as long as the first.
        """
        who = parse_audience(audience)
        quarantine = result.dataset.quarantine
        watch = _in_area(watch_list(result) if watch is None else watch, result.area)
        document = results_document(result, watch)
        document["audience"] = who.value
        if coming_due:
            if worklist is None:
                worklist = due_items(result.dataset, result.as_at, area=result.area,
                                     policy=result.policy)
            worklist = _in_area(worklist, result.area)
            document["due_by_week"] = _due_by_week(worklist, result.as_at)
        else:
            worklist = None
        report = cls(
            audience=Audience.AUDITOR,
            document=document,
            rule_results=result.rule_results,
            quarantine_summary=_quarantine_summary(quarantine),
            disclosure=disclosure_summaries(result),
            exceptions=result.exceptions(),
            quarantine=quarantine,
            area_results=result.area_results,
            watch=watch,
            worklist=worklist,
        )
        return report if who is Audience.AUDITOR else report.for_board()

    @classmethod
    def from_run(cls, folder: str | Path, audience: str | Audience = Audience.BOARD) -> AuditReport:
        """The report of a recorded run, for ``audience``. A board's reads aggregates only,
        and hides small numbers as it reads them (an auditor's run folder holds them)."""
        folder = Path(folder)
        who = parse_audience(audience)
        document = read_results(folder)
        rule_results = read_run_data(folder, "rule_results")
        if rule_results is None:
            msg = f"{folder} holds results.json but no rule_results.parquet"
            raise UsageError(msg, "the run folder is incomplete; make the run again")
        summary = read_run_data(folder, "quarantine_summary")
        report = cls(
            audience=who, document=document, rule_results=rule_results,
            quarantine_summary=_quarantine_summary(None) if summary is None else summary,
            area_results=read_run_data(folder, "area_results"),
            disclosure=read_run_data(folder, "disclosure_summary"),
        )
        if who is Audience.BOARD:
            return report.for_board()
        return replace(
            report,
            exceptions=read_run_data(folder, "exceptions"),
            quarantine=read_run_data(folder, "quarantine"),
            watch=read_run_data(folder, "watch_list"),
            worklist=read_run_data(folder, "worklist"),
        )

    def for_board(self) -> AuditReport:
        """This report as a board may read it: aggregates only, each count from 1 to
        ``suppress_below - 1`` hidden (null), and no rate or RAG from fewer items than
        that. Everything a board reads or is sent is built from this."""
        below = int(self.document["policy"].get("suppress_below", 5))
        document = hide_small_in_results(self.document, below)
        document["audience"] = Audience.BOARD.value
        summary = hide_small(self.quarantine_summary, below, counts=("entries",))
        return AuditReport(
            audience=Audience.BOARD,
            document=document,
            rule_results=hide_small(self.rule_results, below),
            quarantine_summary=summary,
            area_results=(None if self.area_results is None
                          else hide_small(self.area_results, below)),
            disclosure=(None if self.disclosure is None
                        else hide_small(self.disclosure, below, counts=DISCLOSURE_COUNTS)),
        )

    def save(self, folder: str | Path) -> None:
        """Write the run-folder data files of docs/results-format.md for this audience.

        A board report's files hold what it holds: aggregates with small numbers hidden, and
        a ``quarantine.parquet`` of counts by table and reason without raw values (decision
        22). An auditor's add the case-level files.
        """
        folder = make_folder(Path(folder))
        frames = {
            "rule_results": self.rule_results,
            "quarantine_summary": self.quarantine_summary,
            "quarantine": (self.quarantine if self.quarantine is not None
                           else self._withheld_quarantine()),
            "area_results": self.area_results,
            "disclosure_summary": self.disclosure,
            "watch_list": self.watch,
            "worklist": self.worklist,
            "exceptions": (None if self.exceptions is None else self.exceptions.select(
                "rule_id", "case_id", "item_id", "item_date", "outcome", "reason",
                "area", "lau", "category", "level", "quarter",
            )),
        }
        write_run_data(folder, self.document,
                       {name: frame for name, frame in frames.items() if frame is not None})

    def _withheld_quarantine(self) -> pl.DataFrame:
        summary = self.quarantine_summary
        return pl.DataFrame(
            {
                "table": summary["table"].to_list(),
                "line": [None] * summary.height,
                "column": [None] * summary.height,
                "value": [None] * summary.height,
                "reason": summary["reason"].to_list(),
                "row_kept": [None] * summary.height,
                "entries": summary["entries"].to_list(),
            },
            schema={"table": pl.String, "line": pl.Int64, "column": pl.String,
                    "value": pl.String, "reason": pl.String, "row_kept": pl.Boolean,
                    "entries": pl.Int64},
        )

    def areas(self) -> list[str]:
        """The areas this report can be narrowed to (none for a one-area run)."""
        if self.document.get("area") or self.area_results is None:
            return []
        return sorted(set(self.area_results["area"].to_list()) - {"not recorded"})

    def for_area(self, area: str | None) -> AuditReport:
        """The same report narrowed to one area's items (``None``: unchanged).

        Data-quality counts and the quarantine stay those of the whole run: rows that
        cannot be read cannot be placed in an area.
        """
        if area is None or area == self.document.get("area"):
            return self
        if self.area_results is None or area not in self.areas():
            msg = f"`area` {area!r} is not in this run"
            hint = f"areas in the run: {', '.join(self.areas())}"
            raise NotFoundError(msg, hint, argument="area")
        rows = self.area_results.filter(pl.col("area") == area).drop("area")
        headline = {r["rule_id"]: r for r in rows.filter(pl.col("dimension") == "all")
                    .iter_rows(named=True)}
        document = copy.deepcopy(self.document)
        document["area"] = area
        for entry in document["rules"]:
            counts = headline.get(entry["rule_id"])
            for name in ("compliant", "non_compliant", "pending", "not_assessable",
                         "population"):
                entry[name] = 0 if counts is None else counts[name]
            entry["rate"] = None if counts is None else counts["rate"]
            entry["rag"] = "none" if counts is None else counts["rag"]
        exceptions = (None if self.exceptions is None
                      else self.exceptions.filter(pl.col("area") == area))
        return replace(self, document=document, rule_results=rows, area_results=None,
                       exceptions=exceptions)

    # ---- facts -------------------------------------------------------------------------------

    @property
    def suppress_below(self) -> int:
        return int(self.document["policy"].get("suppress_below", 5))

    @property
    def is_board(self) -> bool:
        return self.audience is Audience.BOARD

    def count(self, value: int | None) -> str:
        """A count as this audience may see it."""
        if self.is_board:
            return shown_count(value, self.suppress_below)
        return "—" if value is None else str(value)

    def headline(self) -> pl.DataFrame:
        """One row per rule: title, theme, standard, target, counts, rate and RAG."""
        rules = pl.DataFrame(self.document["rules"], schema_overrides=_HEADLINE_TYPES).select(
            "rule_id", "title", "standard", "target", "status",
            "compliant", "non_compliant", "pending", "not_assessable", "population",
            "rate", "rag",
        )
        return rules.with_columns(
            theme=pl.col("rule_id").replace_strict(
                {rule_id: spec.theme.value for rule_id, spec in RULES.items()}, default="")
        )

    def shown(self, frame: pl.DataFrame) -> pl.DataFrame:
        """``frame`` (rule results or headline) as this audience may see it."""
        if not self.is_board:
            return frame
        return suppress(frame, self.suppress_below)

    def breakdown(self, rule_id: str, dimension: str) -> pl.DataFrame:
        """Exact counts of one rule per value of one dimension, sorted by value."""
        return (
            self.rule_results.filter(
                (pl.col("rule_id") == rule_id) & (pl.col("dimension") == dimension)
            )
            .drop("dimension")
            .sort("value")
        )

    def disclosure_by(self, dimension: str) -> pl.DataFrame:
        """Disclosure decisions counted per value of one dimension (``value`` and counts)."""
        if self.disclosure is None:
            msg = "this run folder keeps no disclosure summary (it was made by an older version)"
            raise UsageError(msg, "make the run again to see the disclosure review")
        return self.disclosure.filter(pl.col("dimension") == dimension).drop("dimension")

    def rule(self, rule_id: str) -> dict[str, Any]:
        for entry in self.document["rules"]:
            if entry["rule_id"] == rule_id:
                return dict(entry)
        msg = f"`rule_id` {rule_id!r} is not in this run"
        raise NotFoundError(msg, "rules in the run: " + ", ".join(
            entry["rule_id"] for entry in self.document["rules"]), argument="rule_id")

    def rules_of(self, theme: Theme | str) -> list[str]:
        """The rules of one theme in this run (a rule id this version does not know, from a
        newer or an edited ``results.json``, belongs to no theme)."""
        wanted = Theme(theme)
        return [entry["rule_id"] for entry in self.document["rules"]
                if entry["rule_id"] in RULES and RULES[entry["rule_id"]].theme is wanted]

    # ---- words -------------------------------------------------------------------------------

    def banner_text(self) -> list[str]:
        """The lines every report and dashboard opens with."""
        document = self.document
        period = document["period"]
        policy = document["policy"]
        where = document.get("area") or "all areas"
        quarantined = document.get("quarantine", {}).get("rows", 0)
        entries = document.get("quarantine", {}).get("entries", 0)
        confirmed = ("standards confirmed by the board" if policy.get("confirmed")
                     else "some standards not yet confirmed by the board")
        if entries == 0:
            quality = "No input rows were quarantined."
        else:
            quality = (f"{self._amount(quarantined)} input rows were quarantined and left out "
                       f"({self._amount(entries)} quarantine entries in all).")
        return [
            f"MAPPA audit of {where}, {_long_date(period['start'])} to "
            f"{_long_date(period['end'])} (as at {_long_date(period['as_at'])}).",
            f"Policy: {policy['name']} ({confirmed}).",
            quality,
        ]

    def sentence(self, rule_id: str) -> str:
        """One plain-English sentence about a rule, written from its numbers.

        Plain text that may name an area from the data: escape it wherever it goes into HTML.
        """
        entry = self.rule(rule_id)
        title = entry["title"]
        target = f"{entry['target'] * 100:.0f} %"
        if entry["status"] != "assessed":
            return f"{title}: not assessed ({entry.get('reason', 'no data')})."
        population = entry["population"]
        if population == 0:
            return f"{title}: nothing fell due in the period."
        if self.is_board and is_hidden(population, self.suppress_below):
            return (f"{title}: fewer than {self.suppress_below} items fell due, too few to "
                    "give a rate.")
        rate = f"{entry['rate'] * 100:.1f} %"
        missed = entry["non_compliant"]
        text = f"{title}: {rate} against a {target} target"
        if missed == 0:
            return text + "; none missed."
        text += f"; {self._amount(missed)} missed"
        worst = self._worst_area(rule_id)
        if worst is not None:
            area, in_area = worst
            text += f", {self._amount(in_area)} of them in {area}"
        return text + "."

    def _amount(self, count: int | None) -> str:
        if self.is_board and is_hidden(count, self.suppress_below):
            return f"fewer than {self.suppress_below}"
        return str(count)

    def _worst_area(self, rule_id: str) -> tuple[str, int] | None:
        by_area = self.breakdown(rule_id, "area").filter(pl.col("non_compliant") > 0)
        if by_area.height < 2:
            return None  # one area: "all of them in X" says nothing new
        top = by_area.sort(["non_compliant", "value"], descending=[True, False]).row(0, named=True)
        return str(top["value"]), int(top["non_compliant"])

    # ---- tables ------------------------------------------------------------------------------

    def headline_html(self, rule_ids: list[str] | None = None) -> str:
        """The headline table with RAG colours, as HTML."""
        frame = self.shown(self.headline())
        if rule_ids is not None:
            frame = frame.filter(pl.col("rule_id").is_in(rule_ids))
        rows = []
        for row in frame.iter_rows(named=True):
            rate = "—" if row["rate"] is None else f"{row['rate'] * 100:.1f} %"
            rag = row["rag"] if row["status"] == "assessed" else "none"
            label = RAG_WORDS[rag] if row["status"] == "assessed" else "not assessed"
            rows.append(
                "<tr>"
                f"<td>{html_text(row['rule_id'])}</td><td>{html_text(row['title'])}</td>"
                f"<td>{html_text(row['standard'] or None)}</td>"
                f"<td class='num'>{row['target'] * 100:.0f} %</td>"
                f"<td class='num'>{html_text(row['compliant'])}</td>"
                f"<td class='num'>{html_text(row['non_compliant'])}</td>"
                f"<td class='num'>{html_text(row['pending'])}</td>"
                f"<td class='num'>{html_text(row['not_assessable'])}</td>"
                f"<td class='num'><b>{rate}</b></td>"
                f"<td><span class='rag rag-{html_text(rag)}' "
                f"style='background:{RAG_COLOURS[rag]}'>{label}</span></td></tr>"
            )
        header = ("<tr><th>Rule</th><th>What is checked</th><th>Standard</th><th>Target</th>"
                  "<th>Met</th><th>Not met</th><th>Not yet due</th><th>Cannot tell</th>"
                  "<th>Rate</th><th>RAG</th></tr>")
        return f"{_TABLE_STYLE}<table class='mappa'>{header}{''.join(rows)}</table>"

    def data_quality_html(self) -> str:
        """DQ-01..06 counts, and the quarantine by table and reason."""
        findings = "".join(
            f"<tr><td>{html_text(d['rule_id'])}</td><td>{html_text(d['title'])}</td>"
            f"<td class='num'>{html_text(self.count(d['rows']))}</td></tr>"
            for d in self.document["data_quality"]
        )
        quarantine = "".join(
            f"<tr><td>{html_text(r['table'])}</td><td>{html_text(r['reason'])}</td>"
            f"<td class='num'>{html_text(self.count(r['entries']))}</td></tr>"
            for r in self.quarantine_summary.iter_rows(named=True)
        ) or "<tr><td colspan='3'>No quarantine entries: every input row was read.</td></tr>"
        return (
            f"{_TABLE_STYLE}<table class='mappa'><tr><th>Check</th><th>Finding</th>"
            f"<th>Rows</th></tr>{findings}</table>"
            "<p>Quarantined input (left out of every rule):</p>"
            f"<table class='mappa'><tr><th>Table</th><th>Reason</th><th>Entries</th></tr>"
            f"{quarantine}</table>"
        )

    def signals_html(self, previous: AuditReport | None = None) -> str:
        """The watch-list counts with a sentence each, and the change since ``previous``;
        signals, not compliance rates."""
        before = ({s["signal_id"]: s["cases"] for s in previous.document.get("signals", [])}
                  if previous is not None else {})
        rows = []
        for signal in self.document.get("signals", []):
            cases = signal["cases"]
            words = ("no cases" if cases == 0 else
                     f"{self._amount(cases)} case{'s' if cases != 1 else ''} to look at again")
            then = before.get(signal["signal_id"])
            change = "" if previous is None else f"<td>{self._signal_change(cases, then)}</td>"
            rows.append(f"<tr><td>{html_text(signal['signal_id'])}</td>"
                        f"<td>{html_text(signal['title'])}</td>"
                        f"<td class='num'>{html_text(self.count(cases))}</td>"
                        f"<td>{html_text(words)}</td>"
                        f"{change}</tr>")
        change_header = "" if previous is None else "<th>Since the last run</th>"
        return (f"{_TABLE_STYLE}<p><i>Signals for a second look, drawn from inspection "
                "findings: not compliance rates, no target.</i></p><table class='mappa'>"
                "<tr><th>Signal</th><th>What it picks out</th><th>Cases</th><th>In words</th>"
                f"{change_header}</tr>{''.join(rows)}</table>")

    def _signal_change(self, now: int | None, then: int | None) -> str:
        """More cases picked out is worse: a red up arrow; hidden when either is small (or
        hidden, or there is no figure before)."""
        if now is None or then is None or (self.is_board and (
                is_hidden(now, self.suppress_below) or is_hidden(then, self.suppress_below))):
            return "<span style='color:#555'>not shown</span>"
        if now == then:
            return "<span style='color:#555'>▶ no change</span>"
        worse = now > then
        colour = RAG_COLOURS["red"] if worse else RAG_COLOURS["green"]
        return (f"<span style='color:{colour}'>{'▲' if worse else '▼'} {abs(now - then)} "
                f"{'more' if worse else 'fewer'}</span>")

    def due_by_week_html(self) -> str:
        """Items coming due in the four weeks after the as-at date, by week (aggregates)."""
        weeks = self.document.get("due_by_week", [])
        cells = "".join(f"<tr><td>{html_text(w['week'])}</td>"
                        f"<td class='num'>{html_text(self.count(w['items']))}</td></tr>"
                        for w in weeks)
        return (f"{_TABLE_STYLE}<table class='mappa'><tr><th>Due</th><th>Items</th></tr>"
                f"{cells}</table>")

    def change_html(self, previous: AuditReport | None) -> str:
        """Rate and count change per rule against the previous run, with arrows."""
        if previous is None:
            return "<p>There is no earlier run of the same length to compare with.</p>"
        now = {r["rule_id"]: r for r in self.shown(self.headline()).iter_rows(named=True)}
        before = {r["rule_id"]: r for r in previous.shown(previous.headline())
                  .iter_rows(named=True)}
        period = previous.document["period"]
        rows = []
        for rule_id, row in now.items():
            old = before.get(rule_id)
            arrow = change_words(row["rate"], None if old is None else old["rate"])
            rows.append(
                f"<tr><td>{html_text(rule_id)}</td><td>{html_text(row['title'])}</td>"
                f"<td class='num'>{_percent(None if old is None else old['rate'])}</td>"
                f"<td class='num'>{_percent(row['rate'])}</td><td>{arrow}</td>"
                f"<td class='num'>{html_text(None if old is None else old['non_compliant'])}"
                f"</td><td class='num'>{html_text(row['non_compliant'])}</td></tr>")
        return (
            f"{_TABLE_STYLE}<p>Compared with the run for {_long_date(period['start'])} to "
            f"{_long_date(period['end'])}.</p><table class='mappa'><tr><th>Rule</th>"
            "<th>What is checked</th><th>Rate then</th><th>Rate now</th><th>Change</th>"
            f"<th>Not met then</th><th>Not met now</th></tr>{''.join(rows)}</table>"
        )

    def exceptions_frame(self, rule_ids: list[str] | None = None) -> pl.DataFrame:
        """Auditor only: the exceptions of some rules, sorted by rule and date."""
        if self.exceptions is None:
            msg = "exceptions are shown in the auditor view only"
            raise AuditorOnlyError(msg, "build the report with audience='auditor'")
        frame = self.exceptions
        if rule_ids is not None:
            frame = frame.filter(pl.col("rule_id").is_in(rule_ids))
        return frame.sort("rule_id", "item_date", "case_id")

    # ---- charts ------------------------------------------------------------------------------

    def quarter_figure(self, rule_id: str) -> go.Figure:
        """Rate per quarter against the target line (suppressed rates left out for a board)."""
        entry = self.rule(rule_id)
        frame = self.shown(self.breakdown(rule_id, "quarter"))
        quarters = [chart_text(q) for q in frame["value"].to_list()]
        rates = [None if r is None else r * 100 for r in frame["rate"].to_list()]
        hover = [
            f"{q}: {'rate not shown (too few)' if r is None else f'{r:.1f} %'}<br>"
            f"met {chart_text(c)}, not met {chart_text(n)}"
            for q, r, c, n in zip(quarters, rates, frame["compliant"], frame["non_compliant"],
                                  strict=True)
        ]
        trace = {"type": "scatter", "x": quarters, "y": rates, "mode": "lines+markers",
                 "name": "rate", "hovertext": hover, "hoverinfo": "text",
                 "line": {"color": "#1f4e79", "width": 3}, "connectgaps": False}
        return _figure(trace, f"{chart_text(rule_id)} by quarter", entry["target"] * 100,
                       target_label=True)

    def breakdown_figure(self, rule_id: str, dimension: str) -> go.Figure:
        """Rate per value of one dimension, as bars coloured by RAG."""
        entry = self.rule(rule_id)
        frame = self.shown(self.breakdown(rule_id, dimension))
        rates = [None if r is None else r * 100 for r in frame["rate"].to_list()]
        labels = [chart_text(v) for v in frame["value"].to_list()]
        hover = [
            f"{label}: {'rate not shown (too few)' if r is None else f'{r:.1f} %'}<br>"
            f"met {chart_text(c)}, not met {chart_text(n)}"
            for label, r, c, n in zip(labels, rates, frame["compliant"],
                                      frame["non_compliant"], strict=True)
        ]
        trace = {"type": "bar", "x": labels, "y": rates, "hovertext": hover, "hoverinfo": "text",
                 "marker": {"color": [RAG_COLOURS.get(r, RAG_COLOURS["none"])
                                      for r in frame["rag"]]},
                 "text": ["" if r is None else f"{r:.0f} %" for r in rates],
                 "textposition": "outside"}
        title = f"{chart_text(rule_id)} by {DIMENSION_TITLES.get(dimension, dimension)}"
        return _figure(trace, title, entry["target"] * 100)


_TABLE_STYLE = """<style>
table.mappa {border-collapse: collapse; font-family: system-ui, sans-serif; font-size: 14px;}
table.mappa th {background: #1f4e79; color: white; padding: 4px 8px; text-align: left;}
table.mappa td {border-bottom: 1px solid #ddd; padding: 4px 8px; text-align: left;}
table.mappa td.num {text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap;}
span.rag {color: white; padding: 2px 8px; border-radius: 10px; white-space: nowrap;}
</style>"""


# The few parts of plotly's "plotly_white" our charts use. The full template is about 10 kB of
# JSON that every chart would carry (and a board page shows several): the page, the run's
# HTML and each dashboard kernel would build and send it again and again.
_AXIS = {"gridcolor": "#EBF0F8", "linecolor": "#EBF0F8", "zerolinecolor": "#EBF0F8",
         "zerolinewidth": 2, "ticks": "", "automargin": True}
_TEMPLATE = go.layout.Template(layout={
    "paper_bgcolor": "white", "plot_bgcolor": "white", "font": {"color": "#2a3f5f"},
    "hovermode": "closest", "title": {"x": 0.05}, "xaxis": _AXIS, "yaxis": _AXIS,
})


def _figure(trace: dict[str, Any], title: str, target: float, *,
            target_label: bool = False) -> go.Figure:
    """One trace against a dashed target line, built in one go from plain dicts.

    (``add_hline`` and ``update_layout`` validate piece by piece and took four times as long:
    a board member waits for this on every dropdown change.)
    """
    line = {"type": "line", "xref": "x domain", "x0": 0, "x1": 1, "yref": "y", "y0": target,
            "y1": target, "line": {"dash": "dash", "color": RAG_COLOURS["red"]}}
    label = {"text": f"target {target:.0f} %", "showarrow": False, "xref": "x domain", "x": 1,
             "xanchor": "right", "yref": "y", "y": target, "yanchor": "top"}
    return go.Figure(data=[trace], layout={
        "title": {"text": title}, "template": _TEMPLATE, "height": 320,
        "margin": {"l": 50, "r": 20, "t": 50, "b": 40},
        "yaxis": {"title": {"text": "rate (%)"}, "range": [0, 112]}, "showlegend": False,
        "font": {"family": "system-ui, sans-serif", "size": 13},
        "shapes": [line], "annotations": [label] if target_label else [],
    })


def _quarantine_summary(quarantine: pl.DataFrame | None) -> pl.DataFrame:
    schema = {"table": pl.String, "reason": pl.String, "entries": pl.Int64}
    if quarantine is None or quarantine.height == 0:
        return pl.DataFrame(schema=schema)
    return (
        quarantine.group_by("table", "reason")
        .agg(pl.len().cast(pl.Int64).alias("entries"))
        .sort("table", "reason")
        .cast(schema)  # type: ignore[arg-type]
    )


def html_text(value: object) -> str:
    """A value as HTML text, quotes included (``None`` as a dash).

    Every value that comes from data or from a run folder (an area, a rule id, a count read
    from ``results.json``) goes into HTML through here, in text and in attributes alike.

    Examples
    --------
    >>> html_text("Westbrook<img src=x onerror=alert(1)>")
    'Westbrook&lt;img src=x onerror=alert(1)&gt;'
    >>> html_text("' onmouseover='x"), html_text(None), html_text(12)
    ('&#x27; onmouseover=&#x27;x', '—', '12')
    """
    return "—" if value is None else html.escape(str(value), quote=True)


def chart_text(value: object) -> str:
    """A value as text in a plotly chart (an axis label, hover text, a title).

    plotly.js reads a few HTML tags in text (``<b>``, ``<br>``, ``<a href>`` with a live
    link) and entities; escaped, an area named ``A <b>B</b>`` is shown as it is written.

    Examples
    --------
    >>> chart_text("<a href='https://example.org'>Eastvale</a> & co")
    "&lt;a href='https://example.org'&gt;Eastvale&lt;/a&gt; &amp; co"
    """
    return html.escape(str(value), quote=False)


def glossary_html() -> str:
    """The words a board member may not know, as a definition list."""
    items = "".join(f"<dt><b>{html_text(term)}</b></dt><dd>{html_text(text)}</dd>"
                    for term, text in GLOSSARY.items())
    return f"<dl style='font-family:system-ui,sans-serif'>{items}</dl>"


def frame_html(frame: pl.DataFrame, css_class: str = "mappa") -> str:
    """Any frame as an escaped HTML table (empty cells for nulls)."""
    header = "".join(f"<th>{html_text(c)}</th>" for c in frame.columns)
    rows = "".join(
        "<tr>" + "".join(f"<td>{'' if v is None else html_text(v)}</td>" for v in row)
        + "</tr>"
        for row in frame.iter_rows()
    )
    return f"<table class='{html_text(css_class)}'><tr>{header}</tr>{rows}</table>"


def _percent(rate: float | None) -> str:
    return "—" if rate is None else f"{rate * 100:.1f} %"


def change_words(now: float | None, before: float | None) -> str:
    """A change a board member reads at a glance: arrow, points, colour, and the word."""
    if now is None or before is None:
        return "<span style='color:#555'>not shown</span>"
    points = (now - before) * 100
    if abs(points) < 0.05:
        return "<span style='color:#555'>▶ no change</span>"
    better = points > 0
    colour = RAG_COLOURS["green"] if better else RAG_COLOURS["red"]
    return (f"<span style='color:{colour}'>{'▲' if better else '▼'} {abs(points):.1f} points "
            f"{'better' if better else 'worse'}</span>")


def previous_report(run_folder: str | Path, report: AuditReport) -> AuditReport | None:
    """The report of the run before this one (same area and period length), if any."""
    from mappa_audit._runs import previous_run
    from mappa_audit._store import read_index

    folder = Path(run_folder)
    period = report.document["period"]
    current = {"area": report.document.get("area"), "start": period["start"],
               "end": period["end"], "started_at": "9999"}
    runs = [e for e in read_index(folder.parent) if e["folder"] != folder.name]
    before = previous_run(runs, current)
    if before is None:
        return None
    return AuditReport.from_run(folder.parent / before["folder"], Audience.BOARD)


def _in_area(frame: pl.DataFrame, area: str | None) -> pl.DataFrame:
    """A case-level frame with an ``area`` column narrowed to ``area`` (``None``: all)."""
    return frame if area is None else frame.filter(pl.col("area") == area)


def _due_by_week(worklist: pl.DataFrame, as_at: dt.date) -> list[dict[str, Any]]:
    """Items coming due per week after ``as_at`` (aggregates: no case ids), overdue first."""
    weeks = [{"week": "overdue", "items": int((worklist["status"] == "overdue").sum())}]
    coming = worklist.filter(pl.col("status") == "due")
    for week in range(4):
        first = as_at + dt.timedelta(days=7 * week + 1)
        last = first + dt.timedelta(days=6)
        count = coming.filter(pl.col("due_date").is_between(first, last)).height
        weeks.append({"week": f"{day_month(first, year=False)} to "
                              f"{day_month(last, year=False)}", "items": count})
    return weeks


def _long_date(value: str) -> str:
    day = dt.date.fromisoformat(value)
    return f"{day.day} {day:%B %Y}"
