"""The bad-input catalogue: what a co-ordinator's damaged export gets from the command line.

Every case starts from the first five rows of each sample table (copied into ``tmp_path``),
breaks one thing, runs ``python -m mappa_audit`` as a user would and pins the outcome:

- ``Fatal``: exit 2, nothing on stdout, one line on stderr with a ``Hint:`` and the file,
  line, column or value that lets the user fix it, and no traceback (data-contract.md
  "Invalid input", results-format.md exit codes);
- ``Loaded``: ``validate --format json`` exits 0, lists exactly the quarantine entries the
  contract prescribes, and for every table ``rows_read = rows_kept + rows_quarantined +
  exact_duplicates_dropped``; the same folder then loads in-process and ``audit`` runs on it.

Where the spec is silent the current (reasonable) behaviour is pinned; where the code
contradicts the spec or docs/decisions.md, the code is fixed, not the case marked.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import itertools
import json
import subprocess
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import openpyxl
import polars as pl
import pytest

import mappa_audit as ma

from _support import mappa_in_process

ROOT = Path(__file__).parent.parent
SAMPLE = ROOT / "data_samples"
BASE_ROWS = 5
"""Data rows kept from each sample table; they are lines 2..6 of every base file."""
NEW = BASE_ROWS + 2
"""The line of the first row a case appends (the header is line 1)."""
FY = ("--start", "2025-04-01", "--end", "2026-03-31")
DATASET = "{dataset}"
POLICY = "{policy}"
VALIDATE = ("validate", DATASET, "--format", "json")
TABLE_NAMES = ("cases", "levels", "referrals", "meetings", "attendance", "disclosures", "actions",
               "level1_reviews", "events")

Setup = Callable[[Path], Path | None]
"""Damage the base dataset folder; return another path to give the CLI, or None."""


# --- building the inputs --------------------------------------------------------------------


def base_dataset(folder: Path) -> Path:
    folder.mkdir()
    for path in sorted(SAMPLE.glob("*.csv")):
        lines = path.read_bytes().splitlines()[: BASE_ROWS + 1]
        (folder / path.name).write_bytes(b"\n".join(lines) + b"\n")
    return folder


def header(table: str) -> list[str]:
    with (SAMPLE / f"{table}.csv").open(encoding="utf-8") as file:
        return next(csv.reader(file))


DEFAULTS = {
    "cases": {"case_id": "C9", "area": "Northmoor", "lau": "Northmoor South", "category": "1",
              "lead_agency": "police", "eligible_date": "2025-03-17"},
    "levels": {"case_id": "SYN-C0000001", "level": "2", "start_date": "2025-03-17"},
    "meetings": {"meeting_id": "M9", "case_id": "SYN-C0000001", "meeting_date": "2025-04-09",
                 "level": "2", "meeting_type": "initial", "status": "held",
                 "chair_agency": "police"},
    "attendance": {"meeting_id": "SYN-M0000001", "agency": "police", "invited": "yes",
                   "attended": "yes"},
    "disclosures": {"disclosure_id": "D9", "case_id": "SYN-C0000001", "decision_date":
                    "2025-04-09", "decision": "disclose", "rationale": "SYNTHETIC TEST DATA"},
    "events": {"event_id": "E9", "case_id": "SYN-C0000001", "event_type": "returned_to_custody",
               "event_date": "2025-04-09", "detail": "breach_of_licence"},
}


def row(table: str, **values: str) -> str:
    """One well-formed CSV line of ``table``: its defaults, overridden by ``values``."""
    cells = {**DEFAULTS[table], **values}
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerow([cells.get(c, "") for c in header(table)])
    return buffer.getvalue()


def append(table: str, *lines: str, encoding: str = "utf-8") -> Setup:
    def setup(folder: Path) -> None:
        path = folder / f"{table}.csv"
        path.write_bytes(path.read_bytes() + "".join(lines).encode(encoding))

    return setup


def write(name: str, content: str | bytes) -> Setup:
    def setup(folder: Path) -> None:
        data = content.encode("utf-8") if isinstance(content, str) else content
        (folder / name).write_bytes(data)

    return setup


def remove(*names: str) -> Setup:
    def setup(folder: Path) -> None:
        for name in names:
            (folder / name).unlink()

    return setup


def transform(table: str, change: Callable[[bytes], bytes]) -> Setup:
    def setup(folder: Path) -> None:
        path = folder / f"{table}.csv"
        path.write_bytes(change(path.read_bytes()))

    return setup


def drop_column(table: str, column: str) -> Setup:
    position = header(table).index(column)

    def change(data: bytes) -> bytes:
        lines = data.decode().splitlines()
        cells = [line.split(",") for line in lines]
        return "".join(",".join(c[:position] + c[position + 1 :]) + "\n" for c in cells).encode()

    return transform(table, change)


def add_columns(table: str, *names: str) -> Setup:
    """Columns the contract does not know, with a value in every row."""

    def change(data: bytes) -> bytes:
        head, *rows = data.decode().splitlines()
        lines = [",".join([head, *names]), *(",".join([line, *["x"] * len(names)])
                                            for line in rows)]
        return "".join(line + "\n" for line in lines).encode()

    return transform(table, change)


def give(path: str) -> Setup:
    """Give the CLI ``path`` (relative to the dataset folder) instead of the folder."""

    def setup(folder: Path) -> Path:
        return folder / path

    return setup


def combine(*setups: Setup) -> Setup:
    def setup(folder: Path) -> Path | None:
        target = None
        for step in setups:
            target = step(folder) or target
        return target

    return setup


def workbook(sheets: dict[str, list[list[object]] | None], *, merge: str | None = None) -> Setup:
    """Replace the CSV files with one ``book.xlsx``, one sheet per table.

    ``sheets`` gives the rows of some sheets (``None``: no such sheet); every other table gets
    its base rows as text cells. Strings starting with ``=`` are text cells, not formulas.
    """
    named = {name.lower() for name in sheets}
    all_sheets = {
        **sheets,
        **{table: sheet_rows(table) for table in TABLE_NAMES if table not in named},
    }

    def setup(folder: Path) -> None:
        for path in folder.glob("*.csv"):
            path.unlink()
        book = openpyxl.Workbook()
        book.remove(book.active)
        for name, rows in all_sheets.items():
            if rows is None:
                continue
            sheet = book.create_sheet(name)
            for values in rows:
                sheet.append(values)
                for cell in sheet[sheet.max_row]:
                    if isinstance(cell.value, str) and cell.value.startswith("="):
                        cell.data_type = "s"
            if merge is not None and name == "meetings":
                sheet.merge_cells(merge)
        book.save(folder / "book.xlsx")

    return setup


def sheet_rows(table: str) -> list[list[object]]:
    with (SAMPLE / f"{table}.csv").open(encoding="utf-8") as file:
        return [list(values) for values in itertools.islice(csv.reader(file), BASE_ROWS + 1)]


def parquet(table: str, frame: pl.DataFrame) -> Setup:
    def setup(folder: Path) -> None:
        (folder / f"{table}.csv").unlink()
        frame.write_parquet(folder / f"{table}.parquet")

    return setup


def policy(text: str | bytes) -> Setup:
    def setup(folder: Path) -> None:
        data = text.encode("utf-8") if isinstance(text, str) else text
        (folder.parent / "policy.toml").write_bytes(data)

    return setup


def no_change(folder: Path) -> None:
    return None


# --- what must come out ---------------------------------------------------------------------


@dataclass(frozen=True)
class Fatal:
    """Exit 2 with one line on stderr holding every fragment and none of ``absent``."""

    fragments: tuple[str, ...]
    absent: tuple[str, ...] = ()


Entry = tuple[str, int, str | None, str, str, bool]
"""A quarantine entry: table, line, column, value, reason, row_kept."""


@dataclass(frozen=True)
class Loaded:
    """``validate`` exits 0 with exactly these entries and per-table counts.

    ``counts`` maps a table to ``(rows_read, rows_kept, rows_quarantined,
    exact_duplicates_dropped)``; every other present table must read its five base rows.
    ``values`` pins typed values in-process: ``(table, line, column, expected)``.
    """

    quarantine: tuple[Entry, ...] = ()
    counts: dict[str, tuple[int, int, int, int]] = field(default_factory=dict)
    notes: tuple[str, ...] = ()
    values: tuple[tuple[str, int, str, object], ...] = ()
    extra_columns: dict[str, list[str]] = field(default_factory=dict)
    encoding: dict[str, str | None] = field(default_factory=dict)
    absent_tables: tuple[str, ...] = ()
    no_notes: tuple[str, ...] = ()


def run(*args: str | Path) -> subprocess.CompletedProcess[str]:
    """The command line in-process (tests/test_cli.py runs the real script)."""
    return mappa_in_process(*args)


def assert_fatal(result: subprocess.CompletedProcess[str], expected: Fatal) -> None:
    assert "Traceback" not in result.stderr, result.stderr
    assert result.returncode == 2, result.stderr
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "Hint:" in lines[0]
    for fragment in expected.fragments:
        assert fragment in lines[0]
    for fragment in expected.absent:
        assert fragment not in lines[0]


def assert_loaded(result: subprocess.CompletedProcess[str], expected: Loaded, target: Path) -> None:
    assert "Traceback" not in result.stderr, result.stderr
    assert result.returncode == 0, result.stderr
    document = json.loads(result.stdout)
    keys = ("table", "line", "column", "value", "reason", "row_kept")
    assert document["quarantine"] == [dict(zip(keys, e, strict=True)) for e in expected.quarantine]
    for name, table in document["tables"].items():
        if not table["present"]:
            assert name not in ("cases", "levels", "meetings")
            continue
        assert table["rows_read"] == (
            table["rows_kept"] + table["rows_quarantined"] + table["exact_duplicates_dropped"]
        ), name
        counts = expected.counts.get(name, (BASE_ROWS, BASE_ROWS, 0, 0))
        assert (table["rows_read"], table["rows_kept"], table["rows_quarantined"],
                table["exact_duplicates_dropped"]) == counts, name
        assert table["extra_columns"] == expected.extra_columns.get(name, []), name
        if name in expected.encoding:
            assert table["encoding"] == expected.encoding[name], name
    absent = [name for name, table in document["tables"].items() if not table["present"]]
    assert absent == list(expected.absent_tables)
    for fragment in expected.notes:
        assert any(fragment in note for note in document["notes"]), document["notes"]
    for fragment in expected.no_notes:
        assert not any(fragment in note for note in document["notes"]), document["notes"]

    dataset = ma.load_dataset(target)  # the same input in-process: typed values, then audit
    for table, line, column, value in expected.values:
        assert dataset[table].filter(pl.col("_line") == line)[column].to_list() == [value]
    audited = ma.audit(dataset, "2025-04-01", "2026-03-31")
    for rule in ma.results_document(audited)["rules"]:
        assert rule["population"] == rule["compliant"] + rule["non_compliant"], rule


# --- the catalogue --------------------------------------------------------------------------

MEETINGS_TEXT = (SAMPLE / "meetings.csv").read_bytes().splitlines()
TABLE_FILES = tuple(sorted(path.name for path in SAMPLE.glob("*.csv")))
DATE = "meeting_date"


def meeting_date(value: str) -> Setup:
    return append("meetings", row("meetings", meeting_date=value))


def quarantined(table: str, line: int, column: str | None, value: str, reason: str) -> Entry:
    return (table, line, column, value, reason, False)


def kept(table: str, line: int, column: str, value: str, reason: str) -> Entry:
    return (table, line, column, value, reason, True)


ONE_BAD_MEETING = {"meetings": (6, 5, 1, 0)}
ONE_MORE_MEETING = {"meetings": (6, 6, 0, 0)}


CATALOGUE = [
    # ---- CSV structure and encoding -----------------------------------------------------------
    pytest.param(  # Excel in a European locale writes semicolons: the hint says so
        transform("meetings", lambda data: data.replace(b",", b";")), VALIDATE,
        Fatal(("meetings.csv", "required column 'meeting_id' is missing", "separated by ';'")),
        id="semicolon-delimiter",
    ),
    pytest.param(  # "Text (Tab delimited)" export
        transform("meetings", lambda data: data.replace(b",", b"\t")), VALIDATE,
        Fatal(("meetings.csv", "'meeting_id'", "separated by '\\t'")),
        id="tab-delimiter",
    ),
    pytest.param(  # Excel's "CSV UTF-8" adds a byte-order mark and Windows line ends
        transform("meetings", lambda data: b"\xef\xbb\xbf" + data.replace(b"\n", b"\r\n")),
        VALIDATE, Loaded(encoding={"meetings": "utf-8"}),
        id="utf8-bom-and-crlf",
    ),
    pytest.param(  # old Mac line ends (CR only)
        transform("meetings", lambda data: data.replace(b"\n", b"\r")), VALIDATE, Loaded(),
        id="cr-line-endings",
    ),
    pytest.param(  # plain "CSV (Comma delimited)" from Excel on Windows: cp1252, with a note
        append("cases", row("cases", lau="Café Quarter"), encoding="cp1252"), VALIDATE,
        Loaded(counts={"cases": (6, 6, 0, 0)}, encoding={"cases": "windows-1252"},
               notes=("cases.csv: not UTF-8, read as Windows-1252",),
               values=(("cases", NEW, "lau", "Café Quarter"),)),
        id="windows-1252",
    ),
    pytest.param(  # Excel's "Unicode Text": UTF-16 with a BOM is refused by name
        transform("cases", lambda data: data.decode().encode("utf-16")), VALIDATE,
        Fatal(("cases.csv", "UTF-16")),
        id="utf16-with-bom",
    ),
    pytest.param(  # UTF-16 without a BOM reads as a header with NUL bytes: no contract column
        transform("cases", lambda data: data.decode().encode("utf-16-le")), VALIDATE,
        Fatal(("cases.csv", "required column 'case_id' is missing")),
        id="utf16-without-bom",
    ),
    pytest.param(  # 0 bytes
        write("meetings.csv", b""), VALIDATE, Fatal(("meetings.csv", "the file is empty")),
        id="empty-file",
    ),
    pytest.param(  # nothing but blank lines
        write("meetings.csv", b"\n  \n\r\n"), VALIDATE,
        Fatal(("meetings.csv", "the file is empty")),
        id="blank-lines-only",
    ),
    pytest.param(  # a header and no rows is an empty table, not an error
        write("meetings.csv", MEETINGS_TEXT[0] + b"\n"), VALIDATE,
        Loaded(counts={"meetings": (0, 0, 0, 0)}),
        id="header-only",
    ),
    pytest.param(  # a contract column named twice: which one is right? (decisions 5)
        transform("meetings", lambda data: data.replace(b"chair_agency", b"status", 1)),
        VALIDATE, Fatal(("meetings.csv", "column 'status' appears twice")),
        id="duplicate-contract-column",
    ),
    pytest.param(  # the same header, trimmed and lower-cased, is still the same column
        transform("meetings", lambda data: data.replace(b"chair_agency", b" Status ", 1)),
        VALIDATE, Fatal(("meetings.csv", "column 'status' appears twice")),
        id="duplicate-column-differing-in-case",
    ),
    pytest.param(  # an extra column named twice is ignored (decisions 5), and listed
        transform("meetings", lambda data: data.replace(b"\n", b",x,x\n")), VALIDATE,
        Loaded(extra_columns={"meetings": ["x", "x"]},
               notes=("meetings.csv: extra columns ignored: x, x",)),
        id="duplicate-extra-column",
    ),
    pytest.param(
        drop_column("meetings", DATE), VALIDATE,
        Fatal(("meetings.csv", "required column 'meeting_date' is missing",
               "must name the columns meeting_id, case_id, meeting_date")),
        id="missing-required-column",
    ),
    pytest.param(  # "required: no" columns may be absent and read as empty
        drop_column("cases", "lau"), VALIDATE,
        Loaded(notes=("cases.csv: optional columns absent: lau",)),
        id="missing-optional-column",
    ),
    pytest.param(  # extra columns are ignored and listed as a note
        add_columns("meetings", "notes", "source"), VALIDATE,
        Loaded(extra_columns={"meetings": ["notes", "source"]},
               notes=("meetings.csv: extra columns ignored: notes, source",)),
        id="extra-columns",
    ),
    pytest.param(  # decisions 5: the note is about contract columns matched ignoring case
        add_columns("meetings", "Notes"), VALIDATE,
        Loaded(extra_columns={"meetings": ["Notes"]}, no_notes=("case-insensitively",)),
        id="extra-column-in-capitals",
    ),
    pytest.param(  # a header cell left empty after the last column (Excel's stray comma)
        transform("meetings", lambda data: data.replace(b"\n", b",\n")), VALIDATE,
        Loaded(extra_columns={"meetings": ["(unnamed column 10)"]}),
        id="trailing-comma-everywhere",
    ),
    pytest.param(  # header names in another case, with spaces (decisions 5)
        transform("meetings", lambda data: data.replace(b"meeting_date", b" Meeting_Date ", 1)),
        VALIDATE, Loaded(notes=("meetings.csv: column names read case-insensitively",)),
        id="header-case-and-spaces",
    ),
    pytest.param(  # blank lines above the header still count in line numbers (decisions 4)
        combine(transform("meetings", lambda data: b"\n\n" + data), meeting_date("TBC")),
        VALIDATE,
        Loaded((quarantined("meetings", NEW + 2, DATE, "TBC", "not a date"),),
               ONE_BAD_MEETING, notes=("meetings.csv: header found on line 3",)),
        id="header-on-line-3",
    ),
    pytest.param(  # a row of empty cells is layout, like a blank line: not read, not counted
        combine(append("meetings", ",,,,,,,,\n", " , ,,,,,,,\n"), meeting_date("TBC")),
        VALIDATE,
        Loaded((quarantined("meetings", NEW + 2, DATE, "TBC", "not a date"),), ONE_BAD_MEETING),
        id="row-of-empty-cells",
    ),
    pytest.param(  # too many fields: which one is extra? The row is quarantined (decisions 3)
        append("meetings", row("meetings").replace("\n", ",surplus\n")), VALIDATE,
        Loaded((quarantined("meetings", NEW, None, "10 fields, header has 9",
                            "wrong number of fields"),), ONE_BAD_MEETING),
        id="ragged-too-many-fields",
    ),
    pytest.param(  # too few fields, only optional ones missing: one entry
        append("meetings", "M9,SYN-C0000001,2025-04-09,2,initial,held,police\n"), VALIDATE,
        Loaded((quarantined("meetings", NEW, None, "7 fields, header has 9",
                            "wrong number of fields"),), ONE_BAD_MEETING),
        id="ragged-too-few-fields",
    ),
    pytest.param(  # decisions 3: a row with the wrong number of fields gives ONE entry
        append("meetings", "M9,SYN-C0000001,2025-04-09,2\n"), VALIDATE,
        Loaded((quarantined("meetings", NEW, None, "4 fields, header has 9",
                            "wrong number of fields"),), ONE_BAD_MEETING),
        id="ragged-too-few-required-fields",
    ),
    pytest.param(  # a short row pasted twice: one row quarantined, its copy dropped as a copy
        append("meetings", *["M9,SYN-C0000001,2025-04-09,2,initial,held,police\n"] * 2),
        VALIDATE,
        Loaded((quarantined("meetings", NEW, None, "7 fields, header has 9",
                            "wrong number of fields"),
                quarantined("meetings", NEW + 1, "meeting_id", "M9", "exact duplicate")),
               {"meetings": (7, 5, 1, 1)}),
        id="ragged-row-pasted-twice",
    ),
    pytest.param(  # an opening quote never closed swallows the rest of the file into one cell
        transform("meetings", lambda data: data.replace(b",2025-07-14,", b',"2025-07-14,')),
        VALIDATE, Fatal(("meetings.csv", "a quote opened on line 3 is never closed")),
        id="unterminated-quote",
    ),
    pytest.param(  # a stray quote inside an unquoted field is kept as text (lenient, like Excel)
        append("meetings", row("meetings", chair_agency="x").replace("x", 'the "police"')),
        VALIDATE, Loaded(counts=ONE_MORE_MEETING,
                         values=(("meetings", NEW, "chair_agency", 'the "police"'),)),
        id="stray-quote-in-field",
    ),
    pytest.param(  # a field over csv's 128 KiB limit stops the load, naming file and line
        append("disclosures", row("disclosures", rationale="x" * 200_000)), VALIDATE,
        Fatal(("disclosures.csv", f"line {NEW}:", "field larger than field limit")),
        id="huge-field",
    ),
    # ---- dates ---------------------------------------------------------------------------------
    pytest.param(  # an impossible day
        meeting_date("31/02/2026"), VALIDATE,
        Loaded((quarantined("meetings", NEW, DATE, "31/02/2026", "not a date"),), ONE_BAD_MEETING),
        id="date-31-02-2026",
    ),
    pytest.param(  # an impossible month
        meeting_date("2026-13-01"), VALIDATE,
        Loaded((quarantined("meetings", NEW, DATE, "2026-13-01", "not a date"),), ONE_BAD_MEETING),
        id="date-month-13",
    ),
    pytest.param(  # 29 February in a common year
        meeting_date("2026-02-29"), VALIDATE,
        Loaded((quarantined("meetings", NEW, DATE, "2026-02-29", "not a date"),), ONE_BAD_MEETING),
        id="date-29-02-common-year",
    ),
    pytest.param(  # words in a date column
        meeting_date("TBC"), VALIDATE,
        Loaded((quarantined("meetings", NEW, DATE, "TBC", "not a date"),), ONE_BAD_MEETING),
        id="date-TBC",
    ),
    pytest.param(  # an Excel serial number written as text is not a date (contract)
        meeting_date("45123"), VALIDATE,
        Loaded((quarantined("meetings", NEW, DATE, "45123", "not a date"),), ONE_BAD_MEETING),
        id="date-excel-serial-as-text",
    ),
    pytest.param(  # two-digit years are invalid (contract)
        meeting_date("1/4/26"), VALIDATE,
        Loaded((quarantined("meetings", NEW, DATE, "1/4/26", "not a date"),), ONE_BAD_MEETING),
        id="date-two-digit-year",
    ),
    pytest.param(  # the ambiguous form is day first: 3 April 2026, never 4 March
        meeting_date("03/04/2026"), VALIDATE,
        Loaded(counts=ONE_MORE_MEETING, values=(("meetings", NEW, DATE, dt.date(2026, 4, 3)),)),
        id="date-day-first",
    ),
    pytest.param(  # Unicode digits match \d but are not a contract form
        meeting_date("٣/٤/٢٠٢٦"), VALIDATE,
        Loaded((quarantined("meetings", NEW, DATE, "٣/٤/٢٠٢٦", "not a date"),), ONE_BAD_MEETING),
        id="date-arabic-indic-digits",
    ),
    pytest.param(  # an invalid optional date costs the cell, not the row
        append("cases", row("cases", custody_release_date="TBC")), VALIDATE,
        Loaded((kept("cases", NEW, "custody_release_date", "TBC", "not a date"),),
               {"cases": (6, 6, 0, 0)}, values=(("cases", NEW, "custody_release_date", None),)),
        id="date-invalid-optional",
    ),
    # ---- whole numbers -------------------------------------------------------------------------
    pytest.param(  # levels run 1-3
        append("levels", row("levels", level="0"),
               row("levels", level="4", start_date="2025-10-01")),
        VALIDATE,
        Loaded((quarantined("levels", NEW, "level", "0", "out of range"),
                quarantined("levels", NEW + 1, "level", "4", "out of range")),
               {"levels": (7, 5, 2, 0)}),
        id="level-0-and-4",
    ),
    pytest.param(  # meetings are held at level 2 or 3 only
        append("meetings", row("meetings", level="1")), VALIDATE,
        Loaded((quarantined("meetings", NEW, "level", "1", "out of range"),), ONE_BAD_MEETING),
        id="meeting-level-1",
    ),
    pytest.param(
        append("cases", row("cases", category="one")), VALIDATE,
        Loaded((quarantined("cases", NEW, "category", "one", "not a whole number"),),
               {"cases": (6, 5, 1, 0)}),
        id="category-one",
    ),
    pytest.param(  # a whole number as Excel writes it
        append("cases", row("cases", category="2.0")), VALIDATE,
        Loaded(counts={"cases": (6, 6, 0, 0)}, values=(("cases", NEW, "category", 2),)),
        id="category-2.0",
    ),
    pytest.param(
        append("meetings", row("meetings", level="2.5")), VALIDATE,
        Loaded((quarantined("meetings", NEW, "level", "2.5", "not a whole number"),),
               ONE_BAD_MEETING),
        id="level-2.5",
    ),
    pytest.param(  # signs are not digits
        append("cases", row("cases", category="+2")), VALIDATE,
        Loaded((quarantined("cases", NEW, "category", "+2", "not a whole number"),),
               {"cases": (6, 5, 1, 0)}),
        id="category-with-plus-sign",
    ),
    # ---- enums and booleans --------------------------------------------------------------------
    pytest.param(
        append("meetings", row("meetings", meeting_type="weekly")), VALIDATE,
        Loaded((quarantined("meetings", NEW, "meeting_type", "weekly", "unknown value"),),
               ONE_BAD_MEETING),
        id="enum-unknown-word",
    ),
    pytest.param(  # "youth justice" is not youth_justice: the contract lists exact words
        append("cases", row("cases", lead_agency="Youth Justice")), VALIDATE,
        Loaded((quarantined("cases", NEW, "lead_agency", "Youth Justice", "unknown value"),),
               {"cases": (6, 5, 1, 0)}),
        id="enum-space-for-underscore",
    ),
    pytest.param(  # any case is accepted, and the value reads in the contract's spelling
        append("meetings", row("meetings", meeting_type="INITIAL", status=" Held ")), VALIDATE,
        Loaded(counts=ONE_MORE_MEETING, values=(("meetings", NEW, "meeting_type", "initial"),
                                                ("meetings", NEW, "status", "held"))),
        id="enum-upper-case",
    ),
    pytest.param(  # an invalid optional enum costs the cell only
        append("disclosures", row("disclosures", offender_informed="unsure")), VALIDATE,
        Loaded((kept("disclosures", NEW, "offender_informed", "unsure", "unknown value"),),
               {"disclosures": (6, 6, 0, 0)}),
        id="enum-invalid-optional",
    ),
    pytest.param(  # a required bool that is neither
        append("attendance", row("attendance", invited="maybe")), VALIDATE,
        Loaded((quarantined("attendance", NEW, "invited", "maybe", "not true or false"),),
               {"attendance": (6, 5, 1, 0)}),
        id="bool-required-invalid",
    ),
    pytest.param(  # an optional bool that is neither: row kept, value not recorded
        append("meetings", row("meetings", disclosure_considered="T")), VALIDATE,
        Loaded((kept("meetings", NEW, "disclosure_considered", "T", "not true or false"),),
               ONE_MORE_MEETING, values=(("meetings", NEW, "disclosure_considered", None),)),
        id="bool-optional-invalid",
    ),
    # ---- empty values --------------------------------------------------------------------------
    pytest.param(
        append("meetings", row("meetings", case_id="")), VALIDATE,
        Loaded((quarantined("meetings", NEW, "case_id", "", "empty required value"),),
               ONE_BAD_MEETING),
        id="empty-required",
    ),
    pytest.param(  # trimmed first, then empty; the raw value is listed as it was
        append("meetings", row("meetings", meeting_date="   ")), VALIDATE,
        Loaded((quarantined("meetings", NEW, DATE, "   ", "empty required value"),),
               ONE_BAD_MEETING),
        id="whitespace-only-required",
    ),
    pytest.param(  # rows without an id are not duplicates of each other
        append("meetings", row("meetings", meeting_id=""), row("meetings", meeting_id=" ")),
        VALIDATE,
        Loaded((quarantined("meetings", NEW, "meeting_id", "", "empty required value"),
                quarantined("meetings", NEW + 1, "meeting_id", " ", "empty required value")),
               {"meetings": (7, 5, 2, 0)}),
        id="two-rows-without-id",
    ),
    pytest.param(  # a required date left empty in a table without ids
        append("levels", row("levels", start_date="")), VALIDATE,
        Loaded((quarantined("levels", NEW, "start_date", "", "empty required value"),),
               {"levels": (6, 5, 1, 0)}),
        id="levels-empty-start-date",
    ),
    # ---- duplicate ids -------------------------------------------------------------------------
    pytest.param(  # the same row twice: the copy is dropped and listed
        append("meetings", row("meetings"), row("meetings")), VALIDATE,
        Loaded((quarantined("meetings", NEW + 1, "meeting_id", "M9", "exact duplicate"),),
               {"meetings": (7, 6, 0, 1)}),
        id="exact-duplicate",
    ),
    pytest.param(  # same values, other spellings: still one row (decisions 2)
        append("meetings", row("meetings"),
               row("meetings", meeting_date="09/04/2025", meeting_type="Initial")),
        VALIDATE,
        Loaded((quarantined("meetings", NEW + 1, "meeting_id", "M9", "exact duplicate"),),
               {"meetings": (7, 6, 0, 1)}),
        id="exact-duplicate-other-spelling",
    ),
    pytest.param(  # same id, different level: no one can tell which is right
        append("meetings", row("meetings"), row("meetings", level="3")), VALIDATE,
        Loaded((quarantined("meetings", NEW, "meeting_id", "M9", "conflicting duplicate"),
                quarantined("meetings", NEW + 1, "meeting_id", "M9", "conflicting duplicate")),
               {"meetings": (7, 5, 2, 0)}),
        id="conflicting-duplicate",
    ),
    pytest.param(  # a conflict costs the earlier, otherwise good row too
        append("meetings", row("meetings", meeting_id="SYN-M0000001")), VALIDATE,
        Loaded((quarantined("meetings", 2, "meeting_id", "SYN-M0000001", "conflicting duplicate"),
                quarantined("meetings", NEW, "meeting_id", "SYN-M0000001",
                            "conflicting duplicate")),
               {"meetings": (6, 4, 2, 0)}),
        id="conflicting-duplicate-of-earlier-row",
    ),
    pytest.param(  # two equal copies and one that differs: all three conflict
        append("meetings", row("meetings"), row("meetings"), row("meetings", level="3")),
        VALIDATE,
        Loaded(tuple(quarantined("meetings", line, "meeting_id", "M9", "conflicting duplicate")
                     for line in (NEW, NEW + 1, NEW + 2)),
               {"meetings": (8, 5, 3, 0)}),
        id="three-copies-one-differs",
    ),
    pytest.param(  # ids are trimmed: " M9 " is M9, and the row is an exact copy
        append("meetings", row("meetings"), row("meetings", meeting_id="  M9 ")), VALIDATE,
        Loaded((quarantined("meetings", NEW + 1, "meeting_id", "  M9 ", "exact duplicate"),),
               {"meetings": (7, 6, 0, 1)}),
        id="ids-differ-by-spaces",
    ),
    pytest.param(  # ids are compared exactly: m9 is another meeting
        append("meetings", row("meetings"), row("meetings", meeting_id="m9")), VALIDATE,
        Loaded(counts={"meetings": (7, 7, 0, 0)}),
        id="ids-differ-by-case",
    ),
    pytest.param(  # an exact copy of an invalid row: copy dropped, the first quarantined
        append("meetings", *[row("meetings", meeting_date="TBC")] * 2),
        VALIDATE,
        Loaded((quarantined("meetings", NEW, DATE, "TBC", "not a date"),
                quarantined("meetings", NEW + 1, "meeting_id", "M9", "exact duplicate")),
               {"meetings": (7, 5, 1, 1)}),
        id="exact-duplicate-of-invalid-row",
    ),
    pytest.param(  # attendance has no id: repeated rows are allowed (decisions 1)
        append("attendance", row("attendance"), row("attendance")), VALIDATE,
        Loaded(counts={"attendance": (7, 7, 0, 0)}),
        id="attendance-repeated-rows",
    ),
    # ---- text ----------------------------------------------------------------------------------
    pytest.param(  # Chinese, Arabic and emoji in text fields are text
        combine(append("cases", row("cases", area="东区", lau="المنطقة الشمالية 🚓")),
                append("meetings", row("meetings", chair_agency="警察 🚔"))),
        VALIDATE,
        Loaded(counts={"cases": (6, 6, 0, 0), "meetings": (6, 6, 0, 0)},
               values=(("cases", NEW, "area", "东区"), ("cases", NEW, "lau", "المنطقة الشمالية 🚓"),
                       ("meetings", NEW, "chair_agency", "警察 🚔"))),
        id="non-latin-text",
    ),
    pytest.param(  # a formula is kept as the text it is, never evaluated
        append("meetings", row("meetings", chair_agency='=HYPERLINK("http://x","y")')), VALIDATE,
        Loaded(counts=ONE_MORE_MEETING,
               values=(("meetings", NEW, "chair_agency", '=HYPERLINK("http://x","y")'),)),
        id="formula-string",
    ),
    pytest.param(  # a quoted cell holding a comma and a line break is one cell
        append("disclosures", row("disclosures", rationale="first, then\nsecond")), VALIDATE,
        Loaded(counts={"disclosures": (6, 6, 0, 0)},
               values=(("disclosures", NEW, "rationale", "first, then\nsecond"),)),
        id="quoted-comma-and-newline",
    ),
    # ---- events (issue 18) ---------------------------------------------------------------------
    pytest.param(  # a bad date, an unknown type and a repeated id with another date, at once
        append("events", row("events", event_date="31/04/2025"),
               row("events", event_id="E10", event_type="released_early"),
               row("events", event_id="E11"), row("events", event_id="E11",
                                                   event_date="2025-04-10")),
        VALIDATE,
        Loaded((quarantined("events", NEW, "event_date", "31/04/2025", "not a date"),
                quarantined("events", NEW + 1, "event_type", "released_early", "unknown value"),
                quarantined("events", NEW + 2, "event_id", "E11", "conflicting duplicate"),
                quarantined("events", NEW + 3, "event_id", "E11", "conflicting duplicate")),
               {"events": (9, 5, 4, 0)}),
        id="events-bad-date-unknown-type-duplicate-id",
    ),
    pytest.param(  # a detail another type takes costs the cell only (data-contract.md, events)
        append("events", row("events", detail="shpo")), VALIDATE,
        Loaded((kept("events", NEW, "detail", "shpo", "does not fit the event type"),),
               {"events": (6, 6, 0, 0)}, values=(("events", NEW, "detail", None),)),
        id="events-detail-of-another-type",
    ),
    pytest.param(  # level_at_event is the one optional whole number: empty is not recorded
        append("events", row("events", level_at_event=""),
               row("events", event_id="E10", level_at_event="Level 2")), VALIDATE,
        Loaded((kept("events", NEW + 1, "level_at_event", "Level 2", "not a whole number"),),
               {"events": (7, 7, 0, 0)}, values=(("events", NEW, "level_at_event", None),)),
        id="events-level-at-event-empty-and-words",
    ),
    pytest.param(  # the same event pasted twice is one event
        append("events", row("events"), row("events", event_type="Returned_To_Custody")),
        VALIDATE,
        Loaded((quarantined("events", NEW + 1, "event_id", "E9", "exact duplicate"),),
               {"events": (7, 6, 0, 1)}),
        id="events-exact-duplicate",
    ),
    # ---- Excel workbooks -----------------------------------------------------------------------
    pytest.param(  # one sheet short: the message names the table that is missing
        combine(workbook({"meetings": None}), give("book.xlsx")),
        VALIDATE, Fatal(("book.xlsx", "has no sheet named 'meetings'")),
        id="xlsx-missing-sheet",
    ),
    pytest.param(  # ... and for a workbook it should say sheet, not "meetings.csv"
        workbook({"meetings": None}), VALIDATE,
        Fatal(("book.xlsx", "sheet"), absent=("meetings.csv",)),
        id="xlsx-missing-sheet-message",
    ),
    pytest.param(  # merged header cells keep the text in the first cell only
        workbook({}, merge="C1:D1"),
        VALIDATE, Fatal(("book.xlsx, sheet meetings", "required column 'level' is missing")),
        id="xlsx-merged-header",
    ),
    pytest.param(  # date, number and bool cells; an empty sheet row is layout (decisions 4, 6)
        workbook({
            "Meetings": [
                header("meetings"),
                ["M1", "SYN-C0000001", dt.date(2025, 4, 9), 2, "initial", "held", "police",
                 dt.datetime(2025, 4, 18), True],
                ["M2", "SYN-C0000001", dt.datetime(2025, 4, 9, 14, 30), 2.0, "review", "held"],
                ["M3", "SYN-C0000001", dt.date(2025, 4, 10), 3.0, "review", "held", "police",
                 "TBC", 0.5],
                [],
                [1001, "SYN-C0000001", "03/04/2026", 3, "urgent", "held",
                 '=HYPERLINK("http://x","y")'],
            ],
        }),
        VALIDATE,
        Loaded(
            (quarantined("meetings", 3, DATE, "2025-04-09 14:30:00", "not a date"),
             kept("meetings", 4, "minutes_distributed_date", "TBC", "not a date"),
             kept("meetings", 4, "disclosure_considered", "0.5", "not true or false")),
            {"meetings": (4, 3, 1, 0)},
            encoding={"meetings": None},
            values=(("meetings", 2, DATE, dt.date(2025, 4, 9)),
                    ("meetings", 2, "minutes_distributed_date", dt.date(2025, 4, 18)),
                    ("meetings", 2, "disclosure_considered", True),
                    ("meetings", 2, "level", 2),
                    ("meetings", 4, "level", 3),
                    ("meetings", 6, "meeting_id", "1001"),
                    ("meetings", 6, DATE, dt.date(2026, 4, 3)),
                    ("meetings", 6, "chair_agency", '=HYPERLINK("http://x","y")')),
        ),
        id="xlsx-cell-types",
    ),
    pytest.param(  # a workbook that is not a zip archive
        combine(remove(*TABLE_FILES), write("book.xlsx", b"PK\x03\x04 not really a zip")),
        VALIDATE, Fatal(("cannot read workbook book.xlsx", "Hint: save it again from Excel")),
        id="xlsx-corrupt",
    ),
    pytest.param(  # CSV files next to a workbook: the CSVs are the dataset, the book an extra file
        combine(write("book.xlsx", b"not looked at"), give(".")), VALIDATE, Loaded(),
        id="csv-files-and-a-workbook",
    ),
    pytest.param(
        combine(remove(*TABLE_FILES), write("a.xlsx", b""), write("b.xlsx", b"")), VALIDATE,
        Fatal(("holds several workbooks (a.xlsx, b.xlsx)",)),
        id="two-workbooks",
    ),
    pytest.param(
        workbook({"meetings": []}),
        VALIDATE, Fatal(("book.xlsx, sheet meetings", "the sheet is empty")),
        id="xlsx-empty-sheet",
    ),
    # ---- Parquet -------------------------------------------------------------------------------
    pytest.param(  # a float level and an int date: read through their text forms
        parquet("meetings", pl.DataFrame({
            "meeting_id": ["M1", "M2", "M3"], "case_id": ["SYN-C0000001"] * 3,
            "meeting_date": [dt.date(2025, 4, 9)] * 3, "level": [2.0, 2.5, 3.0],
            "meeting_type": ["initial", "review", "review"], "status": ["held"] * 3,
            "minutes_distributed_date": [45123, None, 20250410],
        })),
        VALIDATE,
        Loaded((kept("meetings", 1, "minutes_distributed_date", "45123", "not a date"),
                quarantined("meetings", 2, "level", "2.5", "not a whole number"),
                kept("meetings", 3, "minutes_distributed_date", "20250410", "not a date")),
               {"meetings": (3, 2, 1, 0)}, encoding={"meetings": None},
               values=(("meetings", 1, "level", 2),)),
        id="parquet-float-level-and-int-dates",
    ),
    pytest.param(  # a required date stored as integers: every row is quarantined, none lost
        parquet("meetings", pl.DataFrame({
            "meeting_id": ["M1", "M2"], "case_id": ["SYN-C0000001"] * 2,
            "meeting_date": [20250409, 45756], "level": [2, 3],
            "meeting_type": ["initial", "review"], "status": ["held", "held"],
        })),
        VALIDATE,
        Loaded((quarantined("meetings", 1, DATE, "20250409", "not a date"),
                quarantined("meetings", 2, DATE, "45756", "not a date")),
               {"meetings": (2, 0, 2, 0)}),
        id="parquet-required-date-as-int",
    ),
    pytest.param(  # the raw value of an unreadable cell is listed as it was
        parquet("meetings", pl.DataFrame({
            "meeting_id": ["M1"], "case_id": ["SYN-C0000001"],
            "meeting_date": [dt.date(2025, 4, 9)],
            "level": [1e20], "meeting_type": ["initial"], "status": ["held"],
        })),
        VALIDATE,
        Loaded((quarantined("meetings", 1, "level", "100000000000000000000", "out of range"),),
               {"meetings": (1, 0, 1, 0)}),
        id="parquet-huge-float-level",
    ),
    pytest.param(  # native dates and datetimes: midnight is a date, 09:30 is not (decisions 6)
        parquet("meetings", pl.DataFrame({
            "meeting_id": ["M1", "M2"], "case_id": ["SYN-C0000001"] * 2,
            "meeting_date": [dt.date(2025, 4, 9), dt.date(2025, 4, 10)], "level": [2, 3],
            "meeting_type": ["initial", "review"], "status": ["held", "held"],
            "minutes_distributed_date": [dt.datetime(2025, 4, 11), dt.datetime(2025, 4, 11, 9, 30)],
            "disclosure_considered": [True, None],
        })),
        VALIDATE,
        Loaded((kept("meetings", 2, "minutes_distributed_date", "2025-04-11 09:30:00",
                     "not a date"),),
               {"meetings": (2, 2, 0, 0)},
               values=(("meetings", 1, "minutes_distributed_date", dt.date(2025, 4, 11)),
                       ("meetings", 2, "disclosure_considered", None))),
        id="parquet-native-types",
    ),
    pytest.param(  # a nested column cannot be read as any contract kind
        parquet("meetings", pl.DataFrame({
            "meeting_id": ["M1"], "case_id": ["SYN-C0000001"],
            "meeting_date": [dt.date(2025, 4, 9)],
            "level": [[2]], "meeting_type": ["initial"], "status": ["held"],
        })),
        VALIDATE, Fatal(("meetings.parquet", "column 'level' has type List")),
        id="parquet-list-column",
    ),
    pytest.param(  # a CSV renamed to .parquet
        combine(remove("meetings.csv"), write("meetings.parquet", MEETINGS_TEXT[0])), VALIDATE,
        Fatal(("meetings.parquet", "not a readable Parquet file")),
        id="parquet-that-is-not-parquet",
    ),
    pytest.param(
        combine(remove("meetings.csv"), write("meetings.parquet", b"")), VALIDATE,
        Fatal(("meetings.parquet", "not a readable Parquet file")),
        id="parquet-empty-file",
    ),
    pytest.param(  # one table, two files: which is current? (decisions 9)
        write("cases.parquet", b"PAR1"),
        VALIDATE, Fatal(("table cases is given twice", "cases.csv, cases.parquet")),
        id="csv-and-parquet-for-one-table",
    ),
    # ---- the dataset path and its tables -------------------------------------------------------
    pytest.param(
        remove("levels.csv"), VALIDATE, Fatal(("has no levels table", "levels.csv")),
        id="missing-required-table",
    ),
    pytest.param(  # only the three required tables: every rule that needs more is not assessable
        remove("actions.csv", "attendance.csv", "disclosures.csv", "referrals.csv",
               "level1_reviews.csv", "events.csv"),
        VALIDATE,
        Loaded(absent_tables=("referrals", "attendance", "disclosures", "actions",
                              "level1_reviews", "events"),
               notes=("actions: table absent; ACT-01 and ACT-02 will not be assessable",)),
        id="optional-tables-absent",
    ),
    pytest.param(  # other files are ignored, also CSVs whose name is no table
        combine(write("notes.txt", "hello"), write("cases_backup.csv", "x\n"),
                write(".~lock.cases.csv#", "lock"), write("~$book.xlsx", b"lock")),
        VALIDATE, Loaded(),
        id="extra-files",
    ),
    pytest.param(  # file names are matched ignoring case
        combine(remove("meetings.csv"), write("MEETINGS.CSV", b"\n".join(MEETINGS_TEXT[:6]))),
        VALIDATE, Loaded(),
        id="upper-case-file-name",
    ),
    pytest.param(
        give("cases.csv"), VALIDATE, Fatal(("cases.csv", "is a file, not a folder")),
        id="dataset-is-a-file",
    ),
    pytest.param(
        give("no-such-folder"), VALIDATE, Fatal(("no-such-folder", "does not exist")),
        id="dataset-missing",
    ),
    pytest.param(
        remove(*TABLE_FILES), VALIDATE,
        Fatal(("has no cases table",)),
        id="dataset-folder-empty",
    ),
    # ---- policy files --------------------------------------------------------------------------
    pytest.param(
        policy('name = "Essex\n[rules\n'), ("check", DATASET, *FY, "--policy", POLICY),
        Fatal(("cannot read policy policy.toml", "not valid TOML")),
        id="policy-bad-toml",
    ),
    pytest.param(
        policy('[rules."REV-99"]\ntarget = 0.9\n'), ("check", DATASET, *FY, "--policy", POLICY),
        Fatal(("policy.toml", "unknown rule 'REV-99'", "REV-01")),
        id="policy-unknown-rule",
    ),
    pytest.param(
        policy('[rules."REV-01"]\ntarget = 1.5\n'), ("check", DATASET, *FY, "--policy", POLICY),
        Fatal(("policy.toml", "REV-01", "target", "1.5")),
        id="policy-target-1.5",
    ),
    pytest.param(
        policy("suppress_below = -1\n"), ("check", DATASET, *FY, "--policy", POLICY),
        Fatal(("policy.toml", "suppress_below", "-1")),
        id="policy-negative-suppress-below",
    ),
    pytest.param(  # a standard's unit is fixed by its rule (decisions 21)
        policy('[rules."REV-01"]\nstandard = { value = 4, unit = "months" }\n'),
        ("check", DATASET, *FY, "--policy", POLICY),
        Fatal(("policy.toml", "REV-01", "weeks", "months")),
        id="policy-unit-changed",
    ),
    pytest.param(
        policy('name = "Café board"\n'.encode("cp1252")),
        ("check", DATASET, *FY, "--policy", POLICY),
        Fatal(("policy.toml", "not UTF-8")),
        id="policy-not-utf8",
    ),
    pytest.param(  # a typo in a setting is not silently ignored
        policy("supress_below = 5\n"), ("check", DATASET, *FY, "--policy", POLICY),
        Fatal(("policy.toml", "unknown setting 'supress_below'")),
        id="policy-unknown-setting",
    ),
    # ---- command-line arguments ----------------------------------------------------------------
    pytest.param(
        no_change, ("check", DATASET, "--start", "2026-03-31", "--end", "2025-04-01"),
        Fatal(("ends (2025-04-01) before it starts (2026-03-31)",)),
        id="args-end-before-start",
    ),
    pytest.param(
        no_change, ("check", DATASET, "--start", "2025-04-01", "--end", "2026-02-31"),
        Fatal(("--end '2026-02-31' is not a date", "YYYY-MM-DD")),
        id="args-impossible-end-date",
    ),
    pytest.param(  # files may be written day first; arguments are ISO only
        no_change, ("check", DATASET, "--start", "01/04/2025", "--end", "2026-03-31"),
        Fatal(("--start '01/04/2025' is not a date", "YYYY-MM-DD")),
        id="args-start-day-first",
    ),
    pytest.param(  # an LAU is not an area; the hint lists the areas there are
        no_change, ("check", DATASET, *FY, "--area", "Northmoor South"),
        Fatal(("--area 'Northmoor South' is not in the dataset", "Eastvale, Northmoor, Westbrook")),
        id="args-unknown-area",
    ),
    pytest.param(
        no_change, ("validate", DATASET, "--format", "xml"), Fatal(("--format", "xml")),
        id="args-unknown-format",
    ),
    pytest.param(
        no_change, ("check", DATASET, "--start", "2025-04-01"), Fatal(("--end",)),
        id="args-missing-end",
    ),
]


@pytest.mark.parametrize(("setup", "args", "expected"), CATALOGUE)
def test_bad_input(
    tmp_path: Path, setup: Setup, args: tuple[str, ...], expected: Fatal | Loaded
) -> None:
    folder = base_dataset(tmp_path / "export")
    target = setup(folder) or folder
    placeholders = {DATASET: str(target), POLICY: str(tmp_path / "policy.toml")}
    result = run(*(placeholders.get(arg, arg) for arg in args))
    if isinstance(expected, Fatal):
        assert_fatal(result, expected)
    else:
        assert_loaded(result, expected, target)


def test_catalogue_is_large_and_distinct() -> None:
    ids = [case.id for case in CATALOGUE]
    assert len(ids) == len(set(ids)) >= 45


def test_validate_strict_lists_then_fails(tmp_path: Path) -> None:
    """``validate --strict`` prints its report (so the entries can be fixed), then exits 2."""
    folder = base_dataset(tmp_path / "export")
    append("meetings", row("meetings", meeting_date="TBC"))(folder)
    result = run("validate", folder, "--format", "json", "--strict")
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert json.loads(result.stdout)["quarantine"][0]["value"] == "TBC"
    [line] = result.stderr.strip().splitlines()
    assert line.startswith("mappa-audit: --strict: 1 quarantine entries")
    assert "Hint:" in line


@pytest.mark.slow
def test_50_mb_meetings_file(tmp_path: Path) -> None:
    """A large export loads and accounts for every row (about 15 s here, most of it loading)."""
    folder = base_dataset(tmp_path / "export")
    rows = 680_000  # about 50 MB
    every = 100_000  # a row with an unreadable date every so often
    copies = 10  # the last rows pasted twice
    lines = [MEETINGS_TEXT[0].decode()]
    for i in range(rows):
        day = "TBC" if i % every == every - 1 else f"2025-{i % 12 + 1:02d}-{i % 28 + 1:02d}"
        lines.append(
            f"M{i:08d},SYN-C{i % 2000 + 1:07d},{day},{2 + i % 2},review,held,probation,"
            f"2025-12-01,true"
        )
    lines.extend(lines[-copies:])
    path = folder / "meetings.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    assert path.stat().st_size > 50_000_000

    result = run("validate", folder, "--format", "json")
    assert "Traceback" not in result.stderr
    assert result.returncode == 0, result.stderr
    document = json.loads(result.stdout)
    meetings = document["tables"]["meetings"]
    bad = rows // every
    assert (meetings["rows_read"], meetings["rows_kept"], meetings["rows_quarantined"],
            meetings["exact_duplicates_dropped"]) == (rows + copies, rows - bad, bad, copies)
    assert len(document["quarantine"]) == bad + copies

