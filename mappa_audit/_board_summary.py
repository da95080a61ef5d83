"""The board summary: the "so what" a board member reads before any tile or table.

A few sentences at the top of the board dashboard and the board paper: how many standards are
below, near and on target; the standards furthest below target; the changes since the last
run that are material (those the tiles colour); questions the board may wish to ask, drawn
from the standards that are red; and what amber means. It is built from the same view models
as the tiles (:func:`mappa_audit._views.tiles`), so it hides and greys exactly what they do.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from mappa_audit import _views as views
from mappa_audit._report import AuditReport

FURTHEST_BELOW = 3
"""How many of the standards furthest below target the summary names."""
MOST_QUESTIONS = 5
"""How many questions it asks at most (one per red standard, the furthest below first)."""

CONCERN = {"red": 0, "amber": 1, "none": 2, "green": 3}
"""The order of concern of a RAG rating: red first; grey (too few items to judge, or not
assessed) before green, as it is not known to be on target."""

QUESTIONS = {
    "TML-01": "What delays the first meeting after a Level 3 referral, and who makes sure "
              "one is held within the standard?",
    "TML-02": "Are Level 2 referrals waiting for a meeting slot, and is the panel's capacity "
              "enough for the referrals it receives?",
    "TML-03": "Why are minutes going out late, and do agencies act on decisions before they "
              "have them?",
    "TML-04": "Are ViSOR records created on time for newly eligible people, and who checks?",
    "TML-05": "Are levels set before release early enough to plan the release, and which "
              "prisons or units are late?",
    "REV-01": "Are Level 2 cases reviewed as often as the standard says, and what happens "
              "when a review slips?",
    "REV-02": "Are Level 3 cases, the highest risk, reviewed as often as the standard says?",
    "REV-03": "Are Level 1 cases reviewed by their lead agency, and how would the board know "
              "if one was missed?",
    "ACT-01": "Do actions set at meetings always have an owner and a due date?",
    "ACT-02": "Which agencies' actions are overdue, and how are overdue actions escalated?",
    "ATT-01": "Which Responsible Authority is missing meetings, and what is its senior "
              "manager doing about it?",
    "ATT-02": "Which duty-to-co-operate agencies do not attend when invited, and has the "
              "board raised it with them?",
    "DIS-01": "Is disclosure considered and recorded at every Level 2 and 3 meeting?",
    "DIS-02": "Is the reason for each disclosure decision written down, so it can be "
              "defended?",
    "DIS-03": "Does each decision to disclose say who is told, by whom, how and when?",
    "DIS-04": "Are agreed disclosures carried out by the planned date, and what stops them?",
    "DIS-05": "Is the person told about a disclosure, or the reason they are not recorded?",
}
"""A question for each standard, asked when it is red (a board may add its own)."""


@dataclass(frozen=True)
class BoardSummary:
    """What the summary says, each list a list of sentences."""

    overview: str
    furthest_below: tuple[str, ...]
    changes: tuple[str, ...]
    questions: tuple[str, ...]
    amber: str


def by_concern(report: AuditReport, rule_ids: list[str]) -> list[str]:
    """``rule_ids`` in order of concern: red, amber, grey, green; within each, the furthest
    below target first (a rate not shown counts as on its target), then by code."""
    headline = _headline(report)
    return sorted(rule_ids, key=lambda rule_id: (*_concern(headline[rule_id]), rule_id))


def board_summary(report: AuditReport, previous: AuditReport | None,
                  rule_ids: list[str] | None = None) -> BoardSummary:
    """The summary of ``report`` (the standards of ``rule_ids``, or all), compared with the
    ``previous`` run of the same length (``None``: there is none)."""
    headline = _headline(report)
    chosen = [r["rule_id"] for r in report.document["rules"]] if rule_ids is None else rule_ids
    chosen = [rule_id for rule_id in chosen if rule_id in headline]
    ordered = by_concern(report, chosen)
    tiles = {tile.rule_id: tile for tile in views.tiles(report, ordered, previous)}
    rags = [views.RAG_WORDS.get(tiles[rule_id].rag, "") for rule_id in ordered]
    counts = [(rags.count(words), words) for words in
              (views.RAG_WORDS["red"], views.RAG_WORDS["amber"], views.RAG_WORDS["green"])]
    grey = len(ordered) - sum(count for count, _ in counts)
    overview = (f"Standards: {len(ordered)}; "
                + "; ".join(f"{words}: {count}" for count, words in counts)
                + (f"; cannot be judged (too few items, or not assessed): {grey}"
                   if grey else "") + ".")
    red = [rule_id for rule_id in ordered if tiles[rule_id].rag == "red"]
    furthest = tuple(
        f"{rule_id} {tiles[rule_id].title}: {tiles[rule_id].rate} against a target of "
        f"{tiles[rule_id].target} ({_gap(headline[rule_id])} points below)."
        for rule_id in red if headline[rule_id]["rate"] is not None)[:FURTHEST_BELOW]
    changes = tuple(f"{rule_id} {tiles[rule_id].title}: {_without_arrow(tiles[rule_id].change)}."
                    for rule_id in ordered if tiles[rule_id].change.tone in ("better", "worse"))
    if previous is None:
        changes = (views.NO_EARLIER_RUN,)
    elif not changes:
        changes = ("No standard changed materially since the last run.",)
    questions = tuple(QUESTIONS[rule_id] for rule_id in red if rule_id in QUESTIONS)
    return BoardSummary(
        overview=overview, furthest_below=furthest, changes=changes,
        questions=questions[:MOST_QUESTIONS],
        amber=_amber(report))


def _headline(report: AuditReport) -> dict[str, dict[str, Any]]:
    return {str(row["rule_id"]): row for row in
            report.shown(report.headline()).iter_rows(named=True)}


def _concern(row: dict[str, Any]) -> tuple[int, float]:
    """How worrying a headline row is, as a sort key: its RAG, then how far below target.

    Examples
    --------
    >>> rank = _concern({"status": "assessed", "rag": "red", "rate": 0.7, "target": 0.95})
    >>> rank[0], round(rank[1], 2)
    (0, -0.25)
    >>> _concern({"status": "not_assessable", "rag": "none", "rate": None, "target": 0.95})
    (2, -0.0)
    """
    rag = row["rag"] if row["status"] == "assessed" else "none"
    rate, target = row.get("rate"), row.get("target")
    gap = (target - rate) if isinstance(rate, float) and isinstance(target, float) else 0.0
    return CONCERN.get(str(rag), CONCERN["none"]), -gap


def _gap(row: dict[str, Any]) -> str:
    return f"{(row['target'] - row['rate']) * 100:.1f}"


def _without_arrow(change: views.Change) -> str:
    """A change as a sentence says it: its words without the arrow."""
    return change.text.lstrip("▲▼▶ ")


def _amber(report: AuditReport) -> str:
    margins = sorted({float(rule["amber_margin"]) for rule in report.document["rules"]
                      if rule.get("amber_margin") is not None})
    how_near = views.amber_margin_words(margins) if margins else "a little below the target"
    return (f"Amber (near target): the rate is below its target, {how_near}. Red: further "
            "below than that.")
