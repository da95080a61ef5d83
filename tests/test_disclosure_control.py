"""Disclosure control that holds: no small count of a board's tables can be worked out from
the rest (totals, differences, complements, rates), whatever the board reads them in."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from _disclosure_attack import rates_of_hidden, recovered, relations_hold
from hypothesis import given, settings
from hypothesis import strategies as st

import mappa_audit as ma
from mappa_audit._annual import RATE_SOURCES, annual_table_set, annual_tables, hidden
from mappa_audit._disclosure_review import DISCLOSURE_COUNTS
from mappa_audit._privacy import (
    COUNT_COLUMNS,
    WITHHELD,
    Relation,
    TableSet,
    breakdowns_tables,
    protect,
    results_tables,
)
from mappa_audit._privacy import (
    RATE_SOURCES as RULE_RATES,
)
from mappa_audit._report import AuditReport
from mappa_audit._store import read_run_data

from _support import mappa_in_process

SAMPLE = Path(__file__).parents[1] / "data_samples"
BELOW = 5


@pytest.fixture(scope="module")
def exact_report() -> AuditReport:
    result = ma.audit(SAMPLE, "2025-04-01", "2026-03-31")
    return AuditReport.from_result(result, "auditor", coming_due=False)


@pytest.fixture(scope="module")
def board_folder(exact_report: AuditReport, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A board's run folder, as a board's files hold it on disk."""
    folder = tmp_path_factory.mktemp("board")
    exact_report.for_board().save(folder)
    return folder


KEYS = {"rule_results": ("rule_id", "dimension", "value"),
        "area_results": ("area", "rule_id", "dimension", "value")}
UNKNOWN = "not recorded"


def aligned(shown: dict[str, pl.DataFrame], exact: dict[str, pl.DataFrame]
            ) -> dict[str, pl.DataFrame]:
    """The board's files row for row with the exact tables: a row the board does not hold
    (items of unknown cases, decision 56) is read as every count withheld, any value."""
    made = {}
    for name, frame in exact.items():
        keys = list(KEYS[name])
        view = frame.select(keys).join(shown[name], on=keys, how="left", maintain_order="left",
                                       nulls_equal=True)
        missing = view.select(pl.all_horizontal(pl.col(c).is_null() for c in COUNT_COLUMNS))
        marks = [list(COUNT_COLUMNS) if gone else mark for gone, mark in
                 zip(missing.to_series(), view[WITHHELD].to_list(), strict=True)]
        made[name] = view.with_columns(pl.Series(WITHHELD, marks, dtype=pl.List(pl.String)))
    return made


def of_people(found: list[tuple[tuple[str, int, str], int]], exact: dict[str, pl.DataFrame],
              relations: tuple[Relation, ...]) -> list[tuple[tuple[str, int, str], int]]:
    """Recovered counts other than those the items of unknown cases give: those describe no
    group of people, and the board is not shown them (decision 56). What their counts alone
    pin down (every other count withheld) is given too: a rule whose only items of no level
    are of unknown cases has them as its level "none" (decision 58)."""
    def unknown(frame: pl.DataFrame, name: str) -> pl.Series:
        where = ((pl.col("dimension").is_in(["area", "lau", "category"]))
                 & (pl.col("value") == UNKNOWN))
        if name == "area_results":
            where = where | (pl.col("area") == UNKNOWN)
        return frame.select(where.fill_null(False)).to_series()

    only_unknown = {name: frame.with_columns(pl.Series(WITHHELD, [
        None if is_unknown else list(COUNT_COLUMNS) for is_unknown in unknown(frame, name)],
        dtype=pl.List(pl.String))) for name, frame in exact.items()}
    counts = dict.fromkeys(exact, COUNT_COLUMNS)
    given = {cell for name, frame in exact.items()
             for cell in ((name, row, column) for row in unknown(frame, name).arg_true()
                          for column in COUNT_COLUMNS)}
    given |= {cell for cell, _ in recovered(only_unknown, exact, counts, relations, BELOW,
                                            every=True)}
    return [(cell, value) for cell, value in found if cell not in given]


def test_no_rule_result_can_be_recovered_from_a_boards_files(
        exact_report: AuditReport, board_folder: Path) -> None:
    described = results_tables(exact_report.rule_results, exact_report.area_results)
    assert relations_hold(described.frames, described.relations) == []
    on_disk = {name: read_run_data(board_folder, name) for name in described.frames}
    shown = aligned({name: frame for name, frame in on_disk.items() if frame is not None},
                    dict(described.frames))
    assert of_people(recovered(shown, described.frames, described.counts,
                               described.relations, BELOW), dict(described.frames),
                     described.relations) == []
    for frame in shown.values():
        assert rates_of_hidden(frame, RULE_RATES) == 0


@pytest.mark.parametrize("area", ["Eastvale", "Northmoor", "Westbrook"])
def test_no_rule_result_of_an_area_run_can_be_recovered(area: str, tmp_path: Path) -> None:
    """A board run of one area (``run --area``, ``--each-area``) has its own files."""
    exact = AuditReport.from_result(ma.audit(SAMPLE, "2025-04-01", "2026-03-31", area=area),
                                    "auditor", coming_due=False)
    exact.for_board().save(tmp_path)
    described = results_tables(exact.rule_results, exact.area_results)
    assert relations_hold(described.frames, described.relations) == []
    shown = aligned({name: frame for name in described.frames
                     if (frame := read_run_data(tmp_path, name)) is not None},
                    dict(described.frames))
    assert of_people(recovered(shown, described.frames, described.counts,
                               described.relations, BELOW), dict(described.frames),
                     described.relations) == []


def test_each_areas_headline_is_its_protected_area_rows(exact_report: AuditReport) -> None:
    board = exact_report.for_board()
    for area in board.areas():
        narrowed = board.for_area(area).headline()
        rows = board.area_results.filter((pl.col("area") == area)  # type: ignore[union-attr]
                                         & (pl.col("dimension") == "all"))
        assert sorted(narrowed["non_compliant"].to_list(), key=str) == sorted(
            rows["non_compliant"].to_list(), key=str)


def test_no_disclosure_count_can_be_recovered(exact_report: AuditReport) -> None:
    assert exact_report.disclosure is not None
    described = breakdowns_tables(exact_report.disclosure, DISCLOSURE_COUNTS)
    assert relations_hold(described.frames, described.relations) == []
    board = exact_report.for_board()
    assert board.disclosure is not None
    assert recovered({"frame": board.disclosure}, described.frames, described.counts,
                     described.relations, BELOW) == []


@pytest.mark.parametrize("area", [
    None,          # all areas: every table, level use by area, cases of no area
    "Eastvale",    # each area on its own
    "Northmoor",
    "Westbrook",
])
def test_no_annual_count_can_be_recovered(area: str | None) -> None:
    tables = annual_tables(SAMPLE, "2025-26", area=area)
    described = annual_table_set(tables)
    assert relations_hold(described.frames, described.relations) == []
    shown = hidden(tables, BELOW)
    assert recovered(shown, described.frames, described.counts, described.relations,
                     BELOW) == []
    for name, rates in RATE_SOURCES.items():
        assert rates_of_hidden(shown[name], rates) == 0, name


AREAS = ("Eastvale", "Northmoor", "Westbrook")


def document_tables(document: dict[str, Any]) -> dict[str, pl.DataFrame]:
    """An ``annual --format json`` document read back as a board reads it: ``<5`` and
    ``[c]`` are counts not shown, the second named in the row's ``withheld`` list."""
    frames = {}
    for entry in document["tables"]:
        if entry["rows"] is None:
            continue
        columns = entry["columns"]
        marks = [[c for c in columns if row[c] == "[c]"] or None for row in entry["rows"]]
        rows = [{c: None if row[c] in ("<5", "[c]") else row[c] for c in columns}
                for row in entry["rows"]]
        frames[entry["id"]] = pl.DataFrame(rows, schema=columns, orient="row",
                                           infer_schema_length=None).with_columns(
            pl.Series(WITHHELD, marks, dtype=pl.List(pl.String)))
    return frames


def across_areas(exact: dict[str | None, dict[str, pl.DataFrame]],
                 ) -> tuple[list[Relation], dict[str, pl.DataFrame]]:
    """What ties the outputs of one year together, written apart from the product: each
    area's row of the level-use tables is that row of the all-areas table, and every other
    count of the areas adds up to the all-areas count, less what events of cases of no known
    area add (a figure a reader has: table ``rest``)."""
    relations: list[Relation] = []
    rests: list[int] = []
    for name, whole in exact[None].items():
        keys = [c for c, dtype in whole.schema.items() if dtype == pl.String or c == "category"]
        counts = [c for c, dtype in whole.schema.items()
                  if dtype.is_integer() and c != "category"]
        for row, key in enumerate(whole.select(keys).iter_rows()):
            for column in counts:
                parts = []
                for area in AREAS:
                    mine = exact[area][name]
                    found = [i for i, k in enumerate(mine.select(keys).iter_rows()) if k == key]
                    parts += [(f"{name}@{area}", i, column) for i in found]
                if name.startswith("level_use_by"):
                    relations += [Relation.total((name, row, column), [part]) for part in parts]
                    continue
                rest = whole[column][row] - sum(exact[a[0].split("@")[1]][name][column][a[1]]
                                                for a in parts)
                if rest:
                    parts.append(("rest", len(rests), "count"))
                    rests.append(rest)
                relations.append(Relation.total((name, row, column), parts))
    return relations, {"rest": pl.DataFrame({"count": rests}, schema={"count": pl.Int64})}


def test_no_annual_count_can_be_recovered_from_every_areas_tables_read_together() -> None:
    """A board holds the all-areas annual tables and each area's (``annual --area``, an area
    run's ``outcomes.json``): protected apart, they gave each other away (decision 60)."""
    exact: dict[str | None, dict[str, pl.DataFrame]] = {}
    shown: dict[str, pl.DataFrame] = {}
    frames: dict[str, pl.DataFrame] = {}
    counts: dict[str, tuple[str, ...]] = {}
    relations: list[Relation] = []
    for area in (None, *AREAS):
        words = ["annual", SAMPLE, "--year", "2025-26", "--format", "json"]
        printed = mappa_in_process(*words, *(["--area", area] if area else []))
        assert printed.returncode == 0, printed.stderr
        exact[area] = annual_tables(SAMPLE, "2025-26", area=area)
        described = annual_table_set(exact[area])
        suffix = "" if area is None else f"@{area}"
        for name, frame in document_tables(json.loads(printed.stdout)).items():
            shown[name + suffix] = frame
            frames[name + suffix] = described.frames[name]
            counts[name + suffix] = described.counts[name]
        relations += [Relation(*(tuple((c[0] + suffix, c[1], c[2]) for c in side)
                                 for side in (r.plus, r.minus))) for r in described.relations]
    between, rest = across_areas(exact)
    assert rest["rest"].height > 0, "data_samples has events of cases missing from cases"
    frames |= rest
    counts["rest"] = ("count",)
    shown |= rest  # the reader has it
    together = (*relations, *between)
    assert relations_hold(frames, together) == []
    found = recovered(shown, frames, counts, together, BELOW)
    assert [(cell, value) for cell, value in found if cell[0] != "rest"] == []
    for name, frame in shown.items():
        assert rates_of_hidden(frame, RATE_SOURCES.get(name.split("@")[0], {})) == 0, name


def test_the_tables_protected_apart_would_give_each_other_away() -> None:
    """The checker above is sharp enough to fail: each output protected on its own."""
    exact = {area: annual_tables(SAMPLE, "2025-26", area=area) for area in (None, *AREAS)}
    between, rest = across_areas(exact)
    shown, frames, counts = dict(rest), dict(rest), {"rest": ("count",)}
    relations: list[Relation] = list(between)
    for area, tables in exact.items():
        described = annual_table_set(tables)
        suffix = "" if area is None else f"@{area}"
        for name, frame in hidden(tables, BELOW).items():
            shown[name + suffix], frames[name + suffix] = frame, described.frames[name]
            counts[name + suffix] = described.counts[name]
        relations += [Relation(*(tuple((c[0] + suffix, c[1], c[2]) for c in side)
                                 for side in (r.plus, r.minus))) for r in described.relations]
    found = recovered(shown, frames, counts, tuple(relations), BELOW)
    assert [cell for cell, _ in found if cell[0] != "rest"] != []


def test_an_areas_watch_list_count_cannot_be_had_from_all_areas_and_the_others() -> None:
    """9 cases on the watch list of all areas, 5 and 0 in two areas: the third's ``<5`` is
    4, unless one more count is withheld in one of the four runs (decision 62)."""
    from mappa_audit._privacy import hide_small_in_results, protect_area_counts

    exact = {"rules": [], "data_quality": [],
             "signals": [{"signal_id": "SIG-01", "title": "t", "cases": 9}]}
    areas = pl.DataFrame({"area": ["A", "B", "C"], "section": ["signals"] * 3,
                          "key": ["SIG-01"] * 3, "count": [5, 0, 4]})
    document, protected = protect_area_counts(exact, hide_small_in_results(exact, BELOW),
                                              areas, BELOW)
    assert protected is not None
    frames = {"all": pl.DataFrame({"count": [9]})} | {
        area: pl.DataFrame({"count": [count]})
        for area, count in zip(areas["area"], areas["count"], strict=True)}
    entry = document["signals"][0]
    shown = {"all": pl.DataFrame({"count": [entry["cases"]],
                                  WITHHELD: [entry.get(WITHHELD)]},
                                 schema={"count": pl.Int64, WITHHELD: pl.List(pl.String)})}
    shown |= {str(row["area"]): pl.DataFrame(
        {"count": [row["count"]], WITHHELD: [row[WITHHELD]]},
        schema={"count": pl.Int64, WITHHELD: pl.List(pl.String)})
        for row in protected.iter_rows(named=True)}
    relation = Relation.total(("all", 0, "count"), [(a, 0, "count") for a in ("A", "B", "C")])
    counts = dict.fromkeys(frames, ("count",))
    assert recovered(shown, frames, counts, (relation,), BELOW) == []
    apart = {name: frame.with_columns(pl.when(pl.col("count").is_between(1, BELOW - 1))
                                      .then(None).otherwise(pl.col("count")).alias("count"))
             for name, frame in frames.items()}
    assert recovered(apart, frames, counts, (relation,), BELOW) != []  # the checker bites


def test_the_issues_example_is_protected() -> None:
    """1515 + 242 + 61 against a total of 1819 gave the hidden "no level recorded" away."""
    shown = hidden(annual_tables(SAMPLE, "2025-26"), BELOW)["eligible_by_level"]
    counts = dict(zip(shown["measure"], shown["count"], strict=True))
    assert counts["No level recorded"] is None
    assert sum(1 for value in counts.values() if value is None) >= 2


def test_a_rate_beside_a_hidden_count_is_not_shown() -> None:
    """decision 24's known flaw: "6, <5, 0.3333" gave 2 away."""
    frame = pl.DataFrame({"characteristic": ["sex", "sex"], "group": ["F", "M"],
                          "eligible": [6, 60], "at_level_2_3": [2, 20],
                          "rate": [0.3333, 0.3333], "relative_rate_index": [1.0, 1.0]})
    shown = protect(TableSet({"t": frame}, {"t": ("eligible", "at_level_2_3")},
                             rates={"t": RATE_SOURCES["equality_level23"]}), BELOW)["t"]
    assert shown.row(0)[2:6] == (6, None, None, None)


def totals_table(counts: dict[str, int], totals: dict[str, list[str]], **roles: frozenset[str]
                 ) -> TableSet:
    """One column of named counts, each of ``totals`` the sum of its parts; ``roles`` name
    the counts kept (``keep``, ``keep_most``) or ``known``."""
    names = list(counts)
    frame = pl.DataFrame({"measure": names, "count": list(counts.values())})

    def cell(name: str) -> tuple[str, int, str]:
        return ("t", names.index(name), "count")

    return TableSet({"t": frame}, {"t": ("count",)},
                    tuple(Relation.total(cell(total), [cell(p) for p in parts])
                          for total, parts in totals.items()),
                    **{role: frozenset(map(cell, chosen)) for role, chosen in roles.items()})


def shown_by_name(tables: TableSet) -> dict[str, int | None]:
    shown = protect(tables, BELOW)["t"]
    return dict(zip(shown["measure"], shown["count"], strict=True))


def test_a_count_the_known_counts_give_away_costs_nothing_else() -> None:
    """The level "none" of all areas that is only items of unknown cases: a reader has it
    from the headline less the areas whatever is withheld, so withholding the rest of its
    table would protect nothing (it withheld 6 of the 17 headlines of data_samples)."""
    tables = totals_table({"all": 20, "none": 3, "level 1": 17, "unknown cases": 3},
                          {"all": ["none", "level 1"], "none": ["unknown cases"]},
                          keep_most=frozenset({"all"}), known=frozenset({"unknown cases"}))
    shown = shown_by_name(tables)
    assert (shown["all"], shown["none"], shown["level 1"]) == (20, None, 17)


def test_a_headline_of_all_areas_is_withheld_only_when_nothing_else_will_do() -> None:
    """An area's small headline is protected by another area's, not by the board's own."""
    tables = totals_table({"all areas": 43, "area a": 3, "area b": 40},
                          {"all areas": ["area a", "area b"]},
                          keep=frozenset({"area a", "area b"}),
                          keep_most=frozenset({"all areas"}))
    assert shown_by_name(tables) == {"all areas": 43, "area a": None, "area b": None}


def test_every_headline_of_all_areas_is_shown(exact_report: AuditReport) -> None:
    """On data_samples no rule's headline is small: none need be withheld, and the search
    that protects the breakdowns withholds none."""
    headlines = exact_report.for_board().rule_results.filter(pl.col("dimension") == "all")
    assert headlines.height == 17
    assert headlines[WITHHELD].to_list() == [None] * 17
    assert headlines["rate"].null_count() == 0


@st.composite
def two_way_tables(draw: st.DrawFn) -> tuple[TableSet, pl.DataFrame]:
    """A table of counts with a total column and a total row, many of them small."""
    rows = draw(st.integers(1, 5))
    columns = draw(st.integers(1, 4))
    body = [[draw(st.one_of(st.integers(0, 6), st.integers(0, 60))) for _ in range(columns)]
            for _ in range(rows)]
    names = [f"c{j}" for j in range(columns)]
    data = {name: [row[j] for row in body] + [sum(row[j] for row in body)]
            for j, name in enumerate(names)}
    data["total"] = [sum(row) for row in body] + [sum(map(sum, body))]
    frame = pl.DataFrame(data)
    counts = (*names, "total")
    relations = [Relation.total(("t", i, "total"), [("t", i, c) for c in names])
                 for i in range(rows + 1)]
    relations += [Relation.total(("t", rows, c), [("t", i, c) for i in range(rows)])
                  for c in counts]
    keep = frozenset(("t", rows, c) for c in counts) | frozenset(
        ("t", i, "total") for i in range(rows + 1))
    return TableSet({"t": frame}, {"t": counts}, tuple(relations), keep=keep), frame


@settings(max_examples=150, deadline=None)
@given(two_way_tables())
def test_no_small_count_of_any_table_can_be_recovered(case: tuple[TableSet, pl.DataFrame]
                                                      ) -> None:
    tables, frame = case
    shown = protect(tables, BELOW)
    assert recovered(shown, {"t": frame}, tables.counts, tables.relations, BELOW) == []
    # what is shown is true: a shown count is the exact one
    for column in tables.counts["t"]:
        pairs = zip(shown["t"][column].to_list(), frame[column].to_list(), strict=True)
        assert all(seen is None or seen == exact for seen, exact in pairs)


def test_the_work_shared_among_processes_withholds_the_same(
        exact_report: AuditReport, monkeypatch: pytest.MonkeyPatch) -> None:
    """A national run's tables are protected in one process per core; the answer is the
    one process's, set for set."""
    import mappa_audit._privacy as privacy

    tables = results_tables(exact_report.rule_results, exact_report.area_results)
    alone = protect(tables, BELOW, workers=1)
    monkeypatch.setattr(privacy, "PARALLEL_FROM", 0)  # data_samples is too small to share
    shared = protect(tables, BELOW, workers=2)
    assert alone.keys() == shared.keys()
    for name, frame in alone.items():
        assert frame.equals(shared[name]), name


def test_a_script_read_from_stdin_protects_in_its_own_process() -> None:
    """A spawned process imports the main module again, which a script read from stdin
    does not have: the work is then done in the one process, not lost."""
    import subprocess
    import sys

    script = """
import mappa_audit as ma
import mappa_audit._privacy as privacy
from mappa_audit._report import AuditReport
privacy.PARALLEL_FROM = 0
exact = AuditReport.from_result(ma.audit("data_samples", "2025-04-01", "2026-03-31"),
                                "auditor", coming_due=False)
tables = privacy.results_tables(exact.rule_results, exact.area_results)
alone = privacy.protect(tables, 5, workers=1)
shared = privacy.protect(tables, 5, workers=2)
assert all(alone[name].equals(shared[name]) for name in alone)
print("same")
"""
    done = subprocess.run([sys.executable, "-"], input=script, capture_output=True, text=True,
                          cwd=SAMPLE.parent, timeout=300, check=False)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "same"


def test_protecting_twice_changes_nothing(exact_report: AuditReport) -> None:
    once = exact_report.for_board()
    twice = once.for_board()
    assert once.rule_results.equals(twice.rule_results)
    assert once.document["rules"] == twice.document["rules"]


# ---- wording: "fewer than 5 case" would say the count is 1 -------------------------------

@pytest.mark.parametrize("hidden_count", [1, 2, 4])
def test_a_hidden_count_reads_the_same_whatever_it_is(hidden_count: int) -> None:
    """Signals, quarantine and rule sentences, and the rendered HTML the dashboards, the
    report and the paper are made of: a board reads the same for 1 as for 4."""
    from test_views import small_report

    from mappa_audit import _views as views
    from mappa_audit._render import render

    def seen(cases: int) -> tuple[str, ...]:
        report = small_report(signal_cases=cases).for_board()
        signals = views.signals(report)
        return (signals.rows[0].words, render("signals.html.j2", view=signals),
                views.banner(report).lines[2], views.rule_sentence(report, "TML-02"))

    assert seen(hidden_count) == seen(3)
    assert "fewer than 5 cases to look at again" in seen(hidden_count)[0]


def test_no_module_words_a_plural_from_a_count() -> None:
    """Plurals are worded once (_views.counted), which never tells 1 from a hidden count;
    the auditor's downloads may say "1 row"."""
    package = Path(ma.__file__).parent
    allowed = {"_views.py", "_downloads.py", "_runs.py"}
    for path in [*package.rglob("*.py"), *(package / "templates").rglob("*.j2")]:
        text = path.read_text(encoding="utf-8")
        if path.name not in allowed:
            assert "== 1 else" not in text, path.name


def test_one_quarantined_row_cannot_be_read_off_the_table_counts() -> None:
    """1000 rows read, 999 kept: with the quarantine's "<5" that would be 1 row."""
    from mappa_audit._privacy import protect_results_counts

    document = {
        "dataset": {"source": "x", "tables": {
            "cases": {"rows": 1000, "rows_kept": 999, "quarantined": 1, "sha256": None},
            "levels": {"rows": 50, "rows_kept": 50, "quarantined": 0, "sha256": None}}},
        "quarantine": {"entries": 1, "rows": 1},
        "rules": [], "signals": [],
        "data_quality": [{"rule_id": "DQ-01", "title": "Quarantined", "rows": 1}],
    }
    summary = pl.DataFrame({"table": ["cases"], "reason": ["not a date"], "entries": [1]})
    shown, _ = protect_results_counts(document, summary, BELOW)
    cases = shown["dataset"]["tables"]["cases"]
    # 1000 - 999 leaves 1 for the quarantined and the duplicates dropped: shown as [c], it
    # could be 0 or 1, and the total of the quarantine with it
    assert (cases["quarantined"], cases["withheld"]) == (None, ["quarantined"])
    assert shown["quarantine"]["rows"] is None
    assert document["dataset"]["tables"]["cases"]["rows"] == 1000  # the input is unchanged


def test_the_same_tables_withhold_the_same_counts_in_any_process() -> None:
    """Run folders are byte-identical for the same inputs: the choice of counts to withhold
    must not follow the order sets iterate in, which changes between processes."""
    import subprocess
    import sys

    script = (
        "import hashlib\n"
        "import mappa_audit as ma\n"
        "from mappa_audit._annual import annual_tables, hidden\n"
        "from mappa_audit._privacy import protect, results_tables\n"
        f"r = ma.audit({str(SAMPLE)!r}, '2025-04-01', '2026-03-31')\n"
        "out = protect(results_tables(r.rule_results, r.area_results), 5)\n"
        f"annual = hidden(annual_tables({str(SAMPLE)!r}, '2025-26'), 5)\n"
        "rows = str([f.rows() for f in (*out.values(), *annual.values())])\n"
        "print(hashlib.sha256(rows.encode()).hexdigest())\n"
    )
    seen = {
        subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                       check=True, env={"PYTHONHASHSEED": seed, "PATH": ""}).stdout
        for seed in ("1", "2")
    }
    assert len(seen) == 1


def test_a_boards_document_protected_again_keeps_what_it_withheld() -> None:
    """A board folder read back (the dashboards) is protected again: [c] must stay [c]."""
    from mappa_audit._privacy import protect_results_counts

    document = {
        "dataset": {"source": "x", "tables": {
            "cases": {"rows": 1000, "rows_kept": 999, "quarantined": 1, "sha256": None}}},
        "quarantine": {"entries": 1, "rows": 1}, "rules": [], "signals": [],
        "data_quality": [{"rule_id": "DQ-01", "title": "Quarantined", "rows": 1}],
    }
    summary = pl.DataFrame({"table": ["cases"], "reason": ["not a date"], "entries": [1]})
    once, hidden_summary = protect_results_counts(document, summary, BELOW)
    twice, again = protect_results_counts(once, hidden_summary, BELOW)
    assert twice == once
    assert again.equals(hidden_summary)
