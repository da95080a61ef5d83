"""The run store: typed documents, their shipped JSON Schemas, and a runs index under a lock."""

from __future__ import annotations

import json
import logging
import multiprocessing
import subprocess
import sys
from pathlib import Path
from typing import Any

import jsonschema
import msgspec
import pytest

from mappa_audit._errors import UsageError
from mappa_audit._store import (
    DOCUMENTS,
    SCHEMAS,
    IndexEntry,
    add_to_index,
    read_index,
    read_manifest,
    read_results,
    schema,
    write_schemas,
)

from _support import FY_2025, SAMPLE, SampleRuns, folders_printed


def test_shipped_schemas_are_those_of_the_models(tmp_path: Path) -> None:
    """If this fails, write them again: ``python -c "from mappa_audit._store import
    write_schemas; write_schemas()"`` (and say in CHANGELOG.md what was added)."""
    for written in write_schemas(tmp_path):
        assert written.read_text() == (SCHEMAS / written.name).read_text(), written.name


@pytest.mark.slow
def test_run_files_meet_their_schemas(sample_runs: SampleRuns) -> None:
    folders = [sample_runs.board, sample_runs.earlier_board, *sample_runs.auditor]
    documents = {"manifest": [f / "manifest.json" for f in folders],
                 "results": [f / "results.json" for f in folders],
                 "index": [sample_runs.folder / "index.json"]}
    for name, paths in documents.items():
        validator = jsonschema.Draft202012Validator(schema(name))
        for path in paths:
            validator.validate(json.loads(path.read_text()))
    assert read_manifest(sample_runs.board).outcome == "succeeded"
    assert read_results(sample_runs.board)["schema_version"] == 3
    assert read_results(sample_runs.board)["audience"] == "board"


def _entry(folder: str, started_at: str = "2026-04-02T06:00:00+00:00") -> IndexEntry:
    return IndexEntry(folder=folder, area=None, start="2025-04-01", end="2026-03-31",
                      period=None, audience="board", policy="MAPPA default",
                      outcome="succeeded", started_at=started_at, finished_at=started_at)


def _record(out: Path, worker: int, runs: int) -> None:
    for number in range(runs):
        name = f"run-{worker}-{number:03d}"
        (out / name).mkdir()
        add_to_index(out, _entry(name))


def test_runs_recorded_at_the_same_moment_are_all_in_the_index(tmp_path: Path) -> None:
    """Two processes each record 40 runs as fast as they can: all 80 are in the index."""
    context = multiprocessing.get_context("spawn")
    workers = [context.Process(target=_record, args=(tmp_path, worker, 40)) for worker in (1, 2)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=120)
        assert worker.exitcode == 0
    assert len({entry["folder"] for entry in read_index(tmp_path)}) == 80


@pytest.mark.slow
def test_two_runs_started_together_both_appear_in_the_index(tmp_path: Path) -> None:
    command = [sys.executable, "-m", "mappa_audit", "run", str(SAMPLE), *FY_2025,
               "--out", str(tmp_path)]
    started = [subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                text=True) for _ in range(2)]
    folders = []
    for process in started:
        stdout, stderr = process.communicate(timeout=600)
        assert process.returncode == 0, stderr
        folders += folders_printed(subprocess.CompletedProcess([], 0, stdout, stderr))
    assert len(set(folders)) == 2
    assert {e["folder"] for e in read_index(tmp_path)} == {f.name for f in folders}


@pytest.mark.parametrize(("change", "words"), [
    # a count that is text, as a hand edit in a text editor might leave it
    (lambda d: d["rules"][0].update(population="66"), "Expected `int | null`, got `str`"),
    # a rule entry without its id
    (lambda d: d["rules"][0].pop("rule_id"), "missing required field `rule_id`"),
    # an outcome word the format does not have
    (lambda d: d["rules"][0].update(status="fine"), "Invalid enum value 'fine'"),
])
def test_a_hand_edited_results_file_is_a_clear_error(
        tmp_path: Path, change: Any, words: str) -> None:
    document = json.loads((Path(__file__).parent / "data" / "results.json").read_text())
    change(document)
    (tmp_path / "results.json").write_text(json.dumps(document))
    with pytest.raises(UsageError, match=r"results.json does not hold what it should") as error:
        read_results(tmp_path)
    assert words in str(error.value)


def test_fields_a_newer_version_adds_are_ignored(tmp_path: Path) -> None:
    document = json.loads((Path(__file__).parent / "data" / "results.json").read_text())
    document["added_by_a_newer_version"] = {"anything": 1}
    document["rules"][0]["also_new"] = True
    (tmp_path / "results.json").write_text(json.dumps(document))
    read = read_results(tmp_path)
    assert "added_by_a_newer_version" not in read
    assert read["rules"][0]["rule_id"] == document["rules"][0]["rule_id"]


def test_every_document_has_a_schema() -> None:
    assert sorted(DOCUMENTS) == sorted(p.name.split(".")[0] for p in SCHEMAS.glob("*.json"))


def test_a_damaged_index_entry_is_left_out_and_the_rest_kept(
        tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    (tmp_path / "good").mkdir()
    (tmp_path / "damaged").mkdir()
    good = msgspec.to_builtins(_entry("good"))
    damaged = good | {"folder": "damaged", "end": None, "outcome": "fine"}
    (tmp_path / "index.json").write_text(json.dumps({"runs": [good, damaged]}))
    with caplog.at_level(logging.WARNING, logger="mappa_audit"):
        assert [e["folder"] for e in read_index(tmp_path)] == ["good"]
    assert "run 2 (damaged) does not hold what it should" in caplog.text
