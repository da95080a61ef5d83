"""Errors name what to fix in the words of whoever called: the library names its arguments
(`` `weeks` ``), the command line its flags (``--weeks``); and a public method raises the
project's errors, never a bare KeyError or PermissionError (issue 15, item 8)."""

from __future__ import annotations

import ast
import datetime as dt
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import typer

import mappa_audit as ma
from mappa_audit import _cli
from mappa_audit._annual import annual_tables, financial_year
from mappa_audit._contract import TABLES
from mappa_audit._generate import generate_dataset
from mappa_audit._privacy import parse_audience
from mappa_audit._runs import Period
from mappa_audit._sample import sample_cases
from mappa_audit._serve import start_voila
from mappa_audit._worklist import due_items
from mappa_audit.rules import get_rule

from _support import SAMPLE, mappa_in_process

PACKAGE = Path(ma.__file__).parent
FY = ("2025-04-01", "2026-03-31")
FY_FLAGS = ["--start", FY[0], "--end", FY[1]]


@pytest.fixture(scope="module")
def dataset() -> ma.Dataset:
    return ma.load_dataset(SAMPLE)


@pytest.fixture(scope="module")
def broken(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A small dataset with rows the loader quarantines."""
    folder = tmp_path_factory.mktemp("broken") / "data"
    generate_dataset(folder, cases=60, seed=3, invalid_rows=3)
    return folder


Call = Callable[[ma.Dataset, dict[str, Path]], object]
"""A library call, given the sample dataset and the folders ``tmp`` and ``broken``."""

# name -> (the library call, the error, the argument it names (None: not an ArgumentError),
#          the same mistake on the command line, what its one line must say)
MISTAKES: dict[str, tuple[Call, type[ma.MappaAuditError], str | None, list[str], str]] = {
    # a date written day first, at the start of the period
    "start date": (lambda d, _: ma.audit(d, "01/04/2025", FY[1]), ma.ArgumentError, "start",
                   ["check", "{sample}", "--start", "01/04/2025", "--end", FY[1]],
                   "--start '01/04/2025' is not a date"),
    # an impossible day, at the end
    "end date": (lambda d, _: ma.audit(d, FY[0], "2026-02-30"), ma.ArgumentError, "end",
                 ["check", "{sample}", "--start", FY[0], "--end", "2026-02-30"],
                 "--end '2026-02-30' is not a date"),
    # the period runs backwards: the hint names both ends
    "end before start": (lambda d, _: ma.audit(d, FY[1], FY[0]), ma.ArgumentError, "end",
                         ["check", "{sample}", "--start", FY[1], "--end", FY[0]],
                         "Hint: give --start on or before --end"),
    # a local unit is not an area
    "unknown area": (lambda d, _: ma.audit(d, *FY, area="Northmoor South"), ma.NotFoundError,
                     "area", ["check", "{sample}", *FY_FLAGS, "--area", "Northmoor South"],
                     "--area 'Northmoor South' is not in the dataset"),
    # the worklist's as-at date, whose flag is spelt with a hyphen
    "as-at date": (lambda d, _: due_items(d, "2026-13-01"), ma.ArgumentError, "as_at",
                   ["due", "{sample}", "--as-at", "2026-13-01"],
                   "--as-at '2026-13-01' is not a date"),
    # a worklist looking a year and more ahead
    "weeks": (lambda d, _: due_items(d, "2026-03-02", weeks=60), ma.ArgumentError, "weeks",
              ["due", "{sample}", "--as-at", "2026-03-02", "--weeks", "60"],
              "--weeks 60 must be from 1 to 52. Hint: the worklist looks ahead a few weeks; "
              "try --weeks 4"),
    # a sample of nothing
    "size": (lambda d, _: sample_cases(d, *FY, size=0, seed=1), ma.ArgumentError, "size",
             ["sample", "{sample}", *FY_FLAGS, "--size", "0", "--seed", "1"],
             "--size 0 must be at least 1"),
    # a stratum that does not exist
    "strata": (lambda d, _: sample_cases(d, *FY, size=5, seed=1, strata=("team",)),
               ma.ArgumentError, "strata",
               ["sample", "{sample}", *FY_FLAGS, "--size", "5", "--seed", "1", "--strata",
                "team"], "--strata 'team' is not one of"),
    # a flag whose Python name has underscores
    "min per stratum": (lambda d, _: sample_cases(d, *FY, size=5, seed=1, min_per_stratum=-1),
                        ma.ArgumentError, "min_per_stratum",
                        ["sample", "{sample}", *FY_FLAGS, "--size", "5", "--seed", "1",
                         "--min-per-stratum", "-1"], "--min-per-stratum -1 must be 0 or more"),
    # no Level 2/3 case in the period: the hint names the way out by its flag
    "empty sample": (lambda d, _: sample_cases(d, "1990-04-01", "1991-03-31", size=5, seed=1),
                     ma.UsageError, None,
                     ["sample", "{sample}", "--start", "1990-04-01", "--end", "1991-03-31",
                      "--size", "5", "--seed", "1"], "(--include-level1)"),
    # a named period that is not one
    "period": (lambda d, _: Period.resolve("last-week", dt.date(2026, 5, 1)), ma.ArgumentError,
               "period", ["run", "{sample}", "--period", "last-week"],
               "--period 'last-week' is not one of"),
    # an audience that is not one
    "audience": (lambda d, _: parse_audience("public"), ma.ArgumentError, "audience",
                 ["run", "{sample}", *FY_FLAGS, "--audience", "public"],
                 "--audience 'public' is not one of: board, auditor"),
    # a financial year whose second part does not follow the first
    "year": (lambda d, _: financial_year("2025-27"), ma.ArgumentError, "year",
             ["annual", "{sample}", "--year", "2025-27"], "--year '2025-27' is not a financial"),
    # annual used to give a table of zeros for an area not in the data; the command now
    # refuses it before its notebook runs
    "annual area": (lambda d, _: annual_tables(d, "2025-26", area="Atlantis"),
                    ma.NotFoundError, "area",
                    ["annual", "{sample}", "--year", "2025-26", "--area", "Atlantis",
                     "--out", "{tmp}/annual"], "--area 'Atlantis' is not in the dataset"),
    # sample data: too few cases, too many areas, more broken rows than cases
    "cases": (lambda d, at: generate_dataset(at["tmp"] / "g", cases=0), ma.ArgumentError, "cases",
              ["sample-data", "{tmp}/g", "--cases", "0"], "--cases 0 must be at least 1"),
    "areas": (lambda d, at: generate_dataset(at["tmp"] / "g", areas=99), ma.ArgumentError, "areas",
              ["sample-data", "{tmp}/g", "--areas", "99"], "--areas 99 must be from 1 to"),
    "invalid rows": (lambda d, at: generate_dataset(at["tmp"] / "g", cases=5,
                                                     invalid_rows=9),
                     ma.ArgumentError, "invalid_rows",
                     ["sample-data", "{tmp}/g", "--cases", "5", "--invalid-rows", "9"],
                     "--invalid-rows 9 must be from 0"),
    # sample data that ends before it starts
    "data ends first": (lambda d, at: generate_dataset(
                            at["tmp"] / "g", start=dt.date(2026, 1, 1), end=dt.date(2025, 1, 1)),
                        ma.ArgumentError, "end",
                        ["sample-data", "{tmp}/g", "--start", "2026-01-01", "--end",
                         "2025-01-01"], "Hint: give --start before --end"),
    # serve without a runs folder
    "runs": (lambda d, at: start_voila(at["tmp"] / "no-runs", ma.Audience.BOARD), ma.ArgumentError,
             "runs", ["serve", "--runs", "{tmp}/no-runs"],
             "the folder that holds the run folders as --runs"),
    # strict loading of a dataset with quarantined rows (a DatasetError, not an argument's)
    "strict": (lambda d, at: ma.load_dataset(at["broken"], strict=True), ma.StrictModeError, None,
               ["check", "{broken}", *FY_FLAGS, "--strict"], "mappa-audit: --strict: "),
}


@pytest.mark.parametrize("mistake", list(MISTAKES))
def test_the_library_names_the_argument(mistake: str, dataset: ma.Dataset, broken: Path,
                                        tmp_path: Path) -> None:
    call, error_type, argument, _, _ = MISTAKES[mistake]
    with pytest.raises(error_type) as caught:
        call(dataset, {"tmp": tmp_path, "broken": broken})
    error = caught.value
    assert "--" not in str(error), "a flag of the command line, not an argument"
    if argument is not None:
        assert isinstance(error, ma.ArgumentError)
        assert error.argument == argument
    named = error.argument if isinstance(error, ma.ArgumentError) else None
    if named is not None:
        assert f"`{named}`" in str(error), "the argument is named, between backquotes"
    assert error.hint, "every mistake comes with a hint"


@pytest.mark.parametrize("mistake", list(MISTAKES))
def test_the_command_line_names_the_flag(mistake: str, broken: Path, tmp_path: Path) -> None:
    *_, args, expected = MISTAKES[mistake]
    filled = [a.format(sample=SAMPLE, broken=broken, tmp=tmp_path) for a in args]
    result = mappa_in_process(*filled)
    assert result.returncode == 2, result.stderr
    assert result.stdout == ""
    [line] = result.stderr.strip().splitlines()
    assert line.startswith("mappa-audit: ")
    assert expected in line
    assert "Hint: " in line
    assert not [name for name in _cli.FLAGS if f"`{name}`" in line], "left in library words"
    assert not (tmp_path / "annual").exists(), "refused before anything was written"


def _cli_flags() -> set[str]:
    """Every option of every command, sub-commands (``hub user add``) included."""
    def commands(group: Any) -> list[Any]:
        found = []
        for command in group.commands.values():
            found += commands(command) if hasattr(command, "commands") else [command]
        return found

    return {flag for command in commands(typer.main.get_command(_cli.app))
            for param in command.params for flag in (*param.opts, *param.secondary_opts)
            if flag.startswith("--")}


def test_every_flag_in_the_mapping_is_an_option_of_the_command_line() -> None:
    assert set(_cli.FLAGS.values()) <= _cli_flags()


def _message_text(tree: ast.AST) -> list[tuple[int, str]]:
    """The literal text of what a module raises: strings in ``raise`` statements and in
    assignments to ``msg``, ``message`` or ``hint`` (the house's ``msg = …; raise X(msg)``)."""
    found = []
    for node in ast.walk(tree):
        parts: list[ast.AST] = []
        if isinstance(node, ast.Raise) and node.exc is not None:
            parts = [node.exc]
        elif isinstance(node, ast.Assign) and any(
                isinstance(t, ast.Name) and t.id in {"msg", "message", "hint"}
                for t in node.targets):
            parts = [node.value]
        for part in parts:
            found += [(text.lineno, text.value) for text in ast.walk(part)
                      if isinstance(text, ast.Constant) and isinstance(text.value, str)]
    return found


def test_no_library_message_names_a_flag() -> None:
    """A new error worded with ``--weeks`` fails here (the command line's own module aside)."""
    flags = _cli_flags()
    offending = [
        f"{path.relative_to(PACKAGE)}:{line}: {text!r}"
        for path in sorted(PACKAGE.rglob("*.py")) if path.name != "_cli.py"
        for line, text in _message_text(ast.parse(path.read_text(encoding="utf-8")))
        if any(re.search(rf"{re.escape(flag)}(?![\w-])", text) for flag in flags)
    ]
    assert offending == []


def test_the_scan_sees_a_flag_in_a_message() -> None:
    """The scan above cannot pass by seeing nothing."""
    source = 'msg = f"--weeks {weeks} must be from 1 to 52"\nraise X(msg, "try --weeks 4")\n'
    texts = [text for _, text in _message_text(ast.parse(source))]
    assert "try --weeks 4" in texts
    assert any("--weeks" in text for text in texts[:-1])


# ---- public methods raise the project's errors ---------------------------------------------

@pytest.fixture(scope="module")
def reports(dataset: ma.Dataset) -> dict[str, ma.AuditReport]:
    result = ma.audit(dataset, *FY)
    return {audience: ma.AuditReport.from_result(result, audience, coming_due=False)
            for audience in ("board", "auditor")}


# name -> (the call, the project's error, the built-in error code written for it catches)
LOOKUPS: dict[str, tuple[Callable[[dict[str, ma.AuditReport]], object],
                         type[ma.MappaAuditError], type[Exception]]] = {
    # a board report holds no case-level exceptions
    "board exceptions": (lambda r: r["board"].exceptions_frame(), ma.AuditorOnlyError,
                         PermissionError),
    # an area the run does not hold (the board dashboard's area list)
    "report area": (lambda r: r["auditor"].for_area("Atlantis"), ma.NotFoundError, KeyError),
    # a rule the run does not hold
    "report rule": (lambda r: r["board"].rule("XXX-99"), ma.NotFoundError, KeyError),
    # a rule id the registry does not know
    "registry rule": (lambda r: get_rule("XXX-99"), ma.NotFoundError, KeyError),
    # a column a table does not have
    "contract column": (lambda r: TABLES["cases"].column("surname"), ma.NotFoundError,
                        KeyError),
    # a breakdown that is not one
    "breakdown": (lambda r: ma.audit(SAMPLE, *FY).breakdown("team"), ma.NotFoundError,
                  KeyError),
}


@pytest.mark.parametrize("lookup", list(LOOKUPS))
def test_public_methods_raise_the_projects_errors(lookup: str,
                                                  reports: dict[str, ma.AuditReport]) -> None:
    call, project_error, builtin = LOOKUPS[lookup]
    with pytest.raises(project_error) as caught:
        call(reports)
    assert isinstance(caught.value, ma.MappaAuditError)
    assert isinstance(caught.value, builtin), "code catching the built-in still works"
    assert caught.value.hint
    assert "\\n" not in str(caught.value), "not quoted as a KeyError's message would be"
