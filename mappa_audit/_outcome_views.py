"""The "Outcomes and equality" theme: a run's annual tables as view models for people.

Built from a run's ``outcomes.json`` (:func:`~mappa_audit._store.read_outcomes`), whose
counts a board's run holds hidden already (``"<5"``, no rate of fewer than 5): the views word
what the document holds and never recount. The board dashboard, the paper and the auditor's
report render them through ``templates/views/outcomes.html.j2``; the ranked level-use charts
are drawn by :mod:`mappa_audit._charts`. No view holds a case id: the tables are groups.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from mappa_audit._views import Table, percent, suppression_sentence

OUTCOMES_THEME = "Outcomes and equality"
THEME_TABLES = ("sfo_charged_by_level", "returned_to_custody_by_level", "equality_level23",
                "equality_referral_acceptance", "equality_step_down", "equality_disclosure",
                "level_use_by_area", "level_use_by_lau", "level_use_by_area_category")
"""The annual tables the theme shows, in its order (every table is in ``annual``)."""
COLUMN_WORDS = {
    "level": "Level at the time", "count": "This year", "previous_year_count": "Year before",
    "characteristic": "Characteristic", "group": "Group",
    "eligible": "Eligible on 31 March", "at_level_2_3": "At Level 2 or 3",
    "referrals": "Referrals decided", "accepted": "Accepted",
    "released_at_level_2_3": "Released at Level 2 or 3",
    "stepped_down": "Stepped down to Level 1 within 6 months",
    "decisions": "Disclosure decisions", "decisions_to_disclose": "Decisions to disclose",
    "rate": "Rate", "relative_rate_index": "Relative rate index",
    "area": "Area", "lau": "Local unit", "category": "Category", "level_1": "Level 1",
    "level_2": "Level 2", "level_3": "Level 3", "share_level_2_3": "Share at Level 2 or 3",
    "category_3": "Category 3", "share_category_3": "Share in Category 3",
    "level_1_people": "At Level 1 in the year",
    "referred_from_level_1": "Referred from Level 1 to 2/3",
    "level_1_referral_rate": "Level 1→2/3 referral rate",
}
"""Each column's heading as a board reads it."""
CHARACTERISTIC_WORDS = {"sex": "Sex", "age_band": "Age band", "ethnicity_group": "Ethnic group"}
RATE_COLUMNS = ("rate", "share_level_2_3", "share_category_3", "level_1_referral_rate")
RANKED_MEASURES = {
    "share_level_2_3": "Share at Level 2 or 3 on 31 March",
    "share_category_3": "Share in Category 3 on 31 March",
    "level_1_referral_rate": "Level 1→2/3 referral rate in the year",
}
"""The level-use measures drawn as a ranked comparison, with their chart titles."""
NO_NATIONAL = "no national figure in the reference file"
NOT_SHOWN = "—"
INTRO = ("What happened to the people MAPPA manages, and whether any group is managed, "
         "referred, stepped down or disclosed about more or less often than everyone else. "
         "Groups only: no individual is shown. A relative rate index of 1 means a group's "
         "rate is the same as everyone else's; 2, twice as high.")


@dataclass(frozen=True)
class OutcomeTable:
    """One annual table as text, or the note saying why it is not there."""

    id: str
    title: str
    table: Table | None
    note: str | None


@dataclass(frozen=True)
class RankedBar:
    label: str
    value: float | None
    """0..1; ``None``: not shown (too few) or none."""
    text: str


@dataclass(frozen=True)
class RankedChart:
    """A level-use measure per area (or local unit), highest first, against the national
    figure when the reference file has it."""

    title: str
    bars: tuple[RankedBar, ...]
    national: float | None
    national_text: str


@dataclass(frozen=True)
class OutcomesTheme:
    title: str
    intro: str
    period: str
    hiding: str | None
    """What the view hides (board), or ``None`` (auditor: exact counts)."""
    tables: tuple[OutcomeTable, ...]
    charts: tuple[RankedChart, ...]


def outcomes_theme(document: dict[str, Any]) -> OutcomesTheme:
    """The theme's view model from a run's ``outcomes.json`` (or ``annual --format json``).

    Examples
    --------
    >>> from mappa_audit._annual import AnnualSource, annual_document
    >>> tables = AnnualSource("data_samples", "2025-26").tables()
    >>> theme = outcomes_theme(annual_document(tables, "2025-26", area=None, suppress_below=5))
    >>> theme.title, theme.charts[0].title
    ('Outcomes and equality', 'Share at Level 2 or 3 on 31 March')
    """
    by_id = {entry["id"]: entry for entry in document["tables"]}
    tables = tuple(_table(by_id[name]) for name in THEME_TABLES if name in by_id)
    national = {row["figure"]: row for row in (by_id.get("national_figures", {}).get("rows")
                                               or [])}
    level_use = by_id.get("level_use_by_area", {})
    area_rows = level_use.get("rows") or []
    # a measure the dataset does not record (no referrals table) has no column: no chart
    charts = tuple(ranked_chart(area_rows, measure, national.get(measure))
                   for measure in RANKED_MEASURES if measure in (level_use.get("columns") or ()))
    where = document.get("area") or "all areas"
    hiding = document.get("suppress_below")
    return OutcomesTheme(
        title=OUTCOMES_THEME, intro=INTRO,
        period=(f"Financial year {document['year']} (1 April to 31 March), {where}, beside "
                f"{document['previous_year']}."),
        hiding=suppression_sentence(hiding) if hiding else None,
        tables=tables, charts=charts)


def ranked_chart(rows: list[dict[str, Any]], measure: str,
                 national: dict[str, Any] | None, key: str = "area") -> RankedChart:
    """``measure`` of each row (an area or local unit), highest first; those not shown last.

    Examples
    --------
    >>> rows = [{"area": "A", "share_level_2_3": 0.1}, {"area": "B", "share_level_2_3": None},
    ...         {"area": "C", "share_level_2_3": 0.3}]
    >>> chart = ranked_chart(rows, "share_level_2_3", None)
    >>> [(bar.label, bar.text) for bar in chart.bars], chart.national_text
    ([('C', '30.0 %'), ('A', '10.0 %'), ('B', 'too few')], 'no national figure in the \
reference file')
    """
    shown = sorted((row for row in rows if row.get(measure) is not None),
                   key=lambda row: (-float(row[measure]), str(row[key])))
    hidden = sorted((row for row in rows if row.get(measure) is None),
                    key=lambda row: str(row[key]))
    bars = tuple(RankedBar(label=str(row[key]), value=row.get(measure),
                           text=percent(row.get(measure)) if row.get(measure) is not None
                           else "too few")
                 for row in (*shown, *hidden))
    if national is None:
        return RankedChart(RANKED_MEASURES[measure], bars, None, NO_NATIONAL)
    value = float(national["value"])
    words = (f"England and Wales {percent(value)} ({national['year']}, {national['source']}, "
             f"{national['table']})")
    return RankedChart(RANKED_MEASURES[measure], bars, value, words)


def _table(entry: dict[str, Any]) -> OutcomeTable:
    if entry.get("rows") is None:
        return OutcomeTable(entry["id"], entry["title"], None, entry.get("note"))
    columns = list(entry["columns"])
    rows = tuple(tuple(_cell(column, row.get(column)) for column in columns)
                 for row in entry["rows"])
    note = None if rows else "nothing to count this year"
    return OutcomeTable(entry["id"], entry["title"],
                        Table(tuple(COLUMN_WORDS.get(c, c) for c in columns), rows), note)


def _cell(column: str, value: object) -> str:
    if column == "characteristic":
        return CHARACTERISTIC_WORDS.get(str(value), str(value))
    if column == "level":
        return "no level recorded" if value == "none" else f"Level {value}"
    if column == "category":
        return f"Category {value}"
    if value is None:
        return NOT_SHOWN
    if column in RATE_COLUMNS:
        return percent(float(value))  # type: ignore[arg-type]
    if column == "relative_rate_index":
        return f"{float(value):.2f}"  # type: ignore[arg-type]
    return str(value)
