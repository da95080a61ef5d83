"""The audit notebooks an auditor finds in their JupyterLab folder (``give_audit_notebooks``)."""

from __future__ import annotations

import json
from pathlib import Path

from mappa_audit._hub import AUDIT_NOTEBOOKS, give_audit_notebooks
from mappa_audit._store import add_to_index, index_entry, read_manifest


def parameters(notebook: Path) -> str:
    cells = json.loads(notebook.read_text(encoding="utf-8"))["cells"]
    [cell] = [c for c in cells if "parameters" in c["metadata"].get("tags", [])]
    return "".join(cell["source"])


def test_without_a_run_the_notebooks_are_copied_as_shipped(tmp_path: Path) -> None:
    copied = give_audit_notebooks(tmp_path / "lab" / "auditor", tmp_path / "runs")
    assert [path.stem for path in copied] == list(AUDIT_NOTEBOOKS)
    assert 'dataset = "../data_samples"' in parameters(copied[0])
    assert (tmp_path / "lab" / "auditor").stat().st_mode & 0o777 == 0o700


def test_the_notebooks_audit_the_newest_auditor_runs_dataset_and_are_kept(
        tmp_path: Path) -> None:
    runs = tmp_path / "runs"
    for name, audience, dataset in [("a", "auditor", tmp_path / "old-data"),
                                    ("b", "auditor", tmp_path / "data"),
                                    ("c", "board", tmp_path / "board-data")]:
        dataset.mkdir()
        folder = runs / name
        folder.mkdir(parents=True)
        (folder / "manifest.json").write_text(json.dumps(manifest(str(dataset), audience)))
        add_to_index(runs, index_entry(folder, read_manifest(folder)))
    home = tmp_path / "lab" / "auditor"
    [report, review] = give_audit_notebooks(home, runs)
    for notebook in (report, review):
        text = parameters(notebook)
        # the newest auditor run (b), not the newest run (c, a board run)
        assert f"dataset = {str(tmp_path / 'data')!r}  # folder of CSV" in text
        assert "start = '2025-04-01'  # first day" in text
        assert "end = '2026-03-31'  # last day" in text
        assert "area = None  #" in text
    report.write_text("the auditor's own work")
    assert give_audit_notebooks(home, runs) == []
    assert report.read_text() == "the auditor's own work"


def manifest(dataset: str, audience: str) -> dict[str, object]:
    return {
        "run": "r", "tool_version": "0", "versions": {}, "git_commit": None, "user": "u",
        "host": "h", "command": None, "started_at": "2026-04-01T00:00:00Z",
        "finished_at": "2026-04-01T00:01:00Z", "outcome": "succeeded", "reason": None,
        "parameters": {"dataset": dataset, "start": "2025-04-01", "end": "2026-03-31",
                       "period": None, "area": None, "policy": None, "audience": audience},
        "period": {"start": "2025-04-01", "end": "2026-03-31", "as_at": "2026-03-31"},
        "policy": {}, "inputs": [],
    }
