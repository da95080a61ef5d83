"""Mutated CSV datasets: the loader answers with a dataset or a MappaAuditError, nothing else.

Each example takes the first 40 rows of every sample table, damages one or more files the
ways exports get damaged (a cell overwritten with random text or bytes, another delimiter,
another encoding, a file cut short, lines repeated or lost, stray quotes) and loads the
result. ``load_dataset`` must either raise a :class:`mappa_audit.MappaAuditError` (with a
hint, on one line for the command line) or return a dataset whose row accounting is exact
and which ``audit`` runs on without an exception.
"""

from __future__ import annotations

import os
import random
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

import hypothesis
from hypothesis import HealthCheck, event, example, given, settings
from hypothesis import strategies as st

import mappa_audit as ma
from mappa_audit import _loader

SAMPLE = Path(__file__).parent.parent / "data_samples"
ROWS = 40
SAMPLE_FILES: dict[str, bytes] = {
    path.name: b"\n".join(path.read_bytes().splitlines()[: ROWS + 1]) + b"\n"
    for path in sorted(SAMPLE.glob("*.csv"))
}
BIG = 10**6  # positions are drawn in 0..BIG and taken modulo the length they index


# --- the mutations ----------------------------------------------------------------------------


@dataclass(frozen=True)
class ReplaceCell:
    """Overwrite one comma-separated cell (the header row included) with other bytes."""

    line: int
    cell: int
    value: bytes

    def apply(self, data: bytes) -> bytes:
        lines = data.split(b"\n")
        index = self.line % len(lines)
        cells = lines[index].split(b",")
        cells[self.cell % len(cells)] = self.value
        lines[index] = b",".join(cells)
        return b"\n".join(lines)


@dataclass(frozen=True)
class ChangeDelimiter:
    """Excel in a European locale: semicolons; other tools: tabs or pipes."""

    delimiter: bytes

    def apply(self, data: bytes) -> bytes:
        return data.replace(b",", self.delimiter)


@dataclass(frozen=True)
class Reencode:
    """Saved by another program: Windows-1252, UTF-16 (Excel's "Unicode text"), a BOM."""

    encoding: str

    def apply(self, data: bytes) -> bytes:
        return data.decode("utf-8", errors="replace").encode(self.encoding, errors="replace")


@dataclass(frozen=True)
class Truncate:
    """A copy or download that stopped part-way (possibly inside a UTF-8 sequence)."""

    at: int

    def apply(self, data: bytes) -> bytes:
        return data[: self.at % (len(data) + 1)]


@dataclass(frozen=True)
class DuplicateLine:
    """A row pasted twice (or the header repeated, as when two exports are concatenated)."""

    line: int

    def apply(self, data: bytes) -> bytes:
        lines = data.split(b"\n")
        index = self.line % len(lines)
        return b"\n".join([*lines[: index + 1], lines[index], *lines[index + 1 :]])


@dataclass(frozen=True)
class DeleteLine:
    """A row, or the header, lost."""

    line: int

    def apply(self, data: bytes) -> bytes:
        lines = data.split(b"\n")
        del lines[self.line % len(lines)]
        return b"\n".join(lines)


@dataclass(frozen=True)
class InsertBytes:
    """Stray quotes, line breaks, NUL bytes or noise at any byte position."""

    at: int
    value: bytes

    def apply(self, data: bytes) -> bytes:
        at = self.at % (len(data) + 1)
        return data[:at] + self.value + data[at:]


Mutation = (
    ReplaceCell | ChangeDelimiter | Reencode | Truncate | DuplicateLine | DeleteLine | InsertBytes
)

positions = st.integers(0, BIG)
cell_values = st.one_of(
    st.sampled_from(
        [
            "", " ", "TBC", "31/02/2026", "2026-13-01", "45123", "1/4/26", "2.0", "2.5", "0", "4",
            "one", "POLICE", "yes", "maybe", "=HYPERLINK(\"http://x\",\"y\")", '"', '"quoted"',
            "a,b", "東区", "المنطقة", "🚓", "9999-12-31", "0001-01-01", "1900-02-29",
        ]
    ).map(str.encode),
    st.text(max_size=12).map(str.encode),
    st.binary(max_size=8),
)
local_damage: st.SearchStrategy[Mutation] = st.one_of(
    st.builds(ReplaceCell, positions, st.integers(0, 20), cell_values),
    st.builds(Truncate, positions),
    st.builds(DuplicateLine, positions),
    st.builds(DeleteLine, positions),
    st.builds(
        InsertBytes,
        positions,
        st.one_of(
            st.sampled_from([b'"', b'""', b"\n", b"\r\n", b",", b"\x00"]),
            st.binary(min_size=1, max_size=4),
        ),
    ),
)
# Another delimiter or UTF-16 refuses the whole file at once; at most one such change per
# example keeps most examples loading, where the row accounting is worth checking.
whole_file_damage: st.SearchStrategy[Mutation] = st.one_of(
    st.builds(ChangeDelimiter, st.sampled_from([b";", b"\t", b"|"])),
    st.builds(Reencode, st.sampled_from(["cp1252", "utf-16", "utf-16-le", "utf-8-sig"])),
)
file_names = st.sampled_from(sorted(SAMPLE_FILES))
edits = st.builds(
    lambda local, whole: [*local, *whole],
    st.lists(st.tuples(file_names, local_damage), max_size=6),
    st.lists(st.tuples(file_names, whole_file_damage), max_size=1),
)


# --- the invariant ----------------------------------------------------------------------------


def load(files: dict[str, bytes]) -> ma.Dataset | ma.MappaAuditError:
    """The loaded dataset, or the error that refused it (any other exception propagates)."""
    with tempfile.TemporaryDirectory() as directory:
        folder = Path(directory)
        for name, data in files.items():
            (folder / name).write_bytes(data)
        try:
            return ma.load_dataset(folder)
        except ma.MappaAuditError as error:
            return error


def load_and_audit(files: dict[str, bytes], *, audit: bool = True) -> None:
    dataset = load(files)
    if isinstance(dataset, ma.MappaAuditError):  # a deliberate, explained refusal is an answer
        event(f"refused: {type(dataset).__name__}")
        assert dataset.hint, dataset
        assert "\n" not in dataset.one_line(), dataset
        return
    event("loaded with quarantine" if dataset.quarantine.height else "loaded clean")
    assert_rows_accounted_for(dataset)
    if not audit:
        return
    result = ma.audit(dataset, "2025-04-01", "2026-03-31")
    document = ma.results_document(result)
    for rule in document["rules"]:
        assert rule["population"] == rule["compliant"] + rule["non_compliant"], rule
        assert rule["rate"] is None or 0 <= rule["rate"] <= 1, rule


def assert_rows_accounted_for(dataset: ma.Dataset) -> None:
    """Every row read is kept, or listed as quarantined or a dropped copy: once, never both."""
    quarantine = dataset.quarantine
    for name, report in dataset.reports.items():
        if not report.present:
            continue
        assert report.rows_read == (
            report.rows_kept + report.rows_quarantined + report.exact_duplicates_dropped
        ), report
        assert dataset[name].height == report.rows_kept, report
        entries = quarantine.filter(quarantine["table"] == name)
        # Each row starts on its own line, so distinct lines count rows. (Which reason a
        # dropped copy is listed with is pinned in test_bad_inputs: ragged-row-pasted-twice.)
        left_out = set(entries.filter(~entries["row_kept"])["line"].to_list())
        kept_cells = entries.filter(entries["row_kept"])
        kept_lines = set(dataset[name]["_line"].to_list())
        assert len(left_out) == report.rows_quarantined + report.exact_duplicates_dropped, report
        assert kept_cells.height == report.invalid_optional_cells, report
        assert len(kept_lines) == report.rows_kept, report
        assert kept_lines.isdisjoint(left_out), report
        assert set(kept_cells["line"].to_list()) <= kept_lines, report


def mutate(edit_list: list[tuple[str, Mutation]]) -> dict[str, bytes]:
    files = dict(SAMPLE_FILES)
    for name, mutation in edit_list:
        files[name] = mutation.apply(files[name])
    return files


# --- the tests --------------------------------------------------------------------------------

# Measured on a 2-core machine: load + audit of the 40-row dataset takes 0.1-0.3 s, a load
# alone 35-70 ms, a refused load a few milliseconds. The default test (100 examples, each
# loaded and audited) takes 10-15 s. The slow one, which CI runs, makes the 10,000 examples
# the issue asks for and checks what it asks of them: only documented errors, and every row
# accounted for; it leaves the audit to the default test, which would make it 20 minutes.
# It splits them between processes, one per core, each with its own seed (printed, so that a
# failure can be replayed with MAPPA_FUZZ_SEED). MAPPA_FUZZ_EXAMPLES changes the count.
# CI draws from a fixed seed, so that a red build is the change's fault and can be replayed;
# MAPPA_FUZZ_SEED=random draws new examples each time (CONTRIBUTING.md: an opt-in run before a
# release, or after changing the loader).
FIXED_SEED = 20261207


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(edit_list=edits)
@example(edit_list=[])  # the unmutated 40-row subset
@example(edit_list=[("meetings.csv", ChangeDelimiter(b";"))])
@example(edit_list=[("cases.csv", Reencode("cp1252")), ("levels.csv", Reencode("utf-8-sig"))])
@example(edit_list=[("meetings.csv", InsertBytes(200, b'"'))])  # an unterminated quote
@example(edit_list=[("cases.csv", Truncate(0))])  # an empty file
def test_mutated_dataset_loads_or_fails_cleanly(edit_list: list[tuple[str, Mutation]]) -> None:
    files = mutate(edit_list)
    load_and_audit(files)
    assert_fast_path_agrees(files)


def assert_fast_path_agrees(files: dict[str, bytes]) -> None:
    """Files this small are read by the csv module; polars' reader, which reads large files,
    must read each damaged one exactly as the csv module does, or decline it."""
    for name, data in files.items():
        try:
            text = _loader._decode(data, name)[0]
        except ma.MappaAuditError:
            continue
        fast = _loader._one_line_records(text)
        if fast is not None:
            assert records_of(fast) == records_of(_loader._csv_records(text, name)), name


def records_of(records: _loader._Records) -> tuple[object, ...]:
    return (records.header, records.header_line, [c.to_list() for c in records.columns],
            records.lines.to_list(), records.field_counts.to_list())


def check_many(examples: int, seed: int) -> None:
    """The loader-only property for ``examples`` examples drawn with ``seed`` (one process)."""

    @hypothesis.seed(seed)
    @settings(max_examples=examples, deadline=None, database=None,
              suppress_health_check=[HealthCheck.too_slow])
    @given(edit_list=edits)
    def loads_or_fails_cleanly(edit_list: list[tuple[str, Mutation]]) -> None:
        load_and_audit(mutate(edit_list), audit=False)

    loads_or_fails_cleanly()


_started: list[subprocess.Popen[bytes]] = []
"""The many-examples run's processes, when this process started them."""


def start_many(folder: Path) -> None:
    """Start the processes of the many-examples run: one per core, each with its own seed.

    ``tests/conftest.py`` starts them as soon as the test is collected (by pytest-xdist's
    controller when the suite is shared among workers), at the lowest CPU priority: the
    suite spends much of its time waiting on browsers, servers and kernels, and the
    processes use that idle time instead of minutes of their own.
    """
    examples = int(os.environ.get("MAPPA_FUZZ_EXAMPLES", "10000"))
    chosen = os.environ.get("MAPPA_FUZZ_SEED", str(FIXED_SEED))
    first_seed = random.randrange(2**31) if chosen == "random" else int(chosen)
    workers = max(1, min(os.cpu_count() or 1, examples))
    shares = [examples // workers + (i < examples % workers) for i in range(workers)]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(
        [str(Path(__file__).parent), os.environ.get("PYTHONPATH", "")]),
        # 40-row tables: polars' threads cost more than they give (10 % of the run)
        "POLARS_MAX_THREADS": "1"}
    for i, share in enumerate(shares):
        seed = first_seed + i
        with (folder / f"{seed}.log").open("wb") as log:
            _started.append(subprocess.Popen(
                [sys.executable, "-W", "error", "-c",
                 f"import os; os.nice(19); import test_fuzz; "
                 f"test_fuzz.check_share({share}, {seed}, {str(folder)!r})"],
                env=env, stdout=log, stderr=subprocess.STDOUT))
    (folder / "seeds").write_text(" ".join(
        f"{first_seed + i}:{process.pid}" for i, process in enumerate(_started)))


def check_share(examples: int, seed: int, folder: str) -> None:
    """One process's share of the many-examples run; its exit status in ``<seed>.rc``."""
    import traceback

    try:
        check_many(examples, seed)
        code = 0
    except BaseException:
        traceback.print_exc()
        code = 1
    sys.stdout.flush()
    sys.stderr.flush()
    (Path(folder) / f"{seed}.rc.part").write_text(str(code))
    (Path(folder) / f"{seed}.rc.part").rename(Path(folder) / f"{seed}.rc")


def stop_many() -> None:
    """Stop processes the test did not wait for (the session ended before it ran)."""
    for process in _started:
        if process.poll() is None:
            process.kill()
        process.wait()
    _started.clear()
