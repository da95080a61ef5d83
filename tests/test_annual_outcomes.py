"""The annual report's outcome, equality and level-use tables on twelve hand-made cases.

The answers below were worked out by hand from the rows, before the code was written
(issue 18). Year: 2025-26 (1 April 2025 to 31 March 2026), beside 2024-25.

On 31 March 2026 eleven people are eligible (C11 ended in December 2025). Their levels then:
C01 1, C02 2 (from 10 June 2025), C03 3, C04 1 (moved from 2 on 31 March itself), C05 1,
C06 2, C07 1, C08 1, C09 2, C10 1, C12 none (no level history). At Level 2 or 3: C02, C03,
C06, C09.

Referrals made in 2025-26 and decided by 31 March (issue 18, item 3): F01 (C02, accepted),
F02 (C03, rejected), F03 (C05, rejected), F04 (C07, rejected), F05 (C09, accepted), F09 (C01,
accepted on 31 March); F06 is pending, F07 was made in 2024-25, F08 decided in April 2026
(pending on 31 March). Released from custody in the year at Level 2 or 3: C02, C03, C04, C06,
C10, C11; C04 (120 days) and C11 (92 days) stepped down to Level 1 within 6 months, C10 after
205 days. Disclosure decisions dated in the year: D1 to D5, three of them to disclose.
Local units: C01-C03 Eastvale North, C04-C06 Eastvale South, C07-C10 Northmoor Central, C11
and C12 none recorded.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path

import polars as pl
import pytest

import mappa_audit as ma
from mappa_audit._annual import (
    EVENT_TABLES,
    NOT_RECORDED,
    TABLE_TITLES,
    annual_document,
    annual_tables,
    board_document,
    published,
)
from mappa_audit._charts import ranked_figure, svg_ranked_chart
from mappa_audit._errors import ArgumentError
from mappa_audit._national import load_national
from mappa_audit._outcome_views import outcomes_theme
from mappa_audit._render import render

from _support import mappa_in_process, write_dataset

EAST, NORTH = "Eastvale", "Northmoor"


def person(case_id: str, area: str, category: str, sex: str, age: str, ethnicity: str,
           **values: str) -> dict[str, str]:
    return {"case_id": case_id, "area": area, "category": category, "lead_agency": "police",
            "eligible_date": "2024-01-01", "end_date": "", "sex": sex, "age_band": age,
            "ethnicity_group": ethnicity, "lau": "", "custody_release_date": ""} | values


def level(case_id: str, value: str, start: str, end: str = "") -> dict[str, str]:
    return {"case_id": case_id, "level": value, "start_date": start, "end_date": end}


def event(event_id: str, case_id: str, event_type: str, date: str, detail: str = "",
          level_at_event: str = "") -> dict[str, str]:
    return {"event_id": event_id, "case_id": case_id, "event_type": event_type,
            "event_date": date, "detail": detail, "level_at_event": level_at_event}


EAST_N, EAST_S, NORTH_C = "Eastvale North", "Eastvale South", "Northmoor Central"
CASES = [
    person("C01", EAST, "1", "Male", "25-34", "White", lau=EAST_N,
           custody_release_date="2025-08-01"),  # released at Level 1: not a step-down case
    person("C02", EAST, "1", "Male", "35-44", "White", lau=EAST_N,
           custody_release_date="2025-06-15"),
    person("C03", EAST, "2", "Male", "25-34", "Black", lau=EAST_N,
           custody_release_date="2025-05-01"),
    person("C04", EAST, "3", "Female", "18-24", "White", lau=EAST_S,
           custody_release_date="2025-12-01"),
    person("C05", EAST, "1", "Male", "45-54", "Asian", lau=EAST_S),
    person("C06", EAST, "2", "Male", "25-34", "White", lau=EAST_S,
           custody_release_date="2025-07-01"),
    person("C07", NORTH, "1", "Female", "35-44", "White", lau=NORTH_C),
    person("C08", NORTH, "1", "Male", "55+", "White", lau=NORTH_C),
    person("C09", NORTH, "3", "Male", "25-34", "Black", lau=NORTH_C,
           custody_release_date="2024-10-01"),  # released in 2024-25: not this year's
    # sex and ethnic group not recorded
    person("C10", NORTH, "2", "", "35-44", " ", lau=NORTH_C,
           custody_release_date="2025-04-10"),
    person("C11", NORTH, "1", "Female", "45-54", "White", end_date="2025-12-01",
           custody_release_date="2025-06-01"),
    person("C12", NORTH, "4", "Male", "25-34", "Black"),  # no level history at all
]
LEVELS = [
    level("C01", "1", "2024-01-01"),
    level("C02", "1", "2024-01-01", "2025-06-10"),
    level("C02", "2", "2025-06-10"),
    level("C03", "3", "2024-01-01"),
    level("C04", "2", "2024-01-01", "2026-03-31"),
    level("C04", "1", "2026-03-31"),
    level("C05", "1", "2024-01-01"),
    level("C06", "2", "2024-01-01"),
    level("C07", "1", "2024-01-01"),
    level("C08", "1", "2024-01-01"),
    level("C09", "2", "2024-01-01"),
    level("C10", "2", "2024-01-01", "2025-11-01"),  # down 205 days after release: too late
    level("C10", "1", "2025-11-01"),
    level("C11", "2", "2024-01-01", "2025-09-01"),  # down 92 days after release
    level("C11", "1", "2025-09-01", "2025-12-01"),
]
EVENTS = [
    event("E01", "C01", "sfo_charged", "2025-04-01"),  # first day of the year: Level 1
    event("E02", "C02", "sfo_charged", "2025-06-11"),  # the day after C02 went to Level 2
    event("E03", "C02", "sfo_charged", "2025-06-09"),  # the day before: still Level 1
    # last day of the year; the level recorded at the time (2) wins over the history's 3
    event("E04", "C03", "sfo_charged", "2026-03-31", level_at_event="2"),
    event("E05", "C99", "sfo_charged", "2025-09-01"),  # a case not in cases: no level
    event("E06", "C12", "sfo_charged", "2025-10-01"),  # no level history: no level
    event("E07", "C05", "sfo_charged", "2025-03-31"),  # last day of 2024-25: Level 1 then
    event("E08", "C06", "sfo_charged", "2026-04-01"),  # after the year: in neither
    event("R1", "C03", "returned_to_custody", "2025-05-05", "breach_of_licence"),  # Level 3
    event("R2", "C06", "returned_to_custody", "2025-08-08", "breach_of_order"),  # Level 2
    # on the day C04's level changed to 1: the new level counts
    event("R3", "C04", "returned_to_custody", "2026-03-31", "further_offence"),
    event("R4", "C09", "returned_to_custody", "2024-11-11", "breach_of_licence"),  # 2024-25
    event("R5", "C09", "returned_to_custody", "2025-12-12", level_at_event="3"),  # no detail
    event("O1", "C01", "order_imposed", "2025-07-01", "shpo"),
    event("O2", "C07", "order_imposed", "2025-07-02", "sro"),
    event("O3", "C08", "order_breach", "2025-09-09", "shpo"),
    event("N1", "C07", "notification_breach", "2025-10-10"),
    event("N2", "C08", "notification_revoked", "2024-06-06"),  # 2024-25
    event("S1", "C03", "scr_commenced", "2025-05-20"),
]


def referral(referral_id: str, case_id: str, date: str, decision: str,
             decided: str = "") -> dict[str, str]:
    return {"referral_id": referral_id, "case_id": case_id, "referral_date": date,
            "requested_level": "2", "decision": decision, "decision_date": decided or date}


REFERRALS = [
    referral("F01", "C02", "2025-06-03", "accepted"),  # at Level 1 then (2 from 10 June)
    referral("F02", "C03", "2025-05-01", "rejected"),  # at Level 3: not from Level 1
    referral("F03", "C05", "2025-07-01", "rejected"),
    referral("F04", "C07", "2025-08-01", "rejected"),
    referral("F05", "C09", "2025-09-01", "accepted"),  # at Level 2: not from Level 1
    referral("F06", "C10", "2025-10-01", "pending"),  # undecided; C10 at Level 2 then
    referral("F07", "C06", "2024-12-01", "accepted"),  # made in 2024-25
    # decided after 31 March: pending as the data stood then, but made from Level 1
    referral("F08", "C08", "2026-02-01", "accepted", decided="2026-04-10"),
    referral("F09", "C01", "2026-03-31", "accepted"),  # the last day of the year
]


def disclosure(disclosure_id: str, case_id: str, date: str, decision: str) -> dict[str, str]:
    return {"disclosure_id": disclosure_id, "case_id": case_id, "decision_date": date,
            "decision": decision}


DISCLOSURES = [
    disclosure("D1", "C02", "2025-07-01", "disclose"),
    disclosure("D2", "C03", "2025-08-01", "do_not_disclose"),
    disclosure("D3", "C06", "2025-09-01", "disclose"),
    disclosure("D4", "C09", "2025-10-01", "deferred"),
    disclosure("D5", "C04", "2026-03-31", "disclose"),  # the last day of the year
    disclosure("D6", "C06", "2025-03-15", "disclose"),  # 2024-25
    disclosure("D7", "C01", "2026-04-02", "disclose"),  # after the year
]
MEETINGS = [{"meeting_id": "M1", "case_id": "C03", "meeting_date": "2025-05-06", "level": "3",
             "meeting_type": "review", "status": "held"}]


@pytest.fixture(scope="module")
def twelve(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_dataset(tmp_path_factory.mktemp("twelve") / "data", {
        "cases": CASES, "levels": LEVELS, "meetings": MEETINGS, "events": EVENTS,
        "referrals": REFERRALS, "disclosures": DISCLOSURES})


@pytest.fixture(scope="module")
def tables(twelve: Path) -> dict[str, pl.DataFrame]:
    return annual_tables(twelve, "2025-26")


def rows(frame: pl.DataFrame) -> dict[str, tuple[object, ...]]:
    """A table keyed by its first column (two columns for the equality and local-unit
    tables)."""
    if {"characteristic", "lau", "category"} & set(frame.columns):
        return {f"{row[0]}/{row[1]}": row[2:] for row in frame.iter_rows()}
    return {row[0]: row[1:] for row in frame.iter_rows()}


# (table, row, expected values after the key), one line per figure worked out by hand
EXPECTED = [
    # SFO charges: E01, E03 at Level 1; E02, E04 at Level 2; E05, E06 no level; E07 last year
    ("sfo_charged_by_level", "1", (2, 1)),
    ("sfo_charged_by_level", "2", (2, 0)),
    ("sfo_charged_by_level", "3", (0, 0)),  # C03 was at 3, but 2 was recorded at the time
    ("sfo_charged_by_level", "none", (2, 0)),
    # returns to custody: R3 at Level 1 (the level changed that day), R2 at 2, R1 and R5 at 3
    ("returned_to_custody_by_level", "1", (1, 0)),
    ("returned_to_custody_by_level", "2", (1, 1)),  # R4, 2024-25, at Level 2
    ("returned_to_custody_by_level", "3", (2, 0)),
    ("returned_to_custody_by_level", "none", (0, 0)),
    ("returned_to_custody_by_detail", "breach_of_licence", (1, 1)),
    ("returned_to_custody_by_detail", "breach_of_order", (1, 0)),
    ("returned_to_custody_by_detail", "further_offence", (1, 0)),
    ("returned_to_custody_by_detail", "not recorded", (1, 0)),  # R5 has no detail
    ("orders_imposed", "shpo", (1, 0)),
    ("orders_imposed", "sro", (1, 0)),
    ("orders_imposed", "notification_order", (0, 0)),
    ("order_breaches", "shpo", (1, 0)),
    ("order_breaches", "sro", (0, 0)),
    ("notification_breach", "Cautioned or convicted for breaching notification requirements",
     (1, 0)),
    ("notification_revoked", "Lifetime notification requirements revoked", (0, 1)),
    ("scrs", "Serious Case Reviews commenced", (1, 0)),
    ("scrs", "Serious Case Reviews completed", (0, 0)),
    # equality: eligible, at Level 2/3, rate, RRI = rate / rate of everyone else eligible
    ("equality_level23", "sex/Male", (8, 4, 0.5, None)),  # everyone else: 0 of 3, no RRI
    ("equality_level23", "sex/Female", (2, 0, 0.0, 0.0)),  # C11 ended: not counted
    ("equality_level23", "sex/not recorded", (1, 0, 0.0, 0.0)),  # C10's empty cell
    ("equality_level23", "age_band/25-34", (5, 3, 0.6, 3.6)),  # 0.6 / (1/6)
    ("equality_level23", "age_band/35-44", (3, 1, 0.3333, 0.89)),  # (1/3) / (3/8)
    ("equality_level23", "age_band/18-24", (1, 0, 0.0, 0.0)),
    ("equality_level23", "age_band/45-54", (1, 0, 0.0, 0.0)),
    ("equality_level23", "age_band/55+", (1, 0, 0.0, 0.0)),
    ("equality_level23", "ethnicity_group/Black", (3, 2, 0.6667, 2.67)),  # (2/3) / (2/8)
    ("equality_level23", "ethnicity_group/White", (6, 2, 0.3333, 0.83)),  # (1/3) / (2/5)
    ("equality_level23", "ethnicity_group/Asian", (1, 0, 0.0, 0.0)),
    ("equality_level23", "ethnicity_group/not recorded", (1, 0, 0.0, 0.0)),  # C10's " "
    # referral acceptance: referrals made in the year and decided by 31 March (F01-F05, F09)
    ("equality_referral_acceptance", "sex/Male", (5, 3, 0.6, None)),  # Female: 0 of 1
    ("equality_referral_acceptance", "sex/Female", (1, 0, 0.0, 0.0)),
    ("equality_referral_acceptance", "age_band/25-34", (3, 2, 0.6667, 2.0)),  # / (1/3)
    ("equality_referral_acceptance", "age_band/35-44", (2, 1, 0.5, 1.0)),  # / (2/4)
    ("equality_referral_acceptance", "age_band/45-54", (1, 0, 0.0, 0.0)),
    ("equality_referral_acceptance", "ethnicity_group/White", (3, 2, 0.6667, 2.0)),
    ("equality_referral_acceptance", "ethnicity_group/Black", (2, 1, 0.5, 1.0)),
    ("equality_referral_acceptance", "ethnicity_group/Asian", (1, 0, 0.0, 0.0)),
    # step-down within 6 months of release: C02, C03, C04, C06, C10, C11; C04 and C11 down
    ("equality_step_down", "sex/Male", (3, 0, 0.0, 0.0)),  # everyone else: 2 of 3
    ("equality_step_down", "sex/Female", (2, 2, 1.0, None)),  # everyone else: 0 of 4
    ("equality_step_down", "sex/not recorded", (1, 0, 0.0, 0.0)),
    ("equality_step_down", "age_band/18-24", (1, 1, 1.0, 5.0)),  # 1 / (1/5)
    ("equality_step_down", "age_band/45-54", (1, 1, 1.0, 5.0)),
    ("equality_step_down", "age_band/25-34", (2, 0, 0.0, 0.0)),
    ("equality_step_down", "age_band/35-44", (2, 0, 0.0, 0.0)),  # C02 and C10
    ("equality_step_down", "ethnicity_group/White", (4, 2, 0.5, None)),  # others 0 of 2
    ("equality_step_down", "ethnicity_group/Black", (1, 0, 0.0, 0.0)),
    ("equality_step_down", "ethnicity_group/not recorded", (1, 0, 0.0, 0.0)),
    # disclosure decisions in the year: D1-D5, D1, D3 and D5 to disclose
    ("equality_disclosure", "sex/Male", (4, 2, 0.5, 0.5)),  # 0.5 / 1
    ("equality_disclosure", "sex/Female", (1, 1, 1.0, 2.0)),  # 1 / (2/4)
    ("equality_disclosure", "age_band/25-34", (3, 1, 0.3333, 0.33)),  # (1/3) / 1
    ("equality_disclosure", "age_band/35-44", (1, 1, 1.0, 2.0)),
    ("equality_disclosure", "age_band/18-24", (1, 1, 1.0, 2.0)),
    ("equality_disclosure", "ethnicity_group/White", (3, 3, 1.0, None)),  # others 0 of 2
    ("equality_disclosure", "ethnicity_group/Black", (2, 0, 0.0, 0.0)),
    # level use on 31 March: eligible, Level 1, 2, 3, share at 2/3, Category 3, its share;
    # then people at Level 1 in the year, those referred from Level 1 to 2/3, and the rate
    ("level_use_by_area", EAST, (6, 3, 2, 1, 0.5, 1, 0.1667, 4, 3, 0.75)),  # F01, F03, F09
    # C12 no level; C11 ended (but at Level 1 in the year); F04, F08
    ("level_use_by_area", NORTH, (5, 3, 1, 0, 0.2, 1, 0.2, 4, 2, 0.5)),
    ("level_use_by_lau", f"{EAST}/{EAST_N}", (3, 1, 1, 1, 0.6667, 0, 0.0, 2, 2, 1.0)),
    ("level_use_by_lau", f"{EAST}/{EAST_S}", (3, 2, 1, 0, 0.3333, 1, 0.3333, 2, 1, 0.5)),
    ("level_use_by_lau", f"{NORTH}/{NORTH_C}", (4, 3, 1, 0, 0.25, 1, 0.25, 3, 2, 0.6667)),
    ("level_use_by_lau", f"{NORTH}/not recorded", (1, 0, 0, 0, 0.0, 0, 0.0, 1, 0, 0.0)),
    # by area and category on 31 March: eligible, Level 1, 2, 3, share at 2/3
    ("level_use_by_area_category", f"{EAST}/1", (3, 2, 1, 0, 0.3333)),  # C01, C05; C02
    ("level_use_by_area_category", f"{EAST}/2", (2, 0, 1, 1, 1.0)),  # C06; C03
    ("level_use_by_area_category", f"{EAST}/3", (1, 1, 0, 0, 0.0)),  # C04, down on 31 March
    ("level_use_by_area_category", f"{EAST}/4", (0, 0, 0, 0, None)),  # nobody: no share
    ("level_use_by_area_category", f"{NORTH}/1", (2, 2, 0, 0, 0.0)),  # C07, C08
    ("level_use_by_area_category", f"{NORTH}/2", (1, 1, 0, 0, 0.0)),  # C10
    ("level_use_by_area_category", f"{NORTH}/3", (1, 0, 1, 0, 1.0)),  # C09
    ("level_use_by_area_category", f"{NORTH}/4", (1, 0, 0, 0, 0.0)),  # C12, no level
]


@pytest.mark.parametrize(("table", "key", "expected"), EXPECTED,
                         ids=[f"{t}:{k}" for t, k, _ in EXPECTED])
def test_hand_worked_figures(tables: dict[str, pl.DataFrame], table: str, key: str,
                             expected: tuple[object, ...]) -> None:
    assert rows(tables[table])[key] == expected


def test_tables_come_in_the_reports_order_with_fixed_columns(
        tables: dict[str, pl.DataFrame]) -> None:
    assert list(tables) == list(TABLE_TITLES)
    assert tables["sfo_charged_by_level"].columns == ["level", "count", "previous_year_count"]
    assert tables["equality_level23"].columns == [
        "characteristic", "group", "eligible", "at_level_2_3", "rate", "relative_rate_index"]
    assert tables["level_use_by_area"].columns == [
        "area", "eligible", "level_1", "level_2", "level_3", "share_level_2_3", "category_3",
        "share_category_3", "level_1_people", "referred_from_level_1", "level_1_referral_rate"]
    assert tables["level_use_by_lau"].columns == ["area", "lau",
                                                  *tables["level_use_by_area"].columns[1:]]
    assert tables["equality_step_down"].columns == [
        "characteristic", "group", "released_at_level_2_3", "stepped_down", "rate",
        "relative_rate_index"]
    # no group that has nothing to count: C10's referral is pending
    assert "sex/not recorded" not in rows(tables["equality_referral_acceptance"])
    # the groups of each characteristic add up to everyone eligible on 31 March
    sums = tables["equality_level23"].group_by("characteristic").agg(pl.col("eligible").sum())
    assert set(sums["eligible"]) == {11}


def test_an_area_counts_its_own_cases_events_only(twelve: Path) -> None:
    """E05's case is in no area (decision 39): only the all-areas tables count it."""
    north = annual_tables(twelve, "2025-26", area="northmoor")
    assert rows(north["sfo_charged_by_level"]) == {
        "1": (0, 0), "2": (0, 0), "3": (0, 0), "none": (1, 0)}  # E06 only
    assert rows(north["level_use_by_area"]) == {NORTH: (5, 3, 1, 0, 0.2, 1, 0.2, 4, 2, 0.5)}
    assert set(rows(north["level_use_by_lau"])) == {f"{NORTH}/{NORTH_C}",
                                                    f"{NORTH}/not recorded"}


def test_no_events_table_is_not_recorded_never_zero(tmp_path: Path) -> None:
    folder = write_dataset(tmp_path / "data", {
        "cases": CASES, "levels": LEVELS, "meetings": MEETINGS})
    tables = annual_tables(folder, "2025-26")
    assert not set(EVENT_TABLES) & set(tables)
    assert "equality_level23" in tables
    # no referrals or disclosures tables either: not recorded, and no referral rate
    assert "equality_referral_acceptance" not in tables
    assert "equality_disclosure" not in tables
    # nor a referral rate: its columns are left out, neither 0 nor "<5"
    assert tables["level_use_by_area"].columns[-2:] == ["share_category_3", "level_1_people"]
    assert "level_1_referral_rate" not in tables["level_use_by_lau"].columns
    assert "referred_from_level_1" not in published(tables, 5)["level_use_by_area"].columns
    document = annual_document(tables, "2025-26", area=None, suppress_below=5)
    by_id = {table["id"]: table for table in document["tables"]}
    for name in EVENT_TABLES:
        assert by_id[name]["rows"] is None
        assert by_id[name]["note"] == NOT_RECORDED


# The board's view: a count from 1 to 4 is "<5"; a rate whose population is under 5 is
# not shown, nor one drawn from a hidden count, and neither is a relative rate index.
PUBLISHED = [
    # Black: a group of 3, two at Level 2/3: both counts hidden, no rate, no RRI
    ("ethnicity_group/Black", ("<5", "<5", None, None)),
    # White: 6 people, 2 at Level 2/3: no rate, as "6, <5, 0.3333" would give the 2
    # away (decision 24's known flaw, fixed by decision 55)
    ("ethnicity_group/White", ("6", "<5", None, None)),
    # 35-44: a group of 3 again
    ("age_band/35-44", ("<5", "<5", None, None)),
    # Male: 8 people, 4 at Level 2/3, so 4 not: "8, <5" with the others also under 5 would
    # give 4 away (8 = 4 + 4 is the only way), so the count is withheld as [c], no rate
    ("sex/Male", ("8", "[c]", None, None)),
    # 25-34: 5 and 3: the count of 3 hidden, and so the rate and the RRI
    ("age_band/25-34", ("5", "<5", None, None)),
]


@pytest.mark.parametrize(("key", "expected"), PUBLISHED, ids=[k for k, _ in PUBLISHED])
def test_published_equality(tables: dict[str, pl.DataFrame], key: str,
                            expected: tuple[object, ...]) -> None:
    assert rows(published(tables, 5)["equality_level23"])[key] == expected


PUBLISHED_OTHERS = [
    # a group of 2, both stepped down: "<5" twice, no rate, no RRI
    ("equality_step_down", "sex/Female", ("<5", "<5", None, None)),
    # 5 referrals, 3 accepted: no rate from fewer than 20 (the policy's rate_min_base) nor
    # beside a hidden count; everyone else is 1: no RRI
    ("equality_referral_acceptance", "sex/Male", ("5", "<5", None, None)),
    # 4 decisions: hidden, no rate
    ("equality_disclosure", "sex/Male", ("<5", "<5", None, None)),
    # an area of 6: no share from fewer than 20 people; 4 at Level 1 in the year: no rate
    ("level_use_by_area", EAST, ("6", "<5", "<5", "<5", None, "<5", None, "<5", "<5", None)),
    # a local unit of 1: nothing but the zeros
    ("level_use_by_lau", f"{NORTH}/not recorded",
     ("<5", "0", "0", "0", None, "0", None, "<5", "0", None)),
]


@pytest.mark.parametrize(("table", "key", "expected"), PUBLISHED_OTHERS,
                         ids=[f"{t}:{k}" for t, k, _ in PUBLISHED_OTHERS])
def test_published_breakdowns(tables: dict[str, pl.DataFrame], table: str, key: str,
                              expected: tuple[object, ...]) -> None:
    """Every board output hides a group under 5 and its rate (issue 18, item 3)."""
    assert rows(published(tables, 5)[table])[key] == expected


def test_json_on_the_command_line(twelve: Path) -> None:
    """``annual --format json``: a group of 3 is "<5" with no rate; --exact gives 3."""
    result = mappa_in_process("annual", twelve, "--year", "2025-26", "--format", "json")
    assert result.returncode == 0, result.stderr
    document = json.loads(result.stdout)
    assert (document["year"], document["previous_year"]) == ("2025-26", "2024-25")
    by_id = {table["id"]: table for table in document["tables"]}
    assert [table["id"] for table in document["tables"]] == list(TABLE_TITLES)
    black = next(row for row in by_id["equality_level23"]["rows"]
                 if row["group"] == "Black")
    assert black == {"characteristic": "ethnicity_group", "group": "Black", "eligible": "<5",
                     "at_level_2_3": "<5", "rate": None, "relative_rate_index": None}
    assert by_id["sfo_charged_by_level"]["rows"][0] == {
        "level": "1", "count": "<5", "previous_year_count": "<5"}
    assert by_id["level_use_by_area"]["rows"][0]["eligible"] == 6

    exact = json.loads(mappa_in_process(
        "annual", twelve, "--year", "2025-26", "--format", "json", "--exact").stdout)
    by_id = {table["id"]: table for table in exact["tables"]}
    assert by_id["sfo_charged_by_level"]["rows"] == [
        {"level": "1", "count": 2, "previous_year_count": 1},
        {"level": "2", "count": 2, "previous_year_count": 0},
        {"level": "3", "count": 0, "previous_year_count": 0},
        {"level": "none", "count": 2, "previous_year_count": 0},
    ]
    assert (exact["exact"], exact["suppress_below"]) == (True, None)


def test_python_api_returns_frames(twelve: Path) -> None:
    tables = ma.annual_tables(twelve, "2025-26")
    assert all(isinstance(frame, pl.DataFrame) for frame in tables.values())


def test_json_names_the_area_as_the_data_spells_it(twelve: Path) -> None:
    result = mappa_in_process("annual", twelve, "--year", "2025-26", "--format", "json",
                              "--area", "NORTHMOOR")
    assert json.loads(result.stdout)["area"] == NORTH


def test_json_refuses_a_small_suppress_below_unless_exact(twelve: Path, tmp_path: Path) -> None:
    """Published JSON is a board output (decision 35); --exact is a working copy."""
    policy = tmp_path / "small.toml"
    policy.write_text('name = "Small"\nsuppress_below = 3\n', encoding="utf-8")
    args = ("annual", twelve, "--year", "2025-26", "--format", "json", "--policy", policy)
    refused = mappa_in_process(*args)
    assert refused.returncode == 2
    assert refused.stdout == ""
    assert "--allow-small-suppression" in refused.stderr
    assert mappa_in_process(*args, "--exact").returncode == 0
    allowed = mappa_in_process(*args, "--allow-small-suppression")
    assert allowed.returncode == 0
    black = next(row for table in json.loads(allowed.stdout)["tables"]
                 if table["id"] == "equality_level23" for row in table["rows"]
                 if row["group"] == "Black")
    assert (black["eligible"], black["at_level_2_3"]) == (3, "<3")  # 3 is not under 3


# ---- national figures (issue 18, item 4) --------------------------------------------------

NATIONAL = '''version = "test-1"
title = "A national file for the tests (the figure is made up, and says so)"
[figures.share_level_2_3]
value = 0.02
year = "2023-24"
table = "Table 1"
source = "made up for the tests"
'''


def test_the_shipped_national_file_names_a_source_for_every_figure() -> None:
    figures = load_national()
    assert figures.version
    assert all(f.source and f.table and f.year for f in figures.figures)


def test_a_newer_national_file_is_listed(twelve: Path, tmp_path: Path) -> None:
    newer = tmp_path / "national.toml"
    newer.write_text(NATIONAL, encoding="utf-8")
    tables = annual_tables(twelve, "2025-26", national=newer)
    assert tables["national_figures"].rows() == [
        ("share_level_2_3", 0.02, "2023-24", "Table 1", "made up for the tests")]
    result = mappa_in_process("annual", twelve, "--year", "2025-26", "--format", "json",
                              "--national", newer)
    by_id = {table["id"]: table for table in json.loads(result.stdout)["tables"]}
    assert by_id["national_figures"]["rows"][0]["value"] == 0.02


# (file text, what the one-line error names), one row per way a national file is wrong
BAD_NATIONAL = [
    ("version = \n", "is not valid TOML"),  # not TOML
    ('[figures.share_level_2_3]\nvalue = 0.02\n', "has no version"),
    (NATIONAL.replace('source = "made up for the tests"\n', ""),
     "figures.share_level_2_3 has no source"),  # a figure with no source
    (NATIONAL.replace("0.02", "2.5"), "figures.share_level_2_3.value 2.5 is not a share"),
    (NATIONAL.replace("share_level_2_3", "share_level_4"),
     "figures.share_level_4 is not a figure"),  # an unknown figure
]


@pytest.mark.parametrize(("text", "named"), BAD_NATIONAL, ids=[n for _, n in BAD_NATIONAL])
def test_a_bad_national_file_is_a_one_line_error(twelve: Path, tmp_path: Path, text: str,
                                                 named: str) -> None:
    bad = tmp_path / "newer.toml"
    bad.write_text(text, encoding="utf-8")
    with pytest.raises(ArgumentError, match=r"newer\.toml") as raised:
        load_national(bad)
    assert named in str(raised.value)
    result = mappa_in_process("annual", twelve, "--year", "2025-26", "--format", "json",
                              "--national", bad)
    assert result.returncode == 2
    assert result.stdout == ""
    assert "--national newer.toml" in result.stderr
    assert named in result.stderr


# ---- the "Outcomes and equality" theme (issue 18, item 6) ---------------------------------

def test_the_board_theme_shows_a_group_of_three_as_under_five(twelve: Path) -> None:
    """What the board's dashboard, paper and report render: groups of 3 are "<5" with no
    rate, and nothing names a case."""
    tables = annual_tables(twelve, "2025-26")
    exact = annual_document(tables, "2025-26", area=None, suppress_below=None)
    theme = outcomes_theme(board_document(exact, 5))  # an auditor's run, shown to a board
    equality = next(t for t in theme.tables if t.id == "equality_level23")
    assert equality.table is not None
    black = next(row for row in equality.table.rows if row[:2] == ("Ethnic group", "Black"))
    assert black == ("Ethnic group", "Black", "<5", "<5", "—", "—")
    html = render("outcomes.html.j2", theme=theme, figures=(),
                  svgs=tuple(svg_ranked_chart(chart) for chart in theme.charts))
    assert not re.search(r"\bC\d\d\b", html)  # no case id anywhere
    assert not re.search(r">\s*[1-4]\s*<", html)  # no count from 1 to 4 in a cell


def test_the_ranked_charts_draw_the_national_line_when_the_file_has_it(
        twelve: Path, tmp_path: Path) -> None:
    newer = tmp_path / "national.toml"
    newer.write_text(NATIONAL, encoding="utf-8")
    tables = annual_tables(twelve, "2025-26", national=newer)
    # exact figures (an auditor's): on the board, a share of 6 people is too few to show
    theme = outcomes_theme(annual_document(tables, "2025-26", area=None, suppress_below=None))
    share, category, _referral = theme.charts
    # Eastvale 0.5 before Northmoor 0.2; the national 2 % from the file, its source named
    assert [bar.label for bar in share.bars] == [EAST, NORTH]
    assert share.national == 0.02
    assert "made up for the tests" in share.national_text
    assert category.national is None  # the file has no figure: no line, and it says so
    board = outcomes_theme(annual_document(tables, "2025-26", area=None, suppress_below=5))
    assert all(bar.text == "too few" for bar in board.charts[2].bars)  # 4 at Level 1 each
    plotted = ranked_figure(share)
    assert plotted.layout.shapes[0].x0 == 2.0  # the national line, in %
    assert list(plotted.data[0].y) == [NORTH, EAST]  # plotly draws the first at the bottom
    laid = svg_ranked_chart(share)
    assert [bar.label for bar in laid.bars] == [EAST, NORTH]
    assert laid.national_x is not None



def test_a_category_is_named_not_hidden_as_a_small_count() -> None:
    """Categories 1 to 4 are names: the board's level use by category showed "Category <5"
    on every row."""
    sample = Path(__file__).parents[1] / "data_samples"
    document = annual_document(annual_tables(sample, "2025-26"), "2025-26", area=None,
                               suppress_below=5)
    table = next(t for t in document["tables"] if t["id"] == "level_use_by_area_category")
    assert {row["category"] for row in table["rows"]} == {1, 2, 3, 4}
    assert all(row["category"] == int(row["category"]) for row in table["rows"])


def test_a_run_compares_with_the_national_file_it_is_given(tmp_path: Path) -> None:
    """``run --national FILE``: the run's outcomes.json lists that file's figures and its
    manifest names the file; a bad file stops the command before any run folder."""
    from mappa_audit._privacy import Audience
    from mappa_audit._runs import Audited, RunRequest, _manifest

    sample = Path(__file__).parents[1] / "data_samples"
    newer = tmp_path / "national.toml"
    newer.write_text(NATIONAL, encoding="utf-8")
    request = RunRequest(dataset=sample, start=dt.date(2025, 4, 1), end=dt.date(2026, 3, 31),
                         policy=None, audience=Audience.BOARD, out=tmp_path / "runs",
                         national=newer)
    outcomes = Audited.of(request).outcomes(None, Audience.BOARD)
    by_id = {table["id"]: table for table in outcomes["tables"]}
    assert [row["value"] for row in by_id["national_figures"]["rows"]] == [0.02]
    manifest = _manifest(request, None, tmp_path / "runs" / "one", dt.datetime.now(dt.UTC))
    assert manifest["parameters"]["national"] == str(newer.resolve())

    bad = tmp_path / "newer.toml"
    bad.write_text(BAD_NATIONAL[1][0], encoding="utf-8")
    result = mappa_in_process("run", sample, "--start", "2025-04-01", "--end", "2026-03-31",
                              "--national", bad, "--out", tmp_path / "bad-runs")
    assert result.returncode == 2
    assert "--national newer.toml" in result.stderr
    assert "has no version" in result.stderr
    assert not (tmp_path / "bad-runs").exists()
