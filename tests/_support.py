"""Helpers shared by the test modules: the CLI as a user runs it, and the sample runs."""

from __future__ import annotations

import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).parent.parent
SAMPLE = ROOT / "data_samples"
FY_2025 = ["--start", "2025-04-01", "--end", "2026-03-31"]
FY_2024 = ["--start", "2024-04-01", "--end", "2025-03-31"]
CHROMIUM = "/usr/bin/chromium"
"""Debian's Chromium, installed by scripts/install-chromium.sh (browser downloads are impossible
here, so Playwright drives it through ``executable_path``)."""
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update",
                 "--disable-sync"]
"""Without the background-networking flags Chromium keeps calling hosts this network refuses."""
ARTIFACTS = ROOT / "test-artifacts"
"""Screenshots and timings the browser tests leave for people to look at (git-ignored)."""


def mappa(*args: str | Path, timeout: int = 600) -> subprocess.CompletedProcess[str]:
    """Run the mappa-audit command line as a user would."""
    return subprocess.run(
        [sys.executable, "-m", "mappa_audit", *map(str, args)],
        capture_output=True, text=True, check=False, timeout=timeout,
    )


def mappa_in_process(*args: str | Path) -> subprocess.CompletedProcess[str]:
    """Run the command line in this process through typer's ``CliRunner``: the same command
    group, one-line errors and exit codes as the script, without a Python start and the
    imports for each call (about a second each). Keep :func:`mappa` for what only a real
    process shows: the console script, signals, a kernel, files left by a killed run."""
    from typer.testing import CliRunner

    from mappa_audit._cli import app

    words = [str(arg) for arg in args]
    result = CliRunner().invoke(app, words, catch_exceptions=False)
    return subprocess.CompletedProcess(["mappa-audit", *words], result.exit_code,
                                       result.stdout, result.stderr)


def folders_printed(result: subprocess.CompletedProcess[str]) -> list[Path]:
    return [Path(line) for line in result.stdout.splitlines() if line.strip()]


@dataclass(frozen=True)
class SampleRuns:
    """One runs folder holding the runs the slow tests look at."""

    folder: Path
    board: Path
    """FY 2025-26, all areas, board audience."""
    earlier_board: Path
    """FY 2024-25, all areas, board audience: the run the board compares with."""
    auditor: list[Path]
    """FY 2025-26, one run per area, auditor audience."""


def write_dataset(folder: Path, tables: dict[str, list[dict[str, str]]]) -> Path:
    """A dataset folder of CSV files from rows of text (columns as the rows give them)."""
    import polars as pl

    folder.mkdir(parents=True)
    for name, rows in tables.items():
        pl.DataFrame(rows).write_csv(folder / f"{name}.csv")
    return folder


def sample_with(folder: Path, replace: dict[str, dict[str, str]]) -> Path:
    """A copy of ``data_samples/`` in ``folder`` with some values replaced, column by column
    in every table that has the column (so a renamed ``case_id`` stays joined up)."""
    import polars as pl

    folder.mkdir(parents=True)
    for source in sorted(SAMPLE.glob("*.csv")):
        table = pl.read_csv(source, infer_schema=False)
        table = table.with_columns(
            pl.col(column).replace(mapping) for column, mapping in replace.items()
            if column in table.columns
        )
        table.write_csv(folder / source.name)
    return folder


AXE = ROOT / ".tools" / "node_modules" / "axe-core" / "axe.min.js"
"""axe-core from npm (scripts/install-axe.sh, pinned), Deque's accessibility engine."""
WCAG_22_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
"""axe-core's rule tags for WCAG 2.2 level AA (every level A and AA rule of 2.0, 2.1, 2.2)."""


def axe_violations(page: Any) -> list[str]:
    """axe-core's WCAG 2.2 AA violations on ``page`` as it is now, one line each (rule, impact,
    how many elements, the first element, and axe's advice), for an assertion message.

    The engine is evaluated in the page through the DevTools protocol, which the page's
    Content-Security-Policy does not govern (a ``<script>`` tag would be refused)."""
    assert AXE.is_file(), "axe-core is missing: run bash scripts/install-axe.sh"
    page.evaluate(AXE.read_text(encoding="utf-8"))
    found = page.evaluate(
        "tags => axe.run(document, {runOnly: {type: 'tag', values: tags},"
        " resultTypes: ['violations']})", WCAG_22_AA)
    return [f"{v['id']} ({v['impact']}, {len(v['nodes'])} elements, first "
            f"{v['nodes'][0]['target']}): {v['nodes'][0]['failureSummary']}"
            for v in found["violations"]]


FUZZ_FOLDER_ENV = "MAPPA_FUZZ_FOLDER"
"""Where the 10,000-example fuzz run's processes write their output, ``<seed>.log``, and
exit status, ``<seed>.rc`` (``seeds`` lists each seed and its process): made by the pytest
process that starts them (tests/conftest.py), read by the test, which may run in another
(a pytest-xdist worker, which inherits the environment)."""
