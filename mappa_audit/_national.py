"""The national figures a board's level use is compared with: a shipped, versioned TOML file.

Each figure names the publication, table and year it comes from; a figure that could not be
sourced is left out of the file, never estimated. ``mappa-audit annual --national FILE`` reads
a newer file. docs/rules.md, "National figures", says which figures there are.
"""

from __future__ import annotations

import math
import tomllib
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any, NoReturn

import polars as pl

from mappa_audit._errors import ArgumentError

COUNT_FIGURES = ("eligible", "category_1", "category_2", "category_3", "category_4",
                 "level_1", "level_2", "level_3")
SHARE_FIGURES = ("share_level_2_3", "share_category_3", "level_1_referral_rate")
FIGURE_IDS = COUNT_FIGURES + SHARE_FIGURES
"""Every figure a national file may hold: counts on 31 March, then shares (0 to 1)."""
FIELDS = ("value", "year", "table", "source")


@dataclass(frozen=True)
class NationalFigure:
    """One published figure and where it comes from."""

    id: str
    value: float
    year: str
    table: str
    source: str


@dataclass(frozen=True)
class NationalFigures:
    """A national reference file: its version, title and figures (in :data:`FIGURE_IDS`
    order)."""

    version: str
    title: str
    path: str
    figures: tuple[NationalFigure, ...]

    def get(self, figure_id: str) -> NationalFigure | None:
        """The figure of that id, or ``None`` when the file leaves it out."""
        return next((figure for figure in self.figures if figure.id == figure_id), None)

    def frame(self) -> pl.DataFrame:
        """The figures as the ``national_figures`` table: ``figure, value, year, table,
        source``."""
        return pl.DataFrame(
            [(f.id, f.value, f.year, f.table, f.source) for f in self.figures],
            schema={"figure": pl.String, "value": pl.Float64, "year": pl.String,
                    "table": pl.String, "source": pl.String}, orient="row")


def shipped_national_path() -> Path:
    """The national reference file shipped with mappa-audit."""
    return Path(str(resources.files("mappa_audit") / "reference" / "national.toml"))


def load_national(path: str | Path | None = None) -> NationalFigures:
    """Read a national reference file; ``None`` gives the shipped one.

    Raises :class:`~mappa_audit.ArgumentError` (naming ``national``) when the file cannot be
    read, is not TOML, or a figure lacks its value, year, table or source; the message names
    the file and the key.

    Examples
    --------
    >>> figures = load_national()
    >>> figures.version
    '2026-12'
    >>> import tempfile, pathlib
    >>> bad = pathlib.Path(tempfile.mkdtemp()) / "newer.toml"
    >>> _ = bad.write_text('version = "1"\\n[figures.share_level_2_3]\\nvalue = 0.02\\n'
    ...                    'year = "2023-24"\\ntable = "Table 1"\\n')
    >>> load_national(bad)
    Traceback (most recent call last):
    ...
    mappa_audit._errors.ArgumentError: `national` newer.toml: figures.share_level_2_3 has no \
source
    Hint: every figure names its value, year, table and source (the publication); leave out \
a figure that cannot be sourced
    """
    file = Path(path) if path is not None else shipped_national_path()
    name = file.name
    try:
        text = file.read_bytes().decode("utf-8-sig")
    except OSError as error:
        _fail(name, f"cannot be read: {error.strerror or error}",
              "give the path of a national figures .toml file")
    except UnicodeDecodeError:
        _fail(name, "is not UTF-8 text", "save the file as UTF-8")
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        _fail(name, f"is not valid TOML ({error})",
              "compare with the shipped mappa_audit/reference/national.toml")
    version = data.get("version")
    if not isinstance(version, str) or not version.strip():
        _fail(name, "has no version", 'give the file a version, e.g. version = "2027-01"')
    figures = data.get("figures", {})
    if not isinstance(figures, dict):
        _fail(name, "figures is not a table", "write each figure as [figures.<id>]")
    read = []
    for figure_id, entry in figures.items():
        read.append(_figure(name, figure_id, entry))
    read.sort(key=lambda figure: FIGURE_IDS.index(figure.id))
    return NationalFigures(version=version.strip(), title=str(data.get("title", "")),
                           path=str(file), figures=tuple(read))


def _figure(name: str, figure_id: str, entry: Any) -> NationalFigure:
    key = f"figures.{figure_id}"
    if figure_id not in FIGURE_IDS:
        _fail(name, f"{key} is not a figure mappa-audit knows",
              f"the figures are: {', '.join(FIGURE_IDS)}")
    if not isinstance(entry, dict):
        _fail(name, f"{key} is not a table", f"write it as [{key}] with its fields")
    for field in FIELDS:
        if field not in entry:
            _fail(name, f"{key} has no {field}",
                  "every figure names its value, year, table and source (the publication); "
                  "leave out a figure that cannot be sourced")
    value = entry["value"]
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        _fail(name, f"{key}.value {value!r} is not a number", "write the figure as a number")
    if figure_id in SHARE_FIGURES and not 0 <= value <= 1:
        _fail(name, f"{key}.value {value!r} is not a share from 0 to 1",
              "write 1.8 % as 0.018")
    if figure_id in COUNT_FIGURES and (value < 0 or value != int(value)):
        _fail(name, f"{key}.value {value!r} is not a count of people",
              "write the number of people as a whole number")
    texts = {}
    for field in ("year", "table", "source"):
        text = entry[field]
        if not isinstance(text, str) or not text.strip():
            _fail(name, f"{key}.{field} is empty or not text", f"write the {field} as text")
        texts[field] = text.strip()
    return NationalFigure(id=figure_id, value=float(value), **texts)


def _fail(name: str, problem: str, hint: str) -> NoReturn:
    msg = f"`national` {name}: {problem}"
    raise ArgumentError(msg, hint, argument="national")
