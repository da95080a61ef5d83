"""REV-01..03, hand-worked from audit-rules.md ("Review rules", "Level history").

Dates used below: Wed 1 Oct 2025 + 16 weeks (112 days) = Wed 21 Jan 2026; Mon 1 Dec 2025 +
8 weeks (56 days) = Mon 26 Jan 2026.
"""

from __future__ import annotations

import datetime as dt

import pytest
from _datasets import Scenario, as_scenarios, missing, scenario

# REV-01 scenarios: M1 on 1 Oct 2025 at Level 2, due 21 Jan 2026
P2 = ("2026-01-01", "2026-03-31")
# REV-02 scenarios: M1 on 1 Dec 2025 at Level 3, due 26 Jan 2026
P3 = ("2026-01-01", "2026-02-28")

NC, OK, NA = "non_compliant", "compliant", "not_assessable"


def lv(level: int, start: str, end: str | None = None, case_id: str = "C1") -> dict[str, object]:
    return {"case_id": case_id, "level": level, "start_date": start, "end_date": end}


def m(meeting_id: str, date: str, level: int = 2, **extra: object) -> dict[str, object]:
    return {"meeting_id": meeting_id, "meeting_date": date, "level": level, **extra}


L2_OPEN = [lv(2, "2025-01-01")]
L3_OPEN = [lv(3, "2025-01-01")]

REV_0102 = [
    # --- REV-01: due = meeting + 16 weeks
    # next meeting on the due day itself (M2's own due, 13 May, is outside the period)
    pytest.param(L2_OPEN, [m("M1", "2025-10-01"), m("M2", "2026-01-21")], {}, P2,
                 {"M1": OK}, {}, id="rev01-due-day-itself"),
    # next meeting the day after the due day
    pytest.param(L2_OPEN, [m("M1", "2025-10-01"), m("M2", "2026-01-22")], {}, P2,
                 {"M1": NC}, {}, id="rev01-day-after-due"),
    # no next meeting at all
    pytest.param(L2_OPEN, [m("M1", "2025-10-01")], {}, P2, {"M1": NC}, {},
                 id="rev01-no-next-meeting"),
    # a cancelled meeting is no review
    pytest.param(L2_OPEN, [m("M1", "2025-10-01"), m("M2", "2026-01-10", status="cancelled")],
                 {}, P2, {"M1": NC}, {}, id="rev01-cancelled-next"),
    # the next meeting may be of any level or type
    pytest.param(L2_OPEN,
                 [m("M1", "2025-10-01"), m("M2", "2026-01-10", level=3, meeting_type="urgent")],
                 {}, P2, {"M1": OK}, {}, id="rev01-next-any-level-type"),
    # a meeting after as_at has not happened
    pytest.param(L2_OPEN, [m("M1", "2025-10-01"), m("M2", "2026-01-22")], {},
                 ("2026-01-01", "2026-01-21"), {"M1": NC}, {}, id="rev01-next-after-as-at"),
    # due dates outside the period are not items; the period's first day is in it
    # (11 Sep 2025 + 112 days = 1 Jan 2026; 1 Sep 2025 + 112 = 22 Dec 2025)
    pytest.param(L2_OPEN, [m("M0", "2025-09-01"), m("M1", "2025-09-11")], {}, P2,
                 {"M1": NC}, {}, id="rev01-due-on-period-start-only"),
    # cancelled meetings make no review due
    pytest.param(L2_OPEN, [m("M1", "2025-10-01", status="cancelled")], {}, P2, {}, {},
                 id="rev01-cancelled-anchor"),
    # --- REV-02: due = meeting + 8 weeks
    pytest.param(L3_OPEN, [m("M1", "2025-12-01", 3), m("M2", "2026-01-26", 3)], {}, P3,
                 {}, {"M1": OK}, id="rev02-due-day-itself"),
    pytest.param(L3_OPEN, [m("M1", "2025-12-01", 3), m("M2", "2026-01-27", 3)], {}, P3,
                 {}, {"M1": NC}, id="rev02-day-after-due"),
    # --- the level comes from the level history on the meeting date, not meeting.level
    pytest.param(L3_OPEN, [m("M1", "2025-12-01", level=2)], {}, P3, {}, {"M1": NC},
                 id="history-level-3-beats-meeting-level-2"),
    pytest.param(L2_OPEN, [m("M1", "2025-10-01", level=3), m("M2", "2026-01-20", level=3)],
                 {}, P2, {"M1": OK}, {}, id="history-level-2-beats-meeting-level-3"),
    # --- exit: stepped down to Level 1 before the due date, no review needed (dropped)
    pytest.param([lv(2, "2025-01-01", "2025-12-01"), lv(1, "2025-12-01")],
                 [m("M1", "2025-10-01")], {}, P2, {}, {}, id="step-down-before-due"),
    # stepped down on the due day itself: exit <= due, dropped
    pytest.param([lv(2, "2025-01-01", "2026-01-21"), lv(1, "2026-01-21")],
                 [m("M1", "2025-10-01")], {}, P2, {}, {}, id="step-down-on-due-day"),
    # stepped down the day after the due day: the review was required
    pytest.param([lv(2, "2025-01-01", "2026-01-22"), lv(1, "2026-01-22")],
                 [m("M1", "2025-10-01")], {}, P2, {"M1": NC}, {}, id="step-down-after-due"),
    # a review before the step-down still complies; M2 (due 7 Mar) is dropped by the exit
    pytest.param([lv(2, "2025-01-01", "2025-12-01"), lv(1, "2025-12-01")],
                 [m("M1", "2025-10-01"), m("M2", "2025-11-15")], {}, P2, {"M1": OK}, {},
                 id="reviewed-then-stepped-down"),
    # the level period ends with nothing after it: no level is not active at Level 2/3
    pytest.param([lv(2, "2025-01-01", "2026-01-05")], [m("M1", "2025-10-01")], {}, P2,
                 {}, {}, id="level-period-ends-no-successor"),
    # the case's end_date is an exit
    pytest.param(L2_OPEN, [m("M1", "2025-10-01")], {"end_date": "2026-01-10"}, P2, {}, {},
                 id="case-end-before-due"),
    pytest.param(L2_OPEN, [m("M1", "2025-10-01")], {"end_date": "2026-01-21"}, P2, {}, {},
                 id="case-end-on-due-day"),
    pytest.param(L2_OPEN, [m("M1", "2025-10-01")], {"end_date": "2026-01-22"}, P2,
                 {"M1": NC}, {}, id="case-end-after-due"),
    # --- a level change after the meeting does not move the due date
    # escalated to Level 3 on 1 Nov: M1 still due after 16 weeks; M2 (Level 3) due 18 Mar
    pytest.param([lv(2, "2025-01-01", "2025-11-01"), lv(3, "2025-11-01")],
                 [m("M1", "2025-10-01"), m("M2", "2026-01-21", 3)], {}, P2,
                 {"M1": OK}, {"M2": NC}, id="escalation-keeps-16-weeks"),
    # escalation is no exit (Level 3 is active)
    pytest.param([lv(2, "2025-01-01", "2025-11-01"), lv(3, "2025-11-01")],
                 [m("M1", "2025-10-01")], {}, P2, {"M1": NC}, {},
                 id="escalation-is-not-an-exit"),
    # de-escalated to Level 2 on 15 Dec: M1 still due after 8 weeks; M2 (Level 2) due 2 Jun
    pytest.param([lv(3, "2025-01-01", "2025-12-15"), lv(2, "2025-12-15")],
                 [m("M1", "2025-12-01", 3), m("M2", "2026-02-10")], {}, P3,
                 {}, {"M1": NC}, id="de-escalation-keeps-8-weeks"),
    # a gap in the level history is an exit, although Level 2 resumes before the due date
    pytest.param([lv(2, "2025-01-01", "2025-11-01"), lv(2, "2025-11-15")],
                 [m("M1", "2025-10-01")], {}, P2, {}, {}, id="gap-in-history-is-exit"),
    # periods are [start, end): escalated on the meeting day itself, the meeting is at Level 3
    # (due 26 Nov 2025 under REV-02; as Level 2 it would be due 21 Jan 2026)
    pytest.param([lv(2, "2025-01-01", "2025-10-01"), lv(3, "2025-10-01")],
                 [m("M1", "2025-10-01")], {}, ("2025-11-01", "2026-03-31"), {}, {"M1": NC},
                 id="level-change-on-meeting-day"),
    # --- no level on the meeting date: not_assessable under meeting.level, due as for it
    pytest.param([], [m("M1", "2025-10-01", level=2)], {}, P2, {"M1": NA}, {},
                 id="no-history-level-2"),
    pytest.param([], [m("M1", "2025-10-01", level=2), m("M2", "2026-01-10", level=2)], {}, P2,
                 {"M1": NA}, {}, id="no-history-even-with-next-meeting"),
    pytest.param([], [m("M1", "2025-12-01", level=3)], {}, P3, {}, {"M1": NA},
                 id="no-history-level-3"),
    # history starts after the meeting: no level on the meeting date
    pytest.param([lv(2, "2025-11-01")], [m("M1", "2025-10-01")], {}, P2, {"M1": NA}, {},
                 id="history-starts-after-meeting"),
    # --- two held meetings on one day are two items
    pytest.param(L2_OPEN, [m("M1", "2025-10-01"), m("M1b", "2025-10-01"),
                           m("M2", "2026-01-21")], {}, P2,
                 {"M1": OK, "M1b": OK}, {}, id="two-meetings-same-day-reviewed"),
    pytest.param(L2_OPEN, [m("M1", "2025-10-01"), m("M1b", "2025-10-01")], {}, P2,
                 {"M1": NC, "M1b": NC}, {}, id="two-meetings-same-day-not-reviewed"),
    # --- adjacent same-level periods are one period: no exit at the join
    pytest.param([lv(2, "2025-01-01", "2025-11-01"), lv(2, "2025-11-01")],
                 [m("M1", "2025-10-01")], {}, P2, {"M1": NC}, {}, id="adjacent-periods-merged"),
    # --- overlapping periods: the latest start counts, on a tie the higher level
    pytest.param([lv(2, "2025-01-01"), lv(1, "2025-09-01")], [m("M1", "2025-10-01")], {}, P2,
                 {}, {}, id="overlap-latest-start-level-1"),
    pytest.param([lv(1, "2025-01-01"), lv(2, "2025-09-01")], [m("M1", "2025-10-01")], {}, P2,
                 {"M1": NC}, {}, id="overlap-latest-start-level-2"),
    # merging comes first: the two adjacent Level 2 rows are one period starting 1 Jan, so the
    # overlapping Level 1 period (1 Mar) is the latest start on 1 Oct; unmerged, the second
    # Level 2 row (1 Jun) would be
    pytest.param([lv(2, "2025-01-01", "2025-06-01"), lv(2, "2025-06-01"), lv(1, "2025-03-01")],
                 [m("M1", "2025-10-01")], {}, P2, {}, {}, id="merge-before-latest-start"),
    pytest.param([lv(2, "2025-06-01"), lv(3, "2025-06-01")], [m("M1", "2025-12-01", 2)], {},
                 P3, {}, {"M1": NC}, id="overlap-tie-higher-level"),
    pytest.param([lv(3, "2025-06-01"), lv(1, "2025-06-01")], [m("M1", "2025-12-01", 3)], {},
                 P3, {}, {"M1": NC}, id="overlap-tie-level-1-and-3"),
]


def meeting_history(levels: list, meetings: list, case: dict, period: tuple) -> Scenario:
    return scenario(
        *period,
        cases=[{"case_id": "C1", **case}, {"case_id": "C2"}],
        levels=levels,
        meetings=meetings,
    )


@pytest.mark.parametrize(
    ("case", "rev01", "rev02"), as_scenarios(REV_0102, meeting_history, expected=2)
)
def test_rev01_rev02_meeting_reviews(batch, case, rev01, rev02):
    items = batch(case)
    assert items.outcomes("REV-01") == rev01
    assert items.outcomes("REV-02") == rev02


def test_rev01_no_level_history_reason(run):
    result = run(*P2, levels=[], meetings=[m("M1", "2025-10-01")])
    assert result.reasons("REV-01") == {"M1": "no level history"}
    items = result.items.filter(rev := (result.items["rule_id"] == "REV-01"))
    assert rev.sum() == 1
    # the item is dated by its due date
    assert items["item_date"].to_list() == [dt.date(2026, 1, 21)]


def test_rev01_other_case_meeting_is_no_review(run):
    # a meeting of another case does not review C1; C2 has no level history, its own item's
    # due date (1 Jan + 112 = 23 Apr 2026) is outside the period
    result = run(
        *P2,
        cases=[{"case_id": "C1"}, {"case_id": "C2"}],
        levels=L2_OPEN,
        meetings=[m("M1", "2025-10-01"), m("M2", "2026-01-01", case_id="C2")],
    )
    assert result.outcomes("REV-01") == {"M1": NC}


def test_rev_breakdown_uses_level_on_due_date(run):
    # escalated after M1: the item (dated 21 Jan 2026) is broken down under Level 3
    result = run(
        *P2,
        cases=[{"case_id": "C1", "category": 1, "area": "Northmoor"}],
        levels=[lv(2, "2025-01-01", "2025-11-01"), lv(3, "2025-11-01")],
        meetings=[m("M1", "2025-10-01"), m("M2", "2026-01-21", 3)],
    )
    rev01 = result.items.filter(result.items["rule_id"] == "REV-01").row(0, named=True)
    assert (rev01["level"], rev01["quarter"], rev01["area"], rev01["category"]) == (
        "3", "2026-Q1", "Northmoor", "1"
    )


# ---------------------------------------------------------------------------------------------
# REV-03: Level 1 reviews every 12 calendar months

P1 = ("2025-01-01", "2025-12-31")


def d(text: str) -> dt.date:
    return dt.date.fromisoformat(text)


def rv(date: str, case_id: str = "C1") -> dict[str, object]:
    return {"case_id": case_id, "review_date": date}


REV03 = [
    # 29 Feb 2024 + 12 months clamps to 28 Feb 2025
    pytest.param([lv(1, "2024-02-29")], [], {}, P1, [("2025-02-28", NC)],
                 id="leap-day-clamp-no-review"),
    pytest.param([lv(1, "2024-02-29")], [rv("2025-02-28")], {}, P1, [("2025-02-28", OK)],
                 id="review-on-due-day"),
    pytest.param([lv(1, "2024-02-29")], [rv("2025-03-01")], {}, P1, [("2025-02-28", NC)],
                 id="review-day-after-due"),
    # each review is an anchor: 10 Jan 2024 due 10 Jan 2025, next review 20 Jan 2025 late
    pytest.param([lv(1, "2023-01-15")], [rv("2024-01-10"), rv("2025-01-20")], {}, P1,
                 [("2025-01-10", NC)], id="chain-of-reviews-late"),
    pytest.param([lv(1, "2023-01-15")], [rv("2024-01-10"), rv("2025-01-10")], {}, P1,
                 [("2025-01-10", OK)], id="chain-of-reviews-on-time"),
    # two reviews on one date are one anchor
    pytest.param([lv(1, "2024-03-15")], [rv("2024-09-01"), rv("2024-09-01")], {}, P1,
                 [("2025-03-15", OK), ("2025-09-01", NC)], id="duplicate-review-dates"),
    # a review on the period's start day is not a second anchor (s < review_date)
    pytest.param([lv(1, "2024-03-15")], [rv("2024-03-15")], {}, P1, [("2025-03-15", NC)],
                 id="review-on-period-start"),
    # a review before the period start is not an anchor
    pytest.param([lv(1, "2024-03-15")], [rv("2024-03-01")], {}, P1, [("2025-03-15", NC)],
                 id="review-before-period-start"),
    # another case's review is not this case's anchor
    pytest.param([lv(1, "2024-03-15")], [rv("2024-09-01", "C2")], {}, P1,
                 [("2025-03-15", NC)], id="other-case-review"),
    # a review after as_at is ignored
    pytest.param([lv(1, "2024-03-15")], [rv("2025-04-01")], {}, ("2025-01-01", "2025-03-31"),
                 [("2025-03-15", NC)], id="review-after-as-at"),
    # exit by the end of the Level 1 period: before, on, after the due date
    pytest.param([lv(1, "2024-03-15", "2025-02-01"), lv(2, "2025-02-01")], [], {}, P1, [],
                 id="period-ends-before-due"),
    pytest.param([lv(1, "2024-03-15", "2025-03-15"), lv(2, "2025-03-15")], [], {}, P1, [],
                 id="period-ends-on-due-day"),
    pytest.param([lv(1, "2024-03-15", "2025-03-16"), lv(2, "2025-03-16")], [], {}, P1,
                 [("2025-03-15", NC)], id="period-ends-after-due"),
    # a review on the period's end day is outside [s, e): exit on that day, dropped
    pytest.param([lv(1, "2024-03-15", "2025-03-10"), lv(2, "2025-03-10")], [rv("2025-03-10")],
                 {}, P1, [], id="review-on-period-end-not-anchor"),
    # exit by the case's end_date, earlier than the period's end
    pytest.param([lv(1, "2024-03-15")], [], {"end_date": "2025-03-01"}, P1, [],
                 id="case-end-before-due"),
    pytest.param([lv(1, "2024-03-15", "2025-06-01")], [], {"end_date": "2025-03-01"}, P1, [],
                 id="case-end-before-period-end"),
    pytest.param([lv(1, "2024-03-15")], [], {"end_date": "2025-03-16"}, P1,
                 [("2025-03-15", NC)], id="case-end-after-due"),
    # adjacent Level 1 periods merge: one anchor on 10 Jan 2024, no exit on 1 Jul 2024
    pytest.param([lv(1, "2024-01-10", "2024-07-01"), lv(1, "2024-07-01")], [], {}, P1,
                 [("2025-01-10", NC)], id="adjacent-level-1-merged"),
    # adjacent Level 1 rows merge even when a third, overlapping Level 1 row (a DQ-04 finding)
    # starts between them: [10 Jan 2024, open) is one period with no exit, due 10 Jan 2025;
    # the overlapping [1 Mar, 1 May 2024) is dropped by its own end
    pytest.param([lv(1, "2024-01-10", "2024-07-01"), lv(1, "2024-03-01", "2024-05-01"),
                  lv(1, "2024-07-01")], [], {}, P1, [("2025-01-10", NC)],
                 id="adjacent-merged-across-overlap"),
    # only the anchors make reviews due: a period started 2023 with no reviews has its one
    # due date (1 Jun 2024) before the period
    pytest.param([lv(1, "2023-06-01")], [], {}, P1, [], id="single-old-anchor"),
    # Level 2 periods are not REV-03's
    pytest.param([lv(2, "2024-03-15")], [rv("2024-09-01")], {}, P1, [], id="level-2-period"),
    # no clamp needed on 31 Aug
    pytest.param([lv(1, "2024-08-31")], [], {}, P1, [("2025-08-31", NC)], id="no-clamp"),
]


def level1_history(levels: list, reviews: list, case: dict, period: tuple) -> Scenario:
    return scenario(
        *period,
        cases=[{"case_id": "C1", **case}, {"case_id": "C2"}],
        levels=levels,
        level1_reviews=reviews,
    )


@pytest.mark.parametrize(("case", "expected"), as_scenarios(REV03, level1_history))
def test_rev03_level1_reviews(batch, case, expected):
    assert batch(case).dated_outcomes("REV-03") == [(d(due), out) for due, out in expected]


def test_rev03_periods_with_the_same_start_do_not_depend_on_row_order(run):
    # two overlapping Level 1 rows (a DQ-04 finding) starting on 1 Jan 2024: REV-03 takes "each
    # (merged) levels period of level 1". [1 Jan, 1 Jun 2024): due 1 Jan 2025, exit 1 Jun 2024,
    # dropped. [1 Jan 2024, open): due 1 Jan 2025, no review, no exit: non_compliant.
    periods = [lv(1, "2024-01-01", "2024-06-01"), lv(1, "2024-01-01")]
    outcomes = [
        run(*P1, levels=rows, level1_reviews=[]).dated_outcomes("REV-03")
        for rows in (periods, periods[::-1])
    ]
    assert outcomes == [[(d("2025-01-01"), NC)]] * 2


def test_rev03_not_assessable_without_level1_reviews_table(run):
    result = run(*P1, levels=[lv(1, "2024-02-29")])
    assert result.table_missing("REV-03") == missing("level1_reviews")
    assert result.dated_outcomes("REV-03") == []
