"""DIS-01..05, hand-worked from audit-rules.md ("Disclosure rules")."""

from __future__ import annotations

import pytest
from _datasets import Scenario, as_scenarios, missing, scenario

START, END = "2026-01-01", "2026-03-31"

NC, OK = "non_compliant", "compliant"


# ---------------------------------------------------------------------------------------------
# DIS-01: considered (flag true) and at least one decision recorded for the meeting


def decided(**fields: object) -> dict[str, object]:
    return {"meeting_id": "M1", "decision_date": "2026-02-10", "decision": "do_not_disclose",
            "rationale": "assessed", **fields}


DIS01 = [
    # any decision word counts, "do not disclose" included
    pytest.param({"disclosure_considered": "true"}, [decided()], END, OK,
                 id="considered-and-decided"),
    # bool words of the contract: yes means true
    pytest.param({"disclosure_considered": "yes"}, [decided()], END, OK, id="flag-yes"),
    pytest.param({"disclosure_considered": "true"}, [decided(decision="deferred")], END, OK,
                 id="deferred-decision"),
    # the decision's date is only tested against as_at, not against the meeting date
    pytest.param({"disclosure_considered": "true"}, [decided(decision_date="2026-02-01")], END,
                 OK, id="decision-dated-before-meeting"),
    pytest.param({"disclosure_considered": "true"}, [], END, NC, id="considered-no-decision"),
    pytest.param({"disclosure_considered": "false"}, [decided()], END, NC,
                 id="flag-false-with-decision"),
    # an empty flag is "not recorded": non_compliant
    pytest.param({"disclosure_considered": None}, [decided()], END, NC,
                 id="flag-empty-with-decision"),
    # a decision dated after as_at does not exist yet
    pytest.param({"disclosure_considered": "true"}, [decided(decision_date="2026-04-02")], END,
                 NC, id="decision-after-as-at"),
    # a decision taken outside a meeting is not this meeting's
    pytest.param({"disclosure_considered": "true"}, [decided(meeting_id=None)], END, NC,
                 id="decision-outside-meeting"),
    # not items
    pytest.param({"disclosure_considered": "true", "status": "cancelled"}, [decided()], END,
                 None, id="cancelled-meeting"),
    pytest.param({"disclosure_considered": "true", "meeting_date": "2025-12-31"},
                 [decided(decision_date="2025-12-31")], END, None,
                 id="meeting-before-period"),
]


def meeting_with_decisions(meeting: dict[str, object], disclosures: list, end: str) -> Scenario:
    return scenario(
        START, end,
        meetings=[{"meeting_id": "M1", "meeting_date": "2026-02-10", **meeting}],
        disclosures=disclosures,
    )


@pytest.mark.parametrize(("case", "expected"), as_scenarios(DIS01, meeting_with_decisions))
def test_dis01_disclosure_considered(batch, case, expected):
    assert batch(case).outcomes("DIS-01") == ({} if expected is None else {"M1": expected})


# ---------------------------------------------------------------------------------------------
# DIS-02 .. DIS-05: one decision row each

PLAN = {
    "decision": "disclose", "decision_date": "2026-02-10", "rationale": "risk to partner",
    "recipient_type": "partner", "discloser_agency": "police", "method": "in_person",
    "planned_date": "2026-03-01", "disclosed_date": "2026-03-01", "offender_informed": "yes",
}

DIS02 = [
    pytest.param({}, END, OK, id="rationale-recorded"),
    pytest.param({"rationale": None}, END, NC, id="rationale-empty"),
    # whitespace only is not recorded text
    pytest.param({"rationale": "   "}, END, NC, id="rationale-whitespace"),
    # every decision needs one, not only decisions to disclose
    pytest.param({"decision": "do_not_disclose", "rationale": None}, END, NC,
                 id="do-not-disclose-no-rationale"),
    pytest.param({"decision": "deferred"}, END, OK, id="deferred-with-rationale"),
    # not items: decided outside the period
    pytest.param({"decision_date": "2025-12-31", "rationale": None}, END, None,
                 id="decided-before-period"),
    pytest.param({"decision_date": "2026-03-31", "rationale": None}, "2026-03-30", None,
                 id="decided-after-as-at"),
]

DIS03 = [
    pytest.param({}, END, OK, id="who-by-whom-how-when"),
    pytest.param({"recipient_type": None}, END, NC, id="no-recipient"),
    pytest.param({"discloser_agency": None}, END, NC, id="no-discloser"),
    pytest.param({"discloser_agency": "  "}, END, NC, id="whitespace-discloser"),
    pytest.param({"method": None}, END, NC, id="no-method"),
    pytest.param({"planned_date": None, "disclosed_date": None}, END, NC, id="no-planned-date"),
    # a planned date after the period is used as given
    pytest.param({"planned_date": "2026-09-01", "disclosed_date": None}, END, OK,
                 id="planned-after-period"),
    # not items: other decisions, decisions outside the period
    pytest.param({"decision": "do_not_disclose", "method": None}, END, None,
                 id="do-not-disclose"),
    pytest.param({"decision": "deferred", "method": None}, END, None, id="deferred"),
    pytest.param({"decision_date": "2025-12-31", "method": None}, END, None,
                 id="decided-before-period"),
]

DIS04 = [
    pytest.param({}, END, OK, id="disclosed-on-planned-day"),
    pytest.param({"disclosed_date": "2026-02-20"}, END, OK, id="disclosed-early"),
    pytest.param({"disclosed_date": "2026-03-02"}, END, NC, id="disclosed-day-after"),
    pytest.param({"disclosed_date": None}, END, NC, id="not-disclosed"),
    # a disclosure dated after as_at counts as empty; DIS-04 has no pending
    pytest.param({"planned_date": "2026-03-30", "disclosed_date": "2026-03-31"}, "2026-03-30",
                 NC, id="disclosed-after-as-at"),
    # decided before the period, planned in it: an item
    pytest.param({"decision_date": "2025-12-01", "planned_date": "2026-01-15",
                  "disclosed_date": "2026-01-15"}, END, OK, id="decided-before-period"),
    # not items: no planned date, planned outside the period, other decisions
    pytest.param({"planned_date": None}, END, None, id="no-planned-date"),
    pytest.param({"planned_date": "2025-12-31"}, END, None, id="planned-before-period"),
    pytest.param({"planned_date": "2026-04-01", "disclosed_date": None}, END, None,
                 id="planned-after-period"),
    pytest.param({"decision": "do_not_disclose"}, END, None, id="do-not-disclose"),
    # a decision dated after as_at is ignored, whatever its planned date
    pytest.param({"decision_date": "2026-03-20", "planned_date": "2026-03-10",
                  "disclosed_date": None}, "2026-03-15", None, id="decided-after-as-at"),
]

DIS05 = [
    pytest.param({}, END, OK, id="informed-yes"),
    # enum words in any case
    pytest.param({"offender_informed": "YES"}, END, OK, id="informed-yes-upper-case"),
    pytest.param({"offender_informed": "no", "not_informed_reason": "risk to victim"}, END, OK,
                 id="no-with-reason"),
    pytest.param({"offender_informed": "no"}, END, NC, id="no-without-reason"),
    pytest.param({"offender_informed": "no", "not_informed_reason": "   "}, END, NC,
                 id="no-with-whitespace-reason"),
    pytest.param({"offender_informed": "not_recorded"}, END, NC, id="not-recorded"),
    pytest.param({"offender_informed": None}, END, NC, id="empty"),
    # a reason without "no" does not help
    pytest.param({"offender_informed": None, "not_informed_reason": "risk"}, END, NC,
                 id="reason-without-no"),
    # not items: not disclosed in the period, other decisions
    pytest.param({"disclosed_date": None}, END, None, id="not-disclosed"),
    pytest.param({"disclosed_date": "2025-12-31", "decision_date": "2025-12-01",
                  "planned_date": "2025-12-31"}, END, None, id="disclosed-before-period"),
    # disclosed after as_at: counts as empty, so not disclosed in the period
    pytest.param({"disclosed_date": "2026-03-01"}, "2026-02-28", None,
                 id="disclosed-after-as-at"),
    pytest.param({"decision": "do_not_disclose", "offender_informed": None}, END, None,
                 id="do-not-disclose"),
]


def decision(fields: dict[str, object], end: str) -> Scenario:
    return scenario(START, end, disclosures=[{"disclosure_id": "D1", **PLAN, **fields}])


@pytest.mark.parametrize(
    ("rule_id", "case", "expected"),
    [
        pytest.param(rule_id, *row.values, id=f"{rule_id}-{row.id}")
        for rule_id, rows in (("DIS-02", DIS02), ("DIS-03", DIS03), ("DIS-04", DIS04),
                              ("DIS-05", DIS05))
        for row in as_scenarios(rows, decision)
    ],
)
def test_dis02_to_dis05_one_decision(batch, rule_id, case, expected):
    assert batch(case).outcomes(rule_id) == ({} if expected is None else {"D1": expected})


def test_disclosure_rules_not_assessable_without_table(run):
    result = run(START, END, meetings=[{"meeting_date": "2026-02-02",
                                        "disclosure_considered": "true"}])
    for rule_id in ("DIS-01", "DIS-02", "DIS-03", "DIS-04", "DIS-05"):
        assert result.table_missing(rule_id) == missing("disclosures")
