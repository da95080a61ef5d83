"""`run` audits once and cuts each area's run from that one audit (decision 38); the
notebooks read the saved run folder, and still work on their own when opened by hand."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import nbformat
import pytest
from polars.testing import assert_frame_equal

import mappa_audit as ma
from mappa_audit._engine import known_areas
from mappa_audit._generate import generate_dataset
from mappa_audit._privacy import Audience
from mappa_audit._runs import Audited, RunRequest, execute_notebook
from tests._support import SAMPLE

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
        assert cut.document == alone.document, area
        for name in ("rule_results", "area_results", "exceptions", "watch", "worklist",
                     "disclosure", "quarantine_summary"):
            assert_frame_equal(getattr(cut, name), getattr(alone, name), check_dtypes=True)


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
