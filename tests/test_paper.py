"""`mappa-audit paper`: the board paper of a run, as HTML and as a printed PDF."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

from _support import SampleRuns, mappa

pytestmark = pytest.mark.slow


def test_html_paper_is_self_contained_and_aggregate_only(sample_runs: SampleRuns,
                                                         tmp_path: Path) -> None:
    out = tmp_path / "paper.html"
    result = mappa("paper", sample_runs.board, "--out", out)
    assert result.returncode == 0, result.stderr
    text = out.read_text(encoding="utf-8")
    first_page = text[: text.index('class="section"')]
    for fragment in ("1 April 2025 to 31 March 2026", "Policy: MAPPA default",
                     "Every rule at a glance", "below target", "Change since the last run",
                     "Compared with the run for 1 April 2024 to 31 March 2025"):
        assert fragment in first_page, fragment
    assert "SYN-" not in text
    assert "SYNTHETIC TEST DATA" not in text
    assert not re.search(r"(src|href)=['\"]?https?:", text)  # nothing to fetch from elsewhere
    assert "<script" not in text
    # the table "the most concerning first" is in order of concern, not of rule code
    glance = text[text.index("Every rule at a glance"):]
    glance = glance[:glance.index("</table>")]
    concern = ["below target", "near target", "too few", "on target"]
    ratings = [concern.index(words) for words in re.findall("|".join(concern), glance)]
    assert len(ratings) == 17
    assert ratings == sorted(ratings)
    # one chart per rule, and the three ranked level-use charts of "Outcomes and equality"
    assert text.count("<svg") == 17 + 3
    outcomes = text[text.index("<h2>Outcomes and equality</h2>"):]
    assert "Charges of a serious further offence, by level at the time" in outcomes
    assert "Relative rate index" in outcomes
    assert not re.search(r">\s*[1-4]\s*<", outcomes)  # a group of 1 to 4 is "<5"


@pytest.mark.browser
def test_pdf_paper_first_page_shows_the_rag_table(sample_runs: SampleRuns,
                                                  tmp_path: Path) -> None:
    out = tmp_path / "paper.pdf"
    result = mappa("paper", sample_runs.board, "--out", out)  # the ending asks for a PDF
    assert result.returncode == 0, result.stderr
    assert out.read_bytes().startswith(b"%PDF")
    subprocess.run(["pdftoppm", "-r", "40", "-gray", "-f", "1", "-l", "1", "-singlefile",
                    str(out), str(tmp_path / "page")], check=True, timeout=120)
    header, pixels = _read_pgm(tmp_path / "page.pgm")
    width, height = header
    dark = sum(1 for value in pixels if value < 128)
    assert dark > 0.02 * width * height, "the first page is blank"
    assert dark < 0.6 * width * height, "the first page is mostly black"
    text = subprocess.run(["pdftotext", "-f", "1", "-l", "1", str(out), "-"],
                          capture_output=True, text=True, check=True, timeout=60).stdout
    assert "Every rule at a glance" in text
    assert "TML-01" in text  # the furthest below target, first
    assert "below target" in text
    html = tmp_path / "paper.html"
    assert mappa("paper", sample_runs.board, "--out", html).returncode == 0
    headings = {re.sub(r"\s+", " ", text).strip() for text in
                re.findall(r"<h[23][^>]*>([^<]+)<", html.read_text(encoding="utf-8"))}
    _assert_pages_are_filled(out, tmp_path, headings)


def _assert_pages_are_filled(pdf: Path, folder: Path, headings: set[str]) -> None:
    """No page but the last is left more than half blank (a short section used to push the
    next to a new page), and none ends on a heading, or its first line, whose text is on
    the next."""
    assert "Words used" in headings
    subprocess.run(["pdftoppm", "-r", "30", "-gray", str(pdf), str(folder / "all")],
                   check=True, timeout=120)
    pages = sorted(folder.glob("all-*.pgm"))
    assert len(pages) > 3
    for number, page in enumerate(pages[:-1], start=1):
        (width, height), pixels = _read_pgm(page)
        inked = [row for row in range(height)
                 if min(pixels[row * width:(row + 1) * width]) < 128]
        assert inked[-1] > height / 2, f"page {number} is more than half blank"
        text = subprocess.run(["pdftotext", "-layout", "-f", str(number), "-l", str(number),
                               str(pdf), "-"], capture_output=True, text=True, check=True,
                              timeout=60).stdout
        last = " ".join([line.split() for line in text.splitlines() if line.strip()][-1])
        assert not any(heading.startswith(last) for heading in headings), (
            f"page {number} ends on the heading {last!r}")


def test_a_paper_named_for_one_format_is_not_written_in_the_other(sample_runs: SampleRuns,
                                                                  tmp_path: Path) -> None:
    result = mappa("paper", sample_runs.board, "--format", "html", "--out",
                   tmp_path / "paper.pdf")
    assert result.returncode == 2
    assert "ends in .pdf but --format is html" in result.stderr
    assert list(tmp_path.iterdir()) == []


def test_paper_of_a_folder_that_is_not_a_run(tmp_path: Path) -> None:
    result = mappa("paper", tmp_path)
    assert result.returncode == 2
    assert "not a finished run folder" in result.stderr


def test_paper_of_the_runs_folder_names_a_run_in_it(sample_runs: SampleRuns) -> None:
    """`paper runs` is the easy slip: the hint names the newest board run to give."""
    result = mappa("paper", sample_runs.folder)
    assert result.returncode == 2
    assert "not a finished run folder" in result.stderr
    assert f"such as the newest board run {sample_runs.board}" in result.stderr
    assert "Traceback" not in result.stderr


def _read_pgm(path: Path) -> tuple[tuple[int, int], bytes]:
    data = path.read_bytes()
    fields = data.split(maxsplit=4)  # P5, width, height, maxval, pixels
    assert fields[0] == b"P5"
    return (int(fields[1]), int(fields[2])), fields[4]
