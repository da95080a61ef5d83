"""The run store: run folders' documents and the runs index, typed, checked, written whole.

Every ``manifest.json``, ``results.json`` and ``runs/index.json`` is read and written here,
through a typed model (msgspec ``Struct``; docs/decisions.md says why msgspec). A document is
checked against its model when written and when read, so a half-edited or foreign file is a
clear error, not a ``KeyError`` three modules later. The JSON Schema of each model ships in
``mappa_audit/schemas/`` (docs/results-format.md), generated from the models:
:func:`write_schemas` writes them again, and a test fails when they drift.

Files are written atomically (a reader never sees half a file) with mode ``0640``; the runs
index is updated under a file lock, so runs that finish at the same moment are all recorded.

Fields are only ever added: a reader ignores fields it does not know, so an older
mappa-audit reads a newer run folder. ``schema_version`` counts additions; ``format_version``
(docs/results-format.md) changes only when a field's meaning does.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from pathlib import Path
from typing import Any, Literal, TypeVar

import msgspec
import polars as pl
from filelock import FileLock

from mappa_audit._errors import UsageError
from mappa_audit._files import FILE_MODE, write_atomically, write_text_atomically

logger = logging.getLogger("mappa_audit")

FORMAT_VERSION = 1
SCHEMA_VERSION = 3
"""1: the first typed documents; 2: ``results.json`` says its ``audience``, and a board's
counts from 1 to ``suppress_below - 1`` are null (docs/results-format.md)."""
INDEX_NAME = "index.json"
MANIFEST_NAME = "manifest.json"
RESULTS_NAME = "results.json"
SCHEMAS = Path(__file__).parent / "schemas"

RunOutcomeWord = Literal["running", "succeeded", "failed", "interrupted"]
AudienceWord = Literal["board", "auditor"]
Count = int | None
"""A count; null only in a board's files, where it stands for 1 to ``suppress_below - 1``, or
for a count its object's ``withheld`` names."""


class _Model(msgspec.Struct, kw_only=True):
    """Unknown fields are ignored when read: a newer version may add some."""


M = TypeVar("M", bound=_Model)


# ---- manifest.json -------------------------------------------------------------------------

class RunParameters(_Model, kw_only=True):
    dataset: str
    start: str
    end: str
    period: str | None
    area: str | None
    policy: str | None
    audience: AudienceWord
    allow_small_suppression: bool = False
    national: str | None = None


class Period(_Model, kw_only=True):
    start: str
    end: str
    as_at: str


class ManifestPolicy(_Model, kw_only=True, omit_defaults=True):
    """The policy of a run; when it could not be read, its file and the error only."""

    name: str | None = None
    file: str | None = None
    sha256: str | None = None
    confirmed: bool | None = None
    suppress_below: int | None = None
    error: str | None = None


class InputFile(_Model, kw_only=True):
    name: str
    bytes: int
    sha256: str


class Manifest(_Model, kw_only=True):
    """``manifest.json``: written first (``outcome: running``) and again when the run ends."""

    format_version: int = FORMAT_VERSION
    schema_version: int = SCHEMA_VERSION
    run: str
    parameters: RunParameters
    period: Period
    policy: ManifestPolicy
    inputs: list[InputFile]
    tool_version: str
    versions: dict[str, str]
    git_commit: str | None
    user: str
    host: str
    command: list[str] | None
    started_at: str
    finished_at: str | None
    outcome: RunOutcomeWord
    reason: str | None
    notebooks: list[str] | msgspec.UnsetType = msgspec.UNSET
    files: list[str] | msgspec.UnsetType = msgspec.UNSET


# ---- results.json --------------------------------------------------------------------------

class ResultsPolicy(_Model, kw_only=True):
    name: str
    sha256: str
    confirmed: bool
    suppress_below: int
    rate_min_base: int = 20
    material_change_points: float = 2.0


class TableCounts(_Model, kw_only=True):
    rows: Count
    rows_kept: Count
    quarantined: Count
    sha256: str | None
    withheld: list[str] | msgspec.UnsetType = msgspec.UNSET
    """A board's: the counts withheld (null, shown as ``[c]``) so that no small one can be
    worked out from the rest (docs/decisions.md 55)."""


class DatasetSummary(_Model, kw_only=True):
    source: str
    tables: dict[str, TableCounts]


class QuarantineCounts(_Model, kw_only=True):
    entries: Count
    rows: Count
    withheld: list[str] | msgspec.UnsetType = msgspec.UNSET
    """A board's: the counts withheld (null, shown as ``[c]``) so that no small one can be
    worked out from the rest (docs/decisions.md 55)."""


class RuleResult(_Model, kw_only=True):
    rule_id: str
    title: str
    standard: str | None
    target: float
    amber_margin: float
    confirmed: bool
    compliant: Count
    non_compliant: Count
    pending: Count
    not_assessable: Count
    population: Count
    rate: float | None
    rag: Literal["green", "amber", "red", "none"] | None
    status: Literal["assessed", "not_assessable"]
    reason: str | msgspec.UnsetType = msgspec.UNSET
    withheld: list[str] | msgspec.UnsetType = msgspec.UNSET
    """A board's: the counts withheld (null, shown as ``[c]``) so that no small one can be
    worked out from the rest (docs/decisions.md 55)."""


class DataQualityCount(_Model, kw_only=True):
    rule_id: str
    title: str
    rows: Count
    withheld: list[str] | msgspec.UnsetType = msgspec.UNSET
    """A board's: the counts withheld (null, shown as ``[c]``) so that no small one can be
    worked out from the rest (docs/decisions.md 55)."""


class SignalCount(_Model, kw_only=True):
    signal_id: str
    title: str
    cases: Count
    withheld: list[str] | msgspec.UnsetType = msgspec.UNSET
    """A board's: withheld so that no area's count can be worked out from all areas' and the
    other areas' (docs/decisions.md 62)."""


class WeekCount(_Model, kw_only=True):
    week: str
    items: Count
    withheld: list[str] | msgspec.UnsetType = msgspec.UNSET
    """As :attr:`SignalCount.withheld`."""


class Results(_Model, kw_only=True):
    """``results.json`` (and ``mappa-audit check --format json``)."""

    format_version: int = FORMAT_VERSION
    schema_version: int = SCHEMA_VERSION
    tool_version: str
    period: Period
    area: str | None
    audience: AudienceWord | msgspec.UnsetType = msgspec.UNSET
    """Whom the document is for; a ``board`` document's small counts are null."""
    policy: ResultsPolicy
    dataset: DatasetSummary
    quarantine: QuarantineCounts
    rules: list[RuleResult]
    data_quality: list[DataQualityCount]
    signals: list[SignalCount]
    due_by_week: list[WeekCount] | msgspec.UnsetType = msgspec.UNSET


# ---- runs/index.json -----------------------------------------------------------------------

class IndexEntry(_Model, kw_only=True):
    folder: str
    area: str | None
    start: str
    end: str
    period: str | None
    audience: AudienceWord
    policy: str | None
    outcome: RunOutcomeWord
    started_at: str
    finished_at: str | None


class RunsIndex(_Model, kw_only=True):
    format_version: int = FORMAT_VERSION
    schema_version: int = SCHEMA_VERSION
    runs: list[IndexEntry]


DOCUMENTS: dict[str, type[_Model]] = {
    "manifest": Manifest, "results": Results, "index": RunsIndex}
"""Each document's model, by the name of its schema file (``<name>.schema.json``)."""


# ---- reading and writing -------------------------------------------------------------------

def dumps(document: msgspec.Struct | dict[str, Any]) -> str:
    """JSON text as every run file is written: field order kept, UTF-8, two-space indent."""
    plain = msgspec.to_builtins(document) if isinstance(document, msgspec.Struct) else document
    return json.dumps(plain, indent=2, ensure_ascii=False) + "\n"


def checked(document: dict[str, Any] | M, model: type[M], what: str) -> M:
    """``document`` as ``model``; a clear error naming the field when it does not fit."""
    if isinstance(document, model):
        return document
    try:
        return msgspec.convert(document, model)
    except msgspec.ValidationError as error:
        msg = f"{what} does not hold what it should: {error}"
        raise UsageError(msg, "it was written by another program or edited by hand; make "
                              "the run again") from None


def _read(path: Path, model: type[M]) -> M:
    try:
        return msgspec.json.decode(path.read_bytes(), type=model)
    except msgspec.ValidationError as error:
        msg = f"{path} does not hold what it should: {error}"
        raise UsageError(msg, "it was written by another program or edited by hand; make "
                              "the run again") from None
    except msgspec.DecodeError as error:
        msg = f"{path} is not valid JSON ({error})"
        raise UsageError(msg, "it was cut short or edited by hand; make the run again") from None


def write_manifest(folder: Path, manifest: Manifest | dict[str, Any]) -> None:
    write_text_atomically(folder / MANIFEST_NAME,
                          dumps(checked(manifest, Manifest, str(folder / MANIFEST_NAME))))


def read_manifest(folder: Path) -> Manifest:
    return _read(folder / MANIFEST_NAME, Manifest)


def results_json(document: Results | dict[str, Any]) -> str:
    """The text of ``results.json`` for ``document``, checked against its model."""
    # a document without ``schema_version`` gets the model's, after ``format_version``
    return dumps(checked(document, Results, RESULTS_NAME))


def write_results(folder: Path, document: Results | dict[str, Any]) -> None:
    """``results.json``, last of a run's result files: its presence means the rest is whole."""
    write_text_atomically(folder / RESULTS_NAME, results_json(document))


def has_results(folder: Path) -> bool:
    """Whether ``folder`` is a run folder whose results were saved whole."""
    return (folder / RESULTS_NAME).is_file()


def read_results(folder: Path) -> dict[str, Any]:
    """A run's ``results.json``, checked, as plain data (fields this version does not know
    are dropped)."""
    plain: dict[str, Any] = msgspec.to_builtins(_read(folder / RESULTS_NAME, Results))
    return plain


# ---- the data files ------------------------------------------------------------------------

DATA_FILES = {
    "rule_results": "counts per rule, for the headline and every breakdown",
    "area_results": "the same, for each area on its own",
    "disclosure_summary": "disclosure decisions per area, level, recipient type and quarter",
    "quarantine_summary": "quarantine entries per table and reason",
    "quarantine": "the quarantine table (a board's: counts only)",
    "exceptions": "auditor only: every exception, with its case id",
    "watch_list": "auditor only: the cases each watch-list signal picks out",
    "worklist": "auditor only: what falls due in the four weeks after the as-at date",
    "data_quality": "auditor only: every row the data-quality rules found, with its case id",
}
"""The parquet files of a run folder (``<name>.parquet``), by name."""


def write_run_data(folder: Path, document: Results | dict[str, Any],
                   frames: dict[str, pl.DataFrame]) -> None:
    """A run's results: each data file of ``frames``, then ``results.json``, whose presence
    means every other file is whole."""
    for name, frame in frames.items():
        if name not in DATA_FILES:
            msg = f"{name!r} is not a data file of a run folder"
            raise ValueError(msg)
        write_atomically(folder / f"{name}.parquet", frame.write_parquet)
    write_results(folder, document)


def read_run_data(folder: Path, name: str) -> pl.DataFrame | None:
    """One data file of a run folder; ``None`` when the run has none (an older run, or a
    board folder for an auditor-only file)."""
    if name not in DATA_FILES:
        msg = f"{name!r} is not a data file of a run folder"
        raise ValueError(msg)
    path = folder / f"{name}.parquet"
    return pl.read_parquet(path) if path.exists() else None


# ---- the annual tables of a run (issue 18) -------------------------------------------------

OUTCOMES_NAME = "outcomes.json"
"""The run's annual-report tables (outcomes, equality, level use) for the last whole
financial year, as ``annual --format json`` prints them: hidden counts ``"<5"`` in a board's
run, exact in an auditor's."""


def write_outcomes(folder: Path, document: dict[str, Any]) -> None:
    """``outcomes.json`` of a run folder (written before ``results.json``)."""
    write_text_atomically(folder / OUTCOMES_NAME, dumps(document))


def read_outcomes(folder: str | Path) -> dict[str, Any] | None:
    """A run's ``outcomes.json``; ``None`` when the run has none (an older run, or one
    whose annual tables could not be made: its manifest does not fail for that)."""
    path = Path(folder) / OUTCOMES_NAME
    if not path.is_file():
        return None
    try:
        document: dict[str, Any] = msgspec.json.decode(path.read_bytes())
    except msgspec.DecodeError as error:
        msg = f"{path} is not valid JSON ({error})"
        raise UsageError(msg, "it was cut short or edited by hand; make the run again") from None
    return document


# ---- the runs index ------------------------------------------------------------------------

def index_entry(folder: Path, manifest: Manifest) -> IndexEntry:
    """What the index records of a run."""
    parameters = manifest.parameters
    return IndexEntry(
        folder=folder.name, area=parameters.area, start=parameters.start, end=parameters.end,
        period=parameters.period, audience=parameters.audience, policy=manifest.policy.name,
        outcome=manifest.outcome, started_at=manifest.started_at,
        finished_at=manifest.finished_at,
    )


def add_to_index(out: Path, entry: IndexEntry) -> None:
    """Record a run in ``out/index.json`` (replacing an entry of the same folder).

    Under a lock: two runs finishing at the same moment each read the index the other wrote.
    Entries :func:`read_index` leaves out (a folder outside ``out``) are not written back.
    """
    with FileLock(out / ".index.lock", mode=FILE_MODE):
        runs = [e for e in _index_entries(out) if e.folder != entry.folder]
        runs.append(entry)
        runs.sort(key=lambda e: (e.started_at, e.folder))
        write_text_atomically(out / INDEX_NAME, dumps(RunsIndex(runs=runs)))


def read_index(out: str | Path) -> list[dict[str, Any]]:
    """Every run recorded under ``out``, oldest first (an empty list when there is none).

    An entry whose ``folder`` is not a folder directly under ``out`` (``../../etc``, an
    absolute path, a symbolic link that leads elsewhere), or that does not hold what an
    entry should, is left out with a logged warning, so that a dashboard or a comparison
    never reads outside the runs folder and the other runs still show (docs/decisions.md).
    """
    return [msgspec.to_builtins(entry) for entry in _index_entries(Path(out))]


def successful_runs(runs: Path, audience: str | None = None) -> list[dict[str, Any]]:
    """The successful runs under ``runs``, in the order the dashboards offer them: newest
    period first; within it, the all-areas run before single-area runs, newest first."""
    entries = [e for e in read_index(runs) if e["outcome"] == "succeeded"]
    if audience is not None:
        entries = [e for e in entries if e["audience"] == audience]
    return sorted(entries, key=lambda e: (e["end"], e["area"] is None, e["started_at"]),
                  reverse=True)


def previous_run(
    runs: list[dict[str, Any]], current: dict[str, Any]
) -> dict[str, Any] | None:
    """The latest successful run in ``runs`` before ``current`` of the same area and period
    length (so a quarter is compared with the quarter before). For a board view, give board
    runs only (decision 64)."""
    def length(entry: dict[str, Any]) -> int:
        return (dt.date.fromisoformat(entry["end"]) - dt.date.fromisoformat(entry["start"])).days

    earlier = [
        entry for entry in runs
        if entry["outcome"] == "succeeded" and entry["area"] == current["area"]
        and entry["end"] < current["end"] and abs(length(entry) - length(current)) <= 3
    ]
    return max(earlier, key=lambda e: (e["end"], e["started_at"])) if earlier else None


def _index_entries(out: Path) -> list[IndexEntry]:
    path = out / INDEX_NAME
    if not path.exists():
        return []
    hint = f"move it aside; `mappa-audit run` writes a new one in {out}"
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as error:
        msg = f"the runs index {path} is not valid JSON ({error.msg}, line {error.lineno})"
        raise UsageError(msg, hint) from None
    runs = document.get("runs", []) if isinstance(document, dict) else None
    if not isinstance(runs, list):
        msg = f"the runs index {path} holds no list of runs"
        raise UsageError(msg, hint)
    entries = []
    for number, raw in enumerate(runs, start=1):
        folder = raw.get("folder") if isinstance(raw, dict) else None
        if not (isinstance(folder, str) and _inside(out, folder)):
            logger.warning("the runs index %s names a run folder outside %s (%r); that entry "
                           "is left out", path, out, folder if folder is not None else raw)
            continue
        try:
            entries.append(msgspec.convert(raw, IndexEntry))
        except msgspec.ValidationError as error:
            # one damaged entry must not take every other run off the board's dashboard
            logger.warning("the runs index %s: run %d (%s) does not hold what it should (%s); "
                           "that entry is left out", path, number, folder, error)
    return entries


def _inside(out: Path, folder: str) -> bool:
    """Whether ``folder`` names a folder directly under ``out``."""
    if Path(folder).name != folder:  # more than one name, a slash, "..", ""
        return False
    root = out.resolve()
    try:
        return (root / folder).resolve().parent == root
    except (OSError, RuntimeError, ValueError):  # a link loop, a NUL byte
        return False


# ---- the JSON Schemas ----------------------------------------------------------------------

def schema(name: str) -> dict[str, Any]:
    """The JSON Schema of a document (``manifest``, ``results`` or ``index``)."""
    generated: dict[str, Any] = msgspec.json.schema(DOCUMENTS[name])
    return {"$schema": "https://json-schema.org/draft/2020-12/schema",
            "title": f"mappa-audit {name}.json, schema version {SCHEMA_VERSION}"} | generated


def write_schemas(folder: Path = SCHEMAS) -> list[Path]:
    """Write every document's JSON Schema into ``folder``; the paths written."""
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for name in DOCUMENTS:
        path = folder / f"{name}.schema.json"
        path.write_text(json.dumps(schema(name), indent=2, sort_keys=True) + "\n",
                        encoding="utf-8")
        written.append(path)
    return written
