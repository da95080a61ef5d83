"""Board outputs refuse a policy that hides too little (issue 14, item 7).

A policy with ``suppress_below`` under 5 would show a board counts of 1 to 4: ``run
--audience board``, ``paper`` and the published annual tables refuse it unless
``--allow-small-suppression`` is given, which is then printed as a warning and recorded in
the run's manifest. The auditor audience is unaffected.
"""

from __future__ import annotations

import datetime as dt
import json
import subprocess
from pathlib import Path

import fastexcel
import polars as pl
import pytest

import mappa_audit as ma
from mappa_audit import Audience, PolicyError, SmallSuppressionError
from mappa_audit._annual import published
from mappa_audit._paper import render_paper
from mappa_audit._runs import RunRequest, check_policy_bounds

from _support import FY_2025, SAMPLE, folders_printed, mappa

FY_START, FY_END = dt.date(2025, 4, 1), dt.date(2026, 3, 31)


@pytest.fixture
def small_policy(tmp_path: Path) -> Path:
    path = tmp_path / "small.toml"
    path.write_text('name = "Small numbers"\nsuppress_below = 3\n', encoding="utf-8")
    return path


def assert_refused(result: subprocess.CompletedProcess[str], *fragments: str) -> None:
    assert result.returncode == 2, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, lines
    for fragment in ("policy 'Small numbers' sets suppress_below = 3, below 5", "Hint:",
                     "--allow-small-suppression", *fragments):
        assert fragment in lines[0], (fragment, lines[0])
    assert "allow_small_suppression=" not in lines[0]  # the CLI words it with its own flags


# command -> (its arguments after the policy, the other way out its hint names)
REFUSED = {
    # a board run: refused before any folder is made
    "run": (["run", SAMPLE, *FY_2025], "--audience auditor"),
    # the published annual tables (without --exact)
    "annual": (["annual", SAMPLE, "--year", "2025-26"], "--exact"),
}


@pytest.mark.parametrize("command", list(REFUSED))
def test_board_outputs_refuse_a_small_suppress_below(command: str, small_policy: Path,
                                                     tmp_path: Path) -> None:
    arguments, instead = REFUSED[command]
    out = tmp_path / "out"
    result = mappa(*arguments, "--policy", small_policy, "--out", out)
    assert_refused(result, instead)
    assert not out.exists()  # refused before anything is written


@pytest.mark.parametrize(
    ("suppress_below", "audience", "allowed", "outcome"),
    [
        (3, Audience.BOARD, False, "refused"),  # the case to refuse
        (3, Audience.BOARD, True, "overridden"),  # the override lets it through
        (4, Audience.BOARD, False, "refused"),  # one under the minimum
        (5, Audience.BOARD, False, "fine"),  # the minimum itself
        (1, Audience.AUDITOR, False, "fine"),  # auditors see every count anyway
    ],
)
def test_library_check_names_its_arguments(tmp_path: Path, suppress_below: int,
                                           audience: Audience, allowed: bool,
                                           outcome: str) -> None:
    policy = tmp_path / "policy.toml"
    policy.write_text(f'name = "P"\nsuppress_below = {suppress_below}\n', encoding="utf-8")
    request = RunRequest(dataset=SAMPLE, start=FY_START, end=FY_END, policy=policy,
                         audience=audience, out=tmp_path / "runs",
                         allow_small_suppression=allowed)
    if outcome == "refused":
        with pytest.raises(SmallSuppressionError) as raised:
            check_policy_bounds(request)
        message = str(raised.value)
        assert f"suppress_below = {suppress_below}, below 5" in message
        assert "allow_small_suppression=True" in message
        assert "audience='auditor'" in message
        assert "--" not in message  # arguments, not the command line's flags
    elif outcome == "overridden":
        overridden = check_policy_bounds(request)
        assert overridden is not None
        assert overridden.suppress_below == suppress_below
    else:
        assert check_policy_bounds(request) is None


def test_published_tables_refuse_a_small_suppress_below() -> None:
    tables = {"meetings": pl.DataFrame({"measure": ["Level 2 meetings", "Level 3 meetings"],
                                        "2025-26": [1, 3]})}
    with pytest.raises(SmallSuppressionError, match="suppress_below = 2, below 5"):
        published(tables, 2, policy_name="P")
    shown = published(tables, 2, policy_name="P", allow_small_suppression=True)
    assert shown["meetings"]["2025-26"].to_list() == ["<2", "3"]


@pytest.mark.slow
def test_the_override_is_warned_recorded_and_needed_again_for_the_paper(
        small_policy: Path, tmp_path: Path) -> None:
    result = mappa("run", SAMPLE, *FY_2025, "--policy", small_policy,
                   "--allow-small-suppression", "--out", tmp_path / "runs")
    assert result.returncode == 0, result.stderr
    assert "warning: policy 'Small numbers' sets suppress_below = 3, below 5" in result.stderr
    [folder] = folders_printed(result)
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["parameters"]["allow_small_suppression"] is True
    assert manifest["policy"]["suppress_below"] == 3
    assert "shown as &lt;3" in (folder / "audit_report.html").read_text(encoding="utf-8")
    # the paper is a board output of its own: the override is asked for again
    with pytest.raises(SmallSuppressionError):
        render_paper(folder)
    assert_refused(mappa("paper", folder), "whose policy hides counts under 5")
    paper = mappa("paper", folder, "--allow-small-suppression")
    assert paper.returncode == 0, paper.stderr
    assert "warning: policy 'Small numbers' sets suppress_below = 3" in paper.stderr


@pytest.mark.slow
def test_annual_tables_with_the_override(small_policy: Path, tmp_path: Path) -> None:
    result = mappa("annual", SAMPLE, "--year", "2025-26", "--policy", small_policy,
                   "--allow-small-suppression", "--out", tmp_path)
    assert result.returncode == 0, result.stderr
    assert "warning: policy 'Small numbers'" in result.stderr
    sheet = fastexcel.read_excel(tmp_path / "annual_report.xlsx").load_sheet(
        "meetings", header_row=None).to_polars()
    assert "counts from 1 to 2 are shown as <3" in sheet[sheet.columns[0]][1]



@pytest.mark.parametrize(
    ("setting", "value"),
    [
        ("rate_min_base", 0),  # below 1
        ("rate_min_base", 2.5),  # not whole
        ("rate_min_base", True),  # a true/false is not a number
        ("material_change_points", -1),  # below 0
        ("material_change_points", 101),  # above 100
        ("colour", 3),  # not a reporting setting
    ],
)
def test_reporting_settings_are_checked(setting: str, value: object, tmp_path: Path) -> None:
    policy = tmp_path / "reporting.toml"
    written = str(value).lower() if isinstance(value, bool) else value
    policy.write_text(f'name = "R"\n[reporting]\n{setting} = {written}\n', encoding="utf-8")
    with pytest.raises(PolicyError, match=setting):
        ma.load_policy(policy)


def test_the_default_reporting_settings_are_unconfirmed_with_a_source() -> None:
    default = ma.load_policy(None)
    assert (default.rate_min_base, default.material_change_points) == (20, 2.0)
    text = (Path(ma.__file__).parent / "policies" / "default.toml").read_text(encoding="utf-8")
    reporting = text.split("[reporting]")[1].split("[")[0]
    assert "source = " in reporting
    assert "confirmed = false" in reporting
