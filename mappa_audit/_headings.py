"""What an auditor reads at the top of a list's columns, and in its cells, instead of field names.

The exceptions, the worklist, the watch list and the file-audit sample keep their field names
in the run folder's parquet files and in JSON (results-format.md: they are for programs). On a
dashboard page and in the CSV and Excel files made for people, :func:`for_people` gives them
headings, the rule's title beside its id, and outcomes in words.
"""

from __future__ import annotations

import polars as pl

HEADINGS = {
    "rule_id": "Rule",
    "rule_title": "Standard",
    "signal_id": "Signal",
    "title": "Description",
    "status": "Status",
    "case_id": "Case",
    "item_id": "Item",
    "item_date": "Item date",
    "outcome": "Outcome",
    "reason": "Why",
    "due_date": "Due",
    "done_date": "Done on",
    "meeting_date": "Meeting date",
    "owner_agency": "Action owner",
    "lead_agency": "Lead agency",
    "calendar_days_left": "Days left",
    "working_days_left": "Working days left",
    "what": "To do",
    "date": "Date",
    "detail": "Detail",
    "area": "Area",
    "lau": "Local unit",
    "category": "Category",
    "level": "Level",
    "quarter": "Quarter",
    "eligible_date": "Eligible from",
    "custody_release_date": "Released from custody",
    "meetings_in_period": "Meetings in period",
    "exceptions_in_period": "Exceptions in period",
    "score_risk_assessment": "Score: risk assessment",
    "score_risk_management_plan": "Score: risk management plan",
    "score_meetings_and_attendance": "Score: meetings and attendance",
    "score_disclosure": "Score: disclosure",
    "score_overall": "Score: overall",
    "auditor": "Auditor",
    "date_audited": "Date audited",
    "auditor_notes": "Auditor's notes",
    "population": "Cases",
    "allocated": "Sampled",
    "table": "Table",
    "record_id": "Row id",
    "line": "Line",
}
"""The heading of each field a list may hold."""
OUTCOME_WORDS = {"compliant": "met", "non_compliant": "not met", "pending": "not yet due",
                 "not_assessable": "cannot tell"}
"""The outcomes as the reports word them (the glossary explains "cannot tell")."""
FOR_PROGRAMS = ("days_left", "day_unit")
"""Fields kept for results-format 1's readers and not shown to people: ``days_left`` mixes
working and calendar days in one column; people get one column for each."""


def for_people(frame: pl.DataFrame, titles: dict[str, str] | None = None) -> pl.DataFrame:
    """``frame`` with headings instead of field names, outcomes in words, and, given the rules'
    ``titles``, each rule's title after its id. Fields without a heading keep their name. A
    worklist's item due on its as-at date is "due today", and its days left are in one unit
    per column.

    Examples
    --------
    >>> frame = pl.DataFrame({"rule_id": ["ACT-02"], "case_id": ["SYN-C0000001"],
    ...                       "outcome": ["non_compliant"]})
    >>> shown = for_people(frame, {"ACT-02": "Actions completed by their due date"})
    >>> shown.columns
    ['Rule', 'Standard', 'Case', 'Outcome']
    >>> shown.row(0)[1:]
    ('Actions completed by their due date', 'SYN-C0000001', 'not met')
    """
    if {"status", "calendar_days_left"} <= set(frame.columns):  # the worklist
        # the audit counts an item due on the as-at date and not done as missed, but whoever
        # acts on the list can still do it that day
        frame = frame.with_columns(
            pl.when((pl.col("status") == "overdue") & (pl.col("calendar_days_left") == 0))
            .then(pl.lit("due today")).otherwise(pl.col("status")).alias("status"))
    frame = frame.drop(*(name for name in FOR_PROGRAMS if name in frame.columns))
    if "outcome" in frame.columns:
        frame = frame.with_columns(pl.col("outcome").replace(OUTCOME_WORDS))
    if titles is not None and "rule_id" in frame.columns:
        at = frame.columns.index("rule_id") + 1
        frame = frame.insert_column(at, frame["rule_id"].replace_strict(
            titles, default=None, return_dtype=pl.String).alias("rule_title"))
    return frame.rename({name: HEADINGS[name] for name in frame.columns if name in HEADINGS})
