"""The presentation layer: view models built from a small report, their words, and the templates.

The report here is built by hand (no dataset, no audit), with counts chosen to sit either side
of the board's threshold, so every test runs in milliseconds.
"""

from __future__ import annotations

import dataclasses
import functools
import re
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from jinja2 import UndefinedError
from markupsafe import Markup

import mappa_audit
from mappa_audit import _views as views
from mappa_audit._annual import AnnualSource, annual_document
from mappa_audit._board_summary import QUESTIONS, board_summary, by_concern
from mappa_audit._charts import figure, figure_json, ranked_figure, svg_chart
from mappa_audit._outcome_views import OutcomesTheme, outcomes_theme
from mappa_audit._render import environment, render
from mappa_audit._report import AuditReport
from mappa_audit._views import Change

HOSTILE = "Westbrook<img src=x onerror=alert(1)>\"'&"
"""An area name that is markup, closes both kinds of attribute and holds an entity."""


def _rule(rule_id: str, title: str, met: int, missed: int, *, pending: int = 0,
          status: str = "assessed") -> dict[str, Any]:
    population = met + missed
    rate = met / population if population else None
    rag = "none" if rate is None else ("green" if rate >= 0.95 else "red")
    return {"rule_id": rule_id, "title": title, "standard": "5 working days", "target": 0.95,
            "status": status, "compliant": met, "non_compliant": missed, "pending": pending,
            "not_assessable": 0, "population": population, "rate": rate, "rag": rag}


def _breakdown(rule_id: str, dimension: str, value: str, met: int, missed: int
               ) -> dict[str, Any]:
    row = _rule(rule_id, "", met, missed)
    return {"rule_id": rule_id, "dimension": dimension, "value": value,
            **{k: row[k] for k in ("compliant", "non_compliant", "pending", "not_assessable",
                                   "population", "rate", "rag")}}


def small_report(*, signal_cases: int = 3, tml01: tuple[int, int] = (50, 10),
                 area: str = "Eastvale") -> AuditReport:
    """An auditor's report of two rules: TML-01 with misses in two areas, TML-02 of 3 items."""
    met, missed = tml01
    document = {
        "period": {"start": "2025-04-01", "end": "2026-03-31", "as_at": "2026-03-31"},
        "policy": {"name": "MAPPA default", "confirmed": False, "suppress_below": 5},
        "area": None,
        "quarantine": {"rows": 2, "entries": 3},
        "rules": [_rule("TML-01", "First meeting within 5 working days", met, missed),
                  _rule("TML-02", "First meeting within 20 working days", 2, 1, pending=4)],
        "data_quality": [{"rule_id": "DQ-02", "title": "Rows that refer to nothing", "rows": 2},
                         {"rule_id": "DQ-03", "title": "Dates out of order", "rows": 6}],
        "signals": [{"signal_id": "SIG-01", "title": "Stepped down soon after release",
                     "cases": signal_cases},
                    {"signal_id": "SIG-02", "title": "No review for over a year", "cases": 26}],
        "due_by_week": [{"week": "overdue", "items": 12}, {"week": "1 Apr to 7 Apr", "items": 2}],
    }
    rule_results = pl.DataFrame([
        _breakdown("TML-01", "all", "all", met, missed),
        _breakdown("TML-01", "area", area, met // 2, missed - 3),
        _breakdown("TML-01", "area", "Northmoor", met - met // 2, 3),
        _breakdown("TML-01", "quarter", "2025-Q2", met, missed),
        _breakdown("TML-01", "quarter", "2025-Q3", 3, 0),
        _breakdown("TML-02", "all", "all", 2, 1),
    ])
    quarantine = pl.DataFrame({"table": ["cases"], "reason": ["date not a date"],
                               "entries": [3]})
    return AuditReport(audience=mappa_audit.Audience.AUDITOR, document=document,
                       rule_results=rule_results, quarantine_summary=quarantine)


@pytest.fixture(scope="module")
def auditor() -> AuditReport:
    return small_report()


@pytest.fixture(scope="module")
def board(auditor: AuditReport) -> AuditReport:
    return auditor.for_board()


# ---- the words that exist once ---------------------------------------------------------------

@pytest.mark.parametrize(
    ("count", "below", "cell", "sentence"),
    [
        (0, 5, "0", "0"),  # a true zero is shown to a board
        (1, 5, "<5", "fewer than 5"),  # the smallest hidden count
        (4, 5, "<5", "fewer than 5"),  # the largest hidden count
        (5, 5, "5", "5"),  # the threshold itself is shown
        (None, 5, "<5", "fewer than 5"),  # hidden already in a board's files
        (3, None, "3", "3"),  # an auditor sees every count
        (None, None, "—", "—"),  # an auditor's missing count is a dash, never "None"
        (7, 10, "<10", "fewer than 10"),  # a policy's higher threshold
    ],
)
def test_a_count_in_a_cell_and_in_a_sentence(count: int | None, below: int | None, cell: str,
                                             sentence: str) -> None:
    assert views.count_text(count, below) == cell
    assert views.amount(count, below) == sentence


@pytest.mark.parametrize(
    ("now", "before", "text", "tone"),
    [
        (0.9, 0.85, "▲ 5.0 points better", "better"),  # up is better for a rate
        (0.8, 0.9, "▼ 10.0 points worse", "worse"),
        (0.9, 0.9, "▶ no change", "same"),
        (0.9004, 0.9, "▶ no change", "same"),  # under a twentieth of a point rounds to none
        (0.9006, 0.9, "▲ 0.1 points better", "better"),  # just over it is a change
        (None, 0.9, "change not shown (too few)", "unknown"),  # hidden now
        (0.9, None, "change not shown (too few)", "unknown"),  # hidden before
    ],
)
def test_rate_change_wording(now: float | None, before: float | None, text: str,
                             tone: str) -> None:
    change = views.rate_change(now, before)
    assert (change.text, change.tone) == (text, tone)


@pytest.mark.parametrize(
    ("now", "then", "below", "text"),
    [
        (26, 7, 5, "▲ 19 more"),  # more cases picked out is worse
        (5, 9, 5, "▼ 4 fewer"),
        (6, 6, 5, "▶ no change"),
        (3, 9, 5, "change not shown (too few)"),  # a board: the difference would give 3 away
        (9, 3, 5, "change not shown (too few)"),  # ... or the earlier 3
        (None, 9, 5, "change not shown (too few)"),  # hidden in a board's file
        (3, 9, None, "▼ 6 fewer"),  # an auditor sees the change of small counts
    ],
)
def test_count_change_wording(now: int | None, then: int | None, below: int | None,
                              text: str) -> None:
    assert views.count_change(now, then, below).text == text


@pytest.mark.parametrize(
    ("change", "colour"),
    [
        (views.rate_change(0.9, 0.8), views.RAG_COLOURS["green"]),  # better: green
        (views.rate_change(0.8, 0.9), views.RAG_COLOURS["red"]),  # worse: red
        (views.count_change(9, 3, None), views.RAG_COLOURS["red"]),  # more cases: red
        (views.UNCHANGED, views.QUIET_COLOUR),  # no judgement
        (views.NOT_SHOWN, views.QUIET_COLOUR),
        (views.NO_EARLIER, views.QUIET_COLOUR),
    ],
)
def test_change_colour_follows_its_tone(change: Change, colour: str) -> None:
    assert change.colour == colour


def test_the_shared_wording_is_written_in_one_module() -> None:
    # the banner, the suppression sentence, change since the last run and "fewer than N":
    # once, in _views.py; no other module or template words them
    phrases = ("points better", "points worse", 'to look at again"', "are shown as <{",
               "fewer than {", "no earlier run", "change not shown", "Board view:",
               "quarantined and left out")
    package = Path(mappa_audit.__file__).parent
    for path in [*package.rglob("*.py"), *(package / "templates" / "views").iterdir()]:
        text = path.read_text(encoding="utf-8")
        found = [p for p in phrases if p in text]
        if path.name == "_views.py":
            assert sorted(found) == sorted(phrases)
        else:
            assert found == [], path.name


# ---- view models of a small report ------------------------------------------------------------

def test_board_headline_hides_small_counts_and_their_rate(board: AuditReport,
                                                          auditor: AuditReport) -> None:
    tml01, tml02 = views.headline_rows(board)
    assert (tml01.met, tml01.not_met, tml01.rate, tml01.rag) == ("50", "10", "83.3 %", "red")
    # 2 met and 1 missed of 3 items: counts hidden, no rate, no colour
    assert (tml02.met, tml02.not_met, tml02.pending) == ("<5", "<5", "<5")
    assert (tml02.rate, tml02.rag, tml02.rag_words) == ("—", "none", "too few to rate")
    # the auditor sees them
    assert [r.met for r in views.headline_rows(auditor)] == ["50", "2"]
    assert views.headline_rows(auditor)[1].rate == "66.7 %"


@pytest.mark.parametrize(
    ("audience", "rule_id", "sentence"),
    [
        # the worst area is named, with its misses
        ("auditor", "TML-01", "First meeting within 5 working days: 83.3 % against a 95 % "
                              "target; 10 missed, 7 of them in Eastvale."),
        # 3 items: a board reads that there were too few, not how many
        ("board", "TML-02", "First meeting within 20 working days: fewer than 5 items fell "
                            "due, too few to give a rate."),
        ("auditor", "TML-02", "First meeting within 20 working days: 66.7 % against a 95 % "
                              "target; 1 missed."),
    ],
)
def test_rule_sentence(auditor: AuditReport, board: AuditReport, audience: str, rule_id: str,
                       sentence: str) -> None:
    report = board if audience == "board" else auditor
    assert views.rule_sentence(report, rule_id) == sentence


def test_a_small_worst_area_is_fewer_than_five_to_a_board() -> None:
    board = small_report(tml01=(50, 7)).for_board()  # Eastvale 4 missed, Northmoor 3
    # the board's rule results hide both areas' misses: no worst area to name
    assert views.rule_sentence(board, "TML-01").endswith("; 7 missed.")
    auditor = small_report(tml01=(50, 7))
    assert views.rule_sentence(auditor, "TML-01").endswith("7 missed, 4 of them in Eastvale.")


@pytest.mark.parametrize(
    ("previous", "tml01", "tml02"),
    [
        # no earlier run: every tile says so
        (None, "no earlier run", "no earlier run"),
        # compared with itself: no change; TML-02's rate is hidden both times
        ("same", "▶ no change", "change not shown (too few)"),
        # an earlier run with a better TML-01
        ("better before", "▼ 6.7 points worse", "change not shown (too few)"),
    ],
)
def test_tile_change(board: AuditReport, previous: str | None, tml01: str, tml02: str) -> None:
    before = {None: None, "same": board,
              "better before": small_report(tml01=(90, 10)).for_board()}[previous]
    tiles = views.tiles(board, ["TML-01", "TML-02"], before)
    assert [t.change.text for t in tiles] == [tml01, tml02]
    assert [t.population for t in tiles] == ["60", "<5"]


def test_change_table_of_a_rule_missing_before(auditor: AuditReport) -> None:
    document = {**auditor.document, "rules": auditor.document["rules"][:1],
                "period": {"start": "2024-04-01", "end": "2025-03-31", "as_at": "2025-03-31"}}
    before = AuditReport(audience=auditor.audience, document=document,
                         rule_results=auditor.rule_results,
                         quarantine_summary=auditor.quarantine_summary)
    table = views.change_table(auditor, before)
    assert table.compared == "Compared with the run for 1 April 2024 to 31 March 2025."
    assert [(r.rule_id, r.rate_then, r.change.text) for r in table.rows] == [
        ("TML-01", "83.3 %", "▶ no change"), ("TML-02", "—", "no earlier run")]
    assert views.change_table(auditor, None) == views.ChangeTable(
        compared="There is no earlier run of the same length to compare with.", rows=())


@pytest.mark.parametrize(
    ("audience", "now", "then", "cases", "words", "change"),
    [
        # 3 cases: hidden to a board, in the cell, the sentence and the change
        ("board", 3, 9, "<5", "fewer than 5 cases to look at again", "change not shown (too few)"),
        ("auditor", 3, 9, "3", "3 cases to look at again", "▼ 6 fewer"),
        ("auditor", 1, 1, "1", "1 case to look at again", "▶ no change"),  # one case
        ("board", 0, 9, "0", "no cases", "▼ 9 fewer"),  # none: a true zero is shown
    ],
)
def test_signal_rows(audience: str, now: int, then: int, cases: str, words: str,
                     change: str) -> None:
    report, before = small_report(signal_cases=now), small_report(signal_cases=then)
    if audience == "board":
        report, before = report.for_board(), before.for_board()
    first = views.signals(report, before).rows[0]
    assert (first.cases, first.words) == (cases, words)
    assert first.change is not None
    assert first.change.text == change
    assert views.signals(report).rows[0].change is None  # no earlier run: no column


@pytest.mark.parametrize(
    ("audience", "quarantine_line", "note"),
    [
        ("board", "Fewer than 5 input rows", "Board view: aggregates only. Counts from 1 to 4 "
                                              "are shown as <5, and a few others as [c] so that "
                                              "no small count can be worked out from totals; "
                                              "rates of fewer than 5 items, or drawn from a "
                                              "hidden count, are not shown."),
        ("auditor", "2 input rows", "Auditor view: holds case references. OFFICIAL-SENSITIVE; "
                                    "do not circulate."),
    ],
)
def test_banner(auditor: AuditReport, board: AuditReport, audience: str, quarantine_line: str,
                note: str) -> None:
    banner = views.banner(board if audience == "board" else auditor)
    assert banner.lines[0] == ("MAPPA audit of all areas, 1 April 2025 to 31 March 2026 "
                               "(as at 31 March 2026).")
    assert banner.lines[2].startswith(quarantine_line + " were quarantined and left out")
    assert banner.notes == (note,)
    compared = views.banner(board, compare=True, previous=None, title="MAPPA board overview")
    assert compared.notes[0] == "There is no earlier run of the same length to compare with."


def test_due_by_week_and_data_quality_hide_small_counts(board: AuditReport) -> None:
    assert [(w.week, w.items) for w in views.due_by_week(board)] == [
        ("overdue", "12"), ("1 Apr to 7 Apr", "<5")]
    quality = views.data_quality(board)
    assert [f.rows for f in quality.findings] == ["<5", "6"]
    assert [q.entries for q in quality.quarantine] == ["<5"]


def test_a_signal_or_week_withheld_reads_as_not_shown(auditor: AuditReport) -> None:
    """Withheld so that an area's count cannot be had from all areas' (decision 62): ``[c]``
    in a cell, "a number (not shown)" in a sentence, never ``<5``."""
    from mappa_audit._privacy import WITHHELD, with_area_counts

    protected = pl.DataFrame({"section": ["signals", "due_by_week"],
                              "key": ["SIG-02", "overdue"], "count": [None, None],
                              WITHHELD: [["count"], ["count"]]},
                             schema={"section": pl.String, "key": pl.String,
                                     "count": pl.Int64, WITHHELD: pl.List(pl.String)})
    board = auditor.for_board()
    withheld = dataclasses.replace(board, document=with_area_counts(board.document, protected))
    row = next(r for r in views.signals(withheld).rows if r.signal_id == "SIG-02")
    assert (row.cases, row.words) == ("[c]", "a number (not shown) of cases to look at again")
    assert views.due_by_week(withheld)[0].items == "[c]"
    assert views.due_by_week(board)[0].items == "12"  # the board's own is unchanged


def test_chart_points_of_a_board(board: AuditReport) -> None:
    chart = views.quarter_chart(board, "TML-01")
    assert chart.title == "TML-01 by quarter"
    assert chart.target_text == "target 95 %"
    q2, q3 = chart.points
    assert (q2.rate_text, q2.bar_text, q2.met, q2.not_met) == (
        "83.3 % of 60 items", "83 %", "50", "10")
    # 3 items in the quarter: no rate, no counts
    assert (q3.rate, q3.rate_text, q3.bar_text, q3.met) == (
        None, "rate not shown (too few)", "too few", "<5")


@pytest.mark.parametrize(
    ("met", "missed", "rate_text", "grey"),
    [
        (14, 5, "73.7 % of 19 items, too few items to judge", True),  # 19: under 20
        (15, 5, "75.0 % of 20 items", False),  # 20: the policy's minimum base
    ],
)
def test_a_rate_from_a_small_base_is_greyed_with_its_count(met: int, missed: int,
                                                           rate_text: str, grey: bool) -> None:
    report = small_report(tml01=(met, missed)).for_board()
    point = views.quarter_chart(report, "TML-01").points[0]
    assert point.rate_text == rate_text
    assert (point.colour == views.RAG_COLOURS["none"]) is grey
    [tile] = views.tiles(report, ["TML-01"], None)
    assert (tile.rag, tile.rag_words == "too few items to judge") == (
        ("none", True) if grey else ("red", False))
    assert tile.population == str(met + missed)


@pytest.mark.parametrize(
    ("now", "before", "bases", "tone"),
    [
        (0.75, 0.833, (20, 24), "worse"),  # 8.3 points from 20 items or more: coloured
        (0.75, 0.833, (19, 24), "slight"),  # from 19 items: not coloured
        (0.902, 0.9, (400, 380), "slight"),  # 0.2 points: not material
        (0.92, 0.9, (400, 380), "better"),  # 2 points: material
    ],
)
def test_a_change_is_coloured_only_when_material(now: float, before: float,
                                                 bases: tuple[int, int], tone: str) -> None:
    change = views.rate_change(now, before, bases=bases, reporting=(20, 2.0))
    assert change.tone == tone
    assert (change.colour == views.QUIET_COLOUR) is (tone == "slight")


def test_plotly_and_svg_draw_the_same_points(board: AuditReport) -> None:
    chart = views.quarter_chart(board, "TML-01")
    drawn = figure(chart)
    assert list(drawn.data[0].y) == [pytest.approx(50 / 60 * 100), None]
    assert drawn.layout.annotations[0].text == "target 95 %"
    laid = svg_chart(chart)
    assert [b.label for b in laid.bars] == ["2025-Q2", "2025-Q3"]
    assert laid.bars[0].height == pytest.approx((laid.baseline - laid.top) * 50 / 60)
    assert laid.bars[1].colour is None  # no bar, only the note
    assert laid.bars[1].text == "too few"


# ---- the templates ------------------------------------------------------------------------------

class _Parsed(HTMLParser):
    def __init__(self, html: str) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.text: list[str] = []
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def _svg(report: AuditReport, rule_id: str, dimension: str) -> str:
    macro = environment().get_template("views/chart.svg.j2").module.svg
    return str(macro(svg_chart(views.breakdown_chart(report, rule_id, dimension))))


@pytest.mark.parametrize(
    "build",
    [
        # the banner names the area of a one-area run
        lambda r: render("banner.html.j2", view=views.banner(r)),
        # the sentence names the worst area
        lambda r: render("rule_sentence.html.j2", rule_id="TML-01",
                         sentence=views.rule_sentence(r, "TML-01")),
        # the paper's chart labels its bars with the areas (and in its aria-label)
        lambda r: _svg(r, "TML-01", "area"),
        # any table of case-level rows
        lambda r: render("table.html.j2", view=views.table(r.breakdown("TML-01", "area")),
                         css="mappa", heading=None),
    ],
    ids=["banner", "sentence", "svg chart", "table"],
)
def test_a_hostile_area_name_is_text(build: Any) -> None:
    report = small_report(area=HOSTILE)
    report = AuditReport(audience=report.audience,
                         document={**report.document, "area": HOSTILE},
                         rule_results=report.rule_results,
                         quarantine_summary=report.quarantine_summary)
    html = build(report)
    parsed = _Parsed(html)
    assert "img" not in [tag for tag, _ in parsed.tags]
    assert not [a for _, attrs in parsed.tags for a in attrs if a.startswith("on")]
    assert HOSTILE in "".join(parsed.text)


def test_a_download_link_keeps_a_crafted_file_name_in_its_attributes() -> None:
    # the file name is the run folder's, from the runs index: a file anyone may edit
    html = render("download_link.html.j2", ready="Ready:", kind="csv", filename=HOSTILE,
                  media_type="text/csv", base64="YQ==")
    [(tag, attributes)] = _Parsed(html).tags
    assert (tag, attributes["download"]) == ("a", HOSTILE)
    assert set(attributes) == {"class", "download", "style", "href"}
    assert attributes["href"] == "data:text/csv;base64,YQ=="


def test_the_svg_chart_escapes_its_title_in_the_attribute_too() -> None:
    report = small_report(area=HOSTILE)
    chart = views.Chart(kind="quarter", title=HOSTILE, target=0.95, target_text="target 95 %",
                        points=views.breakdown_chart(report, "TML-01", "area").points)
    macro = environment().get_template("views/chart.svg.j2").module.svg
    [(tag, attributes), *_] = _Parsed(str(macro(svg_chart(chart)))).tags
    assert (tag, attributes["aria-label"]) == ("svg", HOSTILE)


# every fragment template with the context its callers give it
FRAGMENTS: dict[str, Any] = {
    "first_paint.html.j2": lambda r: {
        "banner": Markup(render("banner.html.j2", view=views.banner(r))),
        "tiles": Markup(render("tiles.html.j2", tiles=views.tiles(r, ["TML-01"], None)))},
    "summary.html.j2": lambda r: {"view": board_summary(r, r)},
    "banner.html.j2": lambda r: {"view": views.banner(r, compare=True, previous=r)},
    "headline.html.j2": lambda r: {"rows": views.headline_rows(r)},
    "change_table.html.j2": lambda r: {"view": views.change_table(r, r)},
    "signals.html.j2": lambda r: {"view": views.signals(r, r)},
    "due_by_week.html.j2": lambda r: {"weeks": views.due_by_week(r)},
    "data_quality.html.j2": lambda r: {"view": views.data_quality(r)},
    "glossary.html.j2": lambda r: {"entries": views.glossary()},
    "table.html.j2": lambda r: {"view": views.table(r.quarantine_summary), "css": "mappa",
                                "heading": "Quarantine"},
    "list.html.j2": lambda r: {"view": views.table(r.quarantine_summary), "css": "mappa-list",
                               "more": None, "downloads": ""},
    "tiles.html.j2": lambda r: {"tiles": views.tiles(r, ["TML-01", "TML-02"], None)},
    "note.html.j2": lambda r: {"text": "No disclosure decisions in the period.",
                               "italic": True},
    "rule_sentence.html.j2": lambda r: {"rule_id": "TML-02",
                                        "sentence": views.rule_sentence(r, "TML-02")},
    "message.html.j2": lambda r: {"text": "No audit has been run yet."},
    "heading.html.j2": lambda r: {"text": "Watch list", "warning": None},
    "status.html.j2": lambda r: {"text": "page 1 of 1 · 3 exceptions", "css": "exceptions"},
    "chart.html.j2": lambda r: {"figure": figure_json(figure(views.quarter_chart(r, "TML-01"))),
                                "chart": views.quarter_chart(r, "TML-01")},
    "page.html.j2": lambda r: {"title": "MAPPA dashboard", "sentence": "Signed out.",
                               "refresh_to": None},
    "outcomes.html.j2": lambda r: {"theme": _sample_outcomes(), "svgs": (),
                                   "figures": [figure_json(ranked_figure(chart))
                                               for chart in _sample_outcomes().charts]},
    "download_link.html.j2": lambda r: {"ready": "The CSV file of this selection is ready:",
                                        "kind": "csv", "filename": "mappa-exceptions-run.csv",
                                        "media_type": "text/csv", "base64": "YQ=="},
}


@functools.cache
def _sample_outcomes() -> OutcomesTheme:
    """The sample's annual tables as a board reads them (the "Outcomes and equality" theme)."""
    sample = Path(mappa_audit.__file__).parent.parent / "data_samples"
    tables = AnnualSource(sample, "2025-26").tables()
    return outcomes_theme(annual_document(tables, "2025-26", area=None, suppress_below=5))


def test_every_fragment_template_is_exercised() -> None:
    shipped = {p.name for p in (Path(mappa_audit.__file__).parent / "templates" / "views")
               .glob("*.html.j2")}
    # macros: imported by the others; paper: tests/test_paper.py renders it from a real run
    assert shipped - {"macros.html.j2", "paper.html.j2"} == set(FRAGMENTS)


@pytest.mark.parametrize("name", list(FRAGMENTS))
def test_a_board_fragment_renders_strictly_and_shows_no_small_count(board: AuditReport,
                                                                   name: str) -> None:
    html = render(name, **FRAGMENTS[name](board))
    assert html.strip()
    # no cell, tile or sentence holds a count from 1 to 4
    assert not re.search(r">\s*[1-4]\s*<", html), html
    # ("Level 1 cases" names a level, not a count)
    counted = r"(?<!Level )(?<!Level \d/)\b[1-4] (items|cases|missed|input rows)"
    assert not re.search(counted, html), html


@pytest.mark.parametrize("name", list(FRAGMENTS))
def test_a_fragment_without_its_context_is_an_error(board: AuditReport, name: str) -> None:
    context = FRAGMENTS[name](board)
    missing = dict(list(context.items())[1:])  # the first name left out
    with pytest.raises(UndefinedError):
        render(name, **missing)


# ---- WCAG 2.2 AA and what a chart offers --------------------------------------------------------

def _relative_luminance(colour: str) -> float:
    """WCAG 2.2's relative luminance of ``#rrggbb`` (sRGB channels linearised)."""
    channels = [int(colour[i:i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(one: str, other: str) -> float:
    """WCAG 2.2's contrast ratio of two colours, 1 to 21."""
    light, dark = sorted((_relative_luminance(one), _relative_luminance(other)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def test_the_contrast_formula() -> None:
    assert contrast("#000000", "#ffffff") == pytest.approx(21)
    assert contrast("#b26a00", "#ffffff") == pytest.approx(4.24, abs=0.01)  # the old amber


@pytest.mark.parametrize("rag", list(views.RAG_COLOURS))
def test_white_text_on_every_rag_colour_reaches_aa(rag: str) -> None:
    # each colour is the background of a white RAG pill (and green and red colour changes'
    # text on white): 4.5:1 for normal text
    assert contrast(views.RAG_COLOURS[rag], "#ffffff") >= 4.5


def test_every_rag_pill_is_white_on_a_colour_that_reaches_aa(board: AuditReport) -> None:
    html = render("headline.html.j2", rows=views.headline_rows(board))
    backgrounds = re.findall(r'class="rag rag-\w+" style="background:(#[0-9a-f]{6})"', html)
    assert backgrounds
    assert all(contrast(colour, "#ffffff") >= 4.5 for colour in backgrounds)
    css = (Path(mappa_audit.__file__).parent / "templates" / "views" / "tables.css").read_text()
    assert "span.rag {color: white;" in css  # the text on those backgrounds


@pytest.mark.parametrize("term", ["Items", "As-at date", "Quarantined", "Points", "Cannot tell",
                                  "Near target (amber)", "Local unit", "MAPPA category",
                                  "Level set", "SFO", "SHPO", "Relative rate index",
                                  "Level 1→2/3 referral rate", "Return to custody",
                                  "Serious Case Review", "Step-down", "<5 and [c]",
                                  "Too few items to judge"])
def test_the_glossary_explains_the_words_the_pages_use(term: str) -> None:
    entries = {entry.term: entry.text for entry in views.glossary()}
    assert len(entries[term]) > 40


def test_near_target_says_how_near_from_the_policy(auditor: AuditReport) -> None:
    document = {**auditor.document, "rules": [
        {**rule, "amber_margin": margin}
        for rule, margin in zip(auditor.document["rules"], (0.1, 0.05), strict=True)]}
    report = AuditReport(audience=auditor.audience, document=document,
                         rule_results=auditor.rule_results,
                         quarantine_summary=auditor.quarantine_summary)
    [near] = [e.text for e in views.glossary(report) if e.term == "Near target (amber)"]
    assert near.endswith("In this report: within 5 to 10 points below the target, as the "
                         "policy sets for each standard.")
    [plain] = [e.text for e in views.glossary() if e.term == "Near target (amber)"]
    assert "In this report" not in plain


def test_a_report_is_titled_for_what_it_is() -> None:
    period = {"start": "2025-04-01", "end": "2025-06-30"}
    assert (views.report_title("audit_report", "Eastvale", period)
            == "MAPPA audit report: Eastvale, 1 April 2025 to 30 June 2025")
    assert views.report_title("disclosure_review") == "MAPPA disclosure review"


def test_a_dashboard_banner_title_is_the_page_heading(board: AuditReport) -> None:
    html = render("banner.html.j2", view=views.banner(board, title="MAPPA board overview"))
    assert '<h1 class="mappa-banner-title">MAPPA board overview</h1>' in html
    assert "<h1" not in render("banner.html.j2", view=views.banner(board))
    assert "<h1" in render("heading.html.j2", text="MAPPA exceptions", warning="auditor view")
    assert "<h2" in render("heading.html.j2", text="Watch list", warning=None)


def test_every_chart_is_drawn_without_the_mode_bar(board: AuditReport,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    # the mode bar's buttons were most of a page's tab stops, and "Share chart…" offers to
    # upload an OFFICIAL-SENSITIVE chart to Plotly's cloud
    import json

    from mappa_audit import notebook
    from mappa_audit.dashboard import _chart_html

    plotted = figure(views.quarter_chart(board, "TML-01"))
    dashboard = _chart_html(views.quarter_chart(board, "TML-01"))
    body = dashboard.split('<script type="application/json">', 1)[1].rsplit("</script>", 1)[0]
    assert json.loads(body)["config"]["displayModeBar"] is False
    shown: list[dict[str, Any]] = []
    monkeypatch.setattr(notebook, "display", lambda bundle, raw: shown.append(bundle))
    notebook.show_figure(plotted)
    [bundle] = shown
    assert bundle["application/vnd.plotly.v1+json"]["config"]["displayModeBar"] is False
    assert '"displayModeBar": false' in bundle["text/html"]


# ---- the board summary ---------------------------------------------------------------------------

def _ranked(rules: list[dict[str, Any]]) -> AuditReport:
    document = {**small_report().document, "rules": rules}
    rows = pl.DataFrame([{"rule_id": r["rule_id"], "dimension": "all", "value": "all",
                          **{k: r[k] for k in ("compliant", "non_compliant", "pending",
                                               "not_assessable", "population", "rate", "rag")}}
                         for r in rules])
    return AuditReport(audience=mappa_audit.Audience.AUDITOR, document=document,
                       rule_results=rows, quarantine_summary=pl.DataFrame(
                           schema={"table": pl.String, "reason": pl.String,
                                   "entries": pl.Int64}))


def test_the_summary_leads_with_the_standards_furthest_below_target() -> None:
    report = _ranked([
        _rule("TML-01", "First meeting within 5 working days", 190, 10),   # green
        _rule("REV-01", "Level 2 reviews", 60, 40),                         # red, 35 below
        _rule("ACT-02", "Actions completed", 80, 20),                       # red, 15 below
        _rule("DIS-02", "Rationale recorded", 0, 0),                        # no items: grey
        {**_rule("ATT-01", "Attendance", 90, 10), "rag": "amber"},          # amber, 5 below
        _rule("DIS-04", "Disclosure carried out", 70, 30),                  # red, 25 below
        _rule("TML-02", "First meeting within 20 working days", 89, 11),    # red, 6 below
    ]).for_board()
    rule_ids = [r["rule_id"] for r in report.document["rules"]]
    assert by_concern(report, rule_ids) == ["REV-01", "DIS-04", "ACT-02", "TML-02", "ATT-01",
                                            "DIS-02", "TML-01"]
    # the paper's table "the most concerning first" lists them in that order, not by code
    assert [row.rule_id for row in views.headline_rows(report, by_concern(report, rule_ids))
            ] == by_concern(report, rule_ids)
    summary = board_summary(report, None)
    assert summary.overview == ("Standards: 7; below target: 4; near target: 1; on target: "
                                "1; cannot be judged (too few items, or not assessed): 1.")
    assert [line.split(" ")[0] for line in summary.furthest_below] == ["REV-01", "DIS-04",
                                                                       "ACT-02"]
    assert "60.0 % against a target of 95 % (35.0 points below)" in summary.furthest_below[0]
    assert summary.questions == tuple(QUESTIONS[r] for r in ("REV-01", "DIS-04", "ACT-02",
                                                             "TML-02"))
    assert summary.changes == (views.NO_EARLIER_RUN,)
    assert "Amber (near target)" in summary.amber


def test_the_summary_names_only_material_changes() -> None:
    before = _ranked([_rule("REV-01", "Level 2 reviews", 60, 40),
                      _rule("ACT-02", "Actions completed", 80, 20)]).for_board()
    now = _ranked([_rule("REV-01", "Level 2 reviews", 70, 30),
                   _rule("ACT-02", "Actions completed", 80, 20)]).for_board()
    changes = board_summary(now, before).changes
    assert changes == ("REV-01 Level 2 reviews: 10.0 points better.",)
    assert board_summary(now, now).changes == (
        "No standard changed materially since the last run.",)


def test_a_dashboard_chart_has_a_text_alternative(board: AuditReport) -> None:
    from mappa_audit.dashboard import _chart_html

    chart = views.quarter_chart(board, "TML-01")
    html = _chart_html(chart)
    assert 'role="img"' in html
    assert f'aria-label="{chart.title}, {chart.target_text}' in html
    assert "<summary" in html
    for point in chart.points:
        assert f"<td>{point.label}</td><td>{point.rate_text}</td>" in html
