"""The board paper: the board view of a run as one self-contained document (HTML or PDF).

Page one carries what a Strategic Management Board reads first: the period, the policy and
whether its standards are confirmed, the data-quality note, the RAG table and the change
since the last run; the last pages the "Outcomes and equality" theme (the run's annual
tables, ``outcomes.json``). The paper is ``templates/views/paper.html.j2`` filled with the
same view models as the reports and dashboards; its charts are inline SVG laid out from the
same chart data (:mod:`mappa_audit._charts`), so the paper prints, needs no script and makes
no request to any other host. PDF is printed by headless Chromium.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from mappa_audit import _views as views
from mappa_audit._annual import board_document
from mappa_audit._board_summary import board_summary, by_concern
from mappa_audit._charts import SvgChart, svg_chart, svg_ranked_chart
from mappa_audit._errors import UsageError
from mappa_audit._files import write_bytes_atomically
from mappa_audit._outcome_views import outcomes_theme
from mappa_audit._privacy import check_board_suppression
from mappa_audit._render import render
from mappa_audit._report import AuditReport, previous_report
from mappa_audit._store import INDEX_NAME, has_results, read_outcomes, successful_runs

CHROMIUM_NAMES = ("chromium", "chromium-browser", "google-chrome", "chrome")


@dataclass(frozen=True)
class PaperChart:
    """A rule on the paper's chart pages: its rate by quarter, and its sentence."""

    chart: SvgChart
    sentence: str


@dataclass(frozen=True)
class PaperSection:
    title: str
    rules: tuple[PaperChart, ...]


def render_paper(run_folder: str | Path, *, allow_small_suppression: bool = False) -> str:
    """The board paper of a recorded run, as one HTML document (aggregates only).

    Raises :class:`~mappa_audit.SmallSuppressionError` when the run's policy has a
    ``suppress_below`` under 5, unless ``allow_small_suppression``.
    """
    folder = Path(run_folder)
    if not has_results(folder):
        msg = f"{folder} is not a finished run folder (no results.json)"
        board_runs = successful_runs(folder, "board") if (folder / INDEX_NAME).is_file() else []
        if board_runs:  # the folder that holds the runs: name its newest board run
            raise UsageError(msg, f"{folder} holds run folders; give one of them, such as the "
                                  f"newest board run {folder / board_runs[0]['folder']}")
        raise UsageError(msg, "give a folder that `mappa-audit run` reported as succeeded")
    report = AuditReport.from_run(folder, "board")  # refuses an auditor run (decision 64)
    check_board_suppression(report.suppress_below,
                            str(report.document["policy"].get("name", "of the run")),
                            allow_small_suppression=allow_small_suppression)
    previous = previous_report(folder, report)
    sections = tuple(
        PaperSection(title=section.title, rules=tuple(
            PaperChart(chart=svg_chart(views.quarter_chart(report, rule.rule_id)),
                       sentence=rule.sentence)
            for rule in section.rules))
        for section in views.theme_sections(report)
    )
    document = read_outcomes(folder)
    outcomes = (None if document is None
                else outcomes_theme(board_document(document, report.suppress_below)))
    return render(
        "paper.html.j2",
        banner_view=views.banner(report),
        summary=board_summary(report, previous),
        headline_rows=views.headline_rows(report, by_concern(
            report, [rule["rule_id"] for rule in report.document["rules"]])),
        changes=views.change_table(report, previous),
        signals_view=views.signals(report, previous),
        weeks=views.due_by_week(report),
        quality=views.data_quality(report),
        sections=sections,
        outcomes=outcomes,
        outcome_svgs=() if outcomes is None else tuple(
            svg_ranked_chart(chart) for chart in outcomes.charts),
        entries=views.glossary(report),
    )


def find_chromium() -> str:
    """The headless browser that prints the PDF."""
    for name in CHROMIUM_NAMES:
        found = shutil.which(name)
        if found:
            return found
    msg = "PDF needs Chromium, which is not installed"
    raise UsageError(msg, "run `bash scripts/install-chromium.sh`, or make the paper as HTML")


def print_pdf(html_text: str, out: Path) -> None:
    """Print an HTML document to PDF with headless Chromium (offline, no header or footer).

    Chromium prints into a private temporary folder; the PDF is then moved into place with
    mode ``0640``, like every file that holds board figures.
    """
    chromium = find_chromium()
    with tempfile.TemporaryDirectory(prefix="mappa-paper-") as work:
        page = Path(work) / "paper.html"
        printed = Path(work) / "paper.pdf"
        page.write_text(html_text, encoding="utf-8")
        command = [
            chromium, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
            "--disable-background-networking", "--disable-component-update", "--disable-sync",
            f"--user-data-dir={Path(work) / 'profile'}", "--no-pdf-header-footer",
            f"--print-to-pdf={printed}", page.as_uri(),
        ]
        try:
            completed = subprocess.run(command, capture_output=True, text=True, timeout=180,
                                       check=False)
        except subprocess.TimeoutExpired:
            msg = "Chromium did not finish printing the PDF within 3 minutes"
            raise UsageError(msg, "try again, or make the paper as HTML") from None
        if completed.returncode != 0 or not printed.exists() or printed.stat().st_size == 0:
            last = (completed.stderr.strip().splitlines() or ["no output"])[-1]
            msg = f"Chromium could not print the PDF: {last}"
            raise UsageError(msg, "make the paper as HTML and print it from a browser")
        write_bytes_atomically(out, printed.read_bytes())
