"""The binding definitions in docs/ against the repository and the code (issue 15, item 7).

docs/data-contract.md, docs/rules.md and docs/results-format.md define the product in the
repository's own words. Nothing may point outside the repository, every relative link must
lead somewhere, each definition carries a version line, and the tables, rule ids, words and
field names they define must be the ones the code reads and writes. No notebook runs here:
the run-folder files come from ``AuditReport.save`` on a three-table dataset, and the
manifest and the runs index from the fixtures below, copied from a real ``mappa-audit run``.
"""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

import polars as pl
import pytest

import mappa_audit as ma
from mappa_audit._cli import ExitCode
from mappa_audit._contract import CONTRACT_VERSION, TABLES, Kind, Table
from mappa_audit._loader import QuarantineReason
from mappa_audit._privacy import Audience
from mappa_audit._results import FORMAT_VERSION
from mappa_audit._signals import SIGNALS
from mappa_audit._worklist import WORKLIST_COLUMNS
from mappa_audit.rules import (
    DATA_QUALITY_RULES,
    REPORTED_OUTCOMES,
    RULE_ORDER,
    RULES,
    Rag,
    Status,
)

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
BINDING = ("data-contract.md", "rules.md", "results-format.md")
PAGES = [ROOT / "README.md", ROOT / "CONTRIBUTING.md", *sorted(DOCS.glob("*.md"))]
"""The pages whose relative links must resolve."""

OUTSIDE = ("../shared", "shared/spec", "/work/shared", "../spec/")
"""Paths to the specification the project was built to, which a reader of the repository
does not have: the definitions live in docs/."""
NOT_YET_REWORDED: dict[str, str] = {
    # Files that still name the outside spec in a comment or docstring, with the words they
    # use: reword them to cite docs/rules.md, and remove their line here (the test fails once
    # a file no longer names it, so that the line goes with the fix).
}

VERSION_LINE = re.compile(
    r"^Version (?P<major>\d+)\.(?P<minor>\d+) \((?:January|February|March|April|May|June|July|"
    r"August|September|October|November|December) \d{4}\)\. "
    r"Binding for mappa-audit (?P<tool>\d+\.\d+)\.$"
)

MANIFEST = """{
  "format_version": 1, "run": "20261203T184438Z_all_2025-04-01_2026-03-31",
  "parameters": {"dataset": "/work/main/data_samples", "start": "2025-04-01",
                 "end": "2026-03-31", "period": null, "area": null, "policy": null,
                 "audience": "auditor", "allow_small_suppression": false},
  "period": {"start": "2025-04-01", "end": "2026-03-31", "as_at": "2026-03-31"},
  "policy": {"name": "MAPPA default", "file": "default.toml", "sha256": "cb41a440",
             "confirmed": false, "suppress_below": 5},
  "inputs": [{"name": "cases.csv", "bytes": 202116, "sha256": "24e68e29"}],
  "tool_version": "0.1.0",
  "versions": {"mappa-audit": "0.1.0", "python": "3.11.7", "polars": "2.1.0"},
  "git_commit": "88dba5e3", "user": "root", "host": "vm", "command": ["run", "data_samples"],
  "started_at": "2026-12-03T18:44:38+00:00", "finished_at": "2026-12-03T18:45:14+00:00",
  "outcome": "succeeded", "reason": null,
  "notebooks": ["audit_report.ipynb", "disclosure_review.ipynb"],
  "files": ["area_results.parquet", "results.json"]
}"""
"""An auditor run's manifest.json (lists and hashes shortened)."""
MANIFEST_BAD_POLICY = """{"policy": {"file": "/tmp/bad.toml",
  "error": "policy bad.toml: unknown setting 'target'. Hint: settings are: closure_days, name"}}"""
"""The policy of a run whose policy file could not be read."""
INDEX = """{"format_version": 1, "runs": [{
  "folder": "20261203T184523Z_all_2025-04-01_2026-03-31", "area": null, "start": "2025-04-01",
  "end": "2026-03-31", "period": null, "audience": "board", "policy": "MAPPA default",
  "outcome": "succeeded", "started_at": "2026-12-03T18:45:23+00:00",
  "finished_at": "2026-12-03T18:46:08+00:00"}]}"""
"""runs/index.json after one board run."""

DYNAMIC_KEYS = {"dataset.tables": "<table>", "tables": "<table>", "versions": "<package>"}
"""Objects keyed by table or package name: the docs name their keys by a placeholder."""


# ---- reading the pages -----------------------------------------------------------------------


def _text(name: str) -> str:
    return (DOCS / name).read_text(encoding="utf-8")


def _without_code_blocks(text: str) -> str:
    return re.sub(r"^```.*?^```", "", text, flags=re.MULTILINE | re.DOTALL)


def _headings(text: str) -> list[tuple[int, str]]:
    """``(level, text)`` of every heading, code blocks left out."""
    return [(len(hashes), title.strip()) for hashes, title in
            re.findall(r"^(#{1,6})\s+(.+?)\s*$", _without_code_blocks(text), flags=re.MULTILINE)]


def _anchors(page: Path) -> set[str]:
    """GitHub's anchors for the headings of a page (``## Rate and RAG`` -> ``rate-and-rag``;
    a repeated heading gets ``-1``, ``-2`` …)."""
    anchors: set[str] = set()
    repeats: dict[str, int] = {}
    for _, title in _headings(page.read_text(encoding="utf-8")):
        slug = re.sub(r"[^\w\- ]", "", title.lower()).replace(" ", "-")
        count = repeats.get(slug, 0)
        repeats[slug] = count + 1
        anchors.add(slug if count == 0 else f"{slug}-{count}")
    return anchors


def _section(text: str, marker: str) -> str:
    """The section under the first heading that contains ``marker``, up to the next heading of
    the same or a higher level."""
    lines = text.splitlines()
    for start, line in enumerate(lines):
        found = re.match(r"^(#{1,6})\s", line)
        if found and marker in line:
            level = len(found.group(1))
            end = next((i for i in range(start + 1, len(lines))
                        if re.match(rf"^#{{1,{level}}}\s", lines[i])), len(lines))
            return "\n".join(lines[start:end])
    msg = f"no heading contains {marker!r}"
    raise AssertionError(msg)


def _table(text: str, header: str) -> dict[str, list[str]]:
    """The rows of the first markdown table in ``text`` whose first header cell is ``header``,
    as lists of cells keyed by their first cell without backticks."""
    tables: list[list[list[str]]] = [[]]
    for line in [*text.splitlines(), ""]:
        if line.startswith("|"):
            tables[-1].append([cell.strip() for cell in line.strip().strip("|").split("|")])
        elif tables[-1]:
            tables.append([])
    for rows in tables:
        if rows and rows[0][0] == header:
            return {row[0].strip("`"): row for row in rows[2:]}  # after the header and rule
    msg = f"no table with the header {header!r}"
    raise AssertionError(msg)


def _field_paths(value: object, prefix: str = "") -> set[str]:
    """Every field of a JSON value as a path: ``period.start``, ``rules[].rate``."""
    found: set[str] = set()
    if isinstance(value, dict):
        for key, child in value.items():
            name = DYNAMIC_KEYS.get(prefix, key)
            path = f"{prefix}.{name}" if prefix else name
            if name == key or not isinstance(child, dict):  # "<table>" itself is no field
                found.add(path)
            found |= _field_paths(child, path)
    elif isinstance(value, list):
        for child in value:
            found |= _field_paths(child, f"{prefix}[]")
    return found


# ---- (a) nothing points outside the repository -----------------------------------------------


def _repository_files() -> list[str]:
    """Tracked files and new files not ignored, as ``git`` lists them."""
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=ROOT, capture_output=True, check=False,
    )
    if listed.returncode != 0:
        pytest.skip("not a git checkout")
    return sorted({name for name in listed.stdout.decode().split("\0") if name})


def test_nothing_points_outside_the_repository() -> None:
    offending: dict[str, list[str]] = {}
    for name in _repository_files():
        path = ROOT / name
        if not path.is_file() or path == Path(__file__).resolve():  # this file names them
            continue
        data = path.read_bytes()
        if b"\0" in data[:8192]:
            continue  # binary
        text = data.decode("utf-8", errors="replace")
        found = [pattern for pattern in OUTSIDE if pattern in text]
        if found:
            offending[name] = found
    for name, pattern in NOT_YET_REWORDED.items():
        assert pattern in offending.pop(name, []), f"{name} is fixed: remove it from the list"
    assert offending == {}


# ---- (b) every relative link resolves ---------------------------------------------------------


def _resolves(page: Path, target: str) -> bool:
    """Whether a relative link of ``page`` leads to a file of the repository (and, for a
    markdown page, to one of its headings when it names one)."""
    path_part, _, anchor = target.partition("#")
    linked = (page.parent / path_part).resolve() if path_part else page
    if not linked.is_relative_to(ROOT) or not linked.exists():
        return False
    return not anchor or linked.suffix != ".md" or anchor in _anchors(linked)


@pytest.mark.parametrize("page", PAGES, ids=lambda page: page.relative_to(ROOT).as_posix())
def test_relative_links_resolve(page: Path) -> None:
    text = _without_code_blocks(page.read_text(encoding="utf-8"))
    targets = re.findall(r"!?\[[^\]]*\]\(([^)\s]+)\)", text)
    relative = [target for target in targets if not re.match(r"^[a-z][a-z0-9+.-]*:", target)]
    assert [target for target in relative if not _resolves(page, target)] == []


# ---- (c) each binding definition has a version line ------------------------------------------


@pytest.mark.parametrize("name", BINDING)
def test_binding_definition_has_a_version_line(name: str) -> None:
    lines = _text(name).splitlines()
    versions = [found for line in lines[:5] if (found := VERSION_LINE.match(line))]
    assert len(versions) == 1, f"{name}: no version line near the top"
    assert versions[0]["tool"] == ".".join(ma.__version__.split(".")[:2])
    assert "**What changes the version.**" in _text(name)
    # the JSON documents and the contract carry the first number of their definition
    major = {"data-contract.md": CONTRACT_VERSION, "results-format.md": FORMAT_VERSION}
    if name in major:
        assert int(versions[0]["major"]) == major[name]


# ---- (d) what the docs define is what the code reads and writes -------------------------------


@pytest.mark.parametrize("table", TABLES.values(), ids=lambda table: table.name)
def test_contract_tables_are_the_loaders(table: Table) -> None:
    rows = _table(_section(_text("data-contract.md"), f"### {table.name}"), "column")
    assert list(rows) == table.column_names
    for column in table.columns:
        _, kind, required, meaning = rows[column.name]
        expected = column.kind.value
        if column.kind is Kind.INT:
            assert column.int_range is not None
            low, high = column.int_range
            expected = f"int {low}\N{EN DASH}{high}"  # the docs write ranges with an en dash
        assert kind == expected, column.name
        assert required == ("yes" if column.required else "no"), column.name
        assert all(f"`{choice}`" in meaning for choice in column.choices), column.name
    needed = _table(_section(_text("data-contract.md"), "## A dataset"), "table")[table.name][1]
    assert ("required" in needed) == table.required


def test_quarantine_reasons_are_documented() -> None:
    reasons = _table(_section(_text("data-contract.md"), "### The quarantine table"), "reason")
    assert {reason.value for reason in QuarantineReason} <= set(reasons)


def test_every_rule_has_its_section_in_order() -> None:
    text = _text("rules.md")
    policy = ma.load_policy()
    expected = [
        # the docs give the figures of the shipped policy, so their titles are its titles
        *[(rule_id, RULES[rule_id].title(policy)) for rule_id in RULE_ORDER],
        *DATA_QUALITY_RULES.items(),
        *SIGNALS.items(),
    ]
    headings = [title for level, title in _headings(text) if level == 3 and " · " in title]
    assert headings == [f"{rule_id} · {title}" for rule_id, title in expected]
    for rule_id in RULE_ORDER:
        section = _section(text, f"### {rule_id} ·")
        standard = policy.rule(rule_id)
        assert f'[rules."{rule_id}"]' in section
        if standard.value is None:
            assert "target and amber margin only" in section, rule_id
        else:
            assert f'value = {standard.value}, unit = "{standard.unit}"' in section, rule_id
        assert "**Example.**" in section, rule_id
    for setting, default in policy.signals.items():
        assert f"{setting} = {default}" in text


def test_fixed_words_are_documented() -> None:
    words = _table(_section(_text("results-format.md"), "## Fixed words"), "field")
    assert all(f"`{o.value}`" in words["outcome of an item"][1] for o in REPORTED_OUTCOMES)
    assert all(f"`{rag.value}`" in words["RAG"][1] for rag in Rag)
    assert all(f"`{status.value}`" in words["status of a rule"][1] for status in Status)
    assert all(f"`{who.value}`" in words["audience"][1] for who in Audience)
    exits = _table(_section(_text("results-format.md"), "## Exit status"), "status")
    assert {str(int(code)) for code in ExitCode} == set(exits)


def test_cited_decisions_exist() -> None:
    entries = set(re.findall(r"^(\d+[a-z]?)\. \*\*", _text("decisions.md"), flags=re.MULTILINE))
    for name in BINDING:
        for cited in re.findall(r"decisions? (\d+[a-z]?(?:(?:, | and )\d+[a-z]?)*)", _text(name)):
            assert set(re.split(r", | and ", cited)) <= entries, (name, cited)


@pytest.fixture(scope="module")
def small_result(tmp_path_factory: pytest.TempPathFactory) -> ma.AuditResult:
    """A three-table dataset with one quarantined row: optional tables absent, so some rules
    are not assessable and say why."""
    folder = tmp_path_factory.mktemp("dataset")
    files = {
        "cases.csv": "case_id,area,category,lead_agency,eligible_date\n"
                     "C1,Eastvale,2,police,2025-01-06\n",
        "levels.csv": "case_id,level,start_date\nC1,2,2025-01-06\n",
        "meetings.csv": "meeting_id,case_id,meeting_date,level,meeting_type,status\n"
                        "M1,C1,2025-05-06,2,initial,held\nM2,C1,31/02/2026,2,review,held\n",
    }
    for name, content in files.items():
        (folder / name).write_text(content, encoding="utf-8")
    return ma.audit(folder, "2025-04-01", "2026-03-31")


def _undocumented(paths: set[str], marker: str) -> list[str]:
    section = _section(_text("results-format.md"), marker)
    return sorted(path for path in paths if f"`{path}`" not in section)


def test_json_fields_are_documented(small_result: ma.AuditResult) -> None:
    results = ma.AuditReport.from_result(small_result, "board").document
    validation = ma.validation_document(small_result.dataset)
    assert "due_by_week" in results  # so that every field is seen
    assert validation["quarantine"]
    manifest = _field_paths(json.loads(MANIFEST)) | _field_paths(json.loads(MANIFEST_BAD_POLICY))
    worklist = {f"items[].{column}" for column in WORKLIST_COLUMNS}
    assert _undocumented(_field_paths(results), "## The results document") == []
    assert _undocumented(_field_paths(validation), "## The load report") == []
    assert _undocumented(worklist, "## The worklist") == []
    assert _undocumented(manifest, "### manifest.json") == []
    assert _undocumented(_field_paths(json.loads(INDEX)), "## The runs index") == []


@pytest.mark.parametrize("audience", list(Audience), ids=lambda who: who.value)
def test_run_folder_files_are_documented(
    small_result: ma.AuditResult, audience: Audience, tmp_path: Path
) -> None:
    ma.AuditReport.from_result(small_result, audience).save(tmp_path)
    written = {path.name for path in tmp_path.iterdir()}
    text = _text("results-format.md")
    files = _table(_section(text, "## Run folders"), "file")
    column = 1 if audience is Audience.BOARD else 2
    assert written <= set(files)
    # the data files of the other audience only are not written for this one
    assert {name for name, row in files.items() if row[column] == "no"}.isdisjoint(written)
    for name in sorted(written - {"results.json"}):
        columns = pl.read_parquet_schema(tmp_path / name)
        section = _section(text, name)
        assert [c for c in columns if f"`{c}`" not in section] == [], name
