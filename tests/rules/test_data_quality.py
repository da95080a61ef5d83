"""DQ-01..06 row counts on tiny datasets, hand-worked from audit-rules.md ("Data-quality
rules") and data-contract.md ("Invalid input").

Every dataset starts from one clean case, C1, at Level 2 since it became eligible, so that
only the rows a test adds can be findings.
"""

from __future__ import annotations

import pytest

START, END = "2026-01-01", "2026-03-31"
DQ_RULES = ("DQ-01", "DQ-02", "DQ-03", "DQ-04", "DQ-05", "DQ-06")

CLEAN = {
    "cases": [{"case_id": "C1", "eligible_date": "2020-01-01"}],
    "levels": [{"case_id": "C1", "level": 2, "start_date": "2020-01-01"}],
}


def dq_counts(run, tables: dict[str, list[dict[str, object]]], end: str = END) -> dict:
    result = run(START, end, strict=False, **(CLEAN | tables))
    return {rule_id: result.dq(rule_id) for rule_id in DQ_RULES}


def only(rule_id: str, count: int) -> dict[str, int]:
    return {r: (count if r == rule_id else 0) for r in DQ_RULES}


def test_clean_dataset_has_no_findings(run):
    tables = {"meetings": [{"meeting_date": "2026-02-02", "minutes_distributed_date":
                            "2026-02-03"}]}
    assert dq_counts(run, tables) == only("DQ-01", 0)


def test_data_quality_rules_in_spec_order(run):
    result = run(START, END, **CLEAN)
    assert result.result.data_quality()["rule_id"].to_list() == list(DQ_RULES)


# ---------------------------------------------------------------------------------------------
# DQ-01: quarantine entries from the loader

MEETING = {"meeting_id": "M1", "meeting_date": "2026-02-02"}

DQ01 = [
    # an unreadable date in a required column: the row is quarantined, one entry
    pytest.param({"meetings": [{**MEETING, "meeting_date": "31/02/2026"}]}, 1,
                 id="invalid-required-date"),
    # an unknown enum word in a required column
    pytest.param({"meetings": [{**MEETING, "status": "postponed"}]}, 1,
                 id="unknown-status-word"),
    # an invalid optional cell: the row is kept, the cell is listed all the same
    pytest.param({"meetings": [{**MEETING, "minutes_distributed_date": "soon"}]}, 1,
                 id="invalid-optional-cell"),
    # an exact duplicate: the copy is listed
    pytest.param({"meetings": [MEETING, MEETING]}, 1, id="exact-duplicate"),
    # a conflicting duplicate: both rows are quarantined
    pytest.param({"meetings": [MEETING, {**MEETING, "meeting_date": "2026-02-03"}]}, 2,
                 id="conflicting-duplicate"),
    # a level out of range in a required column of a table without ids
    pytest.param({"levels": [*CLEAN["levels"], {"case_id": "C1", "level": 4,
                                               "start_date": "2021-01-01"}]}, 1,
                 id="level-out-of-range"),
]


@pytest.mark.parametrize(("tables", "expected"), DQ01)
def test_dq01_quarantine_entries(run, tables, expected):
    assert dq_counts(run, tables)["DQ-01"] == expected


# ---------------------------------------------------------------------------------------------
# DQ-02: rows whose case_id or meeting_id refers to nothing

DQ02 = [
    pytest.param({"levels": [*CLEAN["levels"], {"case_id": "C9", "level": 1,
                                               "start_date": "2021-01-01"}]}, 1,
                 id="level-unknown-case"),
    pytest.param({"meetings": [{"case_id": "C9", "meeting_date": "2026-02-02"}]}, 1,
                 id="meeting-unknown-case"),
    pytest.param({"referrals": [{"case_id": "C9", "referral_date": "2026-02-02",
                                 "requested_level": 2}]}, 1, id="referral-unknown-case"),
    pytest.param({"level1_reviews": [{"case_id": "C9", "review_date": "2026-02-02"}]}, 1,
                 id="review-unknown-case"),
    pytest.param({"attendance": [{"meeting_id": "M9", "agency": "police"}]}, 1,
                 id="attendance-unknown-meeting"),
    pytest.param({"actions": [{"meeting_id": "M9", "owner_agency": "police"}]}, 1,
                 id="action-unknown-meeting"),
    # both ids refer to nothing: one row, counted once
    pytest.param({"disclosures": [{"case_id": "C9", "meeting_id": "M9",
                                   "decision_date": "2026-02-02"}]}, 1,
                 id="disclosure-unknown-case-and-meeting"),
    pytest.param({"disclosures": [{"case_id": "C1", "meeting_id": "M9",
                                   "decision_date": "2026-02-02"}]}, 1,
                 id="disclosure-unknown-meeting"),
    # an empty meeting_id is a decision outside a meeting, not an orphan
    pytest.param({"disclosures": [{"case_id": "C1", "meeting_id": None,
                                   "decision_date": "2026-02-02"}]}, 0,
                 id="disclosure-outside-meeting"),
    # a row referring to a quarantined case refers to nothing
    pytest.param({"cases": [*CLEAN["cases"], {"case_id": "C2", "category": "one"}],
                  "levels": [*CLEAN["levels"], {"case_id": "C2", "level": 2,
                                               "start_date": "2021-01-01"}]}, 1,
                 id="refers-to-quarantined-case"),
]


@pytest.mark.parametrize(("tables", "expected"), DQ02)
def test_dq02_rows_referring_to_nothing(run, tables, expected):
    assert dq_counts(run, tables)["DQ-02"] == expected


# ---------------------------------------------------------------------------------------------
# DQ-03: dates out of order (a row counts once)

DQ03 = [
    pytest.param({"meetings": [{"meeting_date": "2019-12-31"}]}, 1,
                 id="meeting-before-eligible"),
    pytest.param({"cases": [{"case_id": "C1", "eligible_date": "2020-01-01",
                             "end_date": "2019-12-31"}]}, 1, id="case-end-before-eligible"),
    pytest.param({"cases": [{"case_id": "C1", "eligible_date": "2020-01-01",
                             "end_date": "2020-01-01"}]}, 0, id="case-end-on-eligible-day"),
    pytest.param({"levels": [{"case_id": "C1", "level": 2, "start_date": "2020-01-01",
                              "end_date": "2020-01-01"}, {"case_id": "C1", "level": 2,
                                                          "start_date": "2020-01-02"}]}, 1,
                 id="level-end-equals-start"),
    pytest.param({"levels": [{"case_id": "C1", "level": 1, "start_date": "2021-01-01",
                              "end_date": "2020-06-01"}, *CLEAN["levels"]]}, 1,
                 id="level-end-before-start"),
    pytest.param({"meetings": [{"meeting_date": "2026-02-02",
                                "minutes_distributed_date": "2026-02-01"}]}, 1,
                 id="minutes-before-meeting"),
    pytest.param({"meetings": [{"meeting_date": "2026-02-02",
                                "minutes_distributed_date": "2026-02-02"}]}, 0,
                 id="minutes-on-meeting-day"),
    # one row with two problems is one finding
    pytest.param({"meetings": [{"meeting_date": "2019-12-30",
                                "minutes_distributed_date": "2019-12-29"}]}, 1,
                 id="two-problems-one-row"),
    pytest.param({"meetings": [{"meeting_id": "M1", "meeting_date": "2026-02-02"}],
                  "actions": [{"meeting_id": "M1", "completed_date": "2026-02-01"}]}, 1,
                 id="action-completed-before-meeting"),
    pytest.param({"disclosures": [{"decision_date": "2026-02-02",
                                   "disclosed_date": "2026-02-01"}]}, 1,
                 id="disclosed-before-decision"),
]


@pytest.mark.parametrize(("tables", "expected"), DQ03)
def test_dq03_dates_out_of_order(run, tables, expected):
    assert dq_counts(run, tables)["DQ-03"] == expected


# ---------------------------------------------------------------------------------------------
# DQ-04: overlapping level periods of one case (every row that overlaps another)


def lv(level: int, start: str, end: str | None = None, case_id: str = "C1") -> dict:
    return {"case_id": case_id, "level": level, "start_date": start, "end_date": end}


DQ04 = [
    pytest.param([lv(2, "2020-01-01", "2021-01-01"), lv(3, "2020-06-01")], 2,
                 id="two-overlap"),
    # adjacent: one ends the day the next starts
    pytest.param([lv(2, "2020-01-01", "2021-01-01"), lv(3, "2021-01-01")], 0, id="adjacent"),
    # an open period overlaps every later one
    pytest.param([lv(2, "2020-01-01"), lv(1, "2024-01-01")], 2, id="open-period"),
    # one long period overlapping two that do not overlap each other: three rows
    pytest.param([lv(2, "2020-01-01"), lv(1, "2021-01-01", "2022-01-01"),
                  lv(3, "2022-01-01", "2023-01-01")], 3, id="one-long-two-short"),
    # periods of different cases never overlap
    pytest.param([lv(2, "2020-01-01"), lv(2, "2020-01-01", case_id="C2")], 0,
                 id="different-cases"),
    # a period that starts after as_at is ignored
    pytest.param([lv(2, "2020-01-01"), lv(3, "2026-04-01")], 0, id="starts-after-as-at"),
    # the third row overlaps the first, not the second, which lies between them by start
    pytest.param([lv(2, "2020-01-01", "2023-01-01"), lv(1, "2020-02-01", "2020-03-01"),
                  lv(3, "2022-01-01", "2024-01-01")], 3, id="overlaps-an-earlier-row-only"),
    # two rows that start on the same day
    pytest.param([lv(2, "2020-01-01", "2020-06-01"), lv(3, "2020-01-01", "2020-02-01")], 2,
                 id="same-start"),
    # a row that covers no day, inside another row, overlaps nothing (DQ-03)
    pytest.param([lv(2, "2020-01-01", "2021-01-01"), lv(3, "2020-06-01", "2020-06-01")], 0,
                 id="covers-no-day"),
    # the open end of one case does not reach into the next case's rows
    pytest.param([lv(2, "2020-01-01", "2020-06-01"), lv(3, "2020-06-01"),
                  lv(2, "2021-01-01", "2022-01-01", case_id="C2"),
                  lv(3, "2022-01-01", case_id="C2")], 0, id="open-end-stays-in-its-case"),
]


@pytest.mark.parametrize(("levels", "expected"), DQ04)
def test_dq04_overlapping_levels(run, levels, expected):
    cases = [{"case_id": "C1"}, {"case_id": "C2"}]
    assert dq_counts(run, {"cases": cases, "levels": levels})["DQ-04"] == expected


# ---------------------------------------------------------------------------------------------
# DQ-05: held meetings when the case is at Level 1 or has no level

DQ05 = [
    pytest.param([lv(1, "2020-01-01")], {}, 1, id="level-1"),
    pytest.param([], {}, 1, id="no-level"),
    pytest.param([lv(2, "2020-01-01")], {}, 0, id="level-2"),
    pytest.param([lv(3, "2020-01-01")], {}, 0, id="level-3"),
    pytest.param([lv(1, "2020-01-01")], {"status": "cancelled"}, 0, id="cancelled"),
    # periods are [start, end): on the day Level 2 ends and Level 1 starts, Level 1
    pytest.param([lv(2, "2020-01-01", "2026-02-02"), lv(1, "2026-02-02")], {}, 1,
                 id="step-down-day"),
    # a meeting after as_at does not exist yet
    pytest.param([], {"meeting_date": "2026-04-01"}, 0, id="meeting-after-as-at"),
]


@pytest.mark.parametrize(("levels", "meeting", "expected"), DQ05)
def test_dq05_meeting_without_level_2_or_3(run, levels, meeting, expected):
    tables = {"levels": levels, "meetings": [{"meeting_date": "2026-02-02", **meeting}]}
    assert dq_counts(run, tables)["DQ-05"] == expected


# ---------------------------------------------------------------------------------------------
# DQ-06: open cases with no level period open on as_at

DQ06 = [
    pytest.param({}, [lv(2, "2020-01-01")], 0, id="open-with-level"),
    pytest.param({}, [], 1, id="open-no-levels"),
    pytest.param({}, [lv(2, "2020-01-01", "2025-01-01")], 1, id="level-ended"),
    # periods are [start, end): a period ending on as_at does not cover it
    pytest.param({}, [lv(2, "2020-01-01", END)], 1, id="level-ends-on-as-at"),
    # a period ending after as_at is open on as_at
    pytest.param({}, [lv(2, "2020-01-01", "2026-04-01")], 0, id="level-ends-after-as-at"),
    # a period starting after as_at is ignored
    pytest.param({}, [lv(2, "2026-04-01")], 1, id="level-starts-after-as-at"),
    # a closed case needs no level
    pytest.param({"end_date": "2025-01-01"}, [], 0, id="closed-case"),
    # an end_date after as_at counts as empty: the case is open
    pytest.param({"end_date": "2026-04-01"}, [], 1, id="end-after-as-at"),
    # a case eligible after as_at is ignored entirely
    pytest.param({"eligible_date": "2026-04-01"}, [], 0, id="eligible-after-as-at"),
]


@pytest.mark.parametrize(("case", "levels", "expected"), DQ06)
def test_dq06_open_case_without_current_level(run, case, levels, expected):
    tables = {"cases": [{"case_id": "C1", **case}], "levels": levels}
    assert dq_counts(run, tables)["DQ-06"] == expected


def test_dq_findings_list_table_and_reason(run):
    # the findings name the table and record, and are never mixed into rule rates
    result = run(
        START, END, strict=False,
        cases=CLEAN["cases"], levels=CLEAN["levels"],
        meetings=[{"meeting_id": "M1", "meeting_date": "2026-02-02",
                   "minutes_distributed_date": "2026-02-01"}],
    )
    finding = result.findings("DQ-03").row(0, named=True)
    assert (finding["table"], finding["record_id"], finding["case_id"]) == (
        "meetings", "M1", "C1"
    )
    assert finding["reason"]
    # the same meeting is still a TML-03 item (minutes before meeting: non_compliant)
    assert result.outcomes("TML-03") == {"M1": "non_compliant"}


def test_quarantined_rows_are_absent_from_every_rule(run):
    # M2's status is not a contract word: the row is quarantined (DQ-01) and is no item of
    # TML-03, DIS-01 or ATT-01, nor a review for REV-01; its attendance refers to nothing
    result = run(
        START, END, strict=False,
        cases=CLEAN["cases"], levels=CLEAN["levels"],
        meetings=[{"meeting_id": "M1", "meeting_date": "2025-10-01"},
                  {"meeting_id": "M2", "meeting_date": "2026-01-10", "status": "postponed"}],
        attendance=[{"meeting_id": "M2", "agency": "police"}],
    )
    assert result.dq("DQ-01") == 1
    assert result.dq("DQ-02") == 1
    for rule_id in ("TML-03", "ATT-01"):
        assert result.outcomes(rule_id) == {}, rule_id
    # M1 (1 Oct 2025 + 16 weeks = 21 Jan 2026) had no review: M2 does not count
    assert result.outcomes("REV-01") == {"M1": "non_compliant"}


LOADED = [
    # an invalid optional cell keeps its row and reads as not recorded: minutes not
    # distributed, deadline (16 Feb) passed
    pytest.param([{**MEETING, "minutes_distributed_date": "soon"}], 1, {"M1": "non_compliant"},
                 id="invalid-optional-cell-is-empty"),
    # an exact duplicate is one row: one item
    pytest.param([{**MEETING, "minutes_distributed_date": "2026-02-03"}] * 2, 1,
                 {"M1": "compliant"}, id="exact-duplicate-one-item"),
    # conflicting duplicates are all quarantined: no item
    pytest.param([MEETING, {**MEETING, "minutes_distributed_date": "2026-02-03"}], 2, {},
                 id="conflicting-duplicates-no-item"),
]


@pytest.mark.parametrize(("meetings", "quarantined", "tml03"), LOADED)
def test_what_the_loader_keeps_is_what_rules_see(run, meetings, quarantined, tml03):
    result = run(START, END, strict=False, cases=CLEAN["cases"], levels=CLEAN["levels"],
                 meetings=meetings)
    assert result.dq("DQ-01") == quarantined
    assert result.outcomes("TML-03") == tml03
