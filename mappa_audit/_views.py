"""What each page shows, as small frozen view models, and every sentence people read, worded once.

The HTML report, the board paper, both dashboards and the notebook helpers build these from an
:class:`~mappa_audit.AuditReport` and render them through the Jinja templates in
``templates/views`` (:mod:`mappa_audit._render`); the charts are drawn from :class:`Chart` by
:mod:`mappa_audit._charts`. A board report has its small numbers hidden already (null counts,
no rate from fewer than ``suppress_below`` items); the views show a hidden count as ``<5`` in a
table and as "fewer than 5" in a sentence, and never word a change they cannot show.

The view models hold plain text: the templates escape it, so nothing here is HTML.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, Literal

import polars as pl

from mappa_audit._privacy import WITHHELD, WITHHELD_MARK, is_hidden, shown_count
from mappa_audit._report import AuditReport
from mappa_audit.rules import Theme

RAG_COLOURS = {"green": "#2e7d32", "amber": "#a36100", "red": "#c62828", "none": "#6b6b6b"}
"""Each is the background of white text (a RAG pill) and a text colour on white: every one
has a contrast of at least 4.5:1 with white (WCAG 2.2 AA for normal text; amber is 4.9:1)."""
RAG_WORDS = {"green": "on target", "amber": "near target", "red": "below target",
             "none": "too few to rate"}
QUIET_COLOUR = "#555"
"""Text that carries no judgement: no change, or a change not shown."""
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
    "RAG": "Red, amber, green: how a rate compares with its target. Green: at or above the "
    "target; amber: near target (see below); red: below target, further than that; grey: "
    "too few items to give a rate.",
    "Near target (amber)": "The rate is below its target, but by no more than the amber "
    "margin the board's policy sets for that standard.",
    "Items": "What a standard counts: one thing that had to happen by a date, such as a "
    "first meeting, a review or a recorded rationale. A case can give several items; a rate "
    "is the share of items that met the standard.",
    "Points": "Percentage points: the difference between two rates. From 80 % to 85 % is 5 "
    "points better (not 5 % better).",
    "As-at date": "The day the data describe: anything recorded after it is left out, and "
    "anything not yet due by then is counted as not yet due, not as missed.",
    "Cannot tell": "Items the standard cannot judge from the records (for example, a date it "
    "needs is missing); they are left out of the rate, and counted and listed on their own.",
    "Quarantined": "Input rows that could not be read or made no sense (a date that is not a "
    "date, a case that does not exist); they are set aside, counted, and left out of every "
    "standard until the data are fixed.",
    "<5 and [c]": "Numbers a board view does not show. <5 is a count from 1 to 4 (for the "
    "usual policy); [c] is a count held back so that a small one cannot be worked out by "
    "taking the other figures away from a total, and may be any number. A rate drawn from "
    "either is not shown.",
    "Too few items to judge": "A rate from fewer items than the policy's minimum (usually "
    "20) is shown in grey with the number of items: one or two items more or less would "
    "move it a long way. A change since the last run is coloured only when both rates are "
    "from enough items and it is big enough to matter (usually 2 points or more).",
    "Local unit": "The local unit or district inside an area that the case belongs to.",
    "MAPPA category": "Why a person is managed under MAPPA. Category 1: registered sexual "
    "offenders; 2: violent offenders (12 months' custody or more, or a hospital order) and "
    "other sexual offenders; 3: other dangerous offenders; 4: terrorist or terrorism-risk "
    "offenders.",
    "Level set": "The day a case's MAPPA management level (1, 2 or 3) was first set.",
    "SFO": "Serious further offence: a very serious offence (such as murder, rape or another "
    "offence causing serious harm) that a person is charged with while MAPPA manages them. "
    "Counted by the level the person was managed at on the day.",
    "SHPO": "Sexual Harm Prevention Order: a court order that forbids a person from doing "
    "things that could lead to sexual harm (for example, contact with children or using the "
    "internet unmonitored). Breaking it is a crime.",
    "Return to custody": "A person on licence or under an order sent back to prison, for "
    "breaking its conditions or for a further offence.",
    "Serious Case Review": "A review the board commissions when someone managed under MAPPA "
    "commits a serious offence, to learn what could have been done better.",
    "Relative rate index": "How often something happens to one group compared with everyone "
    "else. 1: as often; 2: twice as often; 0.5: half as often. It says a difference is "
    "there, not why.",
    "Level 1→2/3 referral rate": "Of the people managed at Level 1 during the year, the share "
    "referred to Level 2 or 3 in the year. Inspectors found that some areas refer too few.",
    "Step-down": "Moving a person from Level 2 or 3 to Level 1. The equality table counts "
    "step-downs within 6 months of release from custody.",
}
AUDITOR_NOTE = "Auditor view: holds case references. OFFICIAL-SENSITIVE; do not circulate."
WITHHELD_WORDS = "a number not shown"
"""A count withheld to protect a small one (``[c]`` in a table), in a sentence."""
NO_EARLIER_RUN = "There is no earlier run of the same length to compare with."
NOTHING_QUARANTINED = "No quarantine entries: every input row was read."
TOO_FEW_TO_JUDGE = "too few items to judge"
"""A rate or change from fewer items than the policy's ``rate_min_base``."""
RATE_HIDDEN = "the rate is not shown, as it would give a small count away"
SIGNALS_NOTE = ("Signals for a second look, drawn from inspection findings: not compliance "
                "rates, no target.")


# ---- words ---------------------------------------------------------------------------------

def percent(rate: float | None, digits: int = 1) -> str:
    """A rate (0..1) as people read it; ``None`` (not shown, or none) as a dash.

    Examples
    --------
    >>> percent(0.7878), percent(0.95, digits=0), percent(None)
    ('78.8 %', '95 %', '—')
    """
    return "—" if rate is None else f"{rate * 100:.{digits}f} %"


def count_text(count: int | None, suppress_below: int | None, *,
               withheld: bool = False) -> str:
    """A count in a table cell: for a board (``suppress_below`` given), one from 1 to
    ``suppress_below - 1``, or one hidden already, as ``<5``, and one withheld to protect a
    small one as ``[c]``; for an auditor, as it is.

    Examples
    --------
    >>> [count_text(n, 5) for n in (0, 3, None, 12)]
    ['0', '<5', '<5', '12']
    >>> count_text(3, None), count_text(None, None), count_text(None, 5, withheld=True)
    ('3', '—', '[c]')
    """
    if suppress_below is not None and withheld:
        return WITHHELD_MARK
    if suppress_below is not None:
        return shown_count(count, suppress_below)
    return "—" if count is None else str(count)


def amount(count: int | None, suppress_below: int | None, *, withheld: bool = False) -> str:
    """A count in a sentence: a hidden one is "fewer than 5", one withheld to protect a small
    one (``[c]`` in a table) "a number not shown".

    Examples
    --------
    >>> amount(3, 5), amount(None, 5), amount(12, 5), amount(3, None)
    ('fewer than 5', 'fewer than 5', '12', '3')
    >>> amount(None, 5, withheld=True)
    'a number not shown'
    """
    if suppress_below is not None and withheld:
        return WITHHELD_WORDS
    if suppress_below is not None and is_hidden(count, suppress_below):
        return f"fewer than {suppress_below}"
    return count_text(count, None)


def counted(count: int | None, suppress_below: int | None, noun: str, *,
            withheld: bool = False) -> str:
    """A count and its noun in a sentence. The noun is plural whenever the count is hidden:
    "fewer than 5 case" would say that the count is 1.

    Examples
    --------
    >>> [counted(n, 5, "case") for n in (1, 2, 4, None, 12)]
    ['fewer than 5 cases', 'fewer than 5 cases', 'fewer than 5 cases', 'fewer than 5 cases', \
'12 cases']
    >>> counted(1, None, "case"), counted(5, 5, "case"), counted(None, 5, "case", withheld=True)
    ('1 case', '5 cases', 'a number (not shown) of cases')
    """
    words = amount(count, suppress_below, withheld=withheld)
    shown_exactly = words == count_text(count, None)
    if withheld and suppress_below is not None:
        return f"a number (not shown) of {noun}s"
    return f"{words} {noun}{'' if shown_exactly and count == 1 else 's'}"


def hidden_counts_words(suppress_below: int) -> str:
    """How a board's small counts are shown, as a clause.

    Examples
    --------
    >>> hidden_counts_words(5)
    'counts from 1 to 4 are shown as <5'
    """
    return f"counts from 1 to {suppress_below - 1} are shown as <{suppress_below}"


def hiding_words(suppress_below: int) -> str:
    """How a board's small counts, and those withheld to protect them, are shown, as a clause.

    Examples
    --------
    >>> hiding_words(5)
    'counts from 1 to 4 are shown as <5, and a few others as [c] so that no small count can \
be worked out from totals'
    """
    return (f"{hidden_counts_words(suppress_below)}, and a few others as {WITHHELD_MARK} so "
            "that no small count can be worked out from totals")


def suppression_sentence(suppress_below: int) -> str:
    """The sentence every board view carries about what it hides.

    Examples
    --------
    >>> suppression_sentence(5)
    'Counts from 1 to 4 are shown as <5, and a few others as [c] so that no small count can \
be worked out from totals; rates of fewer than 5 items, or drawn from a hidden count, are not \
shown.'
    """
    return (f"{_sentence_case(hiding_words(suppress_below))}; rates of fewer than "
            f"{suppress_below} items, or drawn from a hidden count, are not shown.")


def long_date(value: str | dt.date) -> str:
    """``1 April 2025``.

    Examples
    --------
    >>> long_date("2025-04-01")
    '1 April 2025'
    """
    day = dt.date.fromisoformat(value) if isinstance(value, str) else value
    return f"{day.day} {day:%B %Y}"


def period_words(period: dict[str, str]) -> str:
    """A run's period: ``1 April 2025 to 31 March 2026``."""
    return f"{long_date(period['start'])} to {long_date(period['end'])}"


REPORT_TITLES = {"audit_report": "MAPPA audit report",
                 "disclosure_review": "MAPPA disclosure review",
                 "annual_report": "MAPPA annual report"}
"""The title of each notebook's HTML (its browser tab, its name in a screen reader's list)."""


def report_title(name: str, area: str | None = None,
                 period: dict[str, str] | None = None) -> str:
    """The page title of notebook ``name``'s HTML; with ``period``, where and when.

    Examples
    --------
    >>> report_title("audit_report", None, {"start": "2025-04-01", "end": "2026-03-31"})
    'MAPPA audit report: all areas, 1 April 2025 to 31 March 2026'
    >>> report_title("annual_report")
    'MAPPA annual report'
    """
    title = REPORT_TITLES.get(name, REPORT_TITLES["audit_report"])
    if period is None:
        return title
    return f"{title}: {area or 'all areas'}, {period_words(period)}"


def comparison_sentence(previous: AuditReport | None) -> str:
    """Which run the changes are against, or that there is none."""
    if previous is None:
        return NO_EARLIER_RUN
    return f"Compared with the run for {period_words(previous.document['period'])}."


# ---- change since the last run ----------------------------------------------------------------

@dataclass(frozen=True)
class Change:
    """A change since the last run, as a board member reads it at a glance."""

    text: str
    """``▲ 1.1 points better``, ``▼ 3 fewer``, ``▶ no change``, ``change not shown (too
    few)``, ``no earlier run``."""
    tone: Literal["better", "worse", "same", "slight", "unknown"]
    """``slight``: a change too small, or from too few items, to judge: not coloured."""

    @property
    def colour(self) -> str:
        return {"better": RAG_COLOURS["green"], "worse": RAG_COLOURS["red"]}.get(
            self.tone, QUIET_COLOUR)


NOT_SHOWN = Change("change not shown (too few)", "unknown")
"""Either figure is hidden (or there is none to give): a change would give it away."""
NO_EARLIER = Change("no earlier run", "unknown")
UNCHANGED = Change("▶ no change", "same")


def rate_change(now: float | None, before: float | None, *,
                bases: tuple[int | None, int | None] | None = None,
                reporting: tuple[int, float] | None = None) -> Change:
    """A rate's change in percentage points: up is better. With ``bases`` (the items each
    rate is drawn from) and ``reporting`` (the policy's ``rate_min_base`` and
    ``material_change_points``), a change from fewer items than the minimum, or smaller than
    material, is worded but not coloured.

    Examples
    --------
    >>> [rate_change(*pair).text for pair in ((0.9, 0.85), (0.8, 0.9), (0.9, 0.9), (0.9, None))]
    ['▲ 5.0 points better', '▼ 10.0 points worse', '▶ no change', 'change not shown (too few)']
    >>> rate_change(0.75, 0.833, bases=(12, 30), reporting=(20, 2.0))
    Change(text='▼ 8.3 points worse (too few items to judge)', tone='slight')
    >>> rate_change(0.902, 0.9, bases=(400, 380), reporting=(20, 2.0))
    Change(text='▲ 0.2 points better (slight)', tone='slight')
    """
    if now is None or before is None:
        return NOT_SHOWN
    points = (now - before) * 100
    if abs(points) < 0.05:
        return UNCHANGED
    text = (f"▲ {points:.1f} points better" if points > 0
            else f"▼ {-points:.1f} points worse")
    if bases is not None and reporting is not None:
        min_base, material = reporting
        if any(base is None or base < min_base for base in bases):
            return Change(f"{text} ({TOO_FEW_TO_JUDGE})", "slight")
        if abs(points) < material:
            return Change(f"{text} (slight)", "slight")
    return Change(text, "better" if points > 0 else "worse")


def count_change(now: int | None, then: int | None, suppress_below: int | None) -> Change:
    """A count of cases picked out: more is worse. Not shown for a board when either count
    is hidden: the difference would give it away.

    Examples
    --------
    >>> [count_change(*pair, 5).text for pair in ((26, 7), (5, 9), (6, 6), (3, 9), (None, 9))]
    ['▲ 19 more', '▼ 4 fewer', '▶ no change', 'change not shown (too few)', \
'change not shown (too few)']
    """
    if now is None or then is None or (suppress_below is not None and (
            is_hidden(now, suppress_below) or is_hidden(then, suppress_below))):
        return NOT_SHOWN
    if now == then:
        return UNCHANGED
    if now > then:
        return Change(f"▲ {now - then} more", "worse")
    return Change(f"▼ {then - now} fewer", "better")


# ---- the banner ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class Banner:
    """What every report, paper and dashboard opens with."""

    lines: tuple[str, ...]
    """Where and when, the policy, the quarantine."""
    notes: tuple[str, ...]
    """Whom it is for and what it hides; on a dashboard, which run it is compared with."""
    title: str | None = None


def banner(report: AuditReport, *, title: str | None = None, compare: bool = False,
           previous: AuditReport | None = None) -> Banner:
    """The banner of ``report``; with ``compare``, it says which run the changes are
    against (``previous``)."""
    document = report.document
    period = document["period"]
    policy = document["policy"]
    below = _hiding(report)
    where = document.get("area") or "all areas"
    quarantine = document.get("quarantine", {})
    confirmed = ("standards confirmed by the board" if policy.get("confirmed")
                 else "some standards not yet confirmed by the board")
    if quarantine.get("entries", 0) == 0:
        quality = "No input rows were quarantined."
    else:
        withheld = quarantine.get(WITHHELD) or []
        rows = counted(quarantine.get("rows", 0), below, "input row",
                       withheld="rows" in withheld)
        entries = counted(quarantine.get("entries", 0), below, "quarantine entry",
                          withheld="entries" in withheld).replace("entrys", "entries")
        quality = _sentence_case(
            f"{rows} {'was' if rows.startswith('1 ') else 'were'} quarantined and left out "
            f"({entries} in all).")
    lines = (
        f"MAPPA audit of {where}, {period_words(period)} "
        f"(as at {long_date(period['as_at'])}).",
        f"Policy: {policy['name']} ({confirmed}).",
        quality,
    )
    audience = (AUDITOR_NOTE if below is None else
                f"Board view: aggregates only. {suppression_sentence(below)}")
    notes = (comparison_sentence(previous), audience) if compare else (audience,)
    return Banner(lines=lines, notes=notes, title=title)


# ---- tables ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class HeadlineRow:
    """One rule in the headline table: counts as this audience may see them."""

    rule_id: str
    title: str
    standard: str
    target: str
    met: str
    not_met: str
    pending: str
    cannot_tell: str
    rate: str
    rag: str
    """``green``, ``amber``, ``red`` or ``none`` (not assessed, or too few to rate)."""
    rag_words: str

    @property
    def rag_colour(self) -> str:
        return RAG_COLOURS[self.rag]


def headline_rows(report: AuditReport, rule_ids: list[str] | None = None
                  ) -> tuple[HeadlineRow, ...]:
    """The headline table: every rule in the run's order, or those of ``rule_ids`` in
    theirs (the paper gives them most concerning first), with RAG."""
    rows = {str(row["rule_id"]): row for row in _shown_headline(report)}
    order = list(rows) if rule_ids is None else [r for r in rule_ids if r in rows]
    return tuple(
        HeadlineRow(
            rule_id=str(row["rule_id"]), title=str(row["title"]),
            standard=_cell(row["standard"] or None), target=percent(row["target"], 0),
            met=_cell(row["compliant"]), not_met=_cell(row["non_compliant"]),
            pending=_cell(row["pending"]), cannot_tell=_cell(row["not_assessable"]),
            rate=percent(row["rate"]), rag=_rag(row), rag_words=_rag_words(row),
        )
        for row in (rows[rule_id] for rule_id in order)
    )


@dataclass(frozen=True)
class Tile:
    """One rule on the board dashboard: rate, RAG, and its change since the last run."""

    rule_id: str
    title: str
    rate: str
    rag: str
    rag_words: str
    target: str
    population: str
    change: Change

    @property
    def rag_colour(self) -> str:
        return RAG_COLOURS[self.rag]


def tiles(report: AuditReport, rule_ids: list[str], previous: AuditReport | None
          ) -> tuple[Tile, ...]:
    """A tile per rule of ``rule_ids``, compared with ``previous`` (``None``: no earlier run)."""
    now = {row["rule_id"]: row for row in _shown_headline(report)}
    before = ({row["rule_id"]: row for row in _shown_headline(previous)}
              if previous is not None else {})
    reporting = _reporting(report)
    made = []
    for rule_id in rule_ids:
        row = now[rule_id]
        old = before.get(rule_id)
        small = _small_base(row, reporting)
        made.append(Tile(
            rule_id=str(rule_id), title=str(row["title"]), rate=percent(row["rate"]),
            rag="none" if small else _rag(row),
            rag_words=TOO_FEW_TO_JUDGE if small else _rag_words(row),
            target=percent(row["target"], 0), population=_cell(row["population"]),
            change=NO_EARLIER if old is None else _change(row, old, reporting),
        ))
    return tuple(made)


@dataclass(frozen=True)
class ChangeRow:
    rule_id: str
    title: str
    rate_then: str
    rate_now: str
    change: Change
    not_met_then: str
    not_met_now: str


@dataclass(frozen=True)
class ChangeTable:
    """Each rule's rate and misses against the previous run of the same length."""

    compared: str
    """Which run this is compared with, or that there is none."""
    rows: tuple[ChangeRow, ...]
    """Empty when there is no earlier run."""


def change_table(report: AuditReport, previous: AuditReport | None) -> ChangeTable:
    """The change of every rule since ``previous``."""
    if previous is None:
        return ChangeTable(compared=comparison_sentence(None), rows=())
    before = {row["rule_id"]: row for row in _shown_headline(previous)}
    rows = []
    for row in _shown_headline(report):
        old = before.get(row["rule_id"])
        rows.append(ChangeRow(
            rule_id=str(row["rule_id"]), title=str(row["title"]),
            rate_then=percent(None if old is None else old["rate"]),
            rate_now=percent(row["rate"]),
            change=NO_EARLIER if old is None else _change(row, old, _reporting(report)),
            not_met_then=_cell(None if old is None else old["non_compliant"]),
            not_met_now=_cell(row["non_compliant"]),
        ))
    return ChangeTable(compared=comparison_sentence(previous), rows=tuple(rows))


@dataclass(frozen=True)
class SignalRow:
    signal_id: str
    title: str
    cases: str
    words: str
    """``26 cases to look at again``, ``fewer than 5 cases to look at again``, ``no cases``."""
    change: Change | None
    """``None`` when there is no earlier run to compare with."""


@dataclass(frozen=True)
class Signals:
    """The watch list's counts: signals, not compliance rates."""

    note: str
    rows: tuple[SignalRow, ...]
    compared: bool
    """Whether the rows carry a change since the last run."""


def signals(report: AuditReport, previous: AuditReport | None = None) -> Signals:
    """The watch-list counts with a sentence each, and the change since ``previous``."""
    below = _hiding(report)
    before = ({s["signal_id"]: s["cases"] for s in previous.document.get("signals", [])}
              if previous is not None else {})
    rows = []
    for signal in report.document.get("signals", []):
        cases = signal["cases"]
        withheld = "cases" in (signal.get(WITHHELD) or [])
        words = ("no cases" if cases == 0 else
                 f"{counted(cases, below, 'case', withheld=withheld)} to look at again")
        change = None
        if previous is not None:
            change = (count_change(cases, before[signal["signal_id"]], below)
                      if signal["signal_id"] in before else NO_EARLIER)
        rows.append(SignalRow(signal_id=str(signal["signal_id"]), title=str(signal["title"]),
                              cases=count_text(cases, below, withheld=withheld), words=words,
                              change=change))
    return Signals(note=SIGNALS_NOTE, rows=tuple(rows), compared=previous is not None)


@dataclass(frozen=True)
class DueWeek:
    week: str
    """``overdue``, or ``1 Apr to 7 Apr``."""
    items: str


def due_by_week(report: AuditReport) -> tuple[DueWeek, ...]:
    """Items coming due in the four weeks after the as-at date, by week (aggregates)."""
    below = _hiding(report)
    return tuple(DueWeek(week=str(week["week"]), items=count_text(
                     week["items"], below, withheld="items" in (week.get(WITHHELD) or [])))
                 for week in report.document.get("due_by_week", []))


@dataclass(frozen=True)
class Finding:
    rule_id: str
    title: str
    rows: str


@dataclass(frozen=True)
class QuarantineRow:
    table: str
    reason: str
    entries: str


@dataclass(frozen=True)
class DataQuality:
    """DQ-01..06 counts of rows, and the quarantine by table and reason."""

    findings: tuple[Finding, ...]
    quarantine: tuple[QuarantineRow, ...]
    nothing_quarantined: str


def data_quality(report: AuditReport) -> DataQuality:
    below = _hiding(report)
    return DataQuality(
        findings=tuple(Finding(rule_id=str(d["rule_id"]), title=str(d["title"]),
                               rows=count_text(d["rows"], below,
                                               withheld="rows" in (d.get(WITHHELD) or [])))
                       for d in report.document["data_quality"]),
        quarantine=tuple(QuarantineRow(table=str(r["table"]), reason=str(r["reason"]),
                                       entries=count_text(
                                           r["entries"], below,
                                           withheld="entries" in (r.get(WITHHELD) or [])))
                         for r in report.quarantine_summary.iter_rows(named=True)),
        nothing_quarantined=NOTHING_QUARANTINED,
    )


@dataclass(frozen=True)
class GlossaryEntry:
    term: str
    text: str


def glossary(report: AuditReport | None = None) -> tuple[GlossaryEntry, ...]:
    """The words a board member may not know, then every code a page may show; with
    ``report``, "near target" says how near, from the amber margins of the policy the run
    used, and each standard's code its title as that policy sets it.

    Examples
    --------
    >>> terms = [e.term for e in glossary()]
    >>> terms[:2], "Step-down" in terms
    (['MAPPA', 'Level 1'], True)
    >>> for entry in glossary():
    ...     if entry.term in ("TML-01", "DQ-01", "SIG-04"):
    ...         print(entry.term, entry.text)
    TML-01 First meeting within 5 working days of a Level 3 referral
    DQ-01 Input rows and cells quarantined by the loader
    SIG-04 Open cases with no current level
    """
    margins = sorted({float(rule["amber_margin"]) for rule in
                      (report.document["rules"] if report is not None else [])
                      if rule.get("amber_margin") is not None})
    how_near = f" In this report: {amber_margin_words(margins)}." if margins else ""
    words = [GlossaryEntry(term, text + how_near if term.startswith("Near target") else text)
             for term, text in GLOSSARY.items()]
    return (*words, *_codes(report))


CODE_FAMILIES = {
    "TML": "timeliness", "REV": "reviews", "ACT": "actions", "ATT": "attendance",
    "DIS": "disclosure", "DQ": "data quality (counted, no target)",
    "SIG": "watch-list signals for a second look (no target)",
}
"""What the letters of a code say."""


def _codes(report: AuditReport | None) -> list[GlossaryEntry]:
    """Every code: each standard with its title, each data-quality check, each signal."""
    from mappa_audit._signals import SIGNALS
    from mappa_audit.rules import ordered_rules
    from mappa_audit.rules.data_quality import DATA_QUALITY_RULES

    if report is not None:
        titles = {rule["rule_id"]: rule["title"] for rule in report.document["rules"]}
    else:
        from mappa_audit._policy import load_policy

        policy = load_policy(None)
        titles = {spec.rule_id: spec.title(policy) for spec in ordered_rules()}
    families = "; ".join(f"{letters}, {meaning}" for letters, meaning in CODE_FAMILIES.items())
    return [GlossaryEntry("Codes", f"Each standard, check and signal has a code: {families}."),
            *(GlossaryEntry(code, title) for code, title in
              {**titles, **DATA_QUALITY_RULES, **SIGNALS}.items())]


def amber_margin_words(margins: list[float]) -> str:
    """How near "near target" is, from the policy's amber margins (0..1), as a clause.

    Examples
    --------
    >>> amber_margin_words([0.1])
    'within 10 points below the target'
    >>> amber_margin_words([0.05, 0.1])
    'within 5 to 10 points below the target, as the policy sets for each standard'
    """
    def points(margin: float) -> str:
        return f"{margin * 100:.3g}"

    if len(margins) == 1:
        return f"within {points(margins[0])} points below the target"
    return (f"within {points(margins[0])} to {points(margins[-1])} points below the target, "
            "as the policy sets for each standard")


@dataclass(frozen=True)
class Table:
    """Any frame as text: a column heading each, a row of cells each (empty for null)."""

    columns: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]


def table(frame: pl.DataFrame) -> Table:
    """``frame`` as a :class:`Table` (exceptions, worklist, watch list, annual tables).

    Examples
    --------
    >>> table(pl.DataFrame({"area": ["Eastvale", None], "items": [3, 12]}))
    Table(columns=('area', 'items'), rows=(('Eastvale', '3'), ('', '12')))
    """
    return Table(columns=tuple(frame.columns),
                 rows=tuple(tuple("" if v is None else str(v) for v in row)
                            for row in frame.iter_rows()))


# ---- sentences and charts ---------------------------------------------------------------------

def panel_title(title: str, run: AuditReport, area: str | None) -> str:
    """A board panel's heading, saying which areas its figures are of when they are not the
    chosen ``area``'s: the watch list and coming-due counts are kept for the run's own area
    only (``run`` is the whole run's report, before any area is chosen).

    Examples
    --------
    >>> from types import SimpleNamespace
    >>> run = SimpleNamespace(document={"area": None})
    >>> panel_title("Watch list", run, None)
    'Watch list'
    >>> panel_title("Watch list", run, "Eastvale")
    'Watch list: all areas, not only Eastvale'
    """
    covers = run.document.get("area")
    if area is None or area == covers:
        return title
    return f"{title}: {covers or 'all areas'}, not only {area}"


def rule_sentence(report: AuditReport, rule_id: str) -> str:
    """One plain-English sentence about a rule, written from its numbers (it may name an
    area from the data: the templates escape it)."""
    entry = report.rule(rule_id)
    below = _hiding(report)
    title = entry["title"]
    if entry["status"] != "assessed":
        return f"{title}: not assessed ({entry.get('reason', 'no data')})."
    population = entry["population"]
    withheld = set(entry.get(WITHHELD) or [])
    if population == 0:
        return f"{title}: nothing fell due in the period."
    if below is not None and "population" not in withheld and is_hidden(population, below):
        return f"{title}: {amount(population, below)} items fell due, too few to give a rate."
    if entry["rate"] is None:
        return (f"{title}: {counted(population, below, 'item', withheld='population' in withheld)}"
                f" fell due; {RATE_HIDDEN}.")
    text = f"{title}: {percent(entry['rate'])} against a {percent(entry['target'], 0)} target"
    missed = entry["non_compliant"]
    if missed == 0:
        return text + "; none missed."
    text += f"; {amount(missed, below, withheld='non_compliant' in withheld)} missed"
    worst = _worst_area(report, rule_id)
    if worst is not None:
        area, in_area = worst
        text += f", {amount(in_area, below)} of them in {area}"
    return text + "."


@dataclass(frozen=True)
class RuleSection:
    """A rule under its theme: its sentence, and whether it has charts to draw."""

    rule_id: str
    sentence: str
    has_items: bool


@dataclass(frozen=True)
class ThemeSection:
    title: str
    rules: tuple[RuleSection, ...]


def theme_sections(report: AuditReport, themes: list[Theme] | None = None
                   ) -> tuple[ThemeSection, ...]:
    """Each theme (all, in their order, or ``themes``) with a sentence per rule."""
    return tuple(
        ThemeSection(title=THEME_TITLES[theme], rules=tuple(
            RuleSection(rule_id=rule_id, sentence=rule_sentence(report, rule_id),
                        has_items=report.rule(rule_id)["population"] != 0)
            for rule_id in report.rules_of(theme)))
        for theme in (themes or list(THEME_TITLES))
    )


@dataclass(frozen=True)
class ChartPoint:
    """One quarter or one value of a breakdown."""

    label: str
    rate: float | None
    """0..1; ``None`` when not shown (too few items) or there is none."""
    rate_text: str
    """``80.0 %``, or ``rate not shown (too few)``."""
    bar_text: str
    """``80 %``, or ``too few``."""
    met: str
    not_met: str
    colour: str
    """The point's RAG colour."""


@dataclass(frozen=True)
class Chart:
    """A rule's rate per quarter or per value of a breakdown, against its target."""

    kind: Literal["quarter", "breakdown"]
    title: str
    target: float
    target_text: str
    points: tuple[ChartPoint, ...]


def quarter_chart(report: AuditReport, rule_id: str) -> Chart:
    """The rule's rate per quarter (a line in the dashboards and reports, bars on paper)."""
    return _chart(report, rule_id, "quarter", "quarter")


def breakdown_chart(report: AuditReport, rule_id: str, dimension: str) -> Chart:
    """The rule's rate per value of one dimension (area, local unit, category, level)."""
    return _chart(report, rule_id, dimension, "breakdown")


def _chart(report: AuditReport, rule_id: str, dimension: str,
           kind: Literal["quarter", "breakdown"]) -> Chart:
    target = float(report.rule(rule_id)["target"])
    frame = report.shown(report.breakdown(rule_id, dimension))
    reporting = _reporting(report)

    def rate_text(row: dict[str, Any]) -> str:
        if row["rate"] is None:
            return "rate not shown (too few)"
        if _small_base(row, reporting):
            return f"{percent(row['rate'])} of {row['population']} items, {TOO_FEW_TO_JUDGE}"
        return f"{percent(row['rate'])} of {row['population']} items"

    points = tuple(
        ChartPoint(
            label=str(row["value"]), rate=row["rate"], rate_text=rate_text(row),
            bar_text="too few" if row["rate"] is None else percent(row["rate"], 0),
            met=str(row["compliant"]), not_met=str(row["non_compliant"]),
            colour=(RAG_COLOURS["none"] if _small_base(row, reporting)
                    else RAG_COLOURS.get(row["rag"], RAG_COLOURS["none"])),
        )
        for row in frame.iter_rows(named=True)
    )
    return Chart(kind=kind, title=f"{rule_id} by {DIMENSION_TITLES.get(dimension, dimension)}",
                 target=target, target_text=f"target {percent(target, 0)}", points=points)


# ---- helpers --------------------------------------------------------------------------------

def _hiding(report: AuditReport) -> int | None:
    """The ``suppress_below`` of a board's report; ``None`` for an auditor's (hides nothing)."""
    return report.suppress_below if report.is_board else None


def _reporting(report: AuditReport) -> tuple[int, float]:
    """The policy's ``rate_min_base`` and ``material_change_points`` (a run made before
    they existed: the defaults)."""
    policy = report.document["policy"]
    return (int(policy.get("rate_min_base", 20)),
            float(policy.get("material_change_points", 2.0)))


def _base(row: dict[str, Any]) -> int | None:
    """The items a row's rate is drawn from, when shown (a board's counts are text)."""
    population = row["population"]
    if isinstance(population, int):
        return population
    return int(population) if isinstance(population, str) and population.isdigit() else None


def _small_base(row: dict[str, Any], reporting: tuple[int, float]) -> bool:
    """Whether a row's rate is shown but drawn from fewer items than the policy's minimum."""
    base = _base(row)
    return row["rate"] is not None and base is not None and base < reporting[0]


def _change(row: dict[str, Any], old: dict[str, Any], reporting: tuple[int, float]) -> Change:
    return rate_change(row["rate"], old["rate"], bases=(_base(row), _base(old)),
                       reporting=reporting)


def _shown_headline(report: AuditReport) -> list[dict[str, Any]]:
    """The headline as this audience may see it (a board's counts as text, ``<5``)."""
    return list(report.shown(report.headline()).iter_rows(named=True))


def _sentence_case(text: str) -> str:
    """``fewer than 5 rows …`` at the start of a sentence: ``Fewer than 5 rows …``."""
    return text[:1].upper() + text[1:]


def _cell(value: object) -> str:
    return "—" if value is None else str(value)


def _rag(row: dict[str, Any]) -> str:
    return str(row["rag"]) if row["status"] == "assessed" else "none"


def _rag_words(row: dict[str, Any]) -> str:
    return RAG_WORDS[_rag(row)] if row["status"] == "assessed" else "not assessed"


def _worst_area(report: AuditReport, rule_id: str) -> tuple[str, int] | None:
    """The area with the most misses, when there are two or more with any."""
    by_area = report.breakdown(rule_id, "area").filter(pl.col("non_compliant") > 0)
    if by_area.height < 2:
        return None  # one area: "all of them in X" says nothing new
    top = by_area.sort(["non_compliant", "value"], descending=[True, False]).row(0, named=True)
    return str(top["value"]), int(top["non_compliant"])
