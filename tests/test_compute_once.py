"""`run` audits once and cuts each area's run from that one audit (decision 38); the
notebooks read the saved run folder, and still work on their own when opened by hand; a
report finds its watch list and its worklist once."""

from __future__ import annotations

import datetime as dt
import re
import sys
from collections import Counter
from pathlib import Path
from typing import Any

import nbformat
import pytest
from polars.testing import assert_frame_equal

import mappa_audit as ma
from mappa_audit._engine import known_areas
from mappa_audit._generate import generate_dataset
from mappa_audit._privacy import Audience
from mappa_audit._runs import Audited, RunRequest, execute_notebook, notebook_path
from mappa_audit._signals import watch_list
from mappa_audit._worklist import due_items

from _support import SAMPLE

FY = ("2025-04-01", "2026-03-31")


@pytest.fixture(scope="module")
def awkward(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Four areas, with rows the loader quarantines and cases of no known area."""
    folder = tmp_path_factory.mktemp("awkward") / "data"
    generate_dataset(folder, cases=300, seed=7, areas=4, invalid_rows=6,
                     start=dt.date(2023, 4, 1), end=dt.date(2026, 3, 31))
    return folder


@pytest.mark.parametrize("dataset", ["sample", "awkward"])
def test_an_area_cut_from_the_audit_is_that_area_audited(
    dataset: str, awkward: Path, tmp_path: Path,
) -> None:
    folder = SAMPLE if dataset == "sample" else awkward
    request = RunRequest(dataset=folder, start=dt.date(2025, 4, 1), end=dt.date(2026, 3, 31),
                         policy=None, audience=Audience.AUDITOR, out=tmp_path)
    audited = Audited.of(request)
    areas = audited.areas()
    assert len(areas) >= 3
    for area in areas:
        cut = audited.report(area, Audience.AUDITOR)
        alone = ma.AuditReport.from_result(ma.audit(folder, *FY, area=area), Audience.AUDITOR)
        # `run --area`: one area's audit, watch list and worklist, without the others'
        only = Audited.of(request, area).report(area, Audience.AUDITOR)
        assert cut.document == alone.document == only.document, area
        for name in ("rule_results", "area_results", "exceptions", "watch", "worklist",
                     "disclosure", "quarantine_summary"):
            assert_frame_equal(getattr(cut, name), getattr(alone, name), check_dtypes=True)
            assert_frame_equal(getattr(only, name), getattr(alone, name), check_dtypes=True)


def test_an_audit_of_one_area_cannot_be_cut_to_another() -> None:
    dataset = ma.load_dataset(SAMPLE)
    first, second = known_areas(dataset)[:2]
    one = ma.audit(dataset, *FY, area=first)
    assert one.for_area(first.upper()) is one
    with pytest.raises(ma.UsageError, match=f"of {first} only"):
        one.for_area(second)
    with pytest.raises(ma.UsageError, match="not in the dataset"):
        ma.audit(dataset, *FY).for_area("Atlantis")


@pytest.mark.slow
@pytest.mark.parametrize("name", ["audit_report", "disclosure_review"])
def test_a_notebook_opened_by_hand_audits_the_dataset_itself(name: str, tmp_path: Path) -> None:
    parameters = {"dataset": str(SAMPLE.resolve()), "start": FY[0], "end": FY[1],
                  "audience": "auditor", "run_folder": None}
    assert execute_notebook(name, parameters, tmp_path) is None
    notebook = nbformat.read(tmp_path / f"{name}.ipynb", as_version=4)
    shown = "".join(str(output.get("data", {}).get("text/html", ""))
                    for cell in notebook.cells for output in cell.get("outputs", []))
    assert "MAPPA audit of all areas, 1 April 2025 to 31 March 2026" in shown
    assert "Auditor view" in shown
    assert {p.name for p in tmp_path.iterdir()} == {f"{name}.ipynb"}  # it saves nothing


# ---- the watch list and the worklist are found once (issue 15, item 8) ---------------------

@pytest.fixture
def finds(monkeypatch: pytest.MonkeyPatch) -> Counter[str]:
    """How often the watch list and the worklist are found: every module's name for
    ``watch_list`` and ``due_items`` is wrapped in a counter (a module that imports them
    later, inside a function, gets the wrapper too)."""
    counted: Counter[str] = Counter()
    for original in (watch_list, due_items):
        def counting(*args: Any, original: Any = original, **kwargs: Any) -> Any:
            counted[original.__name__] += 1
            return original(*args, **kwargs)

        for name, module in list(sys.modules.items()):
            if name.startswith("mappa_audit") and getattr(module, original.__name__,
                                                          None) is original:
                monkeypatch.setattr(module, original.__name__, counting)
    return counted


@pytest.fixture(scope="module")
def fy_audit() -> ma.AuditResult:
    return ma.audit(SAMPLE, *FY)


@pytest.mark.parametrize(
    ("audience", "coming_due", "expected"),
    [
        # the auditor's report shows the watch list and the coming-due list: each found once
        ("auditor", True, {"watch_list": 1, "due_items": 1}),
        # a board's report counts the signals (aggregates) from the same single find
        ("board", True, {"watch_list": 1, "due_items": 1}),
        # the disclosure review shows no coming-due list, so never runs the rules forward
        ("auditor", False, {"watch_list": 1}),
    ],
)
def test_a_report_finds_its_watch_list_once(
    fy_audit: ma.AuditResult, finds: Counter[str], audience: str, coming_due: bool,
    expected: dict[str, int],
) -> None:
    report = ma.AuditReport.from_result(fy_audit, audience, coming_due=coming_due)
    assert dict(finds) == expected
    assert report.document["signals"], "the signals were counted"


def test_a_run_finds_them_once_for_every_area(finds: Counter[str], tmp_path: Path) -> None:
    request = RunRequest(dataset=SAMPLE, start=dt.date(2025, 4, 1), end=dt.date(2026, 3, 31),
                         policy=None, audience=Audience.AUDITOR, out=tmp_path)
    audited = Audited.of(request)
    for area in [None, *audited.areas()]:
        report = audited.report(area, Audience.AUDITOR)
        assert report.watch is not None
        assert report.worklist is not None
    assert dict(finds) == {"watch_list": 1, "due_items": 1}


@pytest.mark.parametrize("name", ["audit_report", "disclosure_review"])
def test_notebooks_take_the_saved_lists_from_the_run_folder(name: str) -> None:
    """Under `run` a notebook reads what the run saved, never finds the lists again; the
    disclosure review opened by hand skips the coming-due list it does not show."""
    notebook = nbformat.read(notebook_path(name), as_version=4)
    code = "\n".join(cell.source for cell in notebook.cells if cell.cell_type == "code")
    assert "AuditReport.from_run(run_folder, audience)" in code
    assert re.search(r"\b(watch_list|due_items)\(", code) is None  # show_watch_list shows
    if name == "disclosure_review":
        assert "coming_due=False" in code
