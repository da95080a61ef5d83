"""Rule titles state the standard of the run's policy wherever a title is shown or stored.

A board whose policy allows 10 working days for TML-01 must not read "within 5 working days"
beside a standard of 10 (issue 15, item 5). The titles are filled once, in the engine's
headline; results.json stores them, and every view (report, paper, dashboards, CLI) reads
them from there.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import mappa_audit as ma
from mappa_audit import _views as views
from mappa_audit._paper import render_paper
from mappa_audit._render import render
from mappa_audit._report import AuditReport

SAMPLE = Path(__file__).parent.parent / "data_samples"
DEFAULT_TITLE = "First meeting within 5 working days of a Level 3 referral"
BOARD_TITLE = "First meeting within 10 working days of a Level 3 referral"


@pytest.fixture(scope="module")
def board_audit(tmp_path_factory: pytest.TempPathFactory) -> ma.AuditResult:
    """The sample data audited under a board policy that allows 10 working days for TML-01."""
    policy = tmp_path_factory.mktemp("policy") / "board.toml"
    policy.write_text(
        'name = "Board"\n[rules."TML-01"]\nstandard = { value = 10, unit = "working days" }\n',
        encoding="utf-8",
    )
    return ma.audit(SAMPLE, "2025-04-01", "2026-03-31", policy=policy)


def test_results_json_states_the_policys_standard(board_audit: ma.AuditResult) -> None:
    entry = ma.results_document(board_audit)["rules"][0]
    assert (entry["rule_id"], entry["standard"]) == ("TML-01", "10 working days")
    assert entry["title"] == BOARD_TITLE


def test_report_and_paper_state_the_policys_standard(board_audit: ma.AuditResult,
                                                     tmp_path: Path) -> None:
    report = AuditReport.from_result(board_audit, "board")
    report.save(tmp_path)
    stored = json.loads((tmp_path / "results.json").read_text(encoding="utf-8"))
    assert stored["rules"][0]["title"] == BOARD_TITLE
    for html in (render("headline.html.j2", rows=views.headline_rows(report)),
                 render_paper(tmp_path)):
        assert BOARD_TITLE in html
        assert DEFAULT_TITLE not in html
    assert views.rule_sentence(report, "TML-01").startswith(BOARD_TITLE + ":")


def test_a_stored_title_is_shown_as_stored(board_audit: ma.AuditResult, tmp_path: Path) -> None:
    # a run folder keeps the title its own policy gave; reading it never refills the title
    AuditReport.from_result(board_audit, "board").save(tmp_path)
    document = json.loads((tmp_path / "results.json").read_text(encoding="utf-8"))
    document["rules"][0]["title"] = "First meeting within 7 working days (an older run)"
    (tmp_path / "results.json").write_text(json.dumps(document), encoding="utf-8")
    paper = render_paper(tmp_path)
    assert "First meeting within 7 working days (an older run)" in paper
    assert BOARD_TITLE not in paper
