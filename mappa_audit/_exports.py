"""CSV and Excel exports that a spreadsheet cannot be tricked by.

Every export (exceptions, worklists, samples, annual tables) goes through here, so formula
neutralising and the Excel look are written once. A text cell that a spreadsheet could read
as a formula is prefixed with ``'``, so Excel and LibreOffice show it as text instead of
running it (OWASP "CSV injection"): one whose first character other than whitespace is
``= + - @ {`` (spreadsheets skip leading spaces and line breaks; ``{=…}`` is an array
formula), and one that starts with a tab or carriage return, which some strip first.
Numeric columns are left alone: ``-3`` days left stays a number.

Workbooks are written with xlsxwriter's interpretation of strings turned off: a string is
written as a string, never as a formula, a hyperlink (``https://…``) or a number.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from typing import Any

import polars as pl

FORMULA_PATTERN = r"^(?:[\t\r]|\s*[=+\-@{])"
"""A text value a spreadsheet may read as a formula (polars' regex: ``\\s`` is Unicode)."""
WORKBOOK_OPTIONS = {
    "in_memory": True,
    "strings_to_formulas": False,
    "strings_to_urls": False,
    "strings_to_numbers": False,
}
"""xlsxwriter writes every string as a string (polars' ``write_excel`` writes its cells
through the workbook it is given, so these hold for the tables too)."""


def neutralise_formulas(frame: pl.DataFrame) -> pl.DataFrame:
    """Prefix text cells that a spreadsheet would read as a formula with ``'``.

    Examples
    --------
    >>> frame = pl.DataFrame({"note": ["=HYPERLINK(\\"http://x\\")", "fine", "-1", None,
    ...                                "{=1+1}", " =1+1", "a=b"], "days": [-1] * 7})
    >>> neutralise_formulas(frame)["note"].to_list()
    ['\\'=HYPERLINK("http://x")', 'fine', "'-1", None, "'{=1+1}", "' =1+1", 'a=b']
    >>> neutralise_formulas(frame)["days"].to_list()[0]
    -1
    """
    return frame.with_columns(
        pl.when(pl.col(name).str.contains(FORMULA_PATTERN))
        .then(pl.lit("'") + pl.col(name))
        .otherwise(pl.col(name))
        .alias(name)
        for name, dtype in frame.schema.items()
        if dtype == pl.String
    )


def csv_bytes(frame: pl.DataFrame) -> bytes:
    """The frame as UTF-8 CSV with a byte-order mark (so Excel reads the accents right)."""
    return b"\xef\xbb\xbf" + neutralise_formulas(frame).write_csv().encode("utf-8")


def xlsx_bytes(sheets: dict[str, pl.DataFrame], *, notes: dict[str, list[str]] | None = None,
               about: Sequence[tuple[str, str]] | None = None,
               scores: dict[str, tuple[int, int]] | None = None) -> bytes:
    """One workbook, one formatted sheet per frame (bold header, frozen top row, filters,
    typed columns: dates as dates, counts as numbers).

    ``notes`` puts lines of text above a sheet's table (a table's title, how it was counted).
    ``about`` adds a first sheet, "About", of what the workbook is (:func:`about_rows`).
    ``scores`` lets a column take whole numbers from its first to its second value only (the
    file-audit worksheet's 1 to 4). Text is neutralised as in a CSV too: a cell someone edits
    and enters again is read afresh.
    """
    import xlsxwriter

    buffer = io.BytesIO()
    with xlsxwriter.Workbook(buffer, WORKBOOK_OPTIONS) as workbook:
        if about:
            _about_sheet(workbook, about)
        for name, frame in sheets.items():
            lines = (notes or {}).get(name, [])
            worksheet = workbook.add_worksheet(name[:31])
            first_row = len(lines) + (1 if lines else 0)
            neutralise_formulas(frame).write_excel(
                workbook=workbook, worksheet=worksheet, position=(first_row, 0),
                autofit=True, autofilter=True, table_style="Table Style Light 9",
                freeze_panes=(first_row + 1, 0), dtype_formats={pl.Date: "yyyy-mm-dd"},
            )
            # after the table's autofit, so that a long note does not widen its column
            for row, line in enumerate(lines):
                worksheet.write_string(row, 0, line)
            for column, (low, high) in (scores or {}).items():
                if column in frame.columns and frame.height:
                    at = frame.columns.index(column)
                    worksheet.data_validation(first_row + 1, at, first_row + frame.height, at, {
                        "validate": "integer", "criteria": "between", "minimum": low,
                        "maximum": high, "error_title": "Score",
                        "error_message": f"A whole number from {low} to {high}."})
    return buffer.getvalue()


MARKING = "OFFICIAL-SENSITIVE"
"""The protective marking of every file that holds case references."""


def about_rows(what: str, **facts: object) -> list[tuple[str, str]]:
    """The "About" sheet of a workbook: what it holds, its marking, when it was made, and
    ``facts`` (run, period, filters, as-at…), each a row, labelled from its name.

    Examples
    --------
    >>> about_rows("Exceptions", as_at="2026-03-31", area=None)[0]
    ('Holds', 'Exceptions')
    >>> [label for label, _ in about_rows("Exceptions", as_at="2026-03-31", area=None)]
    ['Holds', 'Marking', 'Generated at', 'As at', 'Area']
    """
    import datetime as dt

    made = dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")
    rows = [("Holds", what),
            ("Marking", f"{MARKING}: holds case references; do not circulate."),
            ("Generated at", made)]
    rows += [(name.replace("_", " ").capitalize(),
              "all" if value is None else str(value)) for name, value in facts.items()]
    return rows


def _about_sheet(workbook: Any, rows: Sequence[tuple[str, str]]) -> None:
    sheet = workbook.add_worksheet("About")
    bold = workbook.add_format({"bold": True})
    sheet.set_column(0, 0, max(len(label) for label, _ in rows) + 2)
    sheet.set_column(1, 1, min(100, max(len(value) for _, value in rows) + 2))
    cells = neutralise_formulas(pl.DataFrame(list(rows), schema=["label", "value"], orient="row"))
    for row, (label, value) in enumerate(cells.iter_rows()):
        sheet.write_string(row, 0, label, bold)
        sheet.write_string(row, 1, value)
