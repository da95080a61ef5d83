"""`mappa-audit run`: real papermill runs of the real notebooks into run folders."""

from __future__ import annotations

import contextlib
import hashlib
import json
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import nbformat
import polars as pl
import pytest

from mappa_audit._privacy import hide_small_in_results
from mappa_audit._runs import RunInterrupted, _Interruptions
from mappa_audit._store import read_index

from _support import FY_2025, SAMPLE, SampleRuns, folders_printed, mappa

FY = FY_2025
RUN_FILES = {"manifest.json", "results.json", "rule_results.parquet", "quarantine.parquet",
             "quarantine_summary.parquet", "area_results.parquet",
             "disclosure_summary.parquet", "outcomes.json", "audit_report.ipynb",
             "audit_report.html", "disclosure_review.ipynb", "disclosure_review.html"}

pytestmark = pytest.mark.slow
run_folders = folders_printed


@pytest.fixture
def runs(sample_runs: SampleRuns) -> Path:
    return sample_runs.folder


@pytest.fixture
def board_run(sample_runs: SampleRuns) -> Path:
    return sample_runs.board


@pytest.fixture
def auditor_runs(sample_runs: SampleRuns) -> list[Path]:
    return sample_runs.auditor


def check(*args: str) -> dict[str, object]:
    result = mappa("check", SAMPLE, *FY, "--format", "json", *args)
    assert result.returncode == 0, result.stderr
    document: dict[str, object] = json.loads(result.stdout)
    return document


def counts(document: dict[str, object]) -> list[tuple[object, ...]]:
    rules = document["rules"]
    assert isinstance(rules, list)
    return [(r["rule_id"], r["compliant"], r["non_compliant"], r["pending"],
             r["not_assessable"], r["rate"], r["rag"]) for r in rules]


def test_board_run_leaves_a_complete_folder(board_run: Path) -> None:
    assert {p.name for p in board_run.iterdir()} == RUN_FILES
    assert re.fullmatch(r"\d{8}T\d{6}Z_all_2025-04-01_2026-03-31", board_run.name)
    manifest = json.loads((board_run / "manifest.json").read_text())
    assert manifest["outcome"] == "succeeded"
    assert manifest["parameters"]["audience"] == "board"
    assert {i["name"] for i in manifest["inputs"]} >= {"cases.csv", "meetings.csv"}
    assert all(len(i["sha256"]) == 64 for i in manifest["inputs"])
    assert manifest["policy"]["name"] == "MAPPA default"
    for key in ("tool_version", "versions", "user", "host", "started_at", "finished_at"):
        assert manifest[key], key


def test_results_match_check_for_the_same_arguments(board_run: Path) -> None:
    results = json.loads((board_run / "results.json").read_text())
    # the board's copy is check's with counts from 1 to 4 hidden (null), a few more withheld
    # so that none can be worked out (decision 55), and no rate or RAG from fewer than 5
    # items or from a hidden count: whatever is shown is check's
    primary = hide_small_in_results(check(), 5)
    for board, exact in zip(results["rules"], primary["rules"], strict=True):
        withheld = board.get("withheld", [])
        for name in ("compliant", "non_compliant", "pending", "not_assessable", "population"):
            assert board[name] == (None if name in withheld else exact[name]), name
        assert board["rate"] in (None, exact["rate"])
        assert board["rag"] == (exact["rag"] if board["rate"] is not None else "none")
    headline = pl.read_parquet(board_run / "rule_results.parquet").filter(
        pl.col("dimension") == "all")
    assert headline["rule_id"].to_list() == [r[0] for r in counts(results)]


def test_executed_notebook_records_the_injected_parameters(board_run: Path) -> None:
    notebook = nbformat.read(board_run / "audit_report.ipynb", as_version=4)
    injected = [c for c in notebook.cells if "injected-parameters" in c.metadata.get("tags", [])]
    assert len(injected) == 1
    assert 'audience = "board"' in injected[0].source
    assert f'dataset = "{SAMPLE.resolve()}"' in injected[0].source
    assert notebook.metadata["papermill"]["parameters"]["start"] == "2025-04-01"


def test_board_output_holds_no_case_id_or_free_text(board_run: Path) -> None:
    case_ids = set(pl.read_csv(SAMPLE / "cases.csv", infer_schema=False)["case_id"])
    disclosures = pl.read_csv(SAMPLE / "disclosures.csv", infer_schema=False)
    free_text = {v for c in ("rationale", "not_informed_reason")
                 for v in disclosures[c].drop_nulls()}
    meeting_ids = set(pl.read_csv(SAMPLE / "meetings.csv", infer_schema=False)["meeting_id"])
    assert free_text
    assert case_ids
    for name in ("audit_report.html", "disclosure_review.html", "audit_report.ipynb",
                 "disclosure_review.ipynb", "results.json"):
        text = (board_run / name).read_text(encoding="utf-8")
        found = set(re.findall(r"SYN-[A-Z]\d{7}", text))
        assert not found & (case_ids | meeting_ids), (name, sorted(found)[:5])
        assert "SYNTHETIC TEST DATA" not in text, name
    assert not (board_run / "exceptions.parquet").exists()


def test_board_report_suppresses_small_numbers(board_run: Path) -> None:
    html = (board_run / "audit_report.html").read_text(encoding="utf-8")
    results = json.loads((board_run / "results.json").read_text())
    assert "aggregates only" in html
    small = [d for d in check()["data_quality"] if 0 < d["rows"] < 5]
    assert small, "the sample should have a small data-quality count to hide"
    stored = {d["rule_id"]: d["rows"] for d in results["data_quality"]}
    for finding in small:  # its own row shows <5, never the count (the banner always says <5)
        assert stored[finding["rule_id"]] is None, "the board's results.json hides it too"
        row = re.search(rf"<tr><td>{finding['rule_id']}</td>.*?</tr>", html)
        assert row is not None, finding["rule_id"]
        assert '<td class="num">&lt;5</td>' in row.group(0), row.group(0)
        assert f'<td class="num">{finding["rows"]}</td>' not in row.group(0)


def test_each_area_makes_one_folder_per_area_matching_check(auditor_runs: list[Path]) -> None:
    areas = sorted(set(pl.read_csv(SAMPLE / "cases.csv", infer_schema=False)["area"]))
    assert len(auditor_runs) == len(areas)
    for folder in auditor_runs:
        results = json.loads((folder / "results.json").read_text())
        assert results["area"] in areas
        assert counts(results) == counts(check("--area", results["area"]))
        exceptions = pl.read_parquet(folder / "exceptions.parquet")
        assert set(exceptions["area"]) <= {results["area"]}
        assert exceptions.height == sum(r[2] + r[4] for r in counts(results))  # type: ignore[operator]
        html = (folder / "audit_report.html").read_text(encoding="utf-8")
        assert "holds case references" in html


def test_runs_index_lists_every_run(runs: Path, board_run: Path,
                                    auditor_runs: list[Path]) -> None:
    index = read_index(runs)
    folders = {entry["folder"] for entry in index}
    assert {board_run.name, *(f.name for f in auditor_runs)} <= folders
    entry = next(e for e in index if e["folder"] == board_run.name)
    assert entry["outcome"] == "succeeded"
    assert entry["area"] is None


def test_bad_dataset_fails_before_any_notebook_and_says_why(tmp_path: Path) -> None:
    first = mappa("run", tmp_path / "no-such-data", *FY, "--out", tmp_path / "runs")
    second = mappa("run", tmp_path / "no-such-data", *FY, "--out", tmp_path / "runs")
    assert first.returncode == 3
    assert "Traceback" not in first.stderr
    assert "does not exist" in first.stderr
    folders = run_folders(first) + run_folders(second)
    assert len(set(folders)) == 2  # two runs, two folders, even within one second
    manifest = json.loads((folders[0] / "manifest.json").read_text())
    assert manifest["outcome"] == "failed"
    assert "does not exist" in manifest["reason"]
    # nothing was audited, so there is nothing for a notebook to show (decision 38)
    assert manifest["notebooks"] == []
    assert manifest["files"] == []
    assert [p.name for p in folders[0].iterdir()] == ["manifest.json"]
    assert [e["outcome"] for e in read_index(tmp_path / "runs")] == ["failed", "failed"]


def test_named_period_counts_back_from_today(tmp_path: Path) -> None:
    result = mappa("run", SAMPLE, "--period", "last-quarter", "--today", "2026-05-10",
                   "--area", "Eastvale", "--out", tmp_path)
    assert result.returncode == 0, result.stderr
    [folder] = run_folders(result)
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["period"] == {"start": "2026-01-01", "end": "2026-03-31",
                                  "as_at": "2026-03-31"}
    assert folder.name.endswith("_eastvale_2026-01-01_2026-03-31")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--period", "last-week"], "is not one of"),
        (["--period", "last-month", "--start", "2026-01-01"], "not both"),
        (["--start", "2026-01-01"], "give the period"),
        ([*FY, "--area", "Eastvale", "--each-area"], "--area or --each-area"),
        ([*FY, "--audience", "public"], "audience 'public'"),
        ([*FY, "--out", "/proc/no-runs-here"], "cannot write run folders"),
    ],
)
def test_bad_run_arguments_are_one_line_errors(args: list[str], message: str) -> None:
    result = mappa("run", SAMPLE, *args)
    assert result.returncode == 2
    assert message in result.stderr
    assert "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_same_inputs_give_byte_identical_results(tmp_path: Path, board_run: Path) -> None:
    # timestamps live only in the manifest; results and parquet files are reproducible
    result = mappa("run", SAMPLE, *FY, "--audience", "board", "--out", tmp_path)
    assert result.returncode == 0, result.stderr
    [again] = run_folders(result)
    for name in ("results.json", "rule_results.parquet", "area_results.parquet",
                 "quarantine.parquet", "quarantine_summary.parquet"):
        assert (again / name).read_bytes() == (board_run / name).read_bytes(), name


def test_a_run_never_changes_its_inputs(board_run: Path) -> None:
    manifest = json.loads((board_run / "manifest.json").read_text())
    for entry in manifest["inputs"]:
        path = SAMPLE / entry["name"]
        assert hashlib.sha256(path.read_bytes()).hexdigest() == entry["sha256"], entry["name"]
    assert not [p for p in SAMPLE.iterdir() if p.suffix not in {".csv", ".md"}]


def test_sigterm_leaves_an_interrupted_manifest(tmp_path: Path) -> None:
    process = subprocess.Popen(
        [sys.executable, "-m", "mappa_audit", "run", str(SAMPLE), *FY, "--out", str(tmp_path)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    deadline = time.monotonic() + 120
    while not list(tmp_path.glob("*/audit_report.ipynb")) and time.monotonic() < deadline:
        time.sleep(0.2)  # papermill writes the notebook as soon as it starts on it
    process.send_signal(signal.SIGTERM)
    _, stderr = process.communicate(timeout=120)
    assert process.returncode == 130, (process.returncode, stderr[-2000:])
    [folder] = [p for p in tmp_path.iterdir() if p.is_dir()]
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["outcome"] == "interrupted"
    assert "SIGTERM" in manifest["reason"]
    assert (folder / "audit_report.ipynb").exists()
    assert not list(folder.glob(".*.tmp"))  # no half-written file left behind
    assert [e["outcome"] for e in read_index(tmp_path)] == ["interrupted"]


def test_a_sigterm_whose_exception_python_swallowed_still_stops_the_run() -> None:
    # A signal handler's exception is raised wherever the main thread is; inside a weakref
    # callback Python prints "Exception ignored in ..." and carries on (seen in CI: the run
    # then finished as if no SIGTERM had come). The run checks again after each notebook.
    interruptions = _Interruptions(may_raise=True)
    with contextlib.suppress(RunInterrupted):  # what Python does with it in a weakref callback
        interruptions.handle(signal.SIGTERM, None)
    with pytest.raises(RunInterrupted, match="SIGTERM"):
        interruptions.raise_if_pending()


def test_board_report_shows_change_watch_list_and_coming_due(board_run: Path) -> None:
    html = (board_run / "audit_report.html").read_text(encoding="utf-8")
    # the session's runs hold FY 2024-25 too: the change is against it
    assert "Compared with the run for 1 April 2024 to 31 March 2025" in html
    assert "points better" in html or "points worse" in html
    assert "not compliance rates" in html
    assert "Since the last run" in html  # the watch list's change too
    results = json.loads((board_run / "results.json").read_text())
    assert [s["signal_id"] for s in results["signals"]] == ["SIG-01", "SIG-02", "SIG-03",
                                                            "SIG-04"]
    assert results["due_by_week"][0]["week"] == "overdue"
    assert not (board_run / "worklist.parquet").exists()  # case level: auditor runs only


def test_auditor_run_keeps_worklist_and_watch_list(auditor_runs: list[Path]) -> None:
    for folder in auditor_runs:
        area = json.loads((folder / "results.json").read_text())["area"]
        for name in ("worklist.parquet", "watch_list.parquet"):
            frame = pl.read_parquet(folder / name)
            assert set(frame["area"]) <= {area}, name


def test_auditor_run_keeps_the_rows_behind_its_data_quality_counts(
        auditor_runs: list[Path], board_run: Path) -> None:
    for folder in auditor_runs:
        document = json.loads((folder / "results.json").read_text())
        found = pl.read_parquet(folder / "data_quality.parquet")
        rows = dict(found.group_by("rule_id").len().iter_rows())
        assert {dq["rule_id"]: rows.get(dq["rule_id"], 0)
                for dq in document["data_quality"]} == {
            dq["rule_id"]: dq["rows"] for dq in document["data_quality"]}
        assert sum(rows.values()) > 0  # data_samples has rows for DQ-02, DQ-03 and DQ-05
        # an area's run: its own cases' rows, and those that name no known case
        assert set(found["area"].drop_nulls()) <= {document["area"]}
        assert found["case_id"].str.starts_with("SYN-").all()
    assert not (board_run / "data_quality.parquet").exists()  # case ids: auditors only


def test_a_reports_html_is_titled_for_what_it_is(tmp_path: Path) -> None:
    # without a title, nbconvert's lab template names every report "Notebook"; the title is
    # from the data (an area's name) and must stay text
    from mappa_audit._privacy import Audience
    from mappa_audit._runs import render_html

    notebook = tmp_path / "audit_report.ipynb"
    nbformat.write(nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("# Hi")]),
                   notebook)
    render_html(notebook, Audience.BOARD, title="MAPPA audit report: A<b>B</b>, 2025")
    html = notebook.with_suffix(".html").read_text(encoding="utf-8")
    assert "<title>MAPPA audit report: A&lt;b&gt;B&lt;/b&gt;, 2025</title>" in html
    render_html(notebook, Audience.BOARD)
    html = notebook.with_suffix(".html").read_text(encoding="utf-8")
    assert "<title>MAPPA audit report</title>" in html
    assert "<main>" in html
