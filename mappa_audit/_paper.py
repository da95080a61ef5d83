"""The board paper: the board view of a run as one self-contained document (HTML or PDF).

Page one carries what a Strategic Management Board reads first: the period, the policy and
whether its standards are confirmed, the data-quality note, the RAG table and the change
since the last run. Charts are inline SVG drawn here, so the paper prints, needs no script
and makes no request to any other host. PDF is printed by headless Chromium.
"""

from __future__ import annotations

import html
import shutil
import subprocess
import tempfile
from pathlib import Path

from mappa_audit._errors import UsageError
from mappa_audit._files import write_bytes_atomically
from mappa_audit._privacy import check_board_suppression
from mappa_audit._report import (
    RAG_COLOURS,
    THEME_TITLES,
    AuditReport,
    glossary_html,
    previous_report,
)
from mappa_audit._store import has_results

CHROMIUM_NAMES = ("chromium", "chromium-browser", "google-chrome", "chrome")
_STYLE = """
@page { size: A4; margin: 14mm 12mm; }
body { font-family: "DejaVu Sans", system-ui, sans-serif; font-size: 10.5pt; color: #111; }
.marking { background: #1f1f1f; color: #fff; font-weight: bold; text-align: center;
  padding: 4px; letter-spacing: .08em; }
h1 { font-size: 18pt; margin: 10px 0 4px; } h2 { font-size: 13pt; margin: 14px 0 6px; }
.banner { border-left: 5px solid #1f4e79; background: #f3f6fa; padding: 6px 10px; }
.section { break-before: page; }
.charts { display: flex; flex-wrap: wrap; gap: 8px; }
.chart { width: 48%; break-inside: avoid; }
.chart p { margin: 2px 0 6px; font-size: 9pt; }
table.mappa { font-size: 8pt !important; width: 100%; }
table.mappa td, table.mappa th { padding: 2px 5px !important; }
table.mappa td:first-child { white-space: nowrap; }
table.mappa tr { break-inside: avoid; }
"""


def render_paper(run_folder: str | Path, *, allow_small_suppression: bool = False) -> str:
    """The board paper of a recorded run, as one HTML document (aggregates only).

    Raises :class:`~mappa_audit.SmallSuppressionError` when the run's policy has a
    ``suppress_below`` under 5, unless ``allow_small_suppression``.
    """
    folder = Path(run_folder)
    if not has_results(folder):
        msg = f"{folder} is not a finished run folder (no results.json)"
        raise UsageError(msg, "give a folder that `mappa-audit run` reported as succeeded")
    report = AuditReport.from_run(folder, "board")
    check_board_suppression(report.suppress_below,
                            str(report.document["policy"].get("name", "of the run")),
                            allow_small_suppression=allow_small_suppression)
    previous = previous_report(folder, report)
    banner = "".join(f"<div>{html.escape(line)}</div>" for line in report.banner_text())
    sections = []
    for theme, title in THEME_TITLES.items():
        charts = []
        for rule_id in report.rules_of(theme):
            charts.append(
                f"<div class='chart'>{_quarter_svg(report, rule_id)}"
                f"<p>{html.escape(report.sentence(rule_id))}</p></div>")
        sections.append(f"<h2>{title}</h2><div class='charts'>{''.join(charts)}</div>")
    return (
        "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>"
        f"<title>MAPPA audit: board paper</title><style>{_STYLE}</style></head><body>"
        "<div class='marking'>OFFICIAL-SENSITIVE: MAPPA board paper (aggregates only)</div>"
        f"<h1>MAPPA audit: board paper</h1><div class='banner'>{banner}<div><i>Counts from "
        f"1 to {report.suppress_below - 1} are shown as &lt;{report.suppress_below}; rates of "
        f"fewer than {report.suppress_below} items are not shown.</i></div></div>"
        f"<h2>Every rule at a glance</h2>{report.headline_html()}"
        f"<h2>Change since the last run</h2>{report.change_html(previous)}"
        f"<div class='section'><h2>Watch list</h2>{report.signals_html(previous)}"
        f"<h2>Coming due after the as-at date</h2>{report.due_by_week_html()}"
        f"<h2>Data quality</h2>{report.data_quality_html()}</div>"
        f"<div class='section'>{''.join(sections)}</div>"
        f"<div class='section'><h2>Words used</h2>{glossary_html()}</div>"
        "</body></html>"
    )


def _quarter_svg(report: AuditReport, rule_id: str) -> str:
    """The rule's rate per quarter as bars against the target line (board suppression)."""
    entry = report.rule(rule_id)
    frame = report.shown(report.breakdown(rule_id, "quarter"))
    width, height, left, bottom = 330, 150, 34, 24
    plot_h = height - bottom - 18
    target_y = 18 + plot_h * (1 - entry["target"])
    bars = []
    count = max(frame.height, 1)
    slot = (width - left - 6) / count
    for index, row in enumerate(frame.iter_rows(named=True)):
        x = left + index * slot + slot * 0.15
        label = html.escape(str(row["value"]))
        bars.append(f"<text x='{x + slot * 0.35:.1f}' y='{height - 8}' font-size='9' "
                    f"text-anchor='middle'>{label}</text>")
        if row["rate"] is None:
            bars.append(f"<text x='{x + slot * 0.35:.1f}' y='{18 + plot_h - 4}' font-size='8' "
                        "text-anchor='middle' fill='#666'>too few</text>")
            continue
        bar_h = plot_h * row["rate"]
        colour = RAG_COLOURS.get(row["rag"], RAG_COLOURS["none"])
        bars.append(
            f"<rect x='{x:.1f}' y='{18 + plot_h - bar_h:.1f}' width='{slot * 0.7:.1f}' "
            f"height='{bar_h:.1f}' fill='{colour}'/>"
            f"<text x='{x + slot * 0.35:.1f}' y='{18 + plot_h - bar_h - 2:.1f}' font-size='8' "
            f"text-anchor='middle'>{row['rate'] * 100:.0f}%</text>")
    title = html.escape(f"{rule_id}: rate by quarter")
    return (
        f"<svg xmlns='http://www.w3.org/2000/svg' width='{width}' height='{height}' "
        f"role='img' aria-label='{title}'>"
        f"<text x='0' y='11' font-size='10' font-weight='bold'>{title}</text>"
        f"<line x1='{left}' y1='{18 + plot_h}' x2='{width}' y2='{18 + plot_h}' stroke='#999'/>"
        f"<text x='0' y='{18 + plot_h}' font-size='8'>0%</text>"
        f"<text x='0' y='24' font-size='8'>100%</text>{''.join(bars)}"
        f"<line x1='{left}' y1='{target_y:.1f}' x2='{width}' y2='{target_y:.1f}' "
        f"stroke='{RAG_COLOURS['red']}' stroke-dasharray='4 3'/>"
        f"<text x='{width - 2}' y='{target_y - 2:.1f}' font-size='8' text-anchor='end' "
        f"fill='{RAG_COLOURS['red']}'>target {entry['target'] * 100:.0f}%</text></svg>"
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
