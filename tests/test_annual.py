"""Annual-report tables on hand-made cases, and the annual report notebook under papermill."""

from __future__ import annotations

import json
from pathlib import Path

import fastexcel
import polars as pl
import pytest

from mappa_audit import load_dataset
from mappa_audit._annual import TABLE_TITLES, annual_tables, financial_year, published
from mappa_audit._errors import UsageError

from _support import SAMPLE, mappa_in_process, write_dataset


def case(case_id: str, category: str, **values: str) -> dict[str, str]:
    return {"case_id": case_id, "area": "Eastvale", "category": category,
            "lead_agency": "police", "eligible_date": "2024-01-01", "end_date": ""} | values


@pytest.fixture
def year_end(tmp_path: Path) -> Path:
    return write_dataset(tmp_path / "year-end", {
        "cases": [
            # Level 2 until 31 March 2026, Level 1 from that day: Level 1 on 31 March,
            # managed at Level 2 during the year
            case("ACROSS", "1"),
            # management ended on 31 March 2026: not eligible on 31 March, but managed at
            # Level 3 during the year
            case("ENDED", "2", end_date="2026-03-31"),
            # Level 1 all year, category 4
            case("STEADY", "4"),
            # eligible after 31 March 2026: in neither year
            case("LATER", "1", eligible_date="2026-04-01"),
        ],
        "levels": [
            {"case_id": "ACROSS", "level": "2", "start_date": "2025-06-01",
             "end_date": "2026-03-31"},
            {"case_id": "ACROSS", "level": "1", "start_date": "2026-03-31", "end_date": ""},
            {"case_id": "ENDED", "level": "3", "start_date": "2024-01-01",
             "end_date": "2026-03-31"},
            {"case_id": "STEADY", "level": "1", "start_date": "2024-01-01", "end_date": ""},
            {"case_id": "LATER", "level": "1", "start_date": "2026-04-01", "end_date": ""},
        ],
        "meetings": [
            {"meeting_id": "M1", "case_id": "ACROSS", "meeting_date": "2025-06-05",
             "level": "2", "meeting_type": "initial", "status": "held"},
            {"meeting_id": "M2", "case_id": "ENDED", "meeting_date": "2025-05-05",
             "level": "3", "meeting_type": "review", "status": "held"},
            {"meeting_id": "M3", "case_id": "ENDED", "meeting_date": "2025-07-05",
             "level": "3", "meeting_type": "review", "status": "cancelled"},
            {"meeting_id": "M4", "case_id": "ENDED", "meeting_date": "2024-05-05",
             "level": "3", "meeting_type": "review", "status": "held"},
        ],
        "disclosures": [
            {"disclosure_id": "D1", "case_id": "ACROSS", "decision_date": "2025-06-05",
             "decision": "disclose", "disclosed_date": "2025-06-20"},
            {"disclosure_id": "D2", "case_id": "ENDED", "decision_date": "2025-03-20",
             "decision": "disclose", "disclosed_date": "2025-04-02"},
            {"disclosure_id": "D3", "case_id": "ENDED", "decision_date": "2025-05-05",
             "decision": "do_not_disclose", "disclosed_date": ""},
        ],
    })


def values(table: pl.DataFrame) -> dict[str, tuple[int, int]]:
    return {row[0]: (row[1], row[2]) for row in table.iter_rows()}


def test_hand_made_year_end(year_end: Path) -> None:
    tables = annual_tables(year_end, "2025-26")
    by_category = values(tables["eligible_by_category"])
    assert by_category["Total"] == (2, 3)  # ACROSS and STEADY; a year earlier ENDED too
    assert by_category["Category 4: terrorism and terrorism-risk offenders"] == (1, 1)
    by_level = values(tables["eligible_by_level"])
    assert by_level["Level 1"] == (2, 1)  # ACROSS moved to Level 1 on 31 March itself
    assert by_level["Level 3"] == (0, 1)
    assert by_level["Level 2"] == (0, 0)  # ACROSS reached Level 2 only in June 2025
    managed = values(tables["managed_level2_3"])
    assert managed["Level 2, Category 1"] == (1, 0)
    assert managed["Level 3, Category 2"] == (1, 1)  # ENDED: managed until its last day
    meetings = values(tables["meetings"])
    assert meetings["Level 2 meetings"] == (1, 0)
    assert meetings["Level 3 meetings"] == (1, 1)  # the cancelled one does not count
    disclosures = values(tables["disclosures"])
    assert disclosures["Disclosure decisions"] == (2, 1)
    assert disclosures["Disclosures made"] == (2, 0)  # D2: decided March, made April 2025


def test_publication_hides_small_numbers(year_end: Path) -> None:
    shown = published(annual_tables(year_end, "2025-26"), 5)
    assert values(shown["eligible_by_category"])["Total"] == ("<5", "<5")
    assert values(shown["meetings"])["Level 2 meetings"] == ("<5", "0")


@pytest.mark.parametrize("label", ["2025-2026", "twenty", "1890-91"])
def test_financial_year_words(label: str) -> None:
    if label == "2025-2026":
        assert financial_year(label) == financial_year("2025-26")
        return
    with pytest.raises(Exception, match="is not a financial year such as 2025-26"):
        financial_year(label)


@pytest.mark.slow
def test_annual_notebook_runs_and_exports_one_sheet_per_table(sample_annual: Path) -> None:
    workbook = fastexcel.read_excel(sample_annual / "annual_report.xlsx")
    assert workbook.sheet_names == list(TABLE_TITLES)
    html = (sample_annual / "annual_report.html").read_text(encoding="utf-8")
    for title in TABLE_TITLES.values():
        assert title in html
    assert "SYN-" not in html
    # the report is protected as `annual --format json` and every run protect it (decision 60)
    printed = mappa_in_process("annual", SAMPLE, "--year", "2025-26", "--format", "json")
    document = {entry["id"]: entry for entry in json.loads(printed.stdout)["tables"]}
    for name in ("eligible_by_level", "level_use_by_area", "equality_level23"):
        sheet = workbook.load_sheet_by_name(name, header_row=3).to_polars()
        counts = [c for c in document[name]["columns"]
                  if any(isinstance(row[c], int) for row in document[name]["rows"])]
        years = {"count": "2025-26", "previous_year_count": "2024-25"}
        for column in counts:
            in_json = [str(row[column]) for row in document[name]["rows"]]
            in_sheet = [str(int(v)) if isinstance(v, float) else str(v)
                        for v in sheet[years.get(column, column)].to_list()]
            assert in_sheet == in_json, (name, column)


def test_an_area_is_matched_as_the_audit_matches_it() -> None:
    """An unknown area was silently a table of zeros; a wrong case is the same area."""
    dataset = load_dataset(SAMPLE)
    area = sorted(set(dataset["cases"]["area"].drop_nulls()))[0]
    exact = annual_tables(dataset, "2025-26", area=area)
    shouted = annual_tables(dataset, "2025-26", area=area.upper())
    assert all(exact[name].equals(shouted[name]) for name in exact)
    with pytest.raises(UsageError, match="is not in the dataset"):
        annual_tables(dataset, "2025-26", area="Nowhere")


@pytest.mark.parametrize("label", ["2025-27", "2025-25", "2025-2027", "25-26", "next year"])
def test_a_financial_year_whose_years_do_not_follow_is_refused(label: str) -> None:
    with pytest.raises(UsageError, match="is not a financial year such as 2025-26"):
        financial_year(label)
