"""One audit's figures for one audience: what every report, paper and dashboard is drawn from.

One :class:`AuditReport` serves the notebooks, the dashboards and the board paper. It is built
either from an :class:`~mappa_audit.AuditResult` (a notebook that has just run the audit) or
from a run folder (a dashboard, which never loads case-level data for the board). Every view
it gives a board goes through :mod:`mappa_audit._privacy`. It holds figures, not words: the
view models of :mod:`mappa_audit._views` word them, and the templates draw them.
"""

from __future__ import annotations

import copy
import datetime as dt
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import polars as pl

from mappa_audit._calendar import day_month
from mappa_audit._disclosure_review import (
    DISCLOSURE_COUNTS,
    disclosure_summaries,
    disclosure_summaries_by_area,
    protect_summaries,
)
from mappa_audit._engine import BREAKDOWNS, EXCEPTION_COLUMNS, AuditResult, known_areas
from mappa_audit._errors import AuditorOnlyError, NotFoundError, UsageError
from mappa_audit._files import make_folder
from mappa_audit._privacy import (
    COUNT_COLUMNS,
    WITHHELD,
    Audience,
    area_counts,
    hidden_as_in,
    parse_audience,
    protect,
    protect_area_counts,
    protect_results_counts,
    results_tables,
    suppress,
    unknown_case_rows,
    with_area_counts,
)
from mappa_audit._results import results_document
from mappa_audit._signals import signal_counts, watch_list
from mappa_audit._store import (
    previous_run,
    read_index,
    read_results,
    read_run_data,
    write_run_data,
)
from mappa_audit._worklist import due_items
from mappa_audit.rules import RULES, Theme

_HEADLINE_TYPES = dict.fromkeys(COUNT_COLUMNS, pl.Int64) | {
    "rate": pl.Float64, "standard": pl.String, "rag": pl.String}
"""Types of the headline's columns, whatever is hidden (a column of nulls has none)."""
MAX_EXCEPTION_ROWS = 200
"""Exception rows shown in a notebook; the full list is in ``exceptions.parquet``."""


@dataclass(frozen=True)
class AuditReport:
    """The figures of one audit for one audience, small numbers hidden for a board.

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
    area_disclosure: pl.DataFrame | None = None
    """Each area's ``disclosure`` (with ``area`` first), of a report of all areas made from
    its audit: not saved; the board's protects all areas' and each area's together, and an
    area's board report (``for_board(like=...)``) takes its own from it (decision 61)."""
    area_counts: pl.DataFrame | None = None
    """Each area's watch-list, data-quality and coming-due counts (``area``, then as
    :func:`~mappa_audit._privacy.area_counts` gives them), of a report of all areas made
    from its audit: not saved; protected with the all-areas counts as one, as
    ``area_disclosure`` is (decision 62)."""
    watch: pl.DataFrame | None = None
    """Auditor only: the cases each watch-list signal picks out (``watch_list.parquet``)."""
    worklist: pl.DataFrame | None = None
    """Auditor only: what falls due in the 4 weeks after ``as_at`` (``worklist.parquet``)."""
    findings: pl.DataFrame | None = None
    """Auditor only: the rows the data-quality rules found (``data_quality.parquet``): those
    of the whole run, as its data-quality counts are."""

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
            area_disclosure=(disclosure_summaries_by_area(result) if result.area is None
                             else None),
            area_counts=(_area_counts(result, watch, worklist) if result.area is None
                         else None),
            exceptions=result.exceptions(),
            quarantine=quarantine,
            area_results=result.area_results,
            watch=watch,
            worklist=worklist,
            findings=result.findings,
        )
        return report if who is Audience.AUDITOR else report.for_board()

    @classmethod
    def from_run(cls, folder: str | Path, audience: str | Audience = Audience.BOARD) -> AuditReport:
        """The report of a recorded run, for ``audience``. A board's reads aggregates only,
        and hides small numbers as it reads them. A board's is read from a board run only:
        an auditor's run folder keeps exact counts, and a board view of it would be protected
        on its own, not with the board runs of the same audit (decision 64)."""
        folder = Path(folder)
        who = parse_audience(audience)
        document = read_results(folder)
        if who is Audience.BOARD and document.get("audience") == Audience.AUDITOR.value:
            msg = f"{folder} is an auditor run: a board's view is made from a board run"
            raise UsageError(msg, "give the board run of the same audit (runs are made for "
                                  "the board unless the auditor audience is asked for)")
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
            findings=read_run_data(folder, "data_quality"),
        )

    def for_board(self, like: AuditReport | None = None) -> AuditReport:
        """This report as a board may read it: aggregates only, each count from 1 to
        ``suppress_below - 1`` hidden (null), and no rate or RAG from fewer items than
        that. Everything a board reads or is sent is built from this.

        ``like``: for an area's report, the board report of all areas of the same audit;
        each count of this area that it hides stays hidden here, so that the two read
        together give nothing away (decision 59), and the disclosure summary is this area's
        part of its protection (decision 61)."""
        below = int(self.document["policy"].get("suppress_below", 5))
        rule_results, area_results = self.rule_results, self.area_results
        area = self.document.get("area")
        if like is not None and like.area_results is not None and area is not None:
            of_area = like.area_results.filter(pl.col("area") == area)
            rule_results = hidden_as_in(rule_results, of_area.drop("area"))
            if area_results is not None:
                area_results = hidden_as_in(area_results, of_area)
        # secondary suppression over the rule results and each area's, read together
        protected = {name: _without_unknown_cases(name, frame) for name, frame in
                     protect(results_tables(rule_results, area_results), below).items()}
        rule_results = protected["rule_results"]
        document, summary = protect_results_counts(self.document, self.quarantine_summary,
                                                   below)
        counts_by_area = None
        if like is not None and like.area_counts is not None and area is not None:
            document = with_area_counts(document, like.area_counts.filter(
                pl.col("area") == area).drop("area"))
        elif area is None:
            document, counts_by_area = protect_area_counts(self.document, document,
                                                           self.area_counts, below)
        document["audience"] = Audience.BOARD.value
        _with_headline(document, rule_results)
        disclosure, area_disclosure = self.disclosure, None
        if disclosure is not None:
            if like is not None and like.area_disclosure is not None and area is not None:
                # this area's part of the all-areas protection, which leaves nothing more
                disclosure = hidden_as_in(disclosure, like.area_disclosure.filter(
                    pl.col("area") == area).drop("area"), DISCLOSURE_COUNTS)
            disclosure, area_disclosure = protect_summaries(
                disclosure, self.area_disclosure if area is None else None, below)
        return AuditReport(
            audience=Audience.BOARD,
            document=document,
            rule_results=rule_results,
            quarantine_summary=summary,
            area_results=protected.get("area_results"),
            disclosure=disclosure,
            area_disclosure=area_disclosure,
            area_counts=counts_by_area,
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
            "data_quality": self.findings,
            "exceptions": (None if self.exceptions is None
                           else self.exceptions.select(*EXCEPTION_COLUMNS, *BREAKDOWNS)),
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
            _set_withheld(entry, None if counts is None else counts.get(WITHHELD))
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

    def headline(self) -> pl.DataFrame:
        """One row per rule: title, theme, standard, target, counts, rate and RAG."""
        rules = pl.DataFrame(self.document["rules"], schema_overrides=_HEADLINE_TYPES).select(
            "rule_id", "title", "standard", "target", "status",
            "compliant", "non_compliant", "pending", "not_assessable", "population",
            "rate", "rag",
        ).with_columns(pl.Series(WITHHELD, [list(entry.get(WITHHELD) or [])
                                            for entry in self.document["rules"]],
                                 dtype=pl.List(pl.String)))
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

    def exceptions_frame(self, rule_ids: list[str] | None = None) -> pl.DataFrame:
        """Auditor only: the exceptions of some rules, sorted by rule and date."""
        if self.exceptions is None:
            msg = "exceptions are shown in the auditor view only"
            raise AuditorOnlyError(msg, "build the report with audience='auditor'")
        frame = self.exceptions
        if rule_ids is not None:
            frame = frame.filter(pl.col("rule_id").is_in(rule_ids))
        return frame.sort("rule_id", "item_date", "case_id")


def _with_headline(document: dict[str, Any], rule_results: pl.DataFrame) -> None:
    """Each rule's counts, rate and RAG in ``document`` hidden where its protected headline
    row hides them, and the counts withheld to protect a small one (``withheld``)."""
    heads = {row["rule_id"]: row for row in
             rule_results.filter(pl.col("dimension") == "all").iter_rows(named=True)}
    for entry in document["rules"]:
        head = heads.get(entry["rule_id"])
        if head is None:
            continue
        for name in COUNT_COLUMNS:
            if head[name] is None:
                entry[name] = None
        if head["rate"] is None:
            entry["rate"], entry["rag"] = None, "none"
        _set_withheld(entry, head.get(WITHHELD))


def _set_withheld(entry: dict[str, Any], withheld: list[str] | None) -> None:
    """``entry``'s ``withheld`` list, left out when nothing is withheld."""
    entry.pop(WITHHELD, None)
    if withheld:
        entry[WITHHELD] = list(withheld)


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


def previous_report(run_folder: str | Path, report: AuditReport) -> AuditReport | None:
    """The report of the run before this one (same area and period length), if any. A board
    report compares with board runs only (decision 64); an auditor report with any run, read
    as it was written (an auditor's exact, a board's protected)."""
    folder = Path(run_folder)
    period = report.document["period"]
    current = {"area": report.document.get("area"), "start": period["start"],
               "end": period["end"], "started_at": "9999"}
    runs = [e for e in read_index(folder.parent) if e["folder"] != folder.name
            and (report.audience is Audience.AUDITOR or e["audience"] == Audience.BOARD.value)]
    before = previous_run(runs, current)
    if before is None:
        return None
    return AuditReport.from_run(folder.parent / before["folder"], before["audience"])


def _area_counts(result: AuditResult, watch: pl.DataFrame, worklist: pl.DataFrame | None
                 ) -> pl.DataFrame | None:
    """Each area's counts of ``AREA_COUNTS``, as its own run's results hold them."""
    frames = []
    for area in known_areas(result.dataset):
        document: dict[str, Any] = {
            "signals": signal_counts(_in_area(watch, area)),
            "data_quality": result.for_area(area).data_quality().to_dicts(),
        }
        if worklist is not None:
            document["due_by_week"] = _due_by_week(_in_area(worklist, area), result.as_at)
        frames.append(area_counts(document).select(pl.lit(area).alias("area"), pl.all()))
    return pl.concat(frames) if frames else None


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


def _without_unknown_cases(name: str, frame: pl.DataFrame) -> pl.DataFrame:
    """A board's rule results without the rows of items of unknown cases (decision 56)."""
    return frame.filter(~unknown_case_rows(name, frame))
