"""ACT-01..02 and ATT-01..02, hand-worked from audit-rules.md."""

from __future__ import annotations

import polars as pl
import pytest
from _datasets import Scenario, as_scenarios, missing, scenario

START, END = "2026-01-01", "2026-03-31"

NC, OK, NA = "non_compliant", "compliant", "not_assessable"


# ---------------------------------------------------------------------------------------------
# ACT-01: actions of held meetings in the period have an owner and a due date

ACT01 = [
    pytest.param({}, {"owner_agency": "police", "due_date": "2026-03-01"}, OK,
                 id="owner-and-due-date"),
    # a due date after the period is still set
    pytest.param({}, {"owner_agency": "police", "due_date": "2026-12-01"}, OK,
                 id="due-date-after-period"),
    pytest.param({}, {"owner_agency": None, "due_date": "2026-03-01"}, NC, id="no-owner"),
    # whitespace only is not recorded text
    pytest.param({}, {"owner_agency": "   ", "due_date": "2026-03-01"}, NC,
                 id="whitespace-owner"),
    pytest.param({}, {"owner_agency": "police", "due_date": None}, NC, id="no-due-date"),
    pytest.param({}, {"owner_agency": None, "due_date": None}, NC, id="nothing"),
    # meeting on the first day of the period
    pytest.param({"meeting_date": "2026-01-01"}, {"owner_agency": "probation",
                                                  "due_date": "2026-02-01"}, OK,
                 id="meeting-on-period-start"),
    # not items: cancelled meetings, meetings outside the period
    pytest.param({"status": "cancelled"}, {"owner_agency": None}, None, id="cancelled-meeting"),
    pytest.param({"meeting_date": "2025-12-31"}, {"owner_agency": None}, None,
                 id="meeting-before-period"),
    pytest.param({"meeting_date": "2026-04-01"}, {"owner_agency": None}, None,
                 id="meeting-after-period"),
]


def action_at_meeting(meeting: dict[str, object], action: dict[str, object]) -> Scenario:
    return scenario(
        START, END,
        meetings=[{"meeting_id": "M1", "meeting_date": "2026-02-02", **meeting}],
        actions=[{"action_id": "A1", "meeting_id": "M1", **action}],
    )


@pytest.mark.parametrize(("case", "expected"), as_scenarios(ACT01, action_at_meeting))
def test_act01_owner_and_due_date(batch, case, expected):
    assert batch(case).outcomes("ACT-01") == ({} if expected is None else {"A1": expected})


# ---------------------------------------------------------------------------------------------
# ACT-02: actions (of held meetings, any date) due in the period completed by the due date

ACT02 = [
    pytest.param({}, {"completed_date": "2026-03-01"}, END, OK, id="completed-on-due-day"),
    pytest.param({}, {"completed_date": "2026-03-02"}, END, NC, id="completed-day-after"),
    pytest.param({}, {"completed_date": "2026-02-15"}, END, OK, id="completed-early"),
    pytest.param({}, {"completed_date": None}, END, NC, id="still-open"),
    # completed before its meeting: still by the due date (the date order is DQ-03's)
    pytest.param({}, {"completed_date": "2026-01-05"}, END, OK, id="completed-before-meeting"),
    # a completion after as_at counts as empty
    pytest.param({}, {"completed_date": "2026-03-02"}, "2026-03-01", NC,
                 id="completed-after-as-at"),
    # the meeting may be of any date, also before the period
    pytest.param({"meeting_date": "2025-06-01"}, {"completed_date": "2026-03-01"}, END, OK,
                 id="meeting-before-period"),
    # due on the last day of the period
    pytest.param({}, {"due_date": "2026-03-31", "completed_date": None}, END, NC,
                 id="due-on-period-end"),
    # not items: no due date, due outside the period, cancelled meeting, meeting after as_at
    pytest.param({}, {"due_date": None, "completed_date": None}, END, None, id="no-due-date"),
    pytest.param({}, {"due_date": "2025-12-31"}, END, None, id="due-before-period"),
    pytest.param({}, {"due_date": "2026-04-01"}, END, None, id="due-after-period"),
    pytest.param({"status": "cancelled"}, {}, END, None, id="cancelled-meeting"),
    pytest.param({"meeting_date": "2026-03-25"}, {}, "2026-03-20", None,
                 id="meeting-after-as-at"),
]


def action_due_1_march(
    meeting: dict[str, object], action: dict[str, object], end: str
) -> Scenario:
    return scenario(
        START, end,
        meetings=[{"meeting_id": "M1", "meeting_date": "2026-02-02", **meeting}],
        actions=[{"action_id": "A1", "meeting_id": "M1", "owner_agency": "police",
                  "due_date": "2026-03-01", **action}],
    )


@pytest.mark.parametrize(("case", "expected"), as_scenarios(ACT02, action_due_1_march))
def test_act02_completed_by_due_date(batch, case, expected):
    assert batch(case).outcomes("ACT-02") == ({} if expected is None else {"A1": expected})


RAG = [
    # 19 of 20 = 0.95 meets the 0.95 target exactly
    pytest.param(19, 1, 0.95, "green", id="on-target"),
    # 18 of 20 = 0.90: below target, within the 0.10 amber margin
    pytest.param(18, 2, 0.9, "amber", id="amber"),
    # 17 of 20 = 0.85 = target - margin: still amber
    pytest.param(17, 3, 0.85, "amber", id="amber-edge"),
    pytest.param(16, 4, 0.8, "red", id="red"),
    # rates are rounded to 4 decimal places
    pytest.param(2, 1, 0.6667, "red", id="rounded-rate"),
    # no population: no rate, RAG none
    pytest.param(0, 0, None, "none", id="empty"),
]


@pytest.mark.parametrize(("complete", "incomplete", "rate", "rag"), RAG)
def test_rate_and_rag_of_the_default_policy(run, complete, incomplete, rate, rag):
    actions = [{"meeting_id": "M1", "owner_agency": "police", "due_date": "2026-03-01"}] * complete
    actions += [{"meeting_id": "M1", "owner_agency": None}] * incomplete
    result = run(
        START, END, meetings=[{"meeting_id": "M1", "meeting_date": "2026-02-02"}],
        actions=actions,
    )
    headline = result.headline("ACT-01")
    assert result.counts("ACT-01") == (complete, incomplete, 0, 0)
    assert (headline["population"], headline["rate"], headline["rag"]) == (
        complete + incomplete, rate, rag
    )


def test_board_policy_overrides_target_of_one_rule(run, tmp_path):
    # 17 of 20 = 0.85: amber by default, green against the board's 0.85 target; the other
    # fields of ACT-01 and every other rule keep the shipped defaults
    policy = tmp_path / "board.toml"
    policy.write_text('name = "Board"\n[rules."ACT-01"]\ntarget = 0.85\n', encoding="utf-8")
    actions = [{"meeting_id": "M1", "owner_agency": "police", "due_date": "2026-03-01"}] * 17
    actions += [{"meeting_id": "M1", "owner_agency": None, "due_date": "2026-03-01"}] * 3
    tables = {"meetings": [{"meeting_id": "M1", "meeting_date": "2026-02-02"}],
              "actions": actions}
    assert run(START, END, **tables).headline("ACT-01")["rag"] == "amber"
    result = run(START, END, policy=policy, **tables)
    assert result.headline("ACT-01")["rag"] == "green"
    # ACT-02: all 20 due 1 Mar and open, rate 0 against the default target
    assert (result.headline("ACT-02")["target"], result.headline("ACT-02")["rag"]) == (
        0.95, "red"
    )


def test_breakdown_by_item_date(run):
    # ACT-01 items are dated by their meeting (Q4 2025, Level 2 then); ACT-02 items by their
    # due date (Q1 2026, when the case is at Level 1)
    result = run(
        "2025-10-01", "2026-03-31",
        cases=[{"case_id": "C1", "category": 3, "area": "Northmoor", "lau": "Riverside"}],
        levels=[{"level": 2, "start_date": "2020-01-01", "end_date": "2026-01-01"},
                {"level": 1, "start_date": "2026-01-01"}],
        meetings=[{"meeting_id": "M1", "meeting_date": "2025-12-15"}],
        actions=[{"action_id": "A1", "meeting_id": "M1", "owner_agency": "police",
                  "due_date": "2026-01-10", "completed_date": "2026-01-09"}],
    )
    for rule_id, quarter, level in (("ACT-01", "2025-Q4", "2"), ("ACT-02", "2026-Q1", "1")):
        for dimension, value in (("quarter", quarter), ("level", level), ("area", "Northmoor"),
                                 ("lau", "Riverside"), ("category", "3")):
            rows = result.result.breakdown(dimension).filter(
                pl.col("rule_id") == rule_id
            )
            assert rows.select("value", "compliant", "population").rows() == [(value, 1, 1)], (
                rule_id, dimension
            )


def test_actions_not_assessable_without_table(run):
    result = run(START, END, meetings=[{"meeting_date": "2026-02-02"}])
    for rule_id in ("ACT-01", "ACT-02"):
        assert result.table_missing(rule_id) == missing("actions")


# ---------------------------------------------------------------------------------------------
# ATT-01: police and probation attend, and prison when the case is in custody


def came(agency: str, attended: bool = True, invited: bool = True) -> dict[str, object]:
    return {"meeting_id": "M1", "agency": agency, "invited": invited, "attended": attended}


BOTH = [came("police"), came("probation")]

ATT01 = [
    pytest.param({}, BOTH, {}, OK, id="police-and-probation"),
    pytest.param({}, [came("police"), came("probation", attended=False)], {}, NC,
                 id="probation-invited-absent"),
    pytest.param({}, [came("police")], {}, NC, id="probation-no-row"),
    pytest.param({}, [came("probation")], {}, NC, id="police-no-row"),
    # no attendance rows at all: not assessable
    pytest.param({}, [], {}, NA, id="no-rows"),
    # rows exist, but only for another agency: the core agencies are absent
    pytest.param({}, [came("housing")], {}, NC, id="only-other-agency-rows"),
    # several rows for one agency: attended if any says so
    pytest.param({}, [came("police", attended=False), came("police"), came("probation")], {},
                 OK, id="several-rows-any-attended"),
    # attended without an invitation still attended
    pytest.param({}, [came("police", invited=False), came("probation")], {}, OK,
                 id="attended-uninvited"),
    # in custody on the meeting date (release after it): prison required
    pytest.param({"custody_release_date": "2026-03-01"}, BOTH, {}, NC,
                 id="custody-prison-missing"),
    pytest.param({"custody_release_date": "2026-03-01"}, [*BOTH, came("prison")], {}, OK,
                 id="custody-prison-attended"),
    pytest.param({"custody_release_date": "2026-03-01"},
                 [*BOTH, came("prison", attended=False)], {}, NC,
                 id="custody-prison-invited-absent"),
    # a planned release after as_at is used as given: still in custody
    pytest.param({"custody_release_date": "2026-09-01"}, BOTH, {}, NC,
                 id="planned-release-after-as-at"),
    # released on the meeting day: not in custody (release must be after the meeting)
    pytest.param({"custody_release_date": "2026-02-10"}, BOTH, {}, OK,
                 id="released-on-meeting-day"),
    pytest.param({"custody_release_date": "2026-01-15"}, BOTH, {}, OK,
                 id="released-before-meeting"),
    # not items
    pytest.param({}, BOTH, {"status": "cancelled"}, None, id="cancelled-meeting"),
    pytest.param({}, BOTH, {"meeting_date": "2025-12-31"}, None, id="meeting-before-period"),
]


def meeting_10_february(
    case: dict[str, object], attendance: list, meeting: dict[str, object]
) -> Scenario:
    return scenario(
        START, END,
        cases=[{"case_id": "C1", **case}],
        meetings=[{"meeting_id": "M1", "meeting_date": "2026-02-10", **meeting}],
        attendance=attendance,
    )


@pytest.mark.parametrize(("case", "expected"), as_scenarios(ATT01, meeting_10_february))
def test_att01_core_authority_attendance(batch, case, expected):
    assert batch(case).outcomes("ATT-01") == ({} if expected is None else {"M1": expected})


ATT01_OTHER_MEETING = scenario(
    START, END,
    meetings=[{"meeting_id": "M1", "meeting_date": "2026-02-10"},
              {"meeting_id": "M2", "meeting_date": "2026-02-11"}],
    attendance=[{**row, "meeting_id": "M2"} for row in BOTH],
)


def test_att01_reason_when_nothing_recorded(batch):
    # the rows of another meeting do not count for M1
    items = batch(ATT01_OTHER_MEETING)
    assert items.outcomes("ATT-01") == {"M1": NA, "M2": OK}
    assert items.reasons("ATT-01")["M1"] == "no attendance recorded"


def test_att_not_assessable_without_table(run):
    result = run(START, END, meetings=[{"meeting_date": "2026-02-02"}])
    for rule_id in ("ATT-01", "ATT-02"):
        assert result.table_missing(rule_id) == missing("attendance")


# ---------------------------------------------------------------------------------------------
# ATT-02: invited duty-to-co-operate agencies attend, one item per (meeting, agency)

ATT02 = [
    pytest.param([came("housing")], {}, [OK], id="invited-attended"),
    pytest.param([came("health", attended=False)], {}, [NC], id="invited-absent"),
    # not invited: not an item, whether or not it came
    pytest.param([came("education", attended=True, invited=False)], {}, [],
                 id="not-invited-attended"),
    pytest.param([came("education", attended=False, invited=False)], {}, [],
                 id="not-invited-absent"),
    # police, probation and prison are ATT-01's
    pytest.param([came("police", attended=False), came("probation", attended=False),
                  came("prison", attended=False)], {}, [], id="responsible-authorities"),
    # several rows of one agency are one pair: invited if any, attended if any
    pytest.param([came("housing", attended=False), came("housing", invited=False)], {}, [OK],
                 id="two-rows-one-pair-attended"),
    pytest.param([came("housing", attended=False), came("housing", attended=False)], {}, [NC],
                 id="two-rows-one-pair-absent"),
    pytest.param([came("housing"), came("health", attended=False), came("jobcentre")], {},
                 [OK, OK, NC], id="three-agencies"),
    # not items: cancelled meeting, meeting outside the period
    pytest.param([came("housing")], {"status": "cancelled"}, [], id="cancelled-meeting"),
    pytest.param([came("housing")], {"meeting_date": "2026-04-01"}, [],
                 id="meeting-after-period"),
]


def partners_at_meeting(attendance: list, meeting: dict[str, object]) -> Scenario:
    return scenario(
        START, END,
        meetings=[{"meeting_id": "M1", "meeting_date": "2026-02-10", **meeting}],
        attendance=attendance,
    )


@pytest.mark.parametrize(("case", "expected"), as_scenarios(ATT02, partners_at_meeting))
def test_att02_invited_partners_attend(batch, case, expected):
    outcomes = batch(case).outcomes("ATT-02")
    assert sorted(outcomes.values()) == expected  # sorted: compliant before non_compliant
