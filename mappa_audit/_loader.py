"""Read a dataset folder (CSV, Parquet or one Excel workbook) into typed frames and a quarantine.

The loader follows data-contract.md "Invalid input" to the letter: a row with an invalid
required value is quarantined, an invalid optional value is read as not recorded (and listed),
exact duplicate rows of a keyed table collapse to one, conflicting duplicates are all
quarantined, and for every table ``rows_read = rows_kept + rows_quarantined +
exact_duplicates_dropped``. It never writes anything, least of all to the source folder.
"""

from __future__ import annotations

import codecs
import csv
import enum
import functools
import hashlib
import io
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl

from mappa_audit._contract import TABLES, Column, Kind, Table
from mappa_audit._errors import (
    DatasetError,
    MissingColumnError,
    MissingTableError,
    StrictModeError,
    UnreadableFileError,
)

LINE = "_line"
"""Column added to every loaded table: the row's line in its file (header = line 1)."""

QUARANTINE_SCHEMA = pl.Schema(
    {
        "table": pl.String(),
        "line": pl.Int64(),
        "column": pl.String(),
        "value": pl.String(),
        "reason": pl.String(),
        "row_kept": pl.Boolean(),
    }
)

_TRUE_WORDS = ("true", "yes", "y", "1")
_FALSE_WORDS = ("false", "no", "n", "0")


class QuarantineReason(enum.StrEnum):
    """Why a row or cell is in the quarantine table."""

    EMPTY_REQUIRED = "empty required value"
    NOT_A_DATE = "not a date"
    NOT_A_WHOLE_NUMBER = "not a whole number"
    OUT_OF_RANGE = "out of range"
    UNKNOWN_WORD = "unknown value"
    DOES_NOT_FIT = "does not fit the event type"
    NOT_A_BOOLEAN = "not true or false"
    EXACT_DUPLICATE = "exact duplicate"
    CONFLICTING_DUPLICATE = "conflicting duplicate"
    WRONG_FIELD_COUNT = "wrong number of fields"


class SourceFormat(enum.StrEnum):
    CSV = "csv"
    PARQUET = "parquet"
    XLSX = "xlsx"


@dataclass(frozen=True, slots=True)
class TableReport:
    """What the loader did with one table (the ``tables`` entries of ``validate``)."""

    name: str
    present: bool
    file: str | None = None
    format: SourceFormat | None = None
    encoding: str | None = None
    sha256: str | None = None
    rows_read: int = 0
    rows_kept: int = 0
    rows_quarantined: int = 0
    exact_duplicates_dropped: int = 0
    invalid_optional_cells: int = 0
    extra_columns: tuple[str, ...] = ()
    absent_columns: tuple[str, ...] = ()


@dataclass(frozen=True)
class Dataset:
    """A loaded dataset: one typed frame per contract table, and what the loader found.

    Absent optional tables are present here as empty frames; ``reports[name].present`` tells
    them apart from tables that were present but empty.
    """

    source: str
    tables: dict[str, pl.DataFrame]
    reports: dict[str, TableReport]
    quarantine: pl.DataFrame
    notes: list[str] = field(default_factory=list)

    def present(self, table: str) -> bool:
        """Whether the table was in the dataset (as opposed to absent and optional)."""
        return self.reports[table].present

    def __getitem__(self, table: str) -> pl.DataFrame:
        return self.tables[table]


# --------------------------------------------------------------------------------------------
# Finding the files


@dataclass(frozen=True, slots=True)
class _Source:
    table: str
    path: Path
    format: SourceFormat
    display: str
    """How messages name it: ``meetings.csv`` or ``book.xlsx, sheet meetings``."""


def _find_sources(root: Path) -> dict[str, _Source]:
    if not root.exists():
        msg = f"dataset {str(root)!r} does not exist"
        raise DatasetError(msg, "give the folder that holds cases.csv, levels.csv, meetings.csv …")
    if root.is_file():
        if root.suffix.lower() == ".xlsx":
            return _workbook_sources(root)
        msg = f"dataset {str(root)!r} is a file, not a folder"
        raise DatasetError(
            msg, "give the folder that holds the table files, or one .xlsx workbook"
        )

    by_table: dict[str, list[Path]] = {}
    workbooks: list[Path] = []
    for path in sorted(root.iterdir()):
        if not path.is_file() or path.name.startswith(("~$", ".")):
            continue  # Excel lock files and hidden files are not data
        suffix = path.suffix.lower()
        if suffix == ".xlsx":
            workbooks.append(path)
        elif suffix in {".csv", ".parquet"} and path.stem.strip().lower() in TABLES:
            by_table.setdefault(path.stem.strip().lower(), []).append(path)

    if not by_table and len(workbooks) == 1:
        return _workbook_sources(workbooks[0])
    if not by_table and len(workbooks) > 1:
        names = ", ".join(p.name for p in workbooks)
        msg = f"dataset folder {str(root)!r} holds several workbooks ({names})"
        raise DatasetError(msg, "keep one .xlsx workbook per dataset folder, one sheet per table")

    sources: dict[str, _Source] = {}
    for table, paths in by_table.items():
        if len(paths) > 1:
            names = ", ".join(p.name for p in paths)
            msg = f"table {table} is given twice in {str(root)!r} ({names})"
            raise DatasetError(msg, "keep exactly one file per table")
        path = paths[0]
        fmt = SourceFormat.CSV if path.suffix.lower() == ".csv" else SourceFormat.PARQUET
        sources[table] = _Source(table, path, fmt, path.name)
    return sources


def _workbook_sources(path: Path) -> dict[str, _Source]:
    import fastexcel

    try:
        reader = fastexcel.read_excel(path)
    except Exception as error:  # fastexcel raises its own types for every kind of corruption
        msg = f"cannot read workbook {path.name}: {_first_line(error)}"
        raise UnreadableFileError(msg, "save it again from Excel as .xlsx") from None
    sources: dict[str, _Source] = {}
    for sheet in reader.sheet_names:
        name = sheet.strip().lower()
        if name in TABLES:
            sources[name] = _Source(
                name, path, SourceFormat.XLSX, f"{path.name}, sheet {sheet}"
            )
    return sources


# --------------------------------------------------------------------------------------------
# Reading one file into a frame of text


@dataclass(slots=True)
class _RawTable:
    frame: pl.DataFrame
    """Every contract column present in the file, as text, plus LINE and ``_fields``."""
    encoding: str | None
    extra_columns: tuple[str, ...]
    sha256: str
    notes: list[str]


def _decode(data: bytes, display: str) -> tuple[str, str, list[str]]:
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        msg = f"cannot read {display}: it is UTF-16 text"
        raise UnreadableFileError(msg, "save it as 'CSV UTF-8 (Comma delimited)' from Excel")
    if data.startswith(codecs.BOM_UTF8):
        data = data[len(codecs.BOM_UTF8) :]
    try:
        return data.decode("utf-8"), "utf-8", []
    except UnicodeDecodeError:
        # Excel on Windows writes Windows-1252; its five unassigned bytes are kept as the
        # matching Latin-1 characters rather than failing the whole file.
        text = data.decode("cp1252", errors=_LATIN1_FALLBACK)
        return text, "windows-1252", [f"{display}: not UTF-8, read as Windows-1252"]


def _latin1_fallback(error: UnicodeError) -> tuple[str, int]:
    assert isinstance(error, UnicodeDecodeError)
    return error.object[error.start : error.end].decode("latin-1"), error.end


_LATIN1_FALLBACK = "mappa_audit.latin1_fallback"
codecs.register_error(_LATIN1_FALLBACK, _latin1_fallback)


@dataclass(slots=True)
class _Records:
    """The records of one file: its header, then its data rows column by column."""

    header: list[str]
    header_line: int
    columns: list[pl.Series]
    """One text column per header field; a short row is padded with "", a long one cut."""
    lines: pl.Series
    """The line each row starts on."""
    field_counts: pl.Series
    """How many fields each row has."""


def _read_csv(source: _Source) -> _RawTable:
    data = source.path.read_bytes()
    sha256 = hashlib.sha256(data).hexdigest()
    text, encoding, notes = _decode(data, source.display)
    del data  # the file can be large: hold it once, as text
    if not text or text.isspace():
        msg = f"cannot read {source.display}: the file is empty"
        raise UnreadableFileError(msg, "export the table again with its header row")
    fast = _one_line_records(text) if len(text) >= _FAST_PATH_MIN_CHARS else None
    records = fast or _csv_records(text, source.display)
    if records.header_line != 1:
        notes.append(f"{source.display}: header found on line {records.header_line}")
    return _raw_table(source, records, encoding, sha256, notes)


_FAST_PATH_MIN_CHARS = 32_768
"""Below this, the csv module reads a file faster than polars (whose reader takes a few
milliseconds to set up: most of the time of loading a dataset of 40-row files); above it,
polars reads many times faster and holds less."""


def _csv_records(text: str, display: str) -> _Records:
    """Any CSV text, read a record at a time with the csv module."""
    # strict: an unterminated quote is an error, not a field that swallows the rest of the file
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    header: list[str] | None = None
    header_line = 1
    lines: list[int] = []
    rows: list[list[str]] = []
    previous_end = 0
    try:
        for fields in reader:
            start = previous_end + 1
            previous_end = reader.line_num
            if _is_blank(fields):
                continue  # blank lines are layout, not rows
            if header is None:
                header, header_line = fields, start
                continue
            lines.append(start)
            rows.append(fields)
    except csv.Error as error:
        line = previous_end + 1  # where the record that could not be read starts
        problem = (f"a quote opened on line {line} is never closed"
                   if "unexpected end of data" in str(error) else f"line {line}: {error}")
        msg = f"cannot read {display}: {problem}"
        raise UnreadableFileError(msg, "save it again as CSV from your spreadsheet") from None
    if header is None:
        msg = f"cannot read {display}: the file is empty"
        raise UnreadableFileError(msg, "export the table again with its header row")
    width = len(header)
    field_counts = [len(row) for row in rows]
    padded = [row if len(row) == width else (row + [""] * width)[:width] for row in rows]
    columns = [
        pl.Series(column, dtype=pl.String()) for column in zip(*padded, strict=True)
    ] if padded else [pl.Series([], dtype=pl.String()) for _ in range(width)]
    return _Records(header, header_line, columns, pl.Series(lines, dtype=pl.Int64()),
                    pl.Series(field_counts, dtype=pl.Int32()))


def _is_blank(fields: list[str]) -> bool:
    """Whether a record is a blank line: no field, or only empty and space-only fields."""
    return not any(map(str.strip, fields))


# A line that is a whole record by itself: unquoted fields hold no quote, quoted fields are
# closed on the same line. The csv module then reads it exactly as polars does.
_QUOTED_FIELD = r'"(?:[^"]|"")*"'
_ONE_LINE_RECORD = rf'^(?:[^",]*|{_QUOTED_FIELD})(?:,(?:[^",]*|{_QUOTED_FIELD}))*$'
# Every line whose fields might all be blank, to be looked at by Python's strip(), which also
# strips \x1c-\x1f, unlike polars' \s.
_MAYBE_BLANK = r'^[\s\x1c-\x1f,"]*$'


def _one_line_records(text: str) -> _Records | None:
    """The same records as ``_csv_records``, read column-wise by polars, when every record of
    the text is one line and the header is on line 1; ``None`` for any other text."""
    if "\r" in text:
        text = text.replace("\r\n", "\n")  # the csv module reads CRLF as one line end
    if any(c in text for c in "\r\x00") or text.startswith("\ufeff"):
        return None  # a lone CR ends a line for the csv module only; NUL, a second BOM: rare
    data = text.encode()
    del text  # a copy without CRLFs, if one was made: polars reads the bytes
    lines = _lines_of(data)
    if lines is None:
        return None
    quoted = b'"' in data
    line = pl.col("line")
    stats = lines.to_frame("line").select(
        # no longer than the csv module's field limit, whose error the fallback gives
        simple=(line.str.contains(_ONE_LINE_RECORD) if quoted else pl.lit(True))
        & (line.str.len_bytes() <= csv.field_size_limit()),
        fields=(line.str.replace_all(_QUOTED_FIELD, "") if quoted else line)
        .str.count_matches(",", literal=True).cast(pl.Int32) + 1,
        maybe_blank=line.str.contains(_MAYBE_BLANK),
    )
    if not stats["simple"].all():
        return None
    blank = [
        index for index in stats["maybe_blank"].arg_true().to_list()
        if _is_blank(next(csv.reader([lines[index]]), []))
    ]
    if blank[:1] == [0]:
        return None  # a header below blank lines: noted by the fallback
    header = next(csv.reader([lines[0]]))
    line_count = lines.len()
    del lines  # the file can be large: polars reads the fields from the bytes alone
    try:
        frame = pl.read_csv(data, has_header=False, infer_schema=False, quote_char='"',
                            truncate_ragged_lines=True)
    except pl.exceptions.PolarsError:
        return None
    del data
    if frame.shape != (line_count, len(header)):
        return None
    # One chunk a column, as the csv module's columns have: polars would copy columns cut
    # into chunks at different rows whole at every later step that reads them side by side.
    # A column at a time, so that no more than one column is held twice.
    columns = frame.get_columns()
    del frame
    for index in range(len(columns)):
        columns[index] = columns[index].rechunk()
    rows = pl.DataFrame(columns).with_columns(
        __line=pl.int_range(1, pl.len() + 1, dtype=pl.Int64),
        __fields=stats["fields"].rechunk(),
    ).slice(1)  # row i of the frame is line i + 1, and line 1 the header
    del columns
    if blank:
        rows = rows.filter(~pl.col("__line").is_in([index + 1 for index in blank]))
    # an empty field, and one missing from a short row, are "" to the csv module
    columns = [rows.to_series(i) for i in range(len(header))]
    columns = [column.fill_null("") if column.null_count() else column for column in columns]
    return _Records(header, 1, columns, rows["__line"], rows["__fields"])


def _lines_of(data: bytes) -> pl.Series | None:
    """The lines of UTF-8 text without a CR or NUL (polars reads each as one field)."""
    try:
        lines = pl.read_csv(data, has_header=False, separator="\x00", quote_char=None,
                            infer_schema=False, new_columns=["line"])["line"].fill_null("")
    except pl.exceptions.PolarsError:
        return None
    newlines = data.count(b"\n")
    expected = newlines + (0 if data.endswith(b"\n") else 1)
    if lines.len() != expected or lines.str.len_bytes().sum() + newlines != len(data):
        return None
    return lines


def _raw_table(
    source: _Source,
    records: _Records,
    encoding: str | None,
    sha256: str,
    notes: list[str],
) -> _RawTable:
    header = records.header
    table = TABLES[source.table]
    names = [_normalise_name(name) for name in header]
    if any(n in table.column_names and n != h.strip() for n, h in zip(names, header,
                                                                      strict=True)):
        notes.append(f"{source.display}: column names read case-insensitively")
    positions: dict[str, int] = {}
    extra: list[str] = []
    for position, name in enumerate(names):
        if name in table.column_names:
            if name in positions:
                msg = f"cannot read {source.display}: column {name!r} appears twice in the header"
                raise UnreadableFileError(msg, "delete or rename one of the two columns")
            positions[name] = position
        else:
            extra.append(header[position].strip() or f"(unnamed column {position + 1})")
    _require_columns(source, table, positions, header)
    frame = pl.DataFrame(
        [records.columns[position].alias(name) for name, position in positions.items()]
    ).with_columns(
        records.lines.alias(LINE),
        records.field_counts.alias("_fields"),
        pl.lit(len(header), dtype=pl.Int32()).alias("_width"),
    )
    return _RawTable(frame, encoding, tuple(extra), sha256, notes)


def _normalise_name(name: str) -> str:
    return name.strip().lstrip("\ufeff").strip().lower()


def _require_columns(
    source: _Source, table: Table, positions: dict[str, int], header: list[str]
) -> None:
    missing = [name for name in table.required_columns if name not in positions]
    if not missing:
        return
    expected = ", ".join(table.required_columns)
    hint = f"the first row of {source.display} must name the columns {expected}"
    if len(header) == 1 and any(sep in header[0] for sep in ";\t|"):
        sep = next(sep for sep in ";\t|" if sep in header[0])
        hint = (
            f"the file seems to be separated by {sep!r}; save it as CSV with commas "
            f"(in Excel: 'CSV UTF-8 (Comma delimited)')"
        )
    column = missing[0]
    others = f" (and {len(missing) - 1} more: {', '.join(missing[1:])})" if len(missing) > 1 else ""
    msg = f"cannot read {source.display}: required column {column!r} is missing{others}"
    raise MissingColumnError(msg, hint)


def _read_parquet(source: _Source) -> _RawTable:
    data = source.path.read_bytes()
    sha256 = hashlib.sha256(data).hexdigest()
    try:
        frame = pl.read_parquet(io.BytesIO(data))
    except Exception as error:  # polars raises ComputeError, OSError … for corrupt files
        msg = f"cannot read {source.display}: not a readable Parquet file ({_first_line(error)})"
        raise UnreadableFileError(msg, "write the table again as Parquet, or as CSV") from None
    table = TABLES[source.table]
    header = list(frame.columns)
    texts = [
        _parquet_column_as_text(frame[name], source)
        if _normalise_name(name) in table.column_names
        else pl.repeat("", frame.height, dtype=pl.String, eager=True)  # never read
        for name in header
    ]
    records = _Records(
        header, 1, texts, pl.int_range(1, frame.height + 1, eager=True),
        pl.repeat(len(header), frame.height, dtype=pl.Int32, eager=True),
    )
    return _raw_table(source, records, None, sha256, [])


def _parquet_column_as_text(series: pl.Series, source: _Source) -> pl.Series:
    dtype = series.dtype
    if dtype == pl.String:
        out = series
    elif dtype == pl.Date:
        out = series.dt.strftime("%Y-%m-%d")
    elif isinstance(dtype, pl.Datetime):
        midnight = series.dt.time() == pl.time(0, 0, 0)
        out = (
            pl.select(
                pl.when(midnight)
                .then(series.dt.strftime("%Y-%m-%d"))
                .otherwise(series.dt.strftime("%Y-%m-%d %H:%M:%S"))
            ).to_series()
        )
    elif dtype == pl.Boolean:
        out = series.cast(pl.String).str.to_lowercase()
    elif dtype.is_integer():
        out = series.cast(pl.String)
    elif dtype.is_float():
        # whole numbers as digits (1e20 fails later as out of range); inf and 2.5 as written
        whole = series.is_finite() & (series == series.floor()) & (series.abs() < 1e37)
        out = pl.select(
            pl.when(whole).then(series.cast(pl.Int128, strict=False).cast(pl.String))
            .otherwise(series.cast(pl.String))
        ).to_series()
    elif isinstance(dtype, pl.Categorical | pl.Enum):
        out = series.cast(pl.String)
    else:
        msg = f"cannot read {source.display}: column {series.name!r} has type {dtype}"
        raise UnreadableFileError(msg, "store dates, numbers and text as plain columns")
    return out.fill_null("").rechunk()


def _read_xlsx(source: _Source) -> _RawTable:
    import fastexcel

    data = source.path.read_bytes()
    sha256 = hashlib.sha256(data).hexdigest()
    sheet_name = source.display.split(", sheet ", 1)[1]
    try:
        sheet = fastexcel.read_excel(data).load_sheet_by_name(
            sheet_name, header_row=None, dtypes="string"
        )
        frame = sheet.to_polars()
    except Exception as error:  # fastexcel raises its own types for every kind of corruption
        msg = f"cannot read {source.display}: {_first_line(error)}"
        raise UnreadableFileError(msg, "save the workbook again from Excel as .xlsx") from None
    if frame.height == 0:
        msg = f"cannot read {source.display}: the sheet is empty"
        raise UnreadableFileError(msg, "the first row of the sheet must name the columns")
    cells = [frame[name].fill_null("").to_list() for name in frame.columns]
    header = [column[0] for column in cells]
    lines: list[int] = []
    keep: list[int] = []
    for index in range(1, frame.height):
        if any(column[index].strip() for column in cells):
            keep.append(index)
            lines.append(index + 1)  # sheet rows are 1-based and row 1 is the header
    columns = [pl.Series([column[i] for i in keep], dtype=pl.String) for column in cells]
    records = _Records(header, 1, columns, pl.Series(lines, dtype=pl.Int64),
                       pl.repeat(len(header), len(keep), dtype=pl.Int32, eager=True))
    return _raw_table(source, records, None, sha256, [])


def _first_line(error: BaseException) -> str:
    text = str(error).strip().splitlines()
    return text[0] if text else type(error).__name__


# --------------------------------------------------------------------------------------------
# Typing values and finding invalid ones


def _trimmed(column: Column) -> pl.Expr:
    """A column's text without surrounding spaces; null where that leaves nothing."""
    text = pl.col(f"__raw_{column.name}").str.strip_chars()
    return pl.when(text == "").then(None).otherwise(text)


def _value(column: Column) -> pl.Expr:
    """The typed value of a column, null where it is empty or cannot be read."""
    text = _trimmed(column)
    value: pl.Expr
    match column.kind:
        case Kind.ID | Kind.TEXT:
            value = text
        case Kind.BOOL:
            word = text.str.to_lowercase()
            value = (
                pl.when(word.is_in(_TRUE_WORDS)).then(True)
                .when(word.is_in(_FALSE_WORDS)).then(False)
                .otherwise(None)
            )
        case Kind.ENUM:
            word = text.str.to_lowercase()
            value = pl.when(word.is_in(column.choices) & _fits_the_row(column, word)).then(
                word).otherwise(None)
        case Kind.INT:
            assert column.int_range is not None
            low, high = column.int_range
            number = text.str.extract(_WHOLE_NUMBER, 1).cast(pl.Int64, strict=False)
            # too many digits for Int64 is null here, and out of range in _problem
            value = pl.when(number.is_between(low, high)).then(number).otherwise(None)
            value = value.cast(pl.Int8)
        case Kind.DATE:
            value = _parse_date(text)
    return value.alias(column.name)


_WHOLE_NUMBER = r"^(\d+)(?:\.0+)?$"


def _fits_the_row(column: Column, word: pl.Expr) -> pl.Expr:
    """Whether an enum word is one the row's other column allows (``Column.choices_by``);
    true when there is no such column, or its value is not one of its words."""
    if column.choices_by is None:
        return pl.lit(True)
    other_name, allowed = column.choices_by
    other = pl.col(f"__raw_{other_name}").str.strip_chars().str.to_lowercase()
    fits = ~other.is_in([value for value, _ in allowed]).fill_null(False)
    for value, words in allowed:
        fits = fits | ((other == value) & word.is_in(words))
    return fits.fill_null(False)


def _problem(column: Column) -> pl.Expr:
    """Why a column's value is invalid (null when it is not), given the typed value."""
    empty = pl.col(f"__empty_{column.name}")
    unreadable = ~empty & pl.col(column.name).is_null()
    problem: pl.Expr
    match column.kind:
        case Kind.ID | Kind.TEXT:
            problem = pl.lit(None, _REASON)
        case Kind.BOOL:
            problem = _problem_when(unreadable, QuarantineReason.NOT_A_BOOLEAN)
        case Kind.ENUM:
            problem = (
                pl.when(~unreadable).then(None)
                .when(_trimmed(column).str.to_lowercase().is_in(column.choices))
                .then(_reason(QuarantineReason.DOES_NOT_FIT))
                .otherwise(_reason(QuarantineReason.UNKNOWN_WORD))
            )
        case Kind.INT:
            problem = (
                pl.when(~unreadable).then(None)
                .when(_trimmed(column).str.contains(_WHOLE_NUMBER))
                .then(_reason(QuarantineReason.OUT_OF_RANGE))
                .otherwise(_reason(QuarantineReason.NOT_A_WHOLE_NUMBER))
            )
        case Kind.DATE:
            problem = _problem_when(unreadable, QuarantineReason.NOT_A_DATE)
    if column.required:
        problem = pl.when(empty).then(
            _reason(QuarantineReason.EMPTY_REQUIRED)
        ).otherwise(problem)
    return problem.alias(f"__problem_{column.name}")


def _problem_when(condition: pl.Expr, reason: QuarantineReason) -> pl.Expr:
    return pl.when(condition).then(_reason(reason)).otherwise(None)


_REASON = pl.Enum([reason.value for reason in QuarantineReason])
"""The type of a problem column: a column of text would take 16 bytes a row, mostly null."""


def _reason(reason: QuarantineReason) -> pl.Expr:
    return pl.lit(reason.value, _REASON)


def _parse_date(text: pl.Expr) -> pl.Expr:
    """Dates in the forms of the contract; anything else (or an impossible day) is null."""
    # Each form is matched first, then parsed, so "%d/%m/%Y" meets only 1-2/1-2/4 digits.
    iso = pl.when(text.str.contains(r"^\d{4}-\d{2}-\d{2}(?:[ T]00:00:00)?$")).then(
        text.str.slice(0, 10)
    )
    day_first = pl.when(text.str.contains(r"^\d{1,2}/\d{1,2}/\d{4}$")).then(text)
    return pl.coalesce(
        iso.str.to_date("%Y-%m-%d", strict=False),
        day_first.str.to_date("%d/%m/%Y", strict=False),
    )


@dataclass(slots=True)
class _TypedTable:
    frame: pl.DataFrame
    quarantine: pl.DataFrame
    rows_read: int
    rows_quarantined: int
    exact_duplicates_dropped: int
    invalid_optional_cells: int


@dataclass(frozen=True, slots=True)
class _TypingSteps:
    """The expressions that type one table: the same for every file, so built once."""

    values: tuple[pl.Expr, ...]
    problems: tuple[pl.Expr, ...]
    required_problem: pl.Expr


@functools.cache
def _typing_steps(table: Table) -> _TypingSteps:
    """Building a table's expressions costs about 5 ms, as much as typing a small file."""
    required_problem = pl.any_horizontal(
        *[pl.col(f"__problem_{c.name}").is_not_null() for c in table.columns if c.required]
    ) | (pl.col("_fields") != pl.col("_width"))
    return _TypingSteps(
        values=(
            *[_value(column) for column in table.columns],
            *[_trimmed(column).is_null().alias(f"__empty_{column.name}")
              for column in table.columns],
        ),
        problems=tuple(_problem(column) for column in table.columns),
        required_problem=required_problem,
    )


def _type_table(table: Table, raw: pl.DataFrame) -> _TypedTable:
    names = table.column_names
    steps = _typing_steps(table)
    # In steps, so that each cell is parsed once: a problem reads the typed value.
    typed = (
        raw.lazy()
        .with_columns(pl.lit(None, pl.String).alias(n) for n in names if n not in raw.columns)
        .with_columns(pl.col(name).alias(f"__raw_{name}") for name in names)
        .with_columns(*steps.values)
        .with_columns(*steps.problems)
        .drop(f"__empty_{name}" for name in names)
        .collect()
    )
    typed = _mark_duplicates(typed, table)
    typed = typed.with_columns(
        __quarantined=~pl.col("__exact_copy") & (pl.col("__conflict") | steps.required_problem)
    )

    entries = _quarantine_entries(table, typed)
    quarantined = int(typed["__quarantined"].sum())
    copies = int(typed["__exact_copy"].sum())
    invalid_optional = entries.filter(pl.col("row_kept")).height
    frame = (
        typed.lazy()
        .filter(~pl.col("__exact_copy") & ~pl.col("__quarantined"))
        .select(*names, LINE)  # selected before the filter copies them: the text stays behind
        .cast(pl.Schema({c.name: c.dtype for c in table.columns}))
        .collect()
    )
    return _TypedTable(frame, entries, raw.height, quarantined, copies, invalid_optional)


def _mark_duplicates(typed: pl.DataFrame, table: Table) -> pl.DataFrame:
    """Mark exact copies (all but the first row of a group) and conflicting duplicates."""
    unmarked = {"__exact_copy": pl.lit(False), "__conflict": pl.lit(False)}
    if table.key is None:
        return typed.with_columns(**unmarked)
    key = pl.col(table.key)
    # Only rows whose key repeats can be either: look at those alone (usually there are none).
    repeats = typed.select(key.is_not_null() & key.is_duplicated()).to_series()
    if not repeats.any():
        return typed.with_columns(**unmarked)
    repeated = typed.filter(repeats)
    # Two rows are the same when every contract column reads the same; an unreadable cell
    # compares by its text, so "TBC" and "" do not make two rows equal.
    signature = pl.struct(
        *[pl.col(c.name) for c in table.columns],
        *[
            pl.when(pl.col(f"__problem_{c.name}").is_not_null())
            .then(pl.col(f"__raw_{c.name}").str.strip_chars())
            .alias(f"__sig_{c.name}")
            for c in table.columns
        ],
    )
    versions = signature.n_unique().over(key)
    first = pl.col(LINE) == pl.col(LINE).min().over(key)
    marked = repeated.select(
        LINE, __exact_copy=(versions == 1) & ~first, __conflict=versions > 1
    )
    # a row's line is unique in its table, so it carries the marks back
    return typed.with_columns(
        __exact_copy=pl.col(LINE).is_in(marked.filter("__exact_copy")[LINE].implode()),
        __conflict=pl.col(LINE).is_in(marked.filter("__conflict")[LINE].implode()),
    )


def _quarantine_entries(table: Table, typed: pl.DataFrame) -> pl.DataFrame:
    key = table.key or table.column_names[0]
    problem_names = [f"__problem_{c.name}" for c in table.columns]
    wrong_width = pl.col("_fields") != pl.col("_width")
    # only these rows have entries: usually few, so the rest never reaches the unpivot
    typed = typed.filter(
        pl.any_horizontal(pl.col(name).is_not_null() for name in problem_names)
        | pl.col("__exact_copy") | pl.col("__conflict") | wrong_width
    )
    if typed.is_empty():  # a clean file, the usual case
        return pl.DataFrame(schema=QUARANTINE_SCHEMA)
    cells = (
        # a row with the wrong number of fields gets one entry, not one per shifted cell
        typed.filter(~pl.col("__exact_copy") & ~wrong_width)
        .select(
            LINE,
            "__quarantined",
            *[
                pl.struct(
                    pl.lit(c.name).alias("column"),
                    pl.col(f"__raw_{c.name}").alias("value"),
                    pl.col(name).cast(pl.String).alias("reason"),
                ).alias(name)
                for c, name in zip(table.columns, problem_names, strict=True)
            ],
        )
        .unpivot(index=[LINE, "__quarantined"], on=problem_names, value_name="cell")
        .unnest("cell")
        .filter(pl.col("reason").is_not_null())
        .select(
            pl.col(LINE).alias("line"),
            "column",
            "value",
            "reason",
            (~pl.col("__quarantined")).alias("row_kept"),
        )
    )
    # one entry per row: a dropped copy says so first, whatever else is wrong with it
    short = wrong_width & ~pl.col("__exact_copy")
    row_level = typed.filter(
        pl.col("__exact_copy") | pl.col("__conflict") | wrong_width
    ).select(
        pl.col(LINE).alias("line"),
        pl.when(short).then(None).otherwise(pl.lit(key)).alias("column"),
        pl.when(short)
        .then(pl.format("{} fields, header has {}", pl.col("_fields"), pl.col("_width")))
        .otherwise(pl.col(f"__raw_{key}")).alias("value"),
        pl.when(pl.col("__exact_copy"))
        .then(pl.lit(QuarantineReason.EXACT_DUPLICATE.value))
        .when(short)
        .then(pl.lit(QuarantineReason.WRONG_FIELD_COUNT.value))
        .otherwise(pl.lit(QuarantineReason.CONFLICTING_DUPLICATE.value))
        .alias("reason"),
        pl.lit(False).alias("row_kept"),
    )
    column_order = {name: i for i, name in enumerate(table.column_names)}
    entries = pl.concat([row_level, cells], how="vertical_relaxed")
    return (
        entries.with_columns(pl.lit(table.name).alias("table"))
        .with_columns(
            pl.col("column").replace_strict(column_order, default=-1, return_dtype=pl.Int32)
            .alias("__order")
        )
        .sort("line", "__order", "reason")
        .drop("__order")
        .select(QUARANTINE_SCHEMA.names())
        .cast(QUARANTINE_SCHEMA)
    )


# --------------------------------------------------------------------------------------------
# The public entry point


_READERS = {
    SourceFormat.CSV: _read_csv,
    SourceFormat.PARQUET: _read_parquet,
    SourceFormat.XLSX: _read_xlsx,
}


def load_dataset(path: str | Path, *, strict: bool = False) -> Dataset:
    """Load a dataset folder as the data contract describes.

    Parameters
    ----------
    path
        A folder of ``<table>.csv`` / ``<table>.parquet`` files, a folder holding one
        ``.xlsx`` workbook, or the workbook itself (one sheet per table).
    strict
        Fail with :class:`StrictModeError` when anything was quarantined.

    Returns
    -------
    Dataset
        One typed frame per contract table (absent optional tables are empty), the
        per-table reports and the quarantine table.

    Raises
    ------
    DatasetError
        A required table or column is missing, or a file cannot be parsed at all.

    Examples
    --------
    >>> ds = load_dataset("data_samples")
    >>> ds["meetings"].columns[:3]
    ['meeting_id', 'case_id', 'meeting_date']
    >>> ds.quarantine.height
    0
    """
    root = Path(path)
    sources = _find_sources(root)
    missing = [name for name in TABLES if TABLES[name].required and name not in sources]
    if missing:
        workbooks = {s.path.name for s in sources.values() if s.format is SourceFormat.XLSX}
        if not sources:  # a workbook none of whose sheets is a table
            workbooks = {p.name for p in ([root] if root.is_file() else root.glob("*.xlsx"))
                         if p.suffix.lower() == ".xlsx"}
        if workbooks:
            book = next(iter(workbooks))
            names = ", ".join(missing)
            msg = f"workbook {book} has no sheet named {missing[0]!r} (missing sheets: {names})"
            hint = "name one sheet per table: cases, levels, meetings (and the optional ones)"
        else:
            names = ", ".join(f"{name}.csv" for name in missing)
            msg = f"dataset {str(root)!r} has no {missing[0]} table (missing: {names})"
            hint = "every dataset needs cases, levels and meetings (CSV, Parquet or xlsx sheets)"
        raise MissingTableError(msg, hint)

    tables: dict[str, pl.DataFrame] = {}
    reports: dict[str, TableReport] = {}
    quarantines: list[pl.DataFrame] = []
    notes: list[str] = []
    for name, table in TABLES.items():
        source = sources.get(name)
        if source is None:
            tables[name] = pl.DataFrame(schema={**table.schema, LINE: pl.Int64()})
            reports[name] = TableReport(name, present=False)
            notes.append(f"{name}: table absent")
            continue
        raw = _READERS[source.format](source)
        typed = _type_table(table, raw.frame)
        absent = tuple(c for c in table.column_names if c not in raw.frame.columns)
        notes.extend(raw.notes)
        if raw.extra_columns:
            notes.append(f"{source.display}: extra columns ignored: {', '.join(raw.extra_columns)}")
        if absent:
            notes.append(f"{source.display}: optional columns absent: {', '.join(absent)}")
        tables[name] = typed.frame
        quarantines.append(typed.quarantine)
        reports[name] = TableReport(
            name=name,
            present=True,
            file=source.display,
            format=source.format,
            encoding=raw.encoding,
            sha256=raw.sha256,
            rows_read=typed.rows_read,
            rows_kept=typed.frame.height,
            rows_quarantined=typed.rows_quarantined,
            exact_duplicates_dropped=typed.exact_duplicates_dropped,
            invalid_optional_cells=typed.invalid_optional_cells,
            extra_columns=raw.extra_columns,
            absent_columns=absent,
        )
    quarantine = (
        pl.concat(quarantines) if quarantines else pl.DataFrame(schema=QUARANTINE_SCHEMA)
    )
    dataset = Dataset(str(path), tables, reports, quarantine, notes)
    if strict and quarantine.height:
        _raise_strict(dataset)
    return dataset


def _raise_strict(dataset: Dataset) -> None:
    first = dataset.quarantine.row(0, named=True)
    display = dataset.reports[first["table"]].file
    where = f"{display} line {first['line']}"
    if first["column"] is not None:
        where += f' column "{first["column"]}"'
    msg = (
        f"`strict`: {dataset.quarantine.height} quarantine entries, the first in {where}: "
        f"{first['value']!r} ({first['reason']})"
    )
    hint = "run `mappa-audit validate` to list them all, fix the file, and run again"
    raise StrictModeError(msg, hint)


def describe_entry(entry: dict[str, object], dataset: Dataset) -> str:
    """One quarantine entry as a sentence naming file, line, column and value."""
    table = str(entry["table"])
    where = f"{dataset.reports[table].file} line {entry['line']}"
    reason = str(entry["reason"])
    if entry["column"] is not None:
        where += f' column "{entry["column"]}"'
        column = TABLES[table].column(str(entry["column"]))
        if reason not in (QuarantineReason.EXACT_DUPLICATE, QuarantineReason.CONFLICTING_DUPLICATE):
            reason += f" (expected {column.describe()})"
    if entry["reason"] == QuarantineReason.EXACT_DUPLICATE:
        outcome = "copy dropped, the first row kept"
    elif entry["row_kept"]:
        outcome = "row kept, value read as not recorded"
    else:
        outcome = "row quarantined"
    return f"{where} holds {entry['value']!r}: {reason}; {outcome}"
