"""A board run folder may be circulated like a board paper: no file in it holds a count
from 1 to 4 (issue 15: suppress once, on the way in). Every file is scanned, parquet
included, for the whole run and for each area's; the same scan finds such counts in an
auditor's folder, so it is sharp enough to fail."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import polars as pl
import pytest

from _support import SAMPLE, SampleRuns, folders_printed, mappa, mappa_in_process

pytestmark = pytest.mark.slow

SUPPRESS_BELOW = 5
COUNT_FIELDS = {"compliant", "non_compliant", "pending", "not_assessable", "population",
                "rows", "rows_kept", "quarantined", "entries", "cases", "items",
                # outcomes.json: the annual tables' counts (docs/rules.md, Annual report tables)
                "count", "previous_year_count", "eligible", "at_level_2_3", "referrals",
                "accepted", "released_at_level_2_3", "stepped_down", "decisions",
                "decisions_to_disclose", "level_1", "level_2", "level_3", "category_3",
                "level_1_people", "referred_from_level_1"}
"""Every count field of results.json and outcomes.json (docs/results-format.md)."""
SMALL = set(range(1, SUPPRESS_BELOW))


def _small_json_counts(value: Any, path: str = "") -> Iterator[str]:
    if isinstance(value, dict):
        for key, item in value.items():
            if key in COUNT_FIELDS and isinstance(item, int) and item in SMALL:
                yield f"{path}.{key} = {item}"
            yield from _small_json_counts(item, f"{path}.{key}")
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _small_json_counts(item, f"{path}[{index}]")


def _small_parquet_counts(path: Path) -> Iterator[str]:
    frame = pl.read_parquet(path)
    for name, dtype in frame.schema.items():
        if dtype.is_integer():  # every whole-number column of a board file is a count
            small = frame.filter(pl.col(name).is_in(sorted(SMALL)))
            if small.height:
                yield f"{path.name}: {name} = {small[name][0]} ({small.height} rows)"


_NUMBER_CELL = re.compile(r"<td class=['\"]num['\"]>(\d+)</td>")
_HOVER = re.compile(r"met (\d+), not met (\d+)")


def _small_shown_counts(path: Path) -> Iterator[str]:
    """Counts in the report's table cells and in the charts' hover text."""
    text = path.read_text(encoding="utf-8")
    if path.suffix == ".ipynb":  # the outputs as stored: HTML and plotly JSON in strings
        text = json.dumps(json.loads(text)).replace("\\\"", "'").replace("\\\\", "\\")
    for found in _NUMBER_CELL.findall(text):
        if int(found) in SMALL:
            yield f"{path.name}: table cell {found}"
    for pair in _HOVER.findall(text):
        yield from (f"{path.name}: chart hover {n}" for n in pair if int(n) in SMALL)


def small_counts(folder: Path) -> list[str]:
    """Every count from 1 to 4 in any file of ``folder``; fails on a file it cannot read."""
    found: list[str] = []
    for path in sorted(folder.iterdir()):
        if path.name == "manifest.json":
            continue  # what was run, on what: sizes of input files, no counts of anything
        if path.suffix == ".json":
            found += _small_json_counts(json.loads(path.read_text()), path.name)
        elif path.suffix == ".parquet":
            found += _small_parquet_counts(path)
        elif path.suffix in {".html", ".ipynb"}:
            found += _small_shown_counts(path)
        else:
            pytest.fail(f"{path.name}: a file this test does not know how to scan")
    return found


@pytest.fixture(scope="module")
def board_area_runs(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    out = tmp_path_factory.mktemp("board-areas")
    result = mappa("run", str(SAMPLE), "--start", "2025-04-01", "--end", "2026-03-31",
                   "--each-area", "--out", str(out))
    assert result.returncode == 0, result.stderr
    return folders_printed(result)


def test_no_board_file_holds_a_small_count(sample_runs: SampleRuns,
                                           board_area_runs: list[Path]) -> None:
    for folder in [sample_runs.board, sample_runs.earlier_board, *board_area_runs]:
        assert small_counts(folder) == [], folder.name


def test_an_area_run_shows_what_the_all_areas_board_shows_of_it(
        sample_runs: SampleRuns, board_area_runs: list[Path]) -> None:
    """Read together, the two give nothing away that the all-areas board does not (decision
    59): each count of an area is hidden in both or shown in both, with the same value."""
    from mappa_audit._store import read_run_data

    keys = ["rule_id", "dimension", "value"]
    counts = ["compliant", "non_compliant", "pending", "not_assessable", "population"]
    of_areas = read_run_data(sample_runs.board, "area_results")
    assert of_areas is not None
    for folder in board_area_runs:
        area = json.loads((folder / "results.json").read_text())["area"]
        own = read_run_data(folder, "rule_results")
        assert own is not None
        theirs = of_areas.filter(pl.col("area") == area).drop("area")
        assert own.height == theirs.height > 0, area
        both = own.select(*keys, *counts).sort(keys, nulls_last=True)
        assert both.equals(theirs.select(*keys, *counts).sort(keys, nulls_last=True)), area


def test_every_board_runs_annual_tables_are_the_annual_reports(
        sample_runs: SampleRuns, board_area_runs: list[Path]) -> None:
    """An area run's ``outcomes.json`` and the all-areas run's are protected as one (decision
    60): each is what ``annual --format json`` prints for its area, which
    test_disclosure_control reads together and finds nothing recoverable in."""
    for folder in [sample_runs.board, *board_area_runs]:
        outcomes = json.loads((folder / "outcomes.json").read_text())
        area = outcomes["area"]
        printed = mappa_in_process("annual", SAMPLE, "--year", outcomes["year"], "--format",
                                   "json", *(["--area", area] if area else []))
        assert printed.returncode == 0, printed.stderr
        assert outcomes["tables"] == json.loads(printed.stdout)["tables"], area or "all areas"


def test_no_disclosure_count_can_be_recovered_from_every_board_run_read_together(
        sample_runs: SampleRuns, board_area_runs: list[Path]) -> None:
    """The disclosure review of all areas and each area's, from their board folders: an
    area's counts of a recipient type, level or quarter add up, over the areas, to all
    areas' (relations written here, apart from the product). Protected apart, 5 hidden
    counts of data_samples came back (decision 61)."""
    from _disclosure_attack import recovered, relations_hold

    import mappa_audit as ma
    from mappa_audit._disclosure_review import DISCLOSURE_COUNTS, disclosure_summaries
    from mappa_audit._privacy import Relation, breakdowns_tables
    from mappa_audit._store import read_run_data

    audit = ma.audit(SAMPLE, "2025-04-01", "2026-03-31")
    folders = {None: sample_runs.board} | {
        json.loads((folder / "results.json").read_text())["area"]: folder
        for folder in board_area_runs}
    exact, shown, counts, relations = {}, {}, {}, []
    for area, folder in folders.items():
        name = area or "all"
        exact[name] = disclosure_summaries(audit if area is None else audit.for_area(area))
        on_disk = read_run_data(folder, "disclosure_summary")
        assert on_disk is not None
        assert on_disk.select("dimension", "value").equals(
            exact[name].select("dimension", "value")), name
        shown[name], counts[name] = on_disk, DISCLOSURE_COUNTS
        relations += [Relation(*(tuple((name, c[1], c[2]) for c in side)
                                 for side in (r.plus, r.minus)))
                      for r in breakdowns_tables(exact[name], DISCLOSURE_COUNTS).relations]
    keys = ("dimension", "value")
    for row, key in enumerate(exact["all"].select(keys).iter_rows()):
        for column in DISCLOSURE_COUNTS:
            parts = [(str(area), i, column) for area in folders if area is not None
                     for i, mine in enumerate(exact[str(area)].select(keys).iter_rows())
                     if mine == key]
            rest = exact["all"][column][row] - sum(exact[p[0]][column][p[1]] for p in parts)
            assert rest == 0, "data_samples' decisions are all of known cases"
            relations.append(Relation.total(("all", row, column), parts))
    assert relations_hold(exact, tuple(relations)) == []
    assert recovered(shown, exact, counts, tuple(relations), SUPPRESS_BELOW) == []


def test_no_watch_list_quality_or_due_count_can_be_recovered_from_every_board_run(
        sample_runs: SampleRuns, board_area_runs: list[Path]) -> None:
    """results.json of the all-areas board run and each area's: the areas' watch-list,
    data-quality and coming-due counts add up to all areas' (what does not add up, the
    checker is told as a given rest). Decision 62."""
    from _disclosure_attack import recovered

    from mappa_audit._privacy import Relation

    sections = {"signals": ("signal_id", "cases"), "data_quality": ("rule_id", "rows"),
                "due_by_week": ("week", "items")}
    folders = {"all": sample_runs.board} | {
        json.loads((folder / "results.json").read_text())["area"]: folder
        for folder in board_area_runs}
    import mappa_audit as ma
    from mappa_audit._report import AuditReport

    audit = ma.audit(SAMPLE, "2025-04-01", "2026-03-31")

    def counts_of(document: dict[str, Any]) -> dict[tuple[str, str], tuple[Any, list[str]]]:
        return {(section, str(entry[key])): (entry[field], entry.get("withheld") or [])
                for section, (key, field) in sections.items()
                for entry in document.get(section) or [] if entry[key] != "DQ-01"}

    shown = {name: counts_of(json.loads((folder / "results.json").read_text()))
             for name, folder in folders.items()}
    exact = {name: counts_of(AuditReport.from_result(
        audit if name == "all" else audit.for_area(str(name)), "auditor").document)
        for name in folders}
    frames, views, relations = {}, {}, []
    cells = sorted(exact["all"])
    for name in folders:
        frames[name] = pl.DataFrame({"count": [exact[name][c][0] for c in cells]})
        views[name] = pl.DataFrame(
            {"count": [shown[name][c][0] for c in cells],
             "withheld": [["count"] if shown[name][c][1] else None for c in cells]},
            schema={"count": pl.Int64, "withheld": pl.List(pl.String)})
    rests = []
    for row, cell in enumerate(cells):
        rest = exact["all"][cell][0] - sum(exact[a][cell][0] for a in folders if a != "all")
        relations.append(Relation.total(("all", row, "count"), [
            *[(a, row, "count") for a in folders if a != "all"], ("rest", row, "count")]))
        rests.append(rest)
    frames["rest"] = views["rest"] = pl.DataFrame({"count": rests})
    counts = dict.fromkeys(frames, ("count",))
    assert recovered(views, frames, counts, tuple(relations), SUPPRESS_BELOW) == []


def test_the_scan_finds_small_counts_in_an_auditor_folder(sample_runs: SampleRuns) -> None:
    found = [hit for folder in sample_runs.auditor for hit in small_counts(folder)]
    assert any(hit.startswith("results.json") for hit in found)
    assert any(hit.startswith("outcomes.json") for hit in found)
    assert any(hit.startswith("rule_results.parquet") for hit in found)
    assert any(": table cell" in hit for hit in found)


def test_a_board_folder_says_what_it_hides(sample_runs: SampleRuns) -> None:
    results = json.loads((sample_runs.board / "results.json").read_text())
    assert results["audience"] == "board"
    assert results["policy"]["suppress_below"] == SUPPRESS_BELOW
    hidden = [entry for entry in results["signals"] + results["data_quality"]
              if None in entry.values()]
    assert hidden, "data_samples has small watch-list or data-quality counts to hide"
    rules = pl.read_parquet(sample_runs.board / "rule_results.parquet")
    small_population = rules.filter(pl.col("population").is_null())
    assert small_population.height > 0
    assert small_population["rate"].null_count() == small_population.height
    assert set(small_population["rag"]) == {"none"}


# ---- what the board dashboard offers (decision 64) -------------------------------------------

_COUNTS = ["compliant", "non_compliant", "pending", "not_assessable", "population"]


def _shown_as_board_but_withheld_in_all_areas(sample_runs: SampleRuns, folder: Path) -> int:
    """Cells of an auditor's area run, protected on its own as a board report would be,
    that the all-areas board run withholds for that area: each one a count the board could
    not otherwise have (from_run refuses to make this view; it is made here by hand)."""
    from mappa_audit._report import AuditReport

    area = json.loads((folder / "results.json").read_text())["area"]
    shown = AuditReport.from_run(folder, "auditor").for_board().rule_results
    of_area = pl.read_parquet(sample_runs.board / "area_results.parquet").filter(
        pl.col("area") == area)
    key = ["rule_id", "dimension", "value"]
    both = shown.select(*key, *_COUNTS).join(
        of_area.select(*key, *[pl.col(c).alias(f"{c}_of_all") for c in _COUNTS]),
        on=key, nulls_equal=True)
    return sum(both.filter(pl.col(c).is_not_null() & pl.col(f"{c}_of_all").is_null()).height
               for c in _COUNTS)


def test_the_board_dashboard_offers_board_runs_only(sample_runs: SampleRuns) -> None:
    from mappa_audit._first_paint import board_first_paint
    from mappa_audit.dashboard import BoardOverview

    offered = {entry["folder"] for entry in BoardOverview(sample_runs.folder).entries}
    assert offered == {sample_runs.board.name, sample_runs.earlier_board.name}
    # why: an auditor's run, read as the board reads it, is protected on its own and shows
    # counts that the all-areas board run of the same audit withholds
    assert sum(_shown_as_board_but_withheld_in_all_areas(sample_runs, folder)
               for folder in sample_runs.auditor) > 0
    # and the first paint shows the latest board run, not a newer auditor run
    assert "1 April 2025 to 31 March 2026" in board_first_paint(sample_runs.folder)


def test_a_board_report_compares_with_board_runs_only(sample_runs: SampleRuns,
                                                      tmp_path: Path) -> None:
    from mappa_audit._privacy import Audience
    from mappa_audit._report import AuditReport, previous_report

    runs = tmp_path / "runs"
    for folder in (sample_runs.board, sample_runs.earlier_board):
        (runs / folder.name).mkdir(parents=True)
        for file in folder.iterdir():
            (runs / folder.name / file.name).write_bytes(file.read_bytes())
    index = json.loads((sample_runs.folder / "index.json").read_text())
    index["runs"] = [entry for entry in index["runs"] if entry["folder"]
                     in {sample_runs.board.name, sample_runs.earlier_board.name}]
    (runs / "index.json").write_text(json.dumps(index))
    report = AuditReport.from_run(runs / sample_runs.board.name, "board")
    previous = previous_report(runs / sample_runs.board.name, report)
    assert previous is not None
    assert previous.document["period"]["start"] == "2024-04-01"
    # the same earlier run, listed as an auditor's: a board report no longer compares with it
    for entry in index["runs"]:
        if entry["folder"] == sample_runs.earlier_board.name:
            entry["audience"] = "auditor"
    (runs / "index.json").write_text(json.dumps(index))
    assert previous_report(runs / sample_runs.board.name, report) is None
    auditor_view = AuditReport.from_run(runs / sample_runs.board.name, "auditor")
    previous = previous_report(runs / sample_runs.board.name, auditor_view)
    assert previous is not None
    assert previous.audience is Audience.AUDITOR  # an auditor's run read as it was written


def test_no_board_view_is_made_from_an_auditor_run(sample_runs: SampleRuns) -> None:
    """Not by the paper, a notebook or a report's comparison: whatever asks, an auditor
    folder read for the board is refused, since its view would be protected on its own."""
    from mappa_audit._errors import UsageError
    from mappa_audit._report import AuditReport

    with pytest.raises(UsageError, match="is an auditor run: a board's view is made from a "
                                         "board run"):
        AuditReport.from_run(sample_runs.auditor[0], "board")
    assert AuditReport.from_run(sample_runs.auditor[0], "auditor").exceptions is not None


def test_the_paper_of_an_auditor_run_is_refused(sample_runs: SampleRuns, tmp_path: Path) -> None:
    result = mappa("paper", sample_runs.auditor[0], "--out", tmp_path / "paper.html")
    assert result.returncode == 2, result.stderr
    assert "is an auditor run: a board's view is made from a board run" in result.stderr
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "paper.html").exists()
