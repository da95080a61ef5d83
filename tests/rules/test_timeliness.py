"""TML-01..05, hand-worked from audit-rules.md with the England and Wales bank holidays.

Calendar used below (2025/26): Christmas Thu 25 + Boxing Day Fri 26 Dec 2025, New Year Thu 1
Jan 2026, Good Friday 3 Apr + Easter Monday 6 Apr 2026, early May Mon 4 May 2026.
"""

from __future__ import annotations

import calendar
import datetime as dt

import holidays
import pytest
from _datasets import Scenario, as_scenarios, missing, scenario

START, END = "2025-10-01", "2026-06-30"


def held(date: str, **extra: object) -> dict[str, object]:
    return {"meeting_date": date, **extra}


# ---------------------------------------------------------------------------------------------
# TML-01 / TML-02: first meeting after an accepted referral

TML01 = [
    # Wed 1 Apr 2026: Thu 2 (1), Good Friday and Easter Monday skipped, Tue 7 .. Fri 10 (5)
    pytest.param({"referral_date": "2026-04-01"}, [held("2026-04-10")], END, "compliant",
                 id="easter-deadline-day-itself"),
    # the next working day after the deadline is late
    pytest.param({"referral_date": "2026-04-01"}, [held("2026-04-13")], END, "non_compliant",
                 id="easter-next-working-day"),
    # a Saturday just after the deadline is late too
    pytest.param({"referral_date": "2026-04-01"}, [held("2026-04-11")], END, "non_compliant",
                 id="saturday-after-deadline"),
    # Tue 23 Dec 2025: Wed 24 (1), Mon 29 (2), Tue 30 (3), Wed 31 (4), Fri 2 Jan (5)
    pytest.param({"referral_date": "2025-12-23"}, [held("2026-01-02")], END, "compliant",
                 id="christmas-new-year-deadline-day"),
    pytest.param({"referral_date": "2025-12-23"}, [held("2026-01-05")], END, "non_compliant",
                 id="christmas-new-year-day-after"),
    # referral on Sat 2 May; Mon 4 May is a bank holiday: Tue 5 (1) .. Mon 11 (5)
    pytest.param({"referral_date": "2026-05-02"}, [held("2026-05-11")], END, "compliant",
                 id="saturday-referral-early-may-deadline"),
    pytest.param({"referral_date": "2026-05-02"}, [held("2026-05-12")], END, "non_compliant",
                 id="saturday-referral-early-may-late"),
    # a meeting on the referral day itself is within the window (a <= e)
    pytest.param({"referral_date": "2026-03-06"}, [held("2026-03-06")], END, "compliant",
                 id="meeting-on-referral-day"),
    # a meeting before the referral is not the event; deadline Fri 13 Mar passed
    pytest.param({"referral_date": "2026-03-06"}, [held("2026-03-05")], END, "non_compliant",
                 id="meeting-before-referral-not-counted"),
    # cancelled meetings are not held meetings: the first held one is late
    pytest.param({"referral_date": "2026-03-06"},
                 [held("2026-03-09", status="cancelled"), held("2026-03-16")], END,
                 "non_compliant", id="cancelled-meeting-ignored"),
    # the first held meeting of any level or type counts
    pytest.param({"referral_date": "2026-03-06"},
                 [held("2026-03-10", level=2, meeting_type="urgent")], END, "compliant",
                 id="any-level-any-type"),
    # the first of several meetings is the event (rows out of date order)
    pytest.param({"referral_date": "2026-03-06"}, [held("2026-03-20"), held("2026-03-10")],
                 END, "compliant", id="first-of-several"),
    # a meeting of another case is not this case's event
    pytest.param({"referral_date": "2026-03-06"}, [held("2026-03-09", case_id="C2")], END,
                 "non_compliant", id="other-case-meeting"),
    # no meeting, deadline Fri 10 Apr == as_at: non_compliant
    pytest.param({"referral_date": "2026-04-01"}, [], "2026-04-10", "non_compliant",
                 id="no-meeting-deadline-equals-as-at"),
    # no meeting, deadline Fri 10 Apr > as_at: pending
    pytest.param({"referral_date": "2026-04-01"}, [], "2026-04-09", "pending",
                 id="no-meeting-deadline-after-as-at"),
    # a meeting dated after as_at has not happened yet: pending
    pytest.param({"referral_date": "2026-04-01"}, [held("2026-04-10")], "2026-04-09",
                 "pending", id="meeting-after-as-at-ignored"),
    # first day of the period is in it: Wed 1 Oct 2025 -> deadline Wed 8 Oct
    pytest.param({"referral_date": "2025-10-01"}, [held("2025-10-08")], END, "compliant",
                 id="referral-on-period-start"),
    # selection: only accepted Level 3 referrals dated in the period are items
    pytest.param({"referral_date": "2025-09-30"}, [held("2025-10-01")], END, None,
                 id="referral-before-period"),
    pytest.param({"referral_date": "2026-07-01"}, [], END, None,
                 id="referral-after-period"),
    pytest.param({"referral_date": "2026-04-01", "decision": "rejected"}, [], END, None,
                 id="rejected"),
    pytest.param({"referral_date": "2026-04-01", "decision": "pending"}, [], END, None,
                 id="decision-pending"),
    # accepted, but decided after as_at: undecided, so not accepted
    pytest.param({"referral_date": "2026-04-01", "decision_date": "2026-04-15"}, [],
                 "2026-04-14", None, id="decided-after-as-at"),
    # decided on as_at itself: accepted
    pytest.param({"referral_date": "2026-04-01", "decision_date": "2026-04-14"}, [],
                 "2026-04-14", "non_compliant", id="decided-on-as-at"),
    # no decision date: accepted
    pytest.param({"referral_date": "2026-04-01", "decision_date": None},
                 [held("2026-04-02")], END, "compliant", id="no-decision-date"),
    # a Level 2 referral is not a TML-01 item
    pytest.param({"referral_date": "2026-04-01", "requested_level": 2}, [held("2026-04-02")],
                 END, None, id="level-2-referral"),
]


def level3_referral(fields: dict[str, object], meetings: list, end: str) -> Scenario:
    return scenario(
        START, end,
        cases=[{"case_id": "C1"}, {"case_id": "C2"}],
        referrals=[{"referral_id": "R1", "requested_level": 3, **fields}],
        meetings=meetings,
    )


@pytest.mark.parametrize(("case", "expected"), as_scenarios(TML01, level3_referral))
def test_tml01_first_meeting_within_5_working_days(batch, case, expected):
    assert batch(case).outcomes("TML-01") == ({} if expected is None else {"R1": expected})


TML02 = [
    # Mon 23 Mar 2026 + 20 working days, Good Friday and Easter Monday skipped: Wed 22 Apr
    pytest.param("2026-03-23", ["2026-04-22"], END, "compliant", id="easter-deadline-day"),
    pytest.param("2026-03-23", ["2026-04-23"], END, "non_compliant", id="easter-day-after"),
    # Mon 15 Dec 2025 + 20, skipping 25/26 Dec and 1 Jan: Thu 15 Jan 2026
    pytest.param("2025-12-15", ["2026-01-15"], END, "compliant", id="christmas-deadline-day"),
    pytest.param("2025-12-15", ["2026-01-16"], END, "non_compliant", id="christmas-day-after"),
    # no meeting: pending while the deadline (22 Apr) is after as_at, late once it is not
    pytest.param("2026-03-23", [], "2026-04-21", "pending", id="no-meeting-before-deadline"),
    pytest.param("2026-03-23", [], "2026-04-22", "non_compliant", id="no-meeting-on-deadline"),
]


def level2_referral(referral_date: str, meeting_dates: list[str], end: str) -> Scenario:
    return scenario(
        START, end,
        referrals=[{"referral_id": "R1", "requested_level": 2, "referral_date": referral_date}],
        meetings=[held(date) for date in meeting_dates],
    )


@pytest.mark.parametrize(("case", "expected"), as_scenarios(TML02, level2_referral))
def test_tml02_first_meeting_within_20_working_days(batch, case, expected):
    items = batch(case)
    assert items.outcomes("TML-02") == {"R1": expected}
    assert items.outcomes("TML-01") == {}


def test_tml01_tml02_not_assessable_without_referrals_table(run):
    # referrals is optional: the rules needing it report status not_assessable as a whole
    result = run(START, END, meetings=[held("2026-03-10")])
    for rule_id in ("TML-01", "TML-02"):
        assert result.table_missing(rule_id) == missing("referrals")
        assert result.outcomes(rule_id) == {}
    assert result.headline("TML-03")["status"] == "assessed"


# ---------------------------------------------------------------------------------------------
# TML-03: minutes within 10 working days of the meeting

TML03 = [
    # Thu 26 Mar 2026 + 10 working days over Easter: Mon 13 Apr
    pytest.param({"minutes_distributed_date": "2026-04-13"}, END, "compliant",
                 id="easter-deadline-day"),
    pytest.param({"minutes_distributed_date": "2026-04-14"}, END, "non_compliant",
                 id="easter-day-after"),
    # a Saturday before the deadline is still in time
    pytest.param({"minutes_distributed_date": "2026-04-11"}, END, "compliant",
                 id="saturday-before-deadline"),
    # minutes on the meeting day
    pytest.param({"minutes_distributed_date": "2026-03-26"}, END, "compliant",
                 id="same-day"),
    # minutes dated before the meeting: non_compliant (and DQ-03)
    pytest.param({"minutes_distributed_date": "2026-03-25"}, END, "non_compliant",
                 id="before-meeting"),
    # empty, deadline == as_at: non_compliant
    pytest.param({}, "2026-04-13", "non_compliant", id="empty-deadline-equals-as-at"),
    # empty, deadline > as_at: pending
    pytest.param({}, "2026-04-12", "pending", id="empty-deadline-after-as-at"),
    # minutes dated after as_at count as empty: pending while the deadline is to come
    pytest.param({"minutes_distributed_date": "2026-04-10"}, "2026-04-09", "pending",
                 id="minutes-after-as-at-pending"),
    # ... and non_compliant once the deadline has passed
    pytest.param({"minutes_distributed_date": "2026-04-14"}, "2026-04-13", "non_compliant",
                 id="minutes-after-as-at-deadline-passed"),
    # a meeting on as_at itself is held; its deadline is still to come
    pytest.param({}, "2026-03-26", "pending", id="meeting-on-as-at"),
    # cancelled meetings are not items
    pytest.param({"status": "cancelled", "minutes_distributed_date": "2026-03-27"}, END, None,
                 id="cancelled"),
]


def minutes_of_26_march(meeting: dict[str, object], end: str) -> Scenario:
    return scenario(
        START, end, meetings=[{"meeting_id": "M1", "meeting_date": "2026-03-26", **meeting}]
    )


@pytest.mark.parametrize(("case", "expected"), as_scenarios(TML03, minutes_of_26_march))
def test_tml03_minutes_within_10_working_days(batch, case, expected):
    assert batch(case).outcomes("TML-03") == ({} if expected is None else {"M1": expected})


TML03_CHRISTMAS = [
    # Fri 12 Dec 2025 + 10 working days, skipping 25/26 Dec: Tue 30 Dec
    pytest.param("2025-12-12", "2025-12-30", "compliant", id="christmas-deadline-day"),
    pytest.param("2025-12-12", "2025-12-31", "non_compliant", id="christmas-day-after"),
    # meetings outside the period are not items
    pytest.param("2025-09-30", "2025-10-01", None, id="meeting-before-period"),
    pytest.param("2026-07-01", "2026-07-01", None, id="meeting-after-period"),
]


def minutes_of(meeting_date: str, minutes: str) -> Scenario:
    return scenario(START, END, meetings=[
        {"meeting_id": "M1", "meeting_date": meeting_date, "minutes_distributed_date": minutes}
    ])


@pytest.mark.parametrize(("case", "expected"), as_scenarios(TML03_CHRISTMAS, minutes_of))
def test_tml03_christmas_and_period_edges(batch, case, expected):
    assert batch(case).outcomes("TML-03") == ({} if expected is None else {"M1": expected})


# ---------------------------------------------------------------------------------------------
# TML-04: ViSOR record within 3 calendar days (categories 1 and 4)

TML04 = [
    # eligible Sun 1 Mar 2026: calendar days, so the deadline is Wed 4 Mar
    pytest.param({"category": 1, "visor_created_date": "2026-03-04"}, END, "compliant",
                 id="deadline-day"),
    pytest.param({"category": 1, "visor_created_date": "2026-03-05"}, END, "non_compliant",
                 id="day-after"),
    # a record created before eligibility already existed
    pytest.param({"category": 1, "visor_created_date": "2025-12-01"}, END, "compliant",
                 id="visor-before-eligible"),
    pytest.param({"category": 4, "visor_created_date": "2026-03-04"}, END, "compliant",
                 id="category-4"),
    pytest.param({"category": 4, "visor_created_date": None}, END, "non_compliant",
                 id="category-4-empty"),
    # categories 2 and 3 are not items
    pytest.param({"category": 2, "visor_created_date": None}, END, None, id="category-2"),
    pytest.param({"category": 3, "visor_created_date": None}, END, None, id="category-3"),
    # empty: non_compliant once eligible + 3 days <= as_at, else pending
    pytest.param({"category": 1}, "2026-03-04", "non_compliant", id="empty-deadline-is-as-at"),
    pytest.param({"category": 1}, "2026-03-03", "pending", id="empty-deadline-after-as-at"),
    # a record dated after as_at counts as empty
    pytest.param({"category": 1, "visor_created_date": "2026-03-04"}, "2026-03-03", "pending",
                 id="visor-after-as-at-pending"),
    pytest.param({"category": 1, "visor_created_date": "2026-03-05"}, "2026-03-04",
                 "non_compliant", id="visor-after-as-at-deadline-passed"),
    # eligible before the period, or after as_at (case ignored): not items
    pytest.param({"category": 1, "eligible_date": "2025-12-31"}, END, None,
                 id="eligible-before-period"),
    pytest.param({"category": 1, "eligible_date": "2026-07-01"}, END, None,
                 id="eligible-after-as-at"),
]


def eligible_1_march(case: dict[str, object], end: str) -> Scenario:
    return scenario("2026-01-01", end, cases=[{"eligible_date": "2026-03-01", **case}])


@pytest.mark.parametrize(("case", "expected"), as_scenarios(TML04, eligible_1_march))
def test_tml04_visor_within_3_calendar_days(batch, case, expected):
    assert batch(case).outcomes("TML-04") == ({} if expected is None else {"C1": expected})


# ---------------------------------------------------------------------------------------------
# TML-05: level set at least 6 months before release

TML05 = [
    # release Mon 31 Aug 2026 - 6 months clamps to 28 Feb 2026
    pytest.param({"level_set_date": "2026-02-28"}, "compliant", id="clamped-required-date"),
    pytest.param({"level_set_date": "2026-03-01"}, "non_compliant", id="day-after-required"),
    pytest.param({"level_set_date": None}, "non_compliant", id="empty"),
    # eligible after the required date: required = the release date itself
    pytest.param({"eligible_date": "2026-05-01", "level_set_date": "2026-08-31"}, "compliant",
                 id="late-eligible-release-day"),
    pytest.param({"eligible_date": "2026-05-01", "level_set_date": "2026-09-01"},
                 "non_compliant", id="late-eligible-after-release"),
    # eligible one day after the required date: the release date counts
    pytest.param({"eligible_date": "2026-03-01", "level_set_date": "2026-08-01"}, "compliant",
                 id="eligible-day-after-required"),
    # eligible exactly on the required date is not "after" it
    pytest.param({"eligible_date": "2026-02-28", "level_set_date": "2026-03-01"},
                 "non_compliant", id="eligible-on-required-date"),
    pytest.param({"eligible_date": "2026-02-28", "level_set_date": "2026-02-28"}, "compliant",
                 id="eligible-and-set-on-required-date"),
    # a level set date after as_at counts as empty: non_compliant (TML-05 has no pending)
    pytest.param({"eligible_date": "2026-05-01", "level_set_date": "2026-10-01"},
                 "non_compliant", id="level-set-after-as-at"),
    # releases outside the period are not items
    pytest.param({"custody_release_date": "2026-06-30", "level_set_date": None}, None,
                 id="release-before-period"),
    pytest.param({"custody_release_date": "2026-10-01", "level_set_date": None}, None,
                 id="release-after-period"),
    # release on the last day of the period: required 30 Mar 2026
    pytest.param({"custody_release_date": "2026-09-30", "level_set_date": "2026-03-30"},
                 "compliant", id="release-on-period-end"),
    # a case eligible after as_at is ignored entirely
    pytest.param({"eligible_date": "2026-10-01", "level_set_date": None}, None,
                 id="eligible-after-as-at"),
]


def released_31_august(case: dict[str, object]) -> Scenario:
    return scenario(
        "2026-07-01", "2026-09-30",
        cases=[{"eligible_date": "2025-01-01", "custody_release_date": "2026-08-31", **case}],
    )


@pytest.mark.parametrize(("case", "expected"), as_scenarios(TML05, released_31_august))
def test_tml05_level_set_6_months_before_release(batch, case, expected):
    assert batch(case).outcomes("TML-05") == ({} if expected is None else {"C1": expected})


# ---------------------------------------------------------------------------------------------
# Local closure days and cases eligible after as_at

CLOSURES = [
    # no closure: Wed 1 Apr + 5 working days = Fri 10 Apr, so Mon 13 Apr is late
    pytest.param([], "non_compliant", id="no-closure"),
    # a closure on Wed 8 Apr pushes the deadline to Mon 13 Apr
    pytest.param(["2026-04-08"], "compliant", id="weekday-closure"),
    # a closure on a Saturday changes nothing
    pytest.param(["2026-04-04"], "non_compliant", id="weekend-closure"),
]


@pytest.mark.parametrize(("closures", "expected"), CLOSURES)
def test_tml01_policy_closure_days_are_not_working_days(run, tmp_path, closures, expected):
    policy = tmp_path / "board.toml"
    days = ", ".join(f'"{day}"' for day in closures)
    policy.write_text(f'name = "Board"\nclosure_days = [{days}]\n', encoding="utf-8")
    result = run(
        START, END, policy=policy,
        referrals=[{"referral_id": "R1", "requested_level": 3, "referral_date": "2026-04-01"}],
        meetings=[held("2026-04-13")],
    )
    assert result.outcomes("TML-01") == {"R1": expected}


ELIGIBLE_LATER = scenario(
    START, END,
    # dirty data: a meeting and a referral dated before the case became eligible, which is
    # after as_at; the case is ignored entirely, with its rows
    cases=[{"case_id": "C1", "eligible_date": "2026-07-01", "category": 1}],
    referrals=[{"referral_id": "R1", "requested_level": 3, "referral_date": "2026-04-01"}],
    meetings=[held("2026-04-02", meeting_id="M1")],
)


def test_case_eligible_after_as_at_is_ignored_entirely(batch):
    items = batch(ELIGIBLE_LATER)
    for rule_id in ("TML-01", "TML-03", "TML-04", "REV-01"):
        assert items.outcomes(rule_id) == {}, rule_id


# ---------------------------------------------------------------------------------------------
# Every day of a year against a brute-force reading of the spec's definitions

BANK_HOLIDAYS = holidays.country_holidays("GB", subdiv="ENG", years=range(2025, 2028))


def working_day_deadline(start: dt.date, n: int) -> dt.date:
    """The n-th working day strictly after ``start`` (audit-rules.md, "Working days")."""
    day, counted = start, 0
    while counted < n:
        day += dt.timedelta(days=1)
        if day.weekday() < 5 and day not in BANK_HOLIDAYS:
            counted += 1
    return day


def months_before(day: dt.date, months: int) -> dt.date:
    """Calendar month arithmetic clamping to the month's last day."""
    index = day.year * 12 + day.month - 1 - months
    year, month = divmod(index, 12)
    last = calendar.monthrange(year, month + 1)[1]
    return dt.date(year, month + 1, min(day.day, last))


# Dec 2025 to Jan 2027: includes Christmas 2026, when Boxing Day is a Saturday and Monday 28
# December is the substitute bank holiday
EVERY_DAY = [dt.date(2025, 12, 1) + dt.timedelta(days=n) for n in range(410)]


def minutes_on_every_day() -> Scenario:
    meetings = []
    for day in EVERY_DAY:
        deadline = working_day_deadline(day, 10)
        meetings.append({"meeting_id": f"{day}/on", "meeting_date": day.isoformat(),
                         "minutes_distributed_date": deadline.isoformat()})
        meetings.append({"meeting_id": f"{day}/after", "meeting_date": day.isoformat(),
                         "minutes_distributed_date": (deadline + dt.timedelta(1)).isoformat()})
    return scenario("2025-12-01", "2027-03-31", meetings=meetings)


EVERY_MEETING_DAY = minutes_on_every_day()


def test_tml03_deadline_on_every_day_of_a_year(batch):
    outcomes = batch(EVERY_MEETING_DAY).outcomes("TML-03")
    assert len(outcomes) == 2 * len(EVERY_DAY)
    wrong = {item: outcome for item, outcome in outcomes.items()
             if outcome != ("compliant" if item.endswith("/on") else "non_compliant")}
    assert wrong == {}


def releases_on_every_day() -> Scenario:
    cases = []
    for day in EVERY_DAY:
        required = months_before(day, 6)
        for suffix, level_set in (("on", required), ("after", required + dt.timedelta(1))):
            cases.append({"case_id": f"{day}/{suffix}", "eligible_date": "2020-01-01",
                          "custody_release_date": day.isoformat(),
                          "level_set_date": level_set.isoformat()})
    return scenario("2025-12-01", "2027-03-31", cases=cases)


EVERY_RELEASE_DAY = releases_on_every_day()


def test_tml05_six_months_on_every_day_of_a_year(batch):
    outcomes = batch(EVERY_RELEASE_DAY).outcomes("TML-05")
    assert len(outcomes) == 2 * len(EVERY_DAY)
    wrong = {item: outcome for item, outcome in outcomes.items()
             if outcome != ("compliant" if item.endswith("/on") else "non_compliant")}
    assert wrong == {}
