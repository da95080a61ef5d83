"""File-audit samples: reproducible from the seed, proportional with minimums, no free text."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import polars as pl
import pytest

from mappa_audit._headings import HEADINGS
from mappa_audit._sample import SCORE_COLUMNS, _allocate, sample_cases

from _support import SAMPLE, mappa

FY = ("2025-04-01", "2026-03-31")


@pytest.mark.parametrize(
    ("populations", "size", "minimum", "expected"),
    [
        ([50, 30, 20], 10, 1, [5, 3, 2]),  # exactly proportional
        ([95, 4, 1], 10, 2, [10, 2, 1]),  # minimum raised, capped by a stratum of one
        ([10, 10, 10], 10, 0, [4, 3, 3]),  # largest remainder: ties go to the first stratum
        ([3, 2], 50, 1, [3, 2]),  # asking for more than exists gives everyone
    ],
)
def test_allocation(populations: list[int], size: int, minimum: int,
                    expected: list[int]) -> None:
    assert _allocate(populations, size, minimum) == expected


def test_same_seed_same_cases_other_seed_other_cases() -> None:
    first = sample_cases(SAMPLE, *FY, size=25, seed=7)
    again = sample_cases(SAMPLE, *FY, size=25, seed=7)
    other = sample_cases(SAMPLE, *FY, size=25, seed=8)
    assert first.cases["case_id"].to_list() == again.cases["case_id"].to_list()
    assert first.cases["case_id"].to_list() != other.cases["case_id"].to_list()
    assert first.cases["case_id"].n_unique() == first.cases.height


def test_strata_and_minimums() -> None:
    drawn = sample_cases(SAMPLE, *FY, size=12, seed=1, strata=("level", "area"),
                         min_per_stratum=3)
    per_stratum = drawn.cases.group_by("level", "area").len()
    assert per_stratum.height == drawn.strata.height
    assert (per_stratum["len"] >= 3).all()
    assert drawn.cases.height == drawn.strata["allocated"].sum()
    assert set(drawn.cases["level"]) <= {"2", "3"}
    assert any("Seed 1" in line for line in drawn.method)


def test_level1_only_when_asked() -> None:
    drawn = sample_cases(SAMPLE, *FY, size=40, seed=3, strata=("level",),
                         include_level1=True)
    assert "1" in set(drawn.cases["level"])


def test_worksheet_opens_with_facts_and_empty_score_columns(tmp_path: Path) -> None:
    out = tmp_path / "sample.xlsx"
    result = mappa("sample", SAMPLE, "--start", FY[0], "--end", FY[1], "--size", "20",
                   "--seed", "7", "--out", out)  # the ending asks for a worksheet
    assert result.returncode == 0, result.stderr
    sheet = pl.read_excel(out, sheet_name="Sample")
    assert sheet.height == 20
    for column in SCORE_COLUMNS:
        assert sheet[HEADINGS[column]].null_count() == 20
    assert {"Auditor", "Date audited", "Auditor's notes"} <= set(sheet.columns)
    assert not {"rationale", "not_informed_reason"} & set(sheet.columns)
    strata = pl.read_excel(out, sheet_name="Strata")
    assert strata["Sampled"].sum() == 20
    about = dict(pl.read_excel(out, sheet_name="About", has_header=False).iter_rows())
    assert about["Seed"] == "7"
    assert "OFFICIAL-SENSITIVE" in about["Marking"]

    workbook = openpyxl.load_workbook(out)
    scored = workbook["Sample"]
    widths = {letter: dimension.width for letter, dimension in
              scored.column_dimensions.items()}
    assert widths["A"] < 20, "the case id column is as wide as a case id, not the notes"
    checked = {str(rule.sqref): (rule.type, rule.formula1, rule.formula2)
               for rule in scored.data_validations.dataValidation}
    assert len(checked) == len(SCORE_COLUMNS)
    assert set(checked.values()) == {("whole", "1", "4")}
    assert all(ref.endswith("21") for ref in checked)  # the 20 rows under the heading
