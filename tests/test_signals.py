"""The watch list: each signal on hand-made cases, and its thresholds from the policy."""

from __future__ import annotations

from pathlib import Path

import pytest

import mappa_audit as ma
from mappa_audit import _views as views
from mappa_audit._render import render
from mappa_audit._signals import signal_counts, watch_list

from _support import write_dataset

PERIOD = ("2025-04-01", "2026-03-31")  # as at 31 March 2026


def case(case_id: str, **values: str) -> dict[str, str]:
    row = {"case_id": case_id, "area": "Eastvale", "lau": "Eastvale North", "category": "2",
           "lead_agency": "probation", "eligible_date": "2024-01-01",
           "custody_release_date": "", "end_date": ""}
    return row | values


def level(case_id: str, level_: int, start: str, end: str = "") -> dict[str, str]:
    return {"case_id": case_id, "level": str(level_), "start_date": start, "end_date": end}


def meeting(meeting_id: str, case_id: str, day: str, level_: int = 2) -> dict[str, str]:
    return {"meeting_id": meeting_id, "case_id": case_id, "meeting_date": day,
            "level": str(level_), "meeting_type": "review", "status": "held"}


@pytest.fixture
def signals_dataset(tmp_path: Path) -> Path:
    return write_dataset(tmp_path / "signals", {
        "cases": [
            # SIG-01: released 1 June 2025, stepped down from Level 2 on 1 August (61 days)
            case("STEP", custody_release_date="2025-06-01"),
            # not SIG-01: stepped down 20 weeks after release (limit 12)
            case("LATE-STEP", custody_release_date="2025-01-01"),
            # SIG-02: Level 1 since 2024, last review 1 March 2025 (over 12 months by 31 Mar)
            case("L1-OLD"),
            # not SIG-02: reviewed 1 April 2025, inside the year
            case("L1-OK"),
            # SIG-03: Level 3 (gap 8 weeks, so 16 weeks allowed), last meeting 1 Nov 2025
            case("L3-QUIET"),
            # not SIG-03: Level 2 (32 weeks allowed), last meeting 1 Nov 2025
            case("L2-OK"),
            # SIG-04: open, its only level period ended
            case("NO-LEVEL"),
            # closed cases raise no signal
            case("CLOSED", end_date="2025-01-01"),
        ],
        "levels": [
            level("STEP", 2, "2024-01-01", "2025-08-01"), level("STEP", 1, "2025-08-01"),
            level("LATE-STEP", 2, "2024-01-01", "2025-05-21"), level("LATE-STEP", 1, "2025-05-21"),
            level("L1-OLD", 1, "2024-01-01"),
            level("L1-OK", 1, "2024-01-01"),
            level("L3-QUIET", 3, "2024-01-01"),
            level("L2-OK", 2, "2024-01-01"),
            level("NO-LEVEL", 2, "2024-01-01", "2025-06-01"),
            level("CLOSED", 1, "2024-01-01", "2025-01-01"),
        ],
        "meetings": [
            meeting("M1", "L3-QUIET", "2025-11-01", 3),
            meeting("M2", "L2-OK", "2025-11-01", 2),
            meeting("M3", "STEP", "2025-06-10", 2),
        ],
        "level1_reviews": [
            {"review_id": "V1", "case_id": "L1-OLD", "review_date": "2025-03-01"},
            {"review_id": "V2", "case_id": "L1-OK", "review_date": "2025-04-01"},
            {"review_id": "V3", "case_id": "STEP", "review_date": "2025-09-01"},
            {"review_id": "V4", "case_id": "LATE-STEP", "review_date": "2025-09-01"},
        ],
    })


def test_each_signal_picks_out_its_case(signals_dataset: Path) -> None:
    watch = watch_list(ma.audit(signals_dataset, *PERIOD))
    found = sorted(zip(watch["signal_id"], watch["case_id"], strict=True))
    assert found == [("SIG-01", "STEP"), ("SIG-02", "L1-OLD"), ("SIG-03", "L3-QUIET"),
                     ("SIG-04", "NO-LEVEL")]
    step = watch.filter(watch["signal_id"] == "SIG-01").row(0, named=True)
    assert step["detail"] == "Level 2 to 1, 61 days after release on 2025-06-01"


def test_thresholds_come_from_the_policy(signals_dataset: Path, tmp_path: Path) -> None:
    policy = tmp_path / "policy.toml"
    policy.write_text("[signals]\nstep_down_within_weeks = 21\nlevel1_no_review_months = 13\n"
                      "level23_gap_multiple = 3\n")
    watch = watch_list(ma.audit(signals_dataset, *PERIOD, policy=policy))
    found = sorted(zip(watch["signal_id"], watch["case_id"], strict=True))
    # 21 weeks catches the later step-down too; 13 months and 3 gaps let the others go
    assert found == [("SIG-01", "LATE-STEP"), ("SIG-01", "STEP"), ("SIG-04", "NO-LEVEL")]


def test_counts_list_every_signal_and_reach_the_results(signals_dataset: Path) -> None:
    result = ma.audit(signals_dataset, *PERIOD)
    assert signal_counts(watch_list(result)) == ma.results_document(result)["signals"]
    assert [s["cases"] for s in ma.results_document(result)["signals"]] == [1, 1, 1, 1]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[signals]\nstep_down_within_weeks = 0\n", "from 1 to 120"),
        ("[signals]\nsoon = 3\n", "unknown signal setting 'soon'"),
        ("signals = 3\n", "[signals] must be a table"),
    ],
)
def test_bad_signal_settings_are_policy_errors(tmp_path: Path, text: str, message: str) -> None:
    policy = tmp_path / "policy.toml"
    policy.write_text(text)
    with pytest.raises(ma.PolicyError, match=message.replace("[", r"\[")):
        ma.load_policy(policy)


def test_change_since_the_last_run_is_shown_per_signal(signals_dataset: Path) -> None:
    now = ma.AuditReport.from_result(ma.audit(signals_dataset, *PERIOD), "auditor")
    before = ma.AuditReport.from_result(
        ma.audit(signals_dataset, "2024-04-01", "2025-03-31"), "auditor")
    html = render("signals.html.j2", view=views.signals(now, before))
    assert "Since the last run" in html
    assert "▲ 1 more" in html  # SIG-01: no step-down a year earlier, one now
    # the board sees no change when either count is too small to show
    board = ma.AuditReport.from_result(ma.audit(signals_dataset, *PERIOD), "board")
    assert "change not shown" in render("signals.html.j2", view=views.signals(board, before))
