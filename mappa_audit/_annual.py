"""Annual-report tables: the figures a MAPPA annual report carries that the data supports.

For a financial year (April to March) ending on 31 March, each beside the year before where
the report compares years: people MAPPA-eligible on 31 March by category and by level; people
managed at Level 2 and at Level 3 at any time in the year; Level 2/3 meetings held;
disclosure decisions and disclosures made; the outcomes of the MoJ MAPPA annual report from
the ``events`` table (notification requirements revoked and breached, restrictive orders
imposed and breached, returns to custody, serious further offence charges, Serious Case
Reviews), counted by the level at the time of the event; by sex, age band and ethnic group,
with relative rate indices, the share at Level 2/3, referral acceptance, step-down after
release and disclosure decisions; each area's and local unit's use of the levels; and the
published national figures they are compared with (:mod:`mappa_audit._national`).
docs/rules.md, "Annual report tables", defines every figure; docs/decisions.md 27, 39-42 and
46-49 record the readings.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Any

import polars as pl

from mappa_audit._contract import EVENT_DETAILS
from mappa_audit._engine import known_areas, resolve_area
from mappa_audit._errors import ArgumentError
from mappa_audit._loader import Dataset, load_dataset
from mappa_audit._national import NationalFigures, load_national
from mappa_audit._policy import REPORTING_SETTINGS, Policy, load_policy
from mappa_audit._privacy import (
    WITHHELD,
    WITHHELD_MARK,
    Relation,
    TableSet,
    check_board_suppression,
    hide_small,
    part_name,
    protect,
    read_together,
    shown_counts,
)
from mappa_audit.rules._context import AuditContext, build_context

TABLE_TITLES = {
    "eligible_by_category": "MAPPA-eligible people on 31 March, by category",
    "eligible_by_level": "MAPPA-eligible people on 31 March, by level",
    "managed_level2_3": "People managed at Level 2 and Level 3 during the year, by category",
    "meetings": "Level 2 and 3 MAPP meetings held during the year",
    "disclosures": "Disclosure decisions and disclosures made during the year",
    "notification_revoked": "Lifetime notification requirements revoked on application",
    "notification_breach": "Registered sexual offenders cautioned or convicted for breaching "
                           "notification requirements",
    "orders_imposed": "Restrictive orders imposed, by type",
    "order_breaches": "Breaches of Sexual Harm Prevention Orders and Sexual Risk Orders",
    "returned_to_custody_by_level": "Returns to custody, by level at the time",
    "returned_to_custody_by_detail": "Returns to custody, by reason",
    "sfo_charged_by_level": "Charges of a serious further offence, by level at the time",
    "scrs": "MAPPA Serious Case Reviews",
    "equality_level23": "MAPPA-eligible people on 31 March managed at Level 2 or 3, by sex, "
                        "age band and ethnic group",
    "equality_referral_acceptance": "Referrals to Level 2 or 3 made in the year and accepted, "
                                    "by sex, age band and ethnic group",
    "equality_step_down": "People released from custody at Level 2 or 3 in the year and "
                          "stepped down to Level 1 within 6 months, by sex, age band and "
                          "ethnic group",
    "equality_disclosure": "Disclosure decisions taken in the year and decisions to disclose, "
                           "by sex, age band and ethnic group",
    "level_use_by_area": "How each area uses the levels: eligible people on 31 March",
    "level_use_by_lau": "How each local unit uses the levels: eligible people on 31 March",
    "level_use_by_area_category": "How each area uses the levels, by category: eligible "
                                  "people on 31 March",
    "national_figures": "Published national figures the level use is compared with",
}
"""Every table's stable id and title, in the order of the report (ids are documented in
docs/rules.md and fixed: scripts read them)."""

EVENT_TABLES = ("notification_revoked", "notification_breach", "orders_imposed",
                "order_breaches", "returned_to_custody_by_level",
                "returned_to_custody_by_detail", "sfo_charged_by_level", "scrs")
"""The tables drawn from ``events``: not recorded, rather than 0, when it is absent."""

NOT_RECORDED = "not recorded in this dataset"
CATEGORY_NAMES = {1: "Category 1: registered sexual offenders",
                  2: "Category 2: violent and other sexual offenders",
                  3: "Category 3: other dangerous offenders",
                  4: "Category 4: terrorism and terrorism-risk offenders"}
EQUALITY_CHARACTERISTICS = ("sex", "age_band", "ethnicity_group")
EQUALITY_TABLES = {
    "equality_level23": ("eligible", "at_level_2_3"),
    "equality_referral_acceptance": ("referrals", "accepted"),
    "equality_step_down": ("released_at_level_2_3", "stepped_down"),
    "equality_disclosure": ("decisions", "decisions_to_disclose"),
}
"""Each equality table's population column and the count of it the rate is drawn from."""
NEEDS_TABLE = {"equality_referral_acceptance": "referrals",
               "equality_disclosure": "disclosures"}
"""Tables drawn from an optional table: not recorded, rather than empty, when it is absent."""
STEP_DOWN_MONTHS = 6
"""``equality_step_down``: a step-down to Level 1 this many months after release or sooner."""
LEVEL_USE_EXTRA = ("share_category_3", "level_1_people", "referred_from_level_1",
                   "level_1_referral_rate")
"""The columns ``level_use_by_area`` and ``level_use_by_lau`` have after the first ones."""
REFERRAL_COLUMNS = ("referred_from_level_1", "level_1_referral_rate")
"""Left out of the level-use tables of a dataset without ``referrals``."""
GROUP_NOT_RECORDED = "not recorded"
LEVEL_WORDS = ("1", "2", "3", "none")
"""The ``level`` column of the by-level tables: the level at the event, or none recorded."""
RATES: dict[str, dict[str, tuple[str, ...]]] = {
    "equality_level23": {"rate": ("eligible",),
                         "relative_rate_index": ("eligible", "_others_eligible")},
    "level_use_by_area": {"share_level_2_3": ("eligible",),
                          "share_category_3": ("eligible",),
                          "level_1_referral_rate": ("level_1_people",)},
    "level_use_by_lau": {"share_level_2_3": ("eligible",), "share_category_3": ("eligible",),
                         "level_1_referral_rate": ("level_1_people",)},
    "level_use_by_area_category": {"share_level_2_3": ("eligible",)},
}
RATES |= {
    name: {"rate": (population,),
           "relative_rate_index": (population, f"_others_{population}")}
    for name, (population, _) in EQUALITY_TABLES.items() if name != "equality_level23"
}
"""Per table, its rates and the populations under which a board may not see them."""
RATE_SOURCES: dict[str, dict[str, tuple[str, ...]]] = {
    "equality_level23": {"rate": ("eligible", "at_level_2_3"),
                         "relative_rate_index": ("eligible", "at_level_2_3")},
    "level_use_by_area": {"share_level_2_3": ("eligible", "level_2", "level_3")},
}
RATE_SOURCES |= {
    name: {"rate": (population, count), "relative_rate_index": (population, count)}
    for name, (population, count) in EQUALITY_TABLES.items() if name != "equality_level23"
}
for _use in ("level_use_by_area", "level_use_by_lau"):
    RATE_SOURCES[_use] = {"share_level_2_3": ("eligible", "level_2", "level_3"),
                          "share_category_3": ("eligible", "category_3"),
                          "level_1_referral_rate": ("level_1_people", "referred_from_level_1")}
RATE_SOURCES["level_use_by_area_category"] = {"share_level_2_3": ("eligible", "level_2",
                                                                  "level_3")}
"""Per table, its rates and the counts they are drawn from: a rate is not shown when any of
them is hidden, as it would give the count back (decision 24's known flaw)."""
RATE_MIN_BASE = int(REPORTING_SETTINGS["rate_min_base"])
"""The default policy's minimum base for a published rate."""
_DETAILS = dict(EVENT_DETAILS)


def financial_year(year: str | int) -> tuple[dt.date, dt.date]:
    """``"2025-26"`` (April 2025 to March 2026), or the integer ``2026`` (the year it ends), to
    its first and last day. The second year of ``"2025-26"`` must follow the first. A year
    written alone as text (``"2025"``) is refused: people mean 2025-26 as often as 2024-25.

    Examples
    --------
    >>> financial_year("2025-26")
    (datetime.date(2025, 4, 1), datetime.date(2026, 3, 31))
    >>> financial_year("2025-27")
    Traceback (most recent call last):
    ...
    mappa_audit._errors.ArgumentError: `year` '2025-27' is not a financial year such as 2025-26
    Hint: write the year as 2025-26 (April 2025 to March 2026)
    >>> financial_year("2025")
    Traceback (most recent call last):
    ...
    mappa_audit._errors.ArgumentError: `year` '2025' could mean 2024-25 or 2025-26
    Hint: write 2025-26 for April 2025 to March 2026, or 2024-25 for April 2024 to March 2025
    """
    text = str(year).strip()
    both = re.fullmatch(r"(\d{4})-(\d{2}|\d{4})", text)
    end_year = 0
    if both is not None:
        first, second = int(both.group(1)), int(both.group(2))
        if second in ((first + 1) % 100, first + 1):
            end_year = first + 1
    elif isinstance(year, int):
        end_year = year
    elif text.isdigit() and len(text) == 4:
        first = int(text)
        msg = (f"`year` {year!r} could mean {first - 1}-{first % 100:02d} or "
               f"{first}-{(first + 1) % 100:02d}")
        hint = (f"write {first}-{(first + 1) % 100:02d} for April {first} to March "
                f"{first + 1}, or {first - 1}-{first % 100:02d} for April {first - 1} to March "
                f"{first}")
        raise ArgumentError(msg, hint, argument="year")
    if not 1990 < end_year < 2100:
        msg = f"`year` {year!r} is not a financial year such as 2025-26"
        hint = "write the year as 2025-26 (April 2025 to March 2026)"
        raise ArgumentError(msg, hint, argument="year")
    return dt.date(end_year - 1, 4, 1), dt.date(end_year, 3, 31)


def annual_tables(
    dataset: Dataset | str | Path, year: str | int, *, area: str | None = None,
    policy: Policy | str | Path | None = None,
    national: NationalFigures | str | Path | None = None,
) -> dict[str, pl.DataFrame]:
    """The annual report's tables for a financial year, with exact counts.

    Parameters
    ----------
    dataset
        A loaded :class:`~mappa_audit.Dataset`, or the path of one.
    year
        ``"2025-26"`` (April 2025 to March 2026), or the year it ends, ``2026``.
    area
        One area's tables (matched as the audit matches it); ``None``: all areas, with the
        events of cases missing from ``cases`` (decision 39).
    policy
        The policy (its ``suppress_below`` is used by :func:`published`, not here).
    national
        The published national figures ``national_figures`` lists (a TOML file, see
        :func:`~mappa_audit._national.load_national`); ``None``: the shipped file.

    Returns
    -------
    dict[str, polars.DataFrame]
        One frame per id of :data:`TABLE_TITLES`, in its order. Tables that compare years
        have ``count`` and ``previous_year_count`` beside their first column (``measure``,
        ``level`` or ``detail``); ``equality_level23`` and ``level_use_by_area`` are as at
        31 March. The tables drawn from ``events`` are left out when the dataset has no
        ``events`` table: not recorded, which is not 0.

    Examples
    --------
    >>> tables = annual_tables("data_samples", "2025-26")
    >>> tables["sfo_charged_by_level"].columns
    ['level', 'count', 'previous_year_count']
    >>> tables["sfo_charged_by_level"]["level"].to_list()
    ['1', '2', '3', 'none']
    """
    return AnnualSource(dataset, year, policy=policy, national=national).tables(area)


class AnnualSource:
    """One financial year of a dataset, and the year before, ready to give each area's
    annual tables: the as-at views and level timelines are built once, however many areas
    are asked for (``run`` asks for each area's; decision 49).

    Examples
    --------
    >>> source = AnnualSource("data_samples", "2025-26")
    >>> [len(source.tables(area)) for area in (None, "Eastvale")]
    [21, 21]
    """

    def __init__(self, dataset: Dataset | str | Path, year: str | int, *,
                 policy: Policy | str | Path | None = None,
                 national: NationalFigures | str | Path | None = None) -> None:
        self.dataset = dataset if isinstance(dataset, Dataset) else load_dataset(dataset)
        self.policy = policy if isinstance(policy, Policy) else load_policy(policy)
        self.national = (national if isinstance(national, NationalFigures)
                         else load_national(national))
        self.year = year
        start, end = financial_year(year)
        last_start, last_end = financial_year(end.year - 1)
        self.now = build_context(self.dataset, start, end, self.policy)
        self.then = build_context(self.dataset, last_start, last_end, self.policy)
        self._tables: dict[str | None, dict[str, pl.DataFrame]] = {}
        self._hidden: dict[tuple[int, int], dict[str | None, dict[str, pl.DataFrame]]] = {}

    def tables(self, area: str | None = None) -> dict[str, pl.DataFrame]:
        """The tables of :func:`annual_tables` for ``area`` (``None``: all areas)."""
        if area is not None:
            area = resolve_area(self.dataset, area)  # as the audit does: unknown is an error
        if area not in self._tables:
            self._tables[area] = self._made(area)
        return self._tables[area]

    def hidden(self, area: str | None, suppress_below: int, *,
               rate_min_base: int = RATE_MIN_BASE) -> dict[str, pl.DataFrame]:
        """The tables of ``area`` (``None``: all areas) as a board may hold them, hidden as
        :func:`hidden` hides them but protected together with every other area's and the
        all-areas tables of the year (:func:`hidden_together`): a board may hold all of
        them, and protected apart they would give each other's hidden counts away (decision
        60). Protected once per source, for every area."""
        if area is not None:
            area = resolve_area(self.dataset, area)
        key = (suppress_below, rate_min_base)
        if key not in self._hidden:
            outputs = {None: self.tables()} | {
                name: self.tables(name) for name in known_areas(self.dataset)}
            self._hidden[key] = hidden_together(outputs, suppress_below,
                                                rate_min_base=rate_min_base)
        return self._hidden[key][area]

    def _made(self, area: str | None) -> dict[str, pl.DataFrame]:
        dataset, now, then = self.dataset, self.now, self.then
        this, last = _figures(now, area), _figures(then, area)
        if dataset.present("events"):
            this |= _outcomes(now, area)
            last |= _outcomes(then, area)
        tables: dict[str, pl.DataFrame] = {}
        for name in TABLE_TITLES:
            if name == "equality_level23":
                tables[name] = _equality(now, area)
            elif name in NEEDS_TABLE and not dataset.present(NEEDS_TABLE[name]):
                continue  # not recorded in this dataset, which is not 0
            elif name in EQUALITY_TABLES:
                tables[name] = _equality_of(_EQUALITY_ITEMS[name](now, area), name)
            elif name == "level_use_by_area":
                extra = _level_use_by(now, area, "area", dataset.present("referrals"))
                tables[name] = _level_use(now, area).join(
                    extra.drop("eligible", "level_1", "level_2", "level_3",
                               "share_level_2_3", "category_3"), on="area", how="left")
            elif name == "level_use_by_lau":
                tables[name] = _level_use_by(now, area, "lau", dataset.present("referrals"))
            elif name == "level_use_by_area_category":
                tables[name] = _level_use_by_category(now, area)
            elif name == "national_figures":
                tables[name] = self.national.frame()
            elif name in this:
                key = this[name].columns[0]
                tables[name] = this[name].join(
                    last[name], on=key, how="full", coalesce=True, suffix="_last",
                    maintain_order="left",
                ).select(key, pl.col("count").fill_null(0),
                         pl.col("count_last").fill_null(0).alias("previous_year_count"))
        return tables


def last_whole_year(end: dt.date) -> str:
    """The last financial year that ends on or before ``end`` (a run's annual tables).

    Examples
    --------
    >>> last_whole_year(dt.date(2026, 3, 31)), last_whole_year(dt.date(2026, 3, 30))
    ('2025-26', '2024-25')
    """
    ends = end.year if end >= dt.date(end.year, 3, 31) else end.year - 1
    return year_label(dt.date(ends - 1, 4, 1))


def year_label(start: dt.date) -> str:
    """``2025-26`` for the year that starts on 1 April 2025."""
    return f"{start.year}-{str(start.year + 1)[2:]}"


def published(
    tables: dict[str, pl.DataFrame], suppress_below: int, *, policy_name: str = "given",
    allow_small_suppression: bool = False, rate_min_base: int = RATE_MIN_BASE,
    hidden_tables: dict[str, pl.DataFrame] | None = None,
) -> dict[str, pl.DataFrame]:
    """The tables as text with counts from 1 to ``suppress_below - 1`` shown as ``<5``, those
    withheld to protect them as ``[c]`` (:func:`hidden`), and no rate (nor relative rate
    index) of a population under ``rate_min_base`` or drawn from a hidden count.

    ``hidden_tables``: the tables hidden already, as :meth:`AnnualSource.hidden` hides them
    with the other areas' (``None``: hidden here, on their own).

    Published tables are a board-audience output: a ``suppress_below`` under 5 raises
    :class:`~mappa_audit.SmallSuppressionError` unless ``allow_small_suppression``.
    """
    check_board_suppression(suppress_below, policy_name,
                            allow_small_suppression=allow_small_suppression)
    if hidden_tables is None:
        hidden_tables = hidden(tables, suppress_below, rate_min_base=rate_min_base)
    shown = {}
    for name, frame in hidden_tables.items():
        counts = _count_columns(tables[name])
        shown[name] = shown_counts(frame, suppress_below, counts=counts).drop(WITHHELD)
    return shown


def hidden(tables: dict[str, pl.DataFrame], suppress_below: int, *,
           rate_min_base: int = RATE_MIN_BASE) -> dict[str, pl.DataFrame]:
    """The tables as a board may hold them (:func:`~mappa_audit._privacy.protect`): each
    count from 1 to ``suppress_below - 1`` null, a few more withheld (null, and named in the
    ``withheld`` column) so that none can be worked out from the totals, and each rate drawn
    from a hidden count, or from fewer than ``rate_min_base`` people (the policy's minimum
    base for a rate, at least ``suppress_below``), null.

    These tables on their own: a board that also holds other areas' tables of the same
    year reads them with :meth:`AnnualSource.hidden` (decision 60)."""
    protected = protect(annual_table_set(tables), suppress_below)
    return _rates_hidden(tables, protected, suppress_below, rate_min_base)


def hidden_together(outputs: dict[str | None, dict[str, pl.DataFrame]], suppress_below: int,
                    *, rate_min_base: int = RATE_MIN_BASE
                    ) -> dict[str | None, dict[str, pl.DataFrame]]:
    """The annual tables of all areas (key ``None``) and of each area, as :func:`hidden`
    hides them, but protected as one: whichever of them a board reads together, no hidden
    count can be worked out (:func:`joint_table_set`, decision 60)."""
    protected = protect(joint_table_set(outputs), suppress_below)
    return {area: _rates_hidden(
                tables, {name: protected[part_name(area, name)] for name in tables},
                suppress_below, rate_min_base)
            for area, tables in outputs.items()}


def _rates_hidden(tables: dict[str, pl.DataFrame], protected: dict[str, pl.DataFrame],
                  suppress_below: int, rate_min_base: int) -> dict[str, pl.DataFrame]:
    """The ``protected`` tables with each rate of a population under ``rate_min_base`` (or
    ``suppress_below``) null too: the RRI's other people count as a population."""
    result = {}
    for name, frame in tables.items():
        rates = RATES.get(name, {})
        extra = (_with_others(protected[name], EQUALITY_TABLES[name][0])
                 if name in EQUALITY_TABLES else protected[name])
        result[name] = hide_small(extra, max(suppress_below, rate_min_base), counts=(),
                                  rates=rates).select(*frame.columns, WITHHELD)
    return result


def joint_table_set(outputs: dict[str | None, dict[str, pl.DataFrame]]) -> TableSet:
    """The annual tables of all areas (key ``None``, which must be there) and of each area
    as a board that holds them all reads them (:func:`annual_table_set` of each, read
    together by :func:`~mappa_audit._privacy.read_together`): a row of an area's use of the
    levels (by area, local unit, or area and category) is that row of the all-areas table,
    and every other count of the areas adds up to the all-areas count of its row, less what
    events of cases of no known area add (decision 39). Each table of an area is named
    ``<table>@<area>``."""
    return read_together({area: annual_table_set(tables) for area, tables in outputs.items()},
                         same_rows=SAME_ROWS, labels=LABEL_COLUMNS)


SAME_ROWS = frozenset({"level_use_by_area", "level_use_by_lau", "level_use_by_area_category"})
"""The tables whose rows are areas (or their units): an area's table is its rows of the
all-areas table, the same counts."""


def annual_table_set(tables: dict[str, pl.DataFrame]) -> TableSet:
    """The annual tables as a reader holds them together, for
    :func:`~mappa_audit._privacy.protect`: each total and its parts, the same total in
    several tables (everyone eligible on 31 March; returns to custody by level and by
    reason), the equality table's groups against the eligible by level, and each area's use
    of the levels, with the people of no level recorded as a count never printed."""
    frames = dict(tables)
    if "level_use_by_area" in frames:
        use = frames["level_use_by_area"]
        frames["level_use_by_area"] = use.with_columns(
            (pl.col("eligible") - pl.col("level_1") - pl.col("level_2") - pl.col("level_3"))
            .alias("_no_level"))
    counts = {name: _count_columns(frame) for name, frame in frames.items()}
    relations: list[Relation] = []
    keep: set[tuple[str, int, str]] = set()

    def rows(name: str) -> dict[str, int]:
        if name not in frames:
            return {}
        return {str(v): i for i, v in enumerate(frames[name][frames[name].columns[0]])}

    def total(name: str, head: str, parts: list[str], column: str) -> None:
        found = rows(name)
        if head in found and all(p in found for p in parts):
            keep.add((name, found[head], column))
            relations.append(Relation.total((name, found[head], column),
                                            [(name, found[p], column) for p in parts]))

    years = ("count", "previous_year_count")
    for column in years:
        total("eligible_by_category", "Total",
              [v for v in rows("eligible_by_category") if v != "Total"], column)
        total("eligible_by_level", "Total",
              [v for v in rows("eligible_by_level") if v != "Total"], column)
        for n in (2, 3):
            total("managed_level2_3", f"Level {n}, all categories",
                  [v for v in rows("managed_level2_3")
                   if v.startswith(f"Level {n}, Category")], column)
        total("meetings", "All Level 2 and 3 meetings",
              ["Level 2 meetings", "Level 3 meetings"], column)
        category, level = rows("eligible_by_category"), rows("eligible_by_level")
        if "Total" in category and "Total" in level:
            relations.append(Relation.total(("eligible_by_category", category["Total"], column),
                                            [("eligible_by_level", level["Total"], column)]))
        by_level, by_detail = rows("returned_to_custody_by_level"), rows(
            "returned_to_custody_by_detail")
        if by_level and by_detail:
            relations.append(Relation(
                tuple(("returned_to_custody_by_level", i, column) for i in by_level.values()),
                tuple(("returned_to_custody_by_detail", i, column)
                      for i in by_detail.values())))
    level = rows("eligible_by_level")
    if "equality_level23" in frames and "Total" in level:
        equality = frames["equality_level23"]
        for characteristic in EQUALITY_CHARACTERISTICS:
            members = [i for i, c in enumerate(equality["characteristic"]) if c == characteristic]
            relations.append(Relation.total(("eligible_by_level", level["Total"], "count"),
                                            [("equality_level23", i, "eligible")
                                             for i in members]))
            relations.append(Relation(
                tuple(("eligible_by_level", level[f"Level {n}"], "count") for n in (2, 3)),
                tuple(("equality_level23", i, "at_level_2_3") for i in members)))
    if "level_use_by_area" in frames:
        use = frames["level_use_by_area"]
        for i in range(use.height):
            relations.append(Relation.total(
                ("level_use_by_area", i, "eligible"),
                [("level_use_by_area", i, c) for c in ("level_1", "level_2", "level_3",
                                                        "_no_level")]))
        category = rows("eligible_by_category")
        ends = [("eligible", "Total"), ("level_1", "Level 1"), ("level_2", "Level 2"),
                ("level_3", "Level 3"), ("_no_level", "No level recorded")]
        for column, measure in ends:
            if measure in level:
                relations.append(Relation.total(
                    ("eligible_by_level", level[measure], "count"),
                    [("level_use_by_area", i, column) for i in range(use.height)]))
        name3 = CATEGORY_NAMES[3]
        if name3 in category:
            relations.append(Relation.total(
                ("eligible_by_category", category[name3], "count"),
                [("level_use_by_area", i, "category_3") for i in range(use.height)]))
        relations += _within_areas(frames, use)
    relations += _across_characteristics(frames)
    relations += _complements(frames, counts)
    return TableSet(frames, counts, tuple(relations), RATE_SOURCES, frozenset(keep))


def _complements(frames: dict[str, pl.DataFrame], counts: dict[str, tuple[str, ...]]
                 ) -> list[Relation]:
    """An equality group's people the rate does not count (referrals not accepted, say) are
    a count too, never printed but implied by the two that are: 7 referrals and 6 accepted
    say that 1 was not. Each is added as a count never shown (``_not_…``), so that a small
    one is protected like a shown one."""
    relations: list[Relation] = []
    for name, (population, counted) in EQUALITY_TABLES.items():
        if name not in frames:
            continue
        rest = f"_not_{counted}"
        frames[name] = frames[name].with_columns(
            (pl.col(population) - pl.col(counted)).alias(rest))
        counts[name] = (*counts[name], rest)
        relations += [Relation.total((name, i, population), [(name, i, counted), (name, i, rest)])
                      for i in range(frames[name].height)]
    return relations


def _within_areas(frames: dict[str, pl.DataFrame], use: pl.DataFrame) -> list[Relation]:
    """Each area's local units, and each area's categories, add up to the area's row of
    ``level_use_by_area``: a small unit could otherwise be had from its area and the others."""
    relations: list[Relation] = []
    areas = {str(area): i for i, area in enumerate(use["area"])}
    for name in ("level_use_by_lau", "level_use_by_area_category"):
        if name not in frames:
            continue
        parts = frames[name]
        for area, head in areas.items():
            members = [i for i, a in enumerate(parts["area"]) if str(a) == area]
            for column in _count_columns(parts):
                if column in use.columns and members:
                    relations.append(Relation.total(("level_use_by_area", head, column),
                                                    [(name, i, column) for i in members]))
    return relations


def _across_characteristics(frames: dict[str, pl.DataFrame]) -> list[Relation]:
    """In each equality table other than ``equality_level23`` (related to the eligible above),
    the groups of every characteristic add up to the same people: sex's groups and age
    bands' groups are two ways of counting one population."""
    relations: list[Relation] = []
    for name in EQUALITY_TABLES:
        if name == "equality_level23" or name not in frames:
            continue
        frame = frames[name]
        by: dict[str, list[int]] = {}
        for i, characteristic in enumerate(frame["characteristic"]):
            by.setdefault(str(characteristic), []).append(i)
        groups = list(by.values())
        for column in _count_columns(frame):
            relations += [Relation(tuple((name, i, column) for i in groups[0]),
                                   tuple((name, i, column) for i in other))
                          for other in groups[1:]]
    return relations


def for_reading(tables: dict[str, pl.DataFrame], year: str | int) -> dict[str, pl.DataFrame]:
    """Every table of :data:`TABLE_TITLES` as people read it: ``count`` and
    ``previous_year_count`` headed by their years (``2025-26``, ``2024-25``), and a table the
    dataset does not record saying so."""
    start, _ = financial_year(year)
    now, then = year_label(start), year_label(start.replace(year=start.year - 1))
    return {
        name: tables[name].rename(
            {"count": now, "previous_year_count": then}, strict=False)
        if name in tables else pl.DataFrame({"note": [NOT_RECORDED]})
        for name in TABLE_TITLES
    }


def annual_document(
    tables: dict[str, pl.DataFrame], year: str | int, *, area: str | None,
    suppress_below: int | None, rate_min_base: int = RATE_MIN_BASE,
    hidden_tables: dict[str, pl.DataFrame] | None = None,
) -> dict[str, Any]:
    """The tables as JSON for scripts (``mappa-audit annual --format json``).

    ``suppress_below`` ``None`` gives exact counts (``--exact``, not for publication);
    otherwise a count from 1 to ``suppress_below - 1`` is the text ``"<5"``, one withheld to
    protect it ``"[c]"``, and a rate of a population under ``rate_min_base`` is null:
    ``hidden_tables`` when given (:meth:`AnnualSource.hidden`, protected with the other
    areas'), else :func:`hidden` of ``tables`` on their own. A table the dataset does not
    record has ``rows`` null and says so in ``note``.
    """
    start, end = financial_year(year)
    if suppress_below is None:
        shown = tables
    elif hidden_tables is None:
        shown = hidden(tables, suppress_below, rate_min_base=rate_min_base)
    else:
        shown = hidden_tables
    documents = []
    for name, title in TABLE_TITLES.items():
        entry: dict[str, Any] = {"id": name, "title": title}
        if name not in shown:
            entry |= {"columns": None, "rows": None, "note": NOT_RECORDED}
        else:
            frame = shown[name]
            counts = _count_columns(tables[name])
            rows = frame.to_dicts()
            if suppress_below is not None:
                for row in rows:
                    withheld = row.pop(WITHHELD) or []
                    for column in counts:
                        if row[column] is None:
                            row[column] = (WITHHELD_MARK if column in withheld
                                           else f"<{suppress_below}")
                frame = frame.drop(WITHHELD)
            entry |= {"columns": frame.columns, "rows": rows, "note": None}
        documents.append(entry)
    return {
        "year": year_label(start), "previous_year": year_label(
            start.replace(year=start.year - 1)),
        "year_start": start.isoformat(), "year_end": end.isoformat(),
        "area": area, "exact": suppress_below is None, "suppress_below": suppress_below,
        "tables": documents,
    }


def _count_columns(frame: pl.DataFrame) -> tuple[str, ...]:
    """The counts of a table: its whole-number columns (rates are fractions), but for a
    MAPPA category, a name that happens to be a number (1 to 4 were shown as "<5")."""
    return tuple(name for name, dtype in frame.schema.items()
                 if dtype.is_integer() and name not in LABEL_COLUMNS)


LABEL_COLUMNS = frozenset({"category"})
"""Whole-number columns that name a group rather than count people."""


def _with_others(frame: pl.DataFrame, population: str = "eligible") -> pl.DataFrame:
    """``_others_eligible`` (or of another population): everyone else in it, the population
    an RRI also rests on."""
    return frame.with_columns(
        (pl.col(population).sum().over("characteristic") - pl.col(population))
        .alias(f"_others_{population}"))


def _eligible_on_31_march(ctx: AuditContext, area: str | None) -> pl.DataFrame:
    """Cases eligible on the year's last day (decision 27), with ``level_then``."""
    cases = ctx.table("cases")
    if area is not None:
        cases = cases.filter(pl.col("area") == area)
    on_31_march = cases.filter(pl.col("end_date").is_null() | (pl.col("end_date") > ctx.end))
    return ctx.level_on(on_31_march.with_columns(pl.lit(ctx.end).alias("_on")), "_on",
                        "level_then").drop("_on").collect()


def _figures(ctx: AuditContext, area: str | None) -> dict[str, pl.DataFrame]:
    start, end = ctx.start, ctx.end
    cases = ctx.table("cases")
    if area is not None:
        cases = cases.filter(pl.col("area") == area)
    with_level = _eligible_on_31_march(ctx, area)
    by_category = _counted(with_level, "category", CATEGORY_NAMES)
    by_level = _counted(with_level, "level_then",
                        {1: "Level 1", 2: "Level 2", 3: "Level 3"}, missing="No level recorded")
    periods = ctx.level_periods.filter(
        pl.col("level").is_in([2, 3]) & (pl.col("start_date") <= end)
        & (pl.col("end_date").is_null() | (pl.col("end_date") > start))
    ).join(cases.select("case_id", "category"), on="case_id").select(
        "case_id", "level", "category").unique().collect()
    managed = pl.concat([
        _counted(periods.filter(pl.col("level") == level), "category",
                 {k: f"Level {level}, {v.split(':')[0]}" for k, v in CATEGORY_NAMES.items()},
                 total=f"Level {level}, all categories")
        for level in (2, 3)
    ])
    held = ctx.held_meetings.filter(ctx.in_period(pl.col("meeting_date"))).join(
        cases.select("case_id"), on="case_id", how="semi").collect()
    meetings = _measures({
        "Level 2 meetings": int((held["level"] == 2).sum()),
        "Level 3 meetings": int((held["level"] == 3).sum()),
        "All Level 2 and 3 meetings": held.height,
    })
    decisions = ctx.table("disclosures").join(cases.select("case_id"), on="case_id",
                                              how="semi").collect()
    decided = decisions.filter(pl.col("decision_date").is_between(start, end))
    made = decisions.filter((pl.col("decision") == "disclose")
                            & pl.col("disclosed_date").is_between(start, end))
    disclosures = _measures({
        "Disclosure decisions": decided.height,
        "Decisions to disclose": int((decided["decision"] == "disclose").sum()),
        "Disclosures made": made.height,
    })
    return {"eligible_by_category": by_category, "eligible_by_level": by_level,
            "managed_level2_3": managed, "meetings": meetings, "disclosures": disclosures}


def _outcomes(ctx: AuditContext, area: str | None) -> dict[str, pl.DataFrame]:
    """The tables drawn from ``events``: events dated in the year, each at its level."""
    in_year = ctx.table("events").filter(ctx.in_period(pl.col("event_date")))
    if area is not None:
        in_year = in_year.join(
            ctx.table("cases").filter(pl.col("area") == area).select("case_id"),
            on="case_id", how="semi")
    # the recorded level wins; else the history's level on the day (rules.md, Level history)
    events = ctx.level_on(in_year, "event_date", "_history_level").with_columns(
        pl.coalesce("level_at_event", "_history_level").cast(pl.String).fill_null("none")
        .alias("level"),
        pl.col("detail").fill_null(GROUP_NOT_RECORDED),
    ).collect()

    def of(event_type: str) -> pl.DataFrame:
        return events.filter(pl.col("event_type") == event_type)

    def by(frame: pl.DataFrame, column: str, words: tuple[str, ...]) -> pl.DataFrame:
        counts = dict(frame.group_by(column).len().iter_rows())
        return pl.DataFrame({column: list(words),
                             "count": [int(counts.get(word, 0)) for word in words]},
                            schema={column: pl.String, "count": pl.Int64})

    def details(event_type: str) -> tuple[str, ...]:
        return (*_DETAILS[event_type], GROUP_NOT_RECORDED)

    return {
        "notification_revoked": _measures({
            "Lifetime notification requirements revoked": of("notification_revoked").height}),
        "notification_breach": _measures({
            "Cautioned or convicted for breaching notification requirements":
                of("notification_breach").height}),
        "orders_imposed": by(of("order_imposed"), "detail", details("order_imposed")),
        "order_breaches": by(of("order_breach"), "detail", details("order_breach")),
        "returned_to_custody_by_level": by(of("returned_to_custody"), "level", LEVEL_WORDS),
        "returned_to_custody_by_detail": by(of("returned_to_custody"), "detail",
                                            details("returned_to_custody")),
        "sfo_charged_by_level": by(of("sfo_charged"), "level", LEVEL_WORDS),
        "scrs": _measures({"Serious Case Reviews commenced": of("scr_commenced").height,
                           "Serious Case Reviews completed": of("scr_completed").height}),
    }


def _equality(ctx: AuditContext, area: str | None) -> pl.DataFrame:
    """Per group of each characteristic: eligible people on 31 March, those at Level 2 or 3,
    the rate, and the relative rate index against everyone else eligible."""
    people = _eligible_on_31_march(ctx, area).with_columns(
        pl.col("level_then").is_in([2, 3]).fill_null(False).alias("_at_2_3"))
    parts = []
    for characteristic in EQUALITY_CHARACTERISTICS:
        group = pl.col(characteristic).str.strip_chars()
        counted = people.group_by(
            pl.when(group == "").then(None).otherwise(group).fill_null(GROUP_NOT_RECORDED)
            .alias("group")
        ).agg(pl.len().cast(pl.Int64).alias("eligible"),
              pl.col("_at_2_3").sum().cast(pl.Int64).alias("at_level_2_3"))
        parts.append(counted.with_columns(pl.lit(characteristic).alias("characteristic"))
                     .sort(pl.col("group") == GROUP_NOT_RECORDED, "group"))
    schema = {"characteristic": pl.String, "group": pl.String, "eligible": pl.Int64,
              "at_level_2_3": pl.Int64}
    table = pl.concat(parts).select(list(schema))
    rate = pl.col("at_level_2_3") / pl.col("eligible")
    others = pl.col("eligible").sum().over("characteristic") - pl.col("eligible")
    others_rate = (pl.col("at_level_2_3").sum().over("characteristic")
                   - pl.col("at_level_2_3")) / others
    return table.with_columns(
        pl.when(pl.col("eligible") > 0).then(rate.round(4)).alias("rate"),
        pl.when((pl.col("eligible") > 0) & (others > 0) & (others_rate > 0))
        .then((rate / others_rate).round(2)).alias("relative_rate_index"),
    )


def _level_use(ctx: AuditContext, area: str | None) -> pl.DataFrame:
    """Per area: eligible people on 31 March, at each level, the share at Level 2 or 3, and
    Category 3."""
    people = _eligible_on_31_march(ctx, area)
    level = pl.col("level_then")
    return people.group_by(pl.col("area")).agg(
        pl.len().cast(pl.Int64).alias("eligible"),
        *[(level == n).sum().cast(pl.Int64).alias(f"level_{n}") for n in (1, 2, 3)],
        (pl.col("category") == 3).sum().cast(pl.Int64).alias("category_3"),
    ).sort("area").with_columns(
        pl.when(pl.col("eligible") > 0)
        .then(((pl.col("level_2") + pl.col("level_3")) / pl.col("eligible")).round(4))
        .alias("share_level_2_3"),
    ).select("area", "eligible", "level_1", "level_2", "level_3", "share_level_2_3",
             "category_3")


def _characteristics(items: pl.LazyFrame, ctx: AuditContext, area: str | None
                     ) -> pl.LazyFrame:
    """``items`` (one row per thing counted, with ``case_id``) of cases in ``cases`` (and in
    ``area``), with each case's sex, age band and ethnic group."""
    cases = ctx.table("cases")
    if area is not None:
        cases = cases.filter(pl.col("area") == area)
    return items.join(cases.select("case_id", *EQUALITY_CHARACTERISTICS), on="case_id")


def _referral_items(ctx: AuditContext, area: str | None) -> pl.DataFrame:
    """Referrals made in the year and decided by 31 March; ``_hit``: accepted."""
    decided = ctx.table("referrals").filter(
        ctx.in_period(pl.col("referral_date"))
        & pl.col("decision").is_in(["accepted", "rejected"]))
    return _characteristics(decided, ctx, area).with_columns(
        (pl.col("decision") == "accepted").alias("_hit")).collect()


def _step_down_items(ctx: AuditContext, area: str | None) -> pl.DataFrame:
    """People released from custody in the year at Level 2 or 3 (on the day of release or
    the day before: SIG-01's population); ``_hit``: a Level 2/3 period of theirs ended on a
    day a Level 1 period began, from the release day to 6 months after it, by 31 March."""
    released = ctx.table("cases").filter(ctx.in_period(pl.col("custody_release_date"))).select(
        "case_id", "custody_release_date",
        (pl.col("custody_release_date") - pl.duration(days=1)).alias("_day_before"))
    at_release = ctx.level_on(ctx.level_on(released, "custody_release_date", "_on_day"),
                              "_day_before", "_before")
    population = at_release.filter(
        pl.col("_on_day").is_in([2, 3]).fill_null(False)
        | pl.col("_before").is_in([2, 3]).fill_null(False)).select(
        "case_id", "custody_release_date")
    periods = ctx.level_periods
    step_downs = periods.filter(pl.col("level") == 1).select(
        "case_id", pl.col("start_date").alias("_down")).join(
        periods.filter(pl.col("level") > 1).select("case_id", "end_date"),
        left_on=["case_id", "_down"], right_on=["case_id", "end_date"])
    stepped = population.join(step_downs, on="case_id").filter(
        (pl.col("_down") >= pl.col("custody_release_date"))
        & (pl.col("_down") <= pl.col("custody_release_date")
           .dt.offset_by(f"{STEP_DOWN_MONTHS}mo"))
        & (pl.col("_down") <= ctx.end)).select("case_id").unique()
    return _characteristics(population, ctx, area).join(
        stepped.with_columns(pl.lit(True).alias("_hit")), on="case_id", how="left",
    ).with_columns(pl.col("_hit").fill_null(False)).collect()


def _disclosure_items(ctx: AuditContext, area: str | None) -> pl.DataFrame:
    """Disclosure decisions dated in the year; ``_hit``: a decision to disclose."""
    decided = ctx.table("disclosures").filter(ctx.in_period(pl.col("decision_date")))
    return _characteristics(decided, ctx, area).with_columns(
        (pl.col("decision") == "disclose").alias("_hit")).collect()


_EQUALITY_ITEMS = {"equality_referral_acceptance": _referral_items,
                   "equality_step_down": _step_down_items,
                   "equality_disclosure": _disclosure_items}


def _equality_of(items: pl.DataFrame, name: str) -> pl.DataFrame:
    """Per group of each characteristic: the items (the population), those with ``_hit``,
    the rate, and the relative rate index against every other item (decision 41)."""
    population, count = EQUALITY_TABLES[name]
    parts = []
    for characteristic in EQUALITY_CHARACTERISTICS:
        group = pl.col(characteristic).str.strip_chars()
        counted = items.group_by(
            pl.when(group == "").then(None).otherwise(group).fill_null(GROUP_NOT_RECORDED)
            .alias("group")
        ).agg(pl.len().cast(pl.Int64).alias(population),
              pl.col("_hit").sum().cast(pl.Int64).alias(count))
        parts.append(counted.with_columns(pl.lit(characteristic).alias("characteristic"))
                     .sort(pl.col("group") == GROUP_NOT_RECORDED, "group"))
    schema = {"characteristic": pl.String, "group": pl.String, population: pl.Int64,
              count: pl.Int64}
    table = pl.concat([part.select(list(schema)) for part in parts]) if items.height else (
        pl.DataFrame(schema=schema))
    rate = pl.col(count) / pl.col(population)
    others = pl.col(population).sum().over("characteristic") - pl.col(population)
    others_rate = (pl.col(count).sum().over("characteristic") - pl.col(count)) / others
    return table.with_columns(
        pl.when(pl.col(population) > 0).then(rate.round(4)).alias("rate"),
        pl.when((pl.col(population) > 0) & (others > 0) & (others_rate > 0))
        .then((rate / others_rate).round(2)).alias("relative_rate_index"),
    )


def _level_use_by(ctx: AuditContext, area: str | None, key: str, referrals: bool
                  ) -> pl.DataFrame:
    """Per ``key`` (``area``, or ``area`` and ``lau``): level use on 31 March, the share of
    Category 3, and the Level 1 to 2/3 referral rate of the year (null without
    ``referrals``)."""
    keys = ["area"] if key == "area" else ["area", "lau"]
    people = _eligible_on_31_march(ctx, area).with_columns(
        pl.col("lau").str.strip_chars().replace("", None).fill_null(GROUP_NOT_RECORDED))
    level = pl.col("level_then")
    on_31_march = people.group_by(keys).agg(
        pl.len().cast(pl.Int64).alias("eligible"),
        *[(level == n).sum().cast(pl.Int64).alias(f"level_{n}") for n in (1, 2, 3)],
        (pl.col("category") == 3).sum().cast(pl.Int64).alias("category_3"),
    )
    cases = ctx.table("cases").with_columns(
        pl.col("lau").str.strip_chars().replace("", None).fill_null(GROUP_NOT_RECORDED))
    if area is not None:
        cases = cases.filter(pl.col("area") == area)
    level_1 = ctx.level_periods.filter(
        (pl.col("level") == 1) & (pl.col("start_date") <= ctx.end)
        & (pl.col("end_date").is_null() | (pl.col("end_date") > ctx.start))
    ).select("case_id").unique()
    referred = ctx.level_on(
        ctx.table("referrals").filter(ctx.in_period(pl.col("referral_date"))),
        "referral_date", "_level").filter(pl.col("_level") == 1).select("case_id").unique()
    in_year = cases.join(level_1, on="case_id", how="semi").join(
        referred.with_columns(pl.lit(True).alias("_referred")), on="case_id", how="left",
    ).group_by(keys).agg(
        pl.len().cast(pl.Int64).alias("level_1_people"),
        pl.col("_referred").fill_null(False).sum().cast(pl.Int64)
        .alias("referred_from_level_1"),
    ).collect()
    share = (pl.col("level_2") + pl.col("level_3")) / pl.col("eligible")
    table = on_31_march.join(in_year, on=keys, how="left").sort(keys).with_columns(
        pl.col("level_1_people").fill_null(0),
        pl.col("referred_from_level_1").fill_null(0),
    ).with_columns(
        pl.when(pl.col("eligible") > 0).then(share.round(4)).alias("share_level_2_3"),
        pl.when(pl.col("eligible") > 0).then((pl.col("category_3") / pl.col("eligible"))
                                             .round(4)).alias("share_category_3"),
        pl.when(pl.col("level_1_people") > 0).then(
            (pl.col("referred_from_level_1") / pl.col("level_1_people")).round(4))
        .alias("level_1_referral_rate"),
    )
    columns = [*keys, "eligible", "level_1", "level_2", "level_3", "share_level_2_3",
               "category_3", *LEVEL_USE_EXTRA]
    if not referrals:  # no referrals table: not recorded, which is neither 0 nor hidden
        columns = [c for c in columns if c not in REFERRAL_COLUMNS]
    return table.select(columns)


def _level_use_by_category(ctx: AuditContext, area: str | None) -> pl.DataFrame:
    """Per area and category (every category, 0 included): eligible people on 31 March, at
    each level then, and the share at Level 2 or 3."""
    people = _eligible_on_31_march(ctx, area)
    level = pl.col("level_then")
    counted = people.group_by("area", "category").agg(
        pl.len().cast(pl.Int64).alias("eligible"),
        *[(level == n).sum().cast(pl.Int64).alias(f"level_{n}") for n in (1, 2, 3)],
    )
    every = people.select("area").unique().join(
        pl.DataFrame({"category": list(CATEGORY_NAMES)},
                     schema={"category": people.schema["category"]}), how="cross")
    share = (pl.col("level_2") + pl.col("level_3")) / pl.col("eligible")
    return every.join(counted, on=["area", "category"], how="left").with_columns(
        pl.col(name).fill_null(0) for name in ("eligible", "level_1", "level_2", "level_3")
    ).sort("area", "category").select(
        "area", pl.col("category").cast(pl.Int64), "eligible", "level_1", "level_2", "level_3",
        pl.when(pl.col("eligible") > 0).then(share.round(4)).alias("share_level_2_3"))


def _measures(counts: dict[str, int]) -> pl.DataFrame:
    return pl.DataFrame({"measure": list(counts), "count": list(counts.values())},
                        schema={"measure": pl.String, "count": pl.Int64})


def _counted(frame: pl.DataFrame, column: str, names: dict[int, str], *,
             missing: str | None = None, total: str = "Total") -> pl.DataFrame:
    counts = dict.fromkeys(names, 0)
    counts |= {k: int(v) for k, v in frame.group_by(column).len().iter_rows() if k is not None}
    rows = [(names[k], counts[k]) for k in names]
    if missing is not None:
        rows.append((missing, int(frame[column].null_count())))
    rows.append((total, frame.height))
    return pl.DataFrame(rows, schema={"measure": pl.String, "count": pl.Int64}, orient="row")


def write_annual_workbook(
    tables: dict[str, pl.DataFrame], path: Path, *, year: str, area: str | None,
    suppress_below: int | None,
) -> None:
    """One formatted sheet per table, each headed by its title and how it was counted."""
    from mappa_audit._exports import xlsx_bytes
    from mappa_audit._files import write_bytes_atomically
    from mappa_audit._views import hiding_words

    how = (hiding_words(suppress_below) if suppress_below
           else "exact counts (not for publication)")
    where = area or "all areas"
    notes = {name: [TABLE_TITLES[name], f"Financial year {year}, {where}; {how}."]
             for name in tables}
    write_bytes_atomically(path, xlsx_bytes(tables, notes=notes))


def board_document(document: dict[str, Any], suppress_below: int) -> dict[str, Any]:
    """An ``annual --format json`` document (or a run's ``outcomes.json``) as a board may
    read it: an exact one (an auditor's run) hidden as :func:`annual_document` hides, one
    hidden already as it is. For the board's pages, whichever run they are shown.

    Examples
    --------
    >>> exact = annual_document(annual_tables("data_samples", "2025-26"), "2025-26",
    ...                         area=None, suppress_below=None)
    >>> board = board_document(exact, 5)
    >>> sfo = next(t for t in board["tables"] if t["id"] == "sfo_charged_by_level")
    >>> board["exact"], sfo["rows"][1]
    (False, {'level': '2', 'count': '<5', 'previous_year_count': 0})
    """
    if not document.get("exact"):
        return document
    tables = {entry["id"]: pl.DataFrame(entry["rows"], schema=entry["columns"], orient="row")
              if entry["rows"] else pl.DataFrame(schema=dict.fromkeys(entry["columns"],
                                                                        pl.Int64))
              for entry in document["tables"] if entry.get("rows") is not None}
    hidden_document = annual_document(tables, document["year"], area=document.get("area"),
                                      suppress_below=suppress_below)
    hidden_document["tables"] = [entry for entry in hidden_document["tables"]
                                 if entry["id"] in {e["id"] for e in document["tables"]}]
    return hidden_document
