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


def xlsx_bytes(sheets: dict[str, pl.DataFrame], *, notes: dict[str, list[str]] | None = None
               ) -> bytes:
    """One workbook, one formatted sheet per frame (bold header, frozen top row, filters).

    ``notes`` puts lines of text above a sheet's table (method, seed, suppression…). Text is
    neutralised as in a CSV too: a cell someone edits and enters again is read afresh.
    """
    import xlsxwriter

    buffer = io.BytesIO()
    with xlsxwriter.Workbook(buffer, WORKBOOK_OPTIONS) as workbook:
        for name, frame in sheets.items():
            lines = (notes or {}).get(name, [])
            worksheet = workbook.add_worksheet(name[:31])
            for row, line in enumerate(lines):
                worksheet.write_string(row, 0, line)
            neutralise_formulas(frame).write_excel(
                workbook=workbook, worksheet=worksheet,
                position=(len(lines) + (1 if lines else 0), 0),
                autofit=True, autofilter=True, table_style="Table Style Light 9",
                freeze_panes=(len(lines) + (2 if lines else 1), 0),
                dtype_formats={pl.Date: "yyyy-mm-dd"},
            )
    return buffer.getvalue()
