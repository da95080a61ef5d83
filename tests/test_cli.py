"""The command line as a user meets it: exit codes, one-line errors, JSON on stdout only."""

from __future__ import annotations

import itertools
import json
import shutil
import subprocess
import sys
from pathlib import Path

import polars as pl
import pytest

import mappa_audit as ma

from _support import mappa, mappa_in_process

ROOT = Path(__file__).parent.parent
SAMPLE = ROOT / "data_samples"
FY = ["--start", "2025-04-01", "--end", "2026-03-31"]


def run(*args: str | Path) -> subprocess.CompletedProcess[str]:
    """The command line in-process; the tests at the end run the real script."""
    return mappa_in_process(*args)


def assert_one_line_error(result: subprocess.CompletedProcess[str], *fragments: str) -> None:
    assert result.returncode == 2, result.stderr
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "Traceback" not in result.stderr
    assert "Hint:" in lines[0]
    for fragment in fragments:
        assert fragment in lines[0]


def test_validate_sample_data_has_nothing_quarantined() -> None:
    result = run("validate", SAMPLE, "--format", "json")
    assert result.returncode == 0, result.stderr
    document = json.loads(result.stdout)
    assert document["format_version"] == 1
    assert document["quarantine"] == []
    for table in document["tables"].values():
        assert table["present"]
        assert table["rows_read"] == table["rows_kept"] > 0


def test_check_json_is_the_only_thing_on_stdout() -> None:
    result = run("check", SAMPLE, *FY, "--format", "json")
    assert result.returncode == 0, result.stderr
    document = json.loads(result.stdout)
    assert [rule["rule_id"] for rule in document["rules"]] == [
        "TML-01", "TML-02", "TML-03", "TML-04", "TML-05", "REV-01", "REV-02", "REV-03",
        "ACT-01", "ACT-02", "ATT-01", "ATT-02", "DIS-01", "DIS-02", "DIS-03", "DIS-04", "DIS-05",
    ]
    assert [dq["rule_id"] for dq in document["data_quality"]] == [
        f"DQ-0{n}" for n in range(1, 7)
    ]
    assert document["period"] == {"start": "2025-04-01", "end": "2026-03-31",
                                  "as_at": "2026-03-31"}
    for rule in document["rules"]:
        assert rule["population"] == rule["compliant"] + rule["non_compliant"]
        assert rule["status"] == "assessed"


def test_area_restricts_every_count() -> None:
    everything = json.loads(run("check", SAMPLE, *FY, "--format", "json").stdout)
    areas = sorted({line.split(",")[1] for line in
                    (SAMPLE / "cases.csv").read_text().splitlines()[1:]})
    per_area = [json.loads(run("check", SAMPLE, *FY, "--area", area, "--format", "json").stdout)
                for area in areas]
    # Items of a case that is not in cases.csv (DQ-02) belong to no area: the all-areas run
    # counts them under area "not recorded" (docs/decisions.md).
    unplaced = ma.audit(ma.load_dataset(SAMPLE), "2025-04-01", "2026-03-31").breakdown("area")
    unplaced = unplaced.filter(pl.col("value") == "not recorded")
    for index, rule in enumerate(everything["rules"]):
        orphans = unplaced.filter(pl.col("rule_id") == rule["rule_id"])
        for outcome in ("compliant", "non_compliant", "pending", "not_assessable"):
            in_no_area = int(orphans[outcome].sum())
            in_areas = sum(doc["rules"][index][outcome] for doc in per_area)
            assert rule[outcome] == in_areas + in_no_area


def test_fail_on_red_exits_1_when_a_rule_is_red() -> None:
    result = run("check", SAMPLE, *FY, "--format", "json", "--fail-on-red")
    document = json.loads(result.stdout)
    red = any(rule["rag"] == "red" for rule in document["rules"])
    assert result.returncode == (1 if red else 0)


def test_table_format_is_readable() -> None:
    result = run("check", SAMPLE, *FY)
    assert result.returncode == 0
    assert "REV-01" in result.stdout
    assert "Data quality" in result.stdout


@pytest.mark.parametrize(
    ("args", "fragments"),
    [
        (["check", "no/such/folder", *FY], ["does not exist"]),
        (["check", SAMPLE, "--start", "2026-03-31", "--end", "2025-04-01"],
         ["ends (2025-04-01) before it starts"]),
        (["check", SAMPLE, "--start", "2026-02-31", "--end", "2026-03-31"],
         ["--start '2026-02-31' is not a date"]),
        (["check", SAMPLE, *FY, "--area", "Atlantis"], ["area 'Atlantis' is not in the dataset"]),
        (["check", SAMPLE, *FY, "--policy", "no/such/policy.toml"], ["cannot read policy"]),
    ],
)
def test_bad_arguments_get_one_line(args: list[str | Path], fragments: list[str]) -> None:
    assert_one_line_error(run(*args), *fragments)


def test_missing_meetings_table_exits_2_with_one_line(tmp_path: Path) -> None:
    dataset = tmp_path / "export"
    shutil.copytree(SAMPLE, dataset)
    (dataset / "meetings.csv").unlink()
    assert_one_line_error(run("check", dataset, *FY), "meetings")
    assert_one_line_error(run("validate", dataset), "meetings")


def test_impossible_date_is_quarantined_and_named(tmp_path: Path) -> None:
    dataset = tmp_path / "export"
    shutil.copytree(SAMPLE, dataset)
    meetings = dataset / "meetings.csv"
    lines = meetings.read_text().splitlines()
    cells = lines[5].split(",")
    cells[2] = "31/02/2026"
    lines[5] = ",".join(cells)
    meetings.write_text("\n".join(lines) + "\n")

    result = run("validate", dataset, "--format", "json")
    assert result.returncode == 0
    document = json.loads(result.stdout)
    assert document["quarantine"] == [{
        "table": "meetings", "line": 6, "column": "meeting_date", "value": "31/02/2026",
        "reason": "not a date", "row_kept": False,
    }]
    assert document["tables"]["meetings"]["rows_quarantined"] == 1

    table = run("validate", dataset)
    assert 'meetings.csv line 6 column "meeting_date" holds \'31/02/2026\'' in table.stdout

    strict = run("check", dataset, *FY, "--strict")
    assert_one_line_error(strict, "meetings.csv line 6", "31/02/2026")
    check = run("check", dataset, *FY, "--format", "json")
    assert check.returncode == 0
    assert "31/02/2026" in check.stderr  # the warning names it
    json.loads(check.stdout)


def test_the_script_prints_help_and_exits_0() -> None:
    result = mappa("--help")
    assert result.returncode == 0
    for command in ("check", "validate", "sample-data"):
        assert command in result.stdout


def test_the_script_exits_2_with_one_line_on_a_usage_error() -> None:
    """A real process: the exit status and stderr a shell script sees."""
    assert_one_line_error(mappa("check", SAMPLE, "--start", "2025-04-01"), "--end")
    assert_one_line_error(mappa("check", SAMPLE / "nowhere", *FY), "does not exist")


def test_the_console_script_is_installed() -> None:
    script = Path(sys.executable).parent / "mappa-audit"
    result = subprocess.run([script, "--help"], capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr
    assert "Usage: mappa-audit" in result.stdout


def _commands() -> list[tuple[str, object]]:
    """Every command and group, by the words after ``mappa-audit`` ("" for the root)."""
    import typer

    from mappa_audit._cli import app

    found: list[tuple[str, object]] = []

    def walk(command: object, words: str) -> None:
        found.append((words, command))
        for name, sub in getattr(command, "commands", {}).items():
            walk(sub, f"{words} {name}".strip())

    walk(typer.main.get_command(app), "")
    return found


@pytest.mark.parametrize("words", [words for words, _ in _commands()])
def test_every_help_gives_an_example_that_parses_and_shows_flags_as_flags(words: str) -> None:
    import shlex

    from mappa_audit._cli import EXAMPLES

    shown = run(*words.split(), "--help")
    assert shown.returncode == 0, shown.stderr
    assert "Example: mappa-audit" in shown.stdout
    assert "<bool>" not in shown.stdout  # --strict takes no value; it used to read --strict <bool>
    # the description's lines break where the terminal does, not where the docstring did
    # ("… and empty" / "columns for" / "the 4-point scores …")
    described = [line.strip() for line in shown.stdout.split("╭")[0].splitlines()]
    for line, after in itertools.pairwise(described):
        if line and after and not line.startswith("Usage:"):
            assert len(line) + 1 + len(after.split()[0]) > 76, (line, after)
    example = EXAMPLES[words].split(", then ")[0].split(" > ")[0]
    args = shlex.split(example)[1:]
    parsed = run(*args, "--help")  # parses every word before it, as the real call would
    assert parsed.returncode == 0, (example, parsed.stderr)
    command = dict(_commands())[words]
    if not hasattr(command, "commands"):  # a command, not a group: its example really parses
        command.make_context(words or "mappa-audit", args[len(words.split()):])  # type: ignore[attr-defined]


@pytest.mark.parametrize("year", ["2025", "2026"])
def test_a_year_alone_is_refused_naming_both_financial_years(year: str) -> None:
    first = int(year)
    result = run("annual", SAMPLE, "--year", year, "--format", "json")
    assert_one_line_error(result, "--year", f"{first - 1}-{first % 100:02d}",
                          f"{first}-{(first + 1) % 100:02d}")


def test_outputs_are_never_replaced_silently(tmp_path: Path) -> None:
    worklist = tmp_path / "worklist.csv"
    worklist.write_text("kept\n")
    due = ["due", SAMPLE, "--as-at", "2026-03-02", "--format", "csv", "--out", worklist]
    assert_one_line_error(run(*due), str(worklist), "--force")
    assert worklist.read_text() == "kept\n"
    assert run(*due, "--force").returncode == 0
    assert "kept" not in worklist.read_text()

    drawn = tmp_path / "sample.csv"
    drawn.write_text("kept\n")
    sample = ["sample", SAMPLE, *FY, "--size", "10", "--seed", "1", "--out", drawn]
    assert_one_line_error(run(*sample), "already there", "--force")
    assert drawn.read_text() == "kept\n"

    annual = tmp_path / "annual"
    annual.mkdir()
    (annual / "annual_report.xlsx").write_text("kept\n")
    assert_one_line_error(run("annual", SAMPLE, "--year", "2025-26", "--out", annual),
                          "annual_report.xlsx", "--force")
    assert (annual / "annual_report.xlsx").read_text() == "kept\n"

    paper = tmp_path / "paper.html"
    paper.write_text("kept\n")
    assert_one_line_error(run("paper", tmp_path, "--out", paper), "paper.html", "--force")
    assert paper.read_text() == "kept\n"
