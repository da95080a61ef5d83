"""The due-soon worklist: the rules run forward from an as-at date."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import polars as pl
import pytest

import mappa_audit as ma
from mappa_audit._headings import for_people
from mappa_audit._worklist import WHAT_IS_DUE, dataset_as_at, due_items

from _support import SAMPLE, mappa, mappa_in_process, write_dataset

EASTER_2026 = dt.date(2026, 4, 2)  # the Thursday before Good Friday (3rd) and Easter Monday (6th)


@pytest.fixture
def easter_dataset(tmp_path: Path) -> Path:
    case = {"case_id": "C1", "area": "Eastvale", "lau": "Eastvale North", "category": "1",
            "lead_agency": "police", "eligible_date": "2026-01-05",
            "visor_created_date": "2026-01-05"}
    meeting = {"meeting_id": "M1", "case_id": "C1", "meeting_date": "2026-03-20", "level": "3",
               "meeting_type": "initial", "status": "held", "minutes_distributed_date": "",
               "disclosure_considered": "yes"}
    return write_dataset(tmp_path / "easter", {
        "cases": [case],
        "levels": [{"case_id": "C1", "level": "3", "start_date": "2026-01-05", "end_date": ""}],
        "meetings": [meeting],
        "referrals": [
            # accepted Level 3 referral on the Thursday before Easter, no meeting yet
            {"referral_id": "R1", "case_id": "C1", "referral_date": "2026-04-02",
             "requested_level": "3", "decision": "accepted", "decision_date": "2026-04-02"},
        ],
        "actions": [
            {"action_id": "A1", "meeting_id": "M1", "owner_agency": "police",
             "due_date": "2026-04-01", "completed_date": ""},  # overdue by one day
            {"action_id": "A3", "meeting_id": "M1", "owner_agency": "police",
             "due_date": "2026-04-02", "completed_date": ""},  # due on the as-at date
            {"action_id": "A2", "meeting_id": "M1", "owner_agency": "police",
             "due_date": "2026-03-30", "completed_date": "2026-03-29"},  # done: not listed
        ],
        "disclosures": [
            {"disclosure_id": "D1", "case_id": "C1", "meeting_id": "M1",
             "decision_date": "2026-03-20", "decision": "disclose", "rationale": "r",
             "recipient_type": "partner", "discloser_agency": "police", "method": "letter",
             "planned_date": "2026-04-10", "disclosed_date": ""},
        ],
    })


def test_hand_worked_worklist_across_easter(easter_dataset: Path) -> None:
    worklist = due_items(easter_dataset, EASTER_2026, weeks=2)
    got = [(r["rule_id"], r["item_id"], r["status"], r["due_date"], r["days_left"],
            r["day_unit"], r["calendar_days_left"], r["working_days_left"])
           for r in worklist.iter_rows(named=True)]
    assert got == [
        # due the day before as-at: overdue first, one day behind (Thursday 2 April, the
        # as-at date, is a working day)
        ("ACT-02", "A1", "overdue", dt.date(2026, 4, 1), -1, "days", -1, -1),
        # due on the as-at date: the audit counts it as missed if not done by then
        ("ACT-02", "A3", "overdue", dt.date(2026, 4, 2), 0, "days", 0, 0),
        # 10 working days after Fri 20 March, skipping Good Friday and Easter Monday: 5
        # calendar days after the as-at date, but 1 working day (7 April)
        ("TML-03", "M1", "due", dt.date(2026, 4, 7), 1, "working days", 5, 1),
        # 7, 8, 9 and 10 April
        ("DIS-04", "D1", "due", dt.date(2026, 4, 10), 8, "days", 8, 4),
        # 5 working days after Thu 2 April: 7, 8, 9, 10 and 13 April
        ("TML-01", "R1", "due", dt.date(2026, 4, 13), 5, "working days", 11, 5),
    ]
    # people read the one due on the as-at date as due today, and one unit per column
    shown = for_people(worklist)
    assert shown["Status"].to_list()[:3] == ["overdue", "due today", "due"]
    assert "day_unit" not in shown.columns
    assert "days_left" not in shown.columns
    assert shown["Days left"].to_list() == [-1, 0, 5, 8, 11]
    # the Level 3 review made due by M1 (15 May) is beyond the two weeks
    assert "REV-02" not in worklist["rule_id"].to_list()
    assert worklist["lead_agency"].to_list() == ["police"] * 5


def test_what_is_done_after_as_at_does_not_count(easter_dataset: Path) -> None:
    # minutes sent after the as-at date have not been sent yet on that date
    meetings = pl.read_csv(easter_dataset / "meetings.csv", infer_schema=False)
    meetings.with_columns(pl.lit("2026-04-03").alias("minutes_distributed_date")).write_csv(
        easter_dataset / "meetings.csv")
    assert "M1" in due_items(easter_dataset, EASTER_2026, weeks=2)["item_id"].to_list()
    assert "M1" not in due_items(easter_dataset, "2026-04-03", weeks=2)["item_id"].to_list()


@pytest.fixture(scope="module")
def sample_as_at_march(tmp_path_factory: pytest.TempPathFactory) -> tuple[pl.DataFrame, Path]:
    """The sample's worklist on 2 March 2026, and the sample as if nothing happened after."""
    as_at = dt.date(2026, 3, 2)
    dataset = ma.load_dataset(SAMPLE)
    worklist = due_items(dataset, as_at, weeks=4)
    folder = tmp_path_factory.mktemp("nothing-after-2-march")
    for name, frame in dataset_as_at(dataset, as_at).tables.items():
        if dataset.present(name):
            frame.drop("_line").write_csv(folder / f"{name}.csv")
    return worklist, folder


def test_a_listed_item_left_undone_is_non_compliant_on_its_due_date(
    sample_as_at_march: tuple[pl.DataFrame, Path],
) -> None:
    worklist, nothing_happened = sample_as_at_march
    dataset = ma.load_dataset(nothing_happened)
    due = worklist.filter(pl.col("status") == "due")
    assert set(due["rule_id"]) >= {"TML-02", "TML-03", "REV-01", "REV-02", "REV-03", "ACT-02",
                                   "DIS-04"}
    for (rule_id,), group in due.group_by("rule_id"):
        item = group.sort("due_date").row(0, named=True)
        day = item["due_date"]
        on_the_day = ma.audit(dataset, day - dt.timedelta(days=365), day).items
        the_day_before = ma.audit(dataset, day - dt.timedelta(days=365),
                                  day - dt.timedelta(days=1)).items

        def outcome(items: pl.DataFrame, rule: str = str(rule_id),
                    item_id: str = item["item_id"]) -> str | None:
            found = items.filter((pl.col("rule_id") == rule) & (pl.col("item_id") == item_id))
            return found["outcome"].item() if found.height else None

        assert outcome(on_the_day) == "non_compliant", item
        # the day before it is not yet late: pending, or (a review) not yet an item at all
        assert outcome(the_day_before) in {"pending", None}, item


def test_every_overdue_item_is_non_compliant_now(
    sample_as_at_march: tuple[pl.DataFrame, Path],
) -> None:
    worklist, nothing_happened = sample_as_at_march
    overdue = worklist.filter(pl.col("status") == "overdue")
    assert overdue.height > 0
    assert (overdue["days_left"] <= 0).all()
    now = ma.audit(ma.load_dataset(nothing_happened), "2025-03-02", "2026-03-02").items
    judged = overdue.join(now, on=["rule_id", "item_id"], how="left")
    assert set(judged["outcome"].to_list()) == {"non_compliant"}
    assert set(overdue["rule_id"]) <= set(WHAT_IS_DUE)


def test_due_command_lists_overdue_first_then_by_date() -> None:
    result = mappa("due", SAMPLE, "--as-at", "2026-03-02", "--weeks", "4", "--format", "json")
    assert result.returncode == 0, result.stderr
    items = json.loads(result.stdout)["items"]
    statuses = [i["status"] for i in items]
    assert statuses == sorted(statuses, key=lambda s: s != "overdue")
    for status in ("overdue", "due"):
        dates = [i["due_date"] for i in items if i["status"] == status]
        assert dates == sorted(dates)
    assert all(i["due_date"] <= "2026-03-30" for i in items)


def test_due_command_writes_a_worksheet(tmp_path: Path) -> None:
    out = tmp_path / "worklist.xlsx"
    result = mappa("due", SAMPLE, "--as-at", "2026-03-02", "--area", "Eastvale",
                   "--format", "xlsx", "--out", out)
    assert result.returncode == 0, result.stderr
    sheet = pl.read_excel(out, sheet_name="Coming due")
    assert sheet.height > 0
    assert set(sheet["Area"]) == {"Eastvale"}
    assert {"Days left", "Working days left", "Lead agency"} <= set(sheet.columns)
    about = pl.read_excel(out, sheet_name="About", has_header=False)
    assert dict(about.iter_rows())["As at"] == "2026-03-02"
    assert "OFFICIAL-SENSITIVE" in dict(about.iter_rows())["Marking"]


@pytest.mark.parametrize(
    ("name", "opens_with"),
    [
        ("worklist.xlsx", b"PK"),        # an Excel workbook is a zip
        ("worklist.XLSX", b"PK"),        # the ending's case does not matter
        ("worklist.csv", b"\xef\xbb\xbfstatus,"),  # for Excel and scripts: BOM, field names
        ("worklist.json", b"{"),
    ],
)
def test_due_writes_what_the_files_name_says(tmp_path: Path, name: str,
                                             opens_with: bytes) -> None:
    """Without --format the ending of --out decides: worklist.xlsx was a CSV with the wrong
    name, and worklist.csv was never written (the table went to the terminal)."""
    out = tmp_path / name
    result = mappa("due", SAMPLE, "--as-at", "2026-03-02", "--out", out)
    assert result.returncode == 0, result.stderr
    assert out.read_bytes().startswith(opens_with)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--as-at", "2026-02-30"], "is not a date"),
        (["--as-at", "2026-03-02", "--weeks", "0"], "--weeks 0"),
        (["--as-at", "2026-03-02", "--format", "xlsx"], "needs --out"),
        (["--as-at", "2026-03-02", "--area", "Atlantis"], "Atlantis"),
        # an ending that names another format than --format: the file would not open
        (["--as-at", "2026-03-02", "--format", "csv", "--out", "{tmp}/w.xlsx"],
         "ends in .xlsx but --format is csv"),
        # the table is for the terminal: a file of it would have no format a program reads
        (["--as-at", "2026-03-02", "--out", "{tmp}/w.txt"], "the table is printed, not "
         "written to"),
    ],
)
def test_bad_due_arguments_are_one_line(args: list[str], message: str,
                                        tmp_path: Path) -> None:
    result = mappa("due", SAMPLE, *[arg.format(tmp=tmp_path) for arg in args])
    assert result.returncode == 2
    assert message in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert list(tmp_path.iterdir()) == []  # nothing written


def test_the_due_table_reads_at_80_columns() -> None:
    shown = mappa_in_process("due", SAMPLE, "--as-at", "2026-03-02", "--weeks", "1",
                             "--area", "Eastvale")
    assert shown.returncode == 0, shown.stderr
    assert max(len(line) for line in shown.stdout.splitlines()) <= 80
    listed = due_items(SAMPLE, "2026-03-02", weeks=1, area="Eastvale")
    assert all(case_id in shown.stdout for case_id in listed["case_id"])
    assert "d: calendar days, wd: working days" in shown.stdout
