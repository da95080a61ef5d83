"""The synthetic data generator: deterministic, valid to the contract, lapses of every kind."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import polars as pl
import pytest

import mappa_audit as ma
from mappa_audit._generate import generate_dataset

SAMPLE = Path(__file__).parent.parent / "data_samples"


def test_same_arguments_write_the_same_bytes(tmp_path: Path) -> None:
    generate_dataset(tmp_path / "a", cases=300, seed=5)
    generate_dataset(tmp_path / "b", cases=300, seed=5)
    generate_dataset(tmp_path / "c", cases=300, seed=6)
    for file in sorted((tmp_path / "a").iterdir()):
        assert file.read_bytes() == (tmp_path / "b" / file.name).read_bytes(), file.name
    assert (tmp_path / "a" / "meetings.csv").read_bytes() != (
        tmp_path / "c" / "meetings.csv").read_bytes()


def test_committed_sample_is_what_the_generator_writes(tmp_path: Path) -> None:
    # data_samples/README.md gives this command; the sample must not drift from it
    generate_dataset(tmp_path / "sample")
    for file in sorted(SAMPLE.glob("*.csv")):
        assert file.read_bytes() == (tmp_path / "sample" / file.name).read_bytes(), file.name


def test_generated_data_loads_clean_and_exercises_every_rule(tmp_path: Path) -> None:
    generate_dataset(tmp_path / "d", cases=800, seed=3)
    dataset = ma.load_dataset(tmp_path / "d", strict=True)
    headline = ma.audit(dataset, "2025-04-01", "2026-03-31").headline()
    assert headline.filter(pl.col("status") != "assessed").height == 0
    # every rule has items, and every rule but the ones with no deadline finds a lapse
    assert headline.filter(pl.col("population") == 0).height == 0
    assert headline.filter(pl.col("non_compliant") == 0).height == 0


def test_nothing_is_recorded_after_the_export_date(tmp_path: Path) -> None:
    end = dt.date(2025, 12, 31)
    generate_dataset(tmp_path / "d", cases=400, seed=9, end=end)
    dataset = ma.load_dataset(tmp_path / "d")
    recorded = {
        "meetings": ("meeting_date", "minutes_distributed_date"),
        "actions": ("completed_date",),
        "disclosures": ("decision_date", "disclosed_date"),
        "level1_reviews": ("review_date",),
        "events": ("event_date",),
        "cases": ("eligible_date", "end_date", "visor_created_date", "level_set_date"),
    }
    for table, columns in recorded.items():
        for column in columns:
            latest = dataset[table][column].max()
            assert latest is None or latest <= end, (table, column, latest)  # type: ignore[operator]


def test_invalid_rows_are_quarantined_not_fatal(tmp_path: Path) -> None:
    generate_dataset(tmp_path / "d", cases=400, seed=2, invalid_rows=14)
    dataset = ma.load_dataset(tmp_path / "d")
    quarantine = dataset.quarantine
    assert quarantine.height == 14
    assert set(quarantine["value"]) >= {"31/02/2026", "4", "one", "maybe", "", "TBC"}
    kept = quarantine.filter(pl.col("row_kept"))
    assert set(kept["column"]) == {"due_date"}  # optional column: the row stays in
    for report in dataset.reports.values():
        assert report.rows_read == (
            report.rows_kept + report.rows_quarantined + report.exact_duplicates_dropped)


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ({"cases": 0}, "at least 1"),
        ({"areas": 99}, "`areas` 99"),
        ({"start": dt.date(2026, 1, 1), "end": dt.date(2025, 1, 1)}, "on or before it starts"),
        ({"invalid_rows": 5000}, "`invalid_rows` 5000"),
        ({"managed_share": 1.5}, "between 0 and 1"),
    ],
)
def test_bad_arguments_are_usage_errors(
    tmp_path: Path, arguments: dict[str, object], message: str
) -> None:
    with pytest.raises(ma.UsageError, match=message):
        generate_dataset(tmp_path / "d", **arguments)  # type: ignore[arg-type]


def test_never_writes_into_a_folder_that_holds_files(tmp_path: Path) -> None:
    (tmp_path / "d").mkdir()
    (tmp_path / "d" / "keep.txt").write_text("mine")
    with pytest.raises(ma.UsageError, match="not an empty folder"):
        generate_dataset(tmp_path / "d", cases=10)
    assert [p.name for p in (tmp_path / "d").iterdir()] == ["keep.txt"]


def test_events_hold_the_planted_edge_cases(tmp_path: Path) -> None:
    """Events on the first and last day of the last whole financial year, one the day after
    its case's level changed, and one of a case that is not in cases.csv."""
    generate_dataset(tmp_path / "d", cases=400, seed=4)
    dataset = ma.load_dataset(tmp_path / "d", strict=True)
    events, levels = dataset["events"], dataset["levels"]
    days = set(events["event_date"])
    assert {dt.date(2025, 4, 1), dt.date(2026, 3, 31)} <= days
    assert not events["case_id"].is_in(dataset["cases"]["case_id"].implode()).all()
    day_after_change = events.join(levels, on="case_id").filter(
        pl.col("event_date") == pl.col("start_date") + dt.timedelta(days=1))
    assert day_after_change.height >= 1
    # every type of the contract occurs in the committed sample
    sample = ma.load_dataset(SAMPLE)
    assert set(sample["events"]["event_type"]) == set(
        ma._contract.TABLES["events"].column("event_type").choices)


def test_the_national_profile_follows_published_proportions(tmp_path: Path) -> None:
    """``--profile national`` (issue 18, item 5): about three quarters Category 1, under 2 %
    at Level 2 or 3 on 31 March, Level 3 about a tenth of Levels 2 and 3; the demo profile
    (data_samples/) is far from that on purpose."""
    from mappa_audit._annual import annual_tables

    generate_dataset(tmp_path / "n", cases=30000, seed=3, profile="national",
                     start=dt.date(2016, 4, 1), areas=5)
    tables = annual_tables(tmp_path / "n", "2025-26")
    level = dict(tables["eligible_by_level"].select("measure", "count").iter_rows())
    category = dict(tables["eligible_by_category"].select("measure", "count").iter_rows())
    total = level["Total"]
    managed = level["Level 2"] + level["Level 3"]
    assert 0.70 < category["Category 1: registered sexual offenders"] / total < 0.80
    assert 0.005 < managed / total < 0.02
    assert 0.05 < level["Level 3"] / managed < 0.2
    assert tables["sfo_charged_by_level"]["count"].sum() > 0  # events at national rates


def test_an_unknown_profile_names_the_choices(tmp_path: Path) -> None:
    with pytest.raises(ma.ArgumentError, match="demo, national"):
        generate_dataset(tmp_path / "d", cases=10, profile="county")
