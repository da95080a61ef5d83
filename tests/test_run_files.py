"""Run folders, their files and the runs index on a machine shared with other users (issue 14,
item 5): folders 0750 and files 0640 whatever the umask, and no index entry that leads out of
the runs folder."""

from __future__ import annotations

import json
import logging
import shutil
import stat
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from mappa_audit._report import AuditReport, previous_report
from mappa_audit._store import read_index

from _support import FY_2025, SAMPLE


def mode(path: Path) -> int:
    return stat.S_IMODE(path.lstat().st_mode)


def _start(umask: int, *args: str | Path) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, "-m", "mappa_audit", *map(str, args)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            umask=umask)


@pytest.fixture(scope="module")
def made(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """Real runs under three umasks, side by side (each is mostly a kernel starting)."""
    base = tmp_path_factory.mktemp("modes")
    # the board run adds itself to an index that names a folder outside the runs folder
    # ... and it is a folder shared by a group (set-group-id): run folders keep that bit
    runs = base / "u000" / "runs"
    runs.mkdir(parents=True)
    runs.chmod(0o2750)
    write_index(runs, [entry("../../etc", "2025-03-31")])
    started = {
        # the usual umask: today an auditor run's exceptions.parquet is world-readable
        "auditor run, umask 022": _start(0o022, "run", SAMPLE, *FY_2025, "--audience",
                                         "auditor", "--out", base / "u022" / "runs"),
        # no umask at all: everything would be world-writable
        "board run, umask 000": _start(0o000, "run", SAMPLE, *FY_2025, "--out",
                                       base / "u000" / "runs"),
        # a stricter umask than ours: the group still gets its read bit
        "annual, umask 077": _start(0o077, "annual", SAMPLE, "--year", "2025-26", "--out",
                                    base / "u077" / "annual"),
    }
    made: dict[str, Any] = {}
    for name, process in started.items():
        stdout, stderr = process.communicate(timeout=600)
        assert process.returncode == 0, stderr
        made[name] = Path(stdout.splitlines()[0])
        made[f"{name} stderr"] = stderr
    board = made["board run, umask 000"]
    paper = subprocess.run([sys.executable, "-m", "mappa_audit", "paper", str(board)],
                           capture_output=True, text=True, check=False, umask=0o000)
    assert paper.returncode == 0, paper.stderr
    return made | {"annual": made["annual, umask 077"].parent}


@pytest.mark.slow
@pytest.mark.parametrize(
    ("run", "folders"),
    [
        ("auditor run, umask 022", 0o750),  # the runs folder is made by the run
        ("board run, umask 000", 0o2750),  # a group's runs folder: the set-group-id bit stays
    ],
)
def test_run_folders_are_0750_and_their_files_0640(made: dict[str, Any], run: str,
                                                   folders: int) -> None:
    folder = made[run]
    runs = folder.parent
    assert oct(mode(runs)) == oct(folders)
    assert mode(runs / "index.json") == 0o640
    assert oct(mode(folder)) == oct(folders)
    files = sorted(folder.iterdir())
    assert {p.name for p in files} >= {"manifest.json", "results.json", "audit_report.ipynb",
                                       "audit_report.html", "quarantine.parquet"}
    if run.startswith("auditor"):
        assert folder / "exceptions.parquet" in files
    else:
        assert folder / "board_paper.html" in files  # `mappa-audit paper` writes it here
    assert {p.name: oct(mode(p)) for p in files} == {p.name: oct(0o640) for p in files}


@pytest.mark.slow
def test_annual_report_folder_is_0750_and_its_files_0640(made: dict[str, Any]) -> None:
    folder = made["annual"]
    assert mode(folder) == 0o750
    files = {p.name: oct(mode(p)) for p in folder.iterdir()}
    assert files == {name: oct(0o640) for name in ("annual_report.ipynb",
                                                   "annual_report.html", "annual_report.xlsx")}


# ---- the runs index ------------------------------------------------------------------------

def entry(folder: Any, end: str = "2026-03-31") -> dict[str, Any]:
    start = f"{int(end[:4]) - 1}-04-01"
    return {"folder": folder, "area": None, "start": start, "end": end, "period": None,
            "audience": "board", "policy": "MAPPA default", "outcome": "succeeded",
            "started_at": f"{end}T06:00:00+00:00", "finished_at": f"{end}T06:01:00+00:00"}


# (folder named by an entry, why it must be refused)
OUTSIDE = [
    ("../../etc", "climbs out of the runs folder"),
    ("../outside-run", "a run folder beside the runs folder"),
    ("/etc", "an absolute path"),
    ("escape", "a symbolic link in the runs folder that leads out of it"),
    ("good/../../outside-run", "a path that goes through a run folder and out"),
    (".", "the runs folder itself"),
    ("", "nothing"),
    (None, "not a string"),
    (42, "not a string"),
]


@pytest.fixture
def runs(tmp_path: Path) -> Path:
    """A runs folder with one good run, a link inside it and a link leading out of it."""
    runs = tmp_path / "runs"
    (runs / "good").mkdir(parents=True)
    (tmp_path / "outside-run").mkdir()
    (runs / "escape").symlink_to(tmp_path / "outside-run")
    (runs / "alias").symlink_to(runs / "good")
    return runs


def write_index(runs: Path, entries: list[Any]) -> None:
    (runs / "index.json").write_text(json.dumps({"format_version": 1, "runs": entries}))


@pytest.mark.parametrize(("folder", "why"), OUTSIDE)
def test_index_entries_outside_the_runs_folder_are_left_out(
        runs: Path, caplog: pytest.LogCaptureFixture, folder: Any, why: str) -> None:
    write_index(runs, [entry("good"), entry(folder, "2025-03-31"), entry("alias")])
    with caplog.at_level(logging.WARNING, logger="mappa_audit"):
        kept = read_index(runs)
    assert [e["folder"] for e in kept] == ["good", "alias"], why
    [warning] = caplog.records
    assert "outside" in warning.getMessage()
    assert str(runs) in warning.getMessage()


@pytest.mark.parametrize("document", [[], {"runs": {"folder": "good"}}, "runs"])
def test_an_index_without_a_list_of_runs_is_a_clear_error(runs: Path, document: Any) -> None:
    (runs / "index.json").write_text(json.dumps(document))
    with pytest.raises(Exception, match="holds no list of runs"):
        read_index(runs)


@pytest.mark.slow
def test_dashboard_and_comparison_ignore_a_run_outside_the_runs_folder(
        made: dict[str, Any], tmp_path: Path) -> None:
    from mappa_audit.dashboard import BoardOverview

    board = made["board run, umask 000"]
    runs = tmp_path / "runs"
    shutil.copytree(board, runs / board.name)
    # a real run folder outside the runs folder, offered as last year's run: the change since
    # the last run would read it, and the dashboard would list it
    shutil.copytree(board, tmp_path / "elsewhere")
    write_index(runs, [entry(board.name), entry("../elsewhere", "2025-03-31"),
                       entry("/etc", "2025-03-31")])
    overview = BoardOverview(runs)
    assert [folder for _, folder in overview.run.options] == [board.name]
    assert overview.report is not None  # the good run still shows
    report = AuditReport.from_run(runs / board.name, "board")
    assert previous_report(runs / board.name, report) is None


@pytest.mark.slow
def test_the_next_run_drops_entries_outside_the_runs_folder(made: dict[str, Any]) -> None:
    board = made["board run, umask 000"]
    stderr = made["board run, umask 000 stderr"]
    assert "warning: the runs index" in stderr  # said once, on stderr
    assert "'../../etc'" in stderr
    index = json.loads((board.parent / "index.json").read_text())
    assert [e["folder"] for e in index["runs"]] == [board.name]
