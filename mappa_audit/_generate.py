"""Synthetic MAPPA datasets: fictional areas, no real people, every lapse the rules look for.

The generator writes CSV files to the data contract, deterministically from a seed, so that
``data_samples/``, the tests and the benchmarks all see data shaped like a co-ordination
unit's export: mostly Level 1 cases, a share managed at Level 2/3 with referrals, meetings,
attendance, actions and disclosure decisions, a few late or missing records of every kind,
and a handful of the contradictions the data-quality rules report; and the outcomes the annual
report counts (``events``), at rates near the published national ones.

Level 1 cases (the bulk at national scale) are generated with numpy, column at a time; the
Level 2/3 histories, which are short and full of branches, case by case.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import polars as pl

from mappa_audit._contract import ATTENDANCE_AGENCIES, RECIPIENT_TYPES, TABLES
from mappa_audit._errors import ArgumentError

AREA_NAMES = (
    "Eastvale", "Northmoor", "Westbrook", "Southmere", "Highfield", "Lowmarsh",
    "Ashby Fen", "Redcliffe", "Greywater", "Oakhurst", "Stonebridge", "Fairholm",
    # 30 more, so that a generated dataset can have as many areas as England and Wales (42)
    "Thornwick", "Marrowdale", "Kestrel Downs", "Willowmere", "Bramblefold", "Hollinsway",
    "Copperleigh", "Ravensholm", "Mistlecombe", "Larkspur Vale", "Fernhollow", "Gullcrest",
    "Duskwater", "Elderwick", "Foxhanger", "Glenmarrow", "Hazelbrook", "Ironmere",
    "Juniper Cross", "Kingfisher Bay", "Lanternfield", "Moorcastle", "Nettlebury",
    "Owlscombe", "Pebblemoor", "Quillbridge", "Rushwick", "Saltmarsh Vale", "Tinderholt",
    "Wrenfold",
)
"""Fictional MAPPA areas (no real police force or probation region has these names)."""

LAU_SUFFIXES = ("North", "South", "Central")
DTC_AGENCIES = tuple(
    agency for agency in ATTENDANCE_AGENCIES if agency not in {"police", "probation", "prison"}
)
SYNTHETIC_RATIONALES = (
    "SYNTHETIC TEST DATA: risk to new partner assessed as high; disclosure proportionate.",
    "SYNTHETIC TEST DATA: no identified third party at risk at present.",
    "SYNTHETIC TEST DATA: landlord to be told to manage risk to neighbouring children.",
    "SYNTHETIC TEST DATA: decision deferred until the police visit is completed.",
)
_EPOCH = dt.date(1970, 1, 1)


@dataclass(frozen=True)
class Profile:
    """The shape of a generated dataset: how cases spread over categories and levels."""

    name: str
    category_shares: tuple[float, float, float, float]
    """Shares of Categories 1 to 4."""
    managed_share: float
    """Share of cases managed at Level 2 or 3 at some time."""
    start_at_level_3: float
    """Chance that a managed case starts at Level 3 (else Level 2)."""
    level_switch: float
    """Chance that a Level 2 case next moves to Level 3 (or a Level 3 case to 2) rather than
    down to Level 1."""


PROFILES = {
    # data_samples/: a small dataset that fills every chart, lapse-rich; not national shapes
    "demo": Profile("demo", (0.55, 0.40, 0.03, 0.02), 0.25, 0.25, 0.15),
    # England and Wales as the MoJ MAPPA annual report describes it (the wording,
    # issue 18): about three quarters Category 1, under 2 % at Level 2 or 3 on 31 March, and
    # Level 3 about a tenth of Levels 2 and 3
    "national": Profile("national", (0.76, 0.23, 0.007, 0.003), 0.02, 0.18, 0.08),
}
"""The shapes ``sample-data --profile`` offers."""
_WEEKS_16, _WEEKS_8 = 112, 56


def _day(value: dt.date) -> int:
    return (value - _EPOCH).days


@dataclass
class _Rows:
    """Rows of one table, added one at a time for the Level 2/3 histories."""

    rows: list[dict[str, object]] = field(default_factory=list)

    def add(self, **values: object) -> None:
        self.rows.append(values)

    def frame(self, table: str) -> pl.DataFrame:
        """The rows as a frame with every contract column (absent values are empty)."""
        names = TABLES[table].column_names
        return pl.DataFrame({name: [row.get(name) for row in self.rows] for name in names})


@dataclass
class _Generator:
    rng: np.random.Generator
    first: int
    last: int
    profile: Profile = PROFILES["demo"]
    ids: dict[str, int] = field(default_factory=dict)
    tables: dict[str, _Rows] = field(default_factory=lambda: {name: _Rows() for name in TABLES})

    def new_id(self, prefix: str) -> str:
        number = self.ids.get(prefix, 0) + 1
        self.ids[prefix] = number
        return f"SYN-{prefix}{number:07d}"

    def chance(self, p: float) -> bool:
        return bool(self.rng.random() < p)

    def between(self, low: int, high: int) -> int:
        return int(self.rng.integers(low, high + 1))

    def pick(self, options: Sequence[str]) -> str:
        return options[int(self.rng.integers(len(options)))]

    def known(self, day: int | None) -> int | None:
        """A recorded date exists only if it happened by the export date."""
        return day if day is not None and day <= self.last else None

    # ---- Level 2/3 histories --------------------------------------------------------------

    def managed_history(self, case: dict[str, object]) -> list[tuple[int, int, int | None]]:
        """Level periods of a case managed at Level 2/3 at some point: (level, start, end)."""
        eligible = int(case["eligible_date"])  # type: ignore[call-overload]
        case_end = case["end_date"]
        stop = int(case_end) if case_end is not None else None  # type: ignore[call-overload]
        level = 3 if self.chance(self.profile.start_at_level_3) else 2
        periods: list[tuple[int, int, int | None]] = []
        start = eligible
        while True:
            length = self.between(120, 700)
            end: int | None = start + length
            if stop is not None and end is not None and end >= stop:
                end = stop
            if end is not None and end > self.last:
                end = None if stop is None or stop > self.last else stop
            periods.append((level, start, end))
            if end is None or end == stop:
                break
            start = end
            if level == 1:
                level = 2  # a Level 1 case escalated again
            elif level == 3 and self.chance(0.7):
                level = 2
            elif self.chance(self.profile.level_switch):
                level = 3 if level == 2 else 2
            else:
                level = 1  # stepped down
        return periods

    def referral(self, case_id: str, level: int, start: int, eligible: int) -> int:
        referral_date = max(eligible, start - self.between(0, 6))
        decided = referral_date + self.between(0, 3)
        self.tables["referrals"].add(
            referral_id=self.new_id("R"), case_id=case_id, referral_date=referral_date,
            requested_level=level, referring_agency=self.pick(("police", "probation", "prison")),
            decision="accepted", decision_date=self.known(decided),
        )
        return referral_date

    def meetings_for(
        self, case: dict[str, object], level: int, start: int, end: int | None
    ) -> None:
        case_id = str(case["case_id"])
        referral_date = self.referral(case_id, level, start, int(case["eligible_date"]))  # type: ignore[call-overload]
        if level == 3:
            delay = self.between(1, 6) if self.chance(0.85) else self.between(8, 20)
        else:
            delay = self.between(2, 26) if self.chance(0.85) else self.between(30, 50)
        day = referral_date + delay
        gap = _WEEKS_16 if level == 2 else _WEEKS_8
        meeting_type = "initial"
        limit = min(end - 1, self.last) if end is not None else self.last
        while day <= limit:
            held = not self.chance(0.05)
            self.meeting(case, level, day, meeting_type if held else "review", held=held)
            if not held:
                day += self.between(3, 14)
                continue
            urgent_day = day + self.between(5, 20)
            if self.chance(0.03) and urgent_day <= limit:
                self.meeting(case, level, urgent_day, "urgent", held=True)
            meeting_type = "review"
            late = self.chance(0.1)
            day += self.between(gap + 1, gap + 40) if late else self.between(gap - 40, gap)

    def meeting(
        self, case: dict[str, object], level: int, day: int, meeting_type: str, *, held: bool
    ) -> str:
        meeting_id = self.new_id("M")
        minutes: int | None = None
        if held and not self.chance(0.04):
            minutes = day + (self.between(1, 12) if self.chance(0.93) else self.between(15, 40))
        considered = self.rng.choice(["true", "false", ""], p=[0.9, 0.04, 0.06]) if held else ""
        self.tables["meetings"].add(
            meeting_id=meeting_id, case_id=case["case_id"], meeting_date=day, level=level,
            meeting_type=meeting_type, status="held" if held else "cancelled",
            chair_agency=self.pick(("police", "probation")), minutes_distributed_date=self.known(
                minutes), disclosure_considered=str(considered) or None,
        )
        if held:
            self.attendance(meeting_id, case, day)
            self.actions(meeting_id, day)
            if considered == "true" or self.chance(0.1):
                self.disclosure(str(case["case_id"]), meeting_id, day)
        return meeting_id

    def attendance(self, meeting_id: str, case: dict[str, object], day: int) -> None:
        if self.chance(0.02):
            return  # nobody recorded the attendance: ATT-01 not assessable
        release = case["custody_release_date"]
        in_custody = release is not None and int(release) > day  # type: ignore[call-overload]
        agencies = ["police", "probation"] + (["prison"] if in_custody else [])
        count = self.between(1, 4)
        agencies += [str(a) for a in self.rng.choice(DTC_AGENCIES, size=count, replace=False)]
        for agency in agencies:
            core = agency in {"police", "probation", "prison"}
            invited = core or not self.chance(0.05)
            attended = invited and self.chance(0.96 if core else 0.8)
            self.tables["attendance"].add(
                meeting_id=meeting_id, agency=agency,
                invited="yes" if invited else "no", attended="yes" if attended else "no",
            )

    def actions(self, meeting_id: str, day: int) -> None:
        for _ in range(self.between(0, 4)):
            due = day + self.between(14, 90) if not self.chance(0.06) else None
            completed: int | None = None
            if due is not None:
                roll = self.rng.random()
                if roll < 0.8:
                    completed = due - self.between(0, 10)
                elif roll < 0.92:
                    completed = due + self.between(1, 30)
            elif self.chance(0.5):
                completed = day + self.between(10, 60)
            self.tables["actions"].add(
                action_id=self.new_id("A"), meeting_id=meeting_id,
                owner_agency=None if self.chance(0.04) else self.pick(
                    ("police", "probation", "housing", "children_services", "health")),
                due_date=due, completed_date=self.known(completed),
            )

    def disclosure(self, case_id: str, meeting_id: str | None, day: int) -> None:
        decision = str(self.rng.choice(
            ["disclose", "do_not_disclose", "deferred"], p=[0.35, 0.55, 0.1]))
        row: dict[str, object] = {
            "disclosure_id": self.new_id("D"), "case_id": case_id, "meeting_id": meeting_id,
            "decision_date": day, "decision": decision,
            "rationale": None if self.chance(0.03) else self.pick(SYNTHETIC_RATIONALES),
        }
        if decision == "disclose":
            planned = day + self.between(2, 21) if not self.chance(0.05) else None
            disclosed: int | None = None
            if planned is not None:
                roll = self.rng.random()
                if roll < 0.85:
                    disclosed = planned - self.between(0, 2)
                elif roll < 0.95:
                    disclosed = planned + self.between(1, 20)
            informed = str(self.rng.choice(
                ["yes", "no", "no ", "not_recorded", ""], p=[0.8, 0.08, 0.04, 0.04, 0.04]))
            row |= {
                "recipient_type": None if self.chance(0.05) else self.pick(RECIPIENT_TYPES),
                "discloser_agency": None if self.chance(0.05) else self.pick(
                    ("police", "probation")),
                "method": None if self.chance(0.05) else self.pick(
                    ("in_person", "letter", "phone")),
                "planned_date": planned,
                "disclosed_date": self.known(disclosed),
                "offender_informed": informed.strip() or None,
                "not_informed_reason": "SYNTHETIC TEST DATA: informing would put the "
                "recipient at risk." if informed == "no" else None,
            }
        self.tables["disclosures"].add(**row)


def _level1_reviews(
    rng: np.random.Generator, case_ids: np.ndarray, starts: np.ndarray, ends: np.ndarray,
    last: int,
) -> pl.DataFrame:
    """Level 1 reviews roughly yearly through each Level 1 period, vectorised over periods."""
    stop = np.minimum(np.where(ends < 0, last + 1, ends), last + 1)
    span = int(max(1, (stop - starts).max(initial=1)))
    steps = span // 280 + 2
    late = rng.random((len(starts), steps)) < 0.12
    gaps = np.where(late, rng.integers(366, 460, late.shape), rng.integers(280, 366, late.shape))
    dates = starts[:, None] + np.cumsum(gaps, axis=1)
    keep = dates < stop[:, None]
    rows = np.nonzero(keep)
    frame = pl.DataFrame({
        "case_id": case_ids[rows[0]],
        "review_date": dates[rows].astype("int32"),
        "reviewer_agency": rng.choice(["police", "probation"], size=len(rows[0])),
    })
    return frame.with_columns(
        review_id=pl.format("SYN-V{}", pl.int_range(1, pl.len() + 1).cast(pl.String).str.zfill(7))
    )


def generate_dataset(
    out: str | Path,
    *,
    cases: int = 2000,
    seed: int = 1,
    start: dt.date = dt.date(2023, 4, 1),
    end: dt.date = dt.date(2026, 3, 31),
    areas: int = 3,
    managed_share: float | None = None,
    invalid_rows: int = 0,
    profile: str = "demo",
) -> dict[str, int]:
    """Write a synthetic dataset of CSV files into the new folder ``out``.

    Parameters
    ----------
    out
        A folder that does not exist yet, or is empty.
    cases
        Number of cases (people's periods of MAPPA management).
    seed
        Random seed: the same arguments always write the same bytes.
    start, end
        Cases become eligible between these dates; ``end`` is the export date, so nothing
        recorded is dated after it (planned and due dates may be).
    areas
        Number of fictional areas, each with three local units.
    managed_share
        Share of cases managed at Level 2 or 3 at some point; ``None``: the profile's (0.25
        for ``demo``, so that a small dataset fills every chart; 0.02 for ``national``).
    invalid_rows
        Rows to break on purpose (bad dates, levels, enum words, conflicting duplicates), to
        try the quarantine.
    profile
        ``"demo"`` (``data_samples/``: lapse-rich, a quarter at Level 2/3) or
        ``"national"`` (published proportions: :data:`PROFILES`).

    Returns
    -------
    dict[str, int]
        Rows written per table.

    Examples
    --------
    >>> import tempfile
    >>> folder = tempfile.mkdtemp()
    >>> rows = generate_dataset(f"{folder}/tiny", cases=50, seed=7)
    >>> rows["cases"]
    50
    """
    out = Path(out)
    if profile not in PROFILES:
        msg = f"`profile` {profile!r} is not one of: {', '.join(PROFILES)}"
        hint = "demo for a small lapse-rich sample, national for published proportions"
        raise ArgumentError(msg, hint, argument="profile")
    shape = PROFILES[profile]
    share = shape.managed_share if managed_share is None else managed_share
    _check_arguments(out, cases, start, end, areas, share, invalid_rows)
    rng = np.random.default_rng(seed)
    first, last = _day(start), _day(end)
    generator = _Generator(rng=rng, first=first, last=last, profile=shape)
    frames = _cases_and_levels(generator, cases, areas, share)
    frames |= {
        name: generator.tables[name].frame(name)
        for name in ("referrals", "meetings", "attendance", "disclosures", "actions")
    }
    frames["referrals"] = pl.concat(
        [frames["referrals"], _unaccepted_referrals(generator, frames["cases"])],
        how="vertical_relaxed",
    )
    level1 = frames["levels"].filter(pl.col("level") == 1)
    frames["level1_reviews"] = _level1_reviews(
        rng, level1["case_id"].to_numpy(), level1["start_date"].to_numpy(),
        level1["end_date"].fill_null(-1).to_numpy(), last,
    ).select(TABLES["level1_reviews"].column_names)
    frames = _with_data_quality_oddities(frames, rng)
    # Events draw from a random stream of their own, so that adding them left every other
    # table byte for byte as it was (data_samples/ and the tests pin those tables).
    frames["events"] = _events(np.random.default_rng([seed, _EVENTS_STREAM]), frames, end)
    text = {name: _as_text(name, frame) for name, frame in frames.items()}
    if invalid_rows:
        text = _break_rows(text, rng, invalid_rows)
    out.mkdir(parents=True, exist_ok=True)
    for name, frame in text.items():
        frame.write_csv(out / f"{name}.csv", line_terminator="\n")
    return {name: frame.height for name, frame in text.items()}


_EVENTS_STREAM = 18
"""Second seed word of the events' random stream (issue 18 added them)."""

_EVENT_RATES: tuple[tuple[str, str, float, tuple[tuple[str, float], ...]], ...] = (
    # (type, who, events per person-year, details and their shares); who: "all", "managed"
    # (ever at Level 2 or 3), "level1" (never), "category1". The rates are of the order of
    # the MoJ MAPPA annual report's national figures: an SFO charge for about 1 in 400 people
    # a year, most of them at Level 1; a return to custody for about 1 in 7 Level 2/3 people.
    ("sfo_charged", "all", 0.0025, ()),
    ("returned_to_custody", "managed", 0.15,
     (("breach_of_licence", 0.75), ("breach_of_order", 0.1), ("further_offence", 0.1),
      ("", 0.05))),
    ("returned_to_custody", "level1", 0.01,
     (("breach_of_licence", 0.8), ("further_offence", 0.15), ("", 0.05))),
    ("notification_breach", "category1", 0.025, ()),
    ("notification_revoked", "category1", 0.002, ()),
    ("order_imposed", "category1", 0.05,
     (("shpo", 0.85), ("sro", 0.06), ("notification_order", 0.02),
      ("foreign_travel_restriction", 0.05), ("", 0.02))),
    ("order_breach", "category1", 0.006, (("shpo", 0.8), ("sro", 0.2))),
    # a handful a year in all England and Wales: most areas have none
    ("scr_commenced", "managed", 0.003, ()),
    ("scr_completed", "managed", 0.003, ()),
)


def _events(
    rng: np.random.Generator, frames: dict[str, pl.DataFrame], end: dt.date
) -> pl.DataFrame:
    """Outcome events at about national rates, with the edge cases the annual tables must
    get right planted: events on the first and the last day of the last whole financial
    year, one the day after a case's level changed, and one of a case that is not in
    ``cases``. A third of them have ``level_at_event`` recorded (as the history has it)."""
    cases, levels = frames["cases"], frames["levels"]
    last = _day(end)
    managed = levels.filter(pl.col("level") > 1)["case_id"].unique()
    people = cases.select(
        "case_id", "category", start="eligible_date",
        stop=pl.min_horizontal(pl.col("end_date").fill_null(last), pl.lit(last)),
        managed=pl.col("case_id").is_in(managed.implode()),
    ).filter(pl.col("stop") > pl.col("start"))
    drawn: list[pl.DataFrame] = []
    for event_type, who, rate, details in _EVENT_RATES:
        group = people.filter({
            "all": pl.lit(True), "managed": pl.col("managed"), "level1": ~pl.col("managed"),
            "category1": pl.col("category") == 1,
        }[who])
        years = ((group["stop"] - group["start"]) / 365.25).to_numpy()
        counts = rng.poisson(rate * years)
        rows = np.repeat(np.arange(group.height), counts)
        starts, stops = group["start"].to_numpy()[rows], group["stop"].to_numpy()[rows]
        days = starts + (rng.random(rows.size) * (stops - starts + 1)).astype(np.int64)
        words = [word for word, _ in details] or [""]
        shares = [share for _, share in details] or [1.0]
        drawn.append(pl.DataFrame({
            "case_id": group["case_id"].to_numpy()[rows],
            "event_type": np.full(rows.size, event_type),
            "event_date": np.minimum(days, last),
            "detail": rng.choice(words, size=rows.size, p=shares),
        }, schema={"case_id": pl.String, "event_type": pl.String, "event_date": pl.Int64,
                   "detail": pl.String}))
    events = pl.concat(drawn).with_columns(pl.col("detail").replace("", None),
                                           _planted=pl.lit(False))
    events = pl.concat([events, _planted_events(levels, end)], how="vertical_relaxed")
    with_level = _level_from_history(events.with_row_index("_event"), levels)
    recorded = rng.random(with_level.height) < 1 / 3
    return (
        with_level.with_columns(
            level_at_event=pl.when(pl.Series(recorded) & ~pl.col("_planted"))
            .then(pl.col("_history_level")).otherwise(None),
        )
        .sort("event_date", "_event")
        .with_columns(event_id=pl.format(
            "SYN-E{}", pl.int_range(1, pl.len() + 1).cast(pl.String).str.zfill(7)))
        .select(TABLES["events"].column_names)
    )


def _planted_events(levels: pl.DataFrame, end: dt.date) -> pl.DataFrame:
    """The edge cases of ``_events``; none left empty-handed by a small dataset."""
    year_end = dt.date(end.year if end >= dt.date(end.year, 3, 31) else end.year - 1, 3, 31)
    year_start = dt.date(year_end.year - 1, 4, 1)
    first_case = levels["case_id"].min()
    # a level change: a period that starts the day another of its case ends, in the year
    changes = levels.join(
        levels.select("case_id", pl.col("end_date").alias("start_date")),
        on=["case_id", "start_date"], how="semi",
    ).filter(pl.col("start_date").is_between(_day(year_start), _day(year_end) - 1)).sort(
        "case_id", "start_date")
    rows = [
        (first_case, "sfo_charged", _day(year_start), None),
        (first_case, "returned_to_custody", _day(year_end), "breach_of_licence"),
        ("SYN-C9999999", "notification_breach", _day(year_start) + 30, None),
    ]
    if changes.height:
        change = changes.row(0, named=True)
        rows.append((change["case_id"], "sfo_charged", change["start_date"] + 1, None))
    return pl.DataFrame(rows, schema={"case_id": pl.String, "event_type": pl.String,
                                      "event_date": pl.Int64, "detail": pl.String},
                        orient="row").with_columns(_planted=pl.lit(True))


def _level_from_history(events: pl.DataFrame, levels: pl.DataFrame) -> pl.DataFrame:
    """``_history_level``: the level of the event's case on its day, from ``levels`` as
    written (the generator's periods do not overlap, except the one DQ-04 oddity)."""
    covering = events.join(levels, on="case_id").filter(
        (pl.col("start_date") <= pl.col("event_date"))
        & (pl.col("end_date").is_null() | (pl.col("event_date") < pl.col("end_date")))
    ).group_by("_event").agg(pl.col("level").sort_by("start_date", "level").last()
                             .alias("_history_level"))
    return events.join(covering, on="_event", how="left")


def _check_arguments(
    out: Path, cases: int, start: dt.date, end: dt.date, areas: int, managed_share: float,
    invalid_rows: int,
) -> None:
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        msg = f"{out} already exists and is not an empty folder"
        hint = "give a new folder name; sample data never overwrites files"
        raise ArgumentError(msg, hint, argument="out")
    if cases < 1:
        msg = f"`cases` {cases} must be at least 1"
        raise ArgumentError(msg, "try `cases` 2000", argument="cases")
    if end <= start:
        msg = f"the data ends ({end}) on or before it starts ({start})"
        raise ArgumentError(msg, "give `start` before `end`", argument="end")
    if not 1 <= areas <= len(AREA_NAMES):
        msg = f"`areas` {areas} must be from 1 to {len(AREA_NAMES)}"
        raise ArgumentError(msg, "try `areas` 3", argument="areas")
    if not 0 <= managed_share <= 1:
        msg = f"`managed_share` {managed_share} must be between 0 and 1"
        hint = "use 0.02 for a national mix, 0.25 for a small sample"
        raise ArgumentError(msg, hint, argument="managed_share")
    if not 0 <= invalid_rows <= cases:
        msg = (f"`invalid_rows` {invalid_rows} must be from 0 to the number of cases "
               f"({cases})")
        raise ArgumentError(msg, "try `invalid_rows` 10", argument="invalid_rows")


def _cases_and_levels(
    generator: _Generator, cases: int, areas: int, managed_share: float
) -> dict[str, pl.DataFrame]:
    rng, first, last = generator.rng, generator.first, generator.last
    area_index = rng.integers(0, areas, cases)
    area = np.array(AREA_NAMES[:areas])[area_index]
    lau = np.char.add(np.char.add(area, " "), np.array(LAU_SUFFIXES)[rng.integers(0, 3, cases)])
    category = rng.choice([1, 2, 3, 4], size=cases, p=list(generator.profile.category_shares))
    lead = np.where(category == 1, "police", "probation")
    lead = np.where(rng.random(cases) < 0.05, rng.choice(
        ["prison", "youth_justice", "health", "other"], size=cases), lead)
    eligible = rng.integers(first, last + 1, cases)
    in_custody = rng.random(cases) < 0.4
    release = np.where(in_custody, eligible + rng.integers(20, 600, cases), -1)
    required = release - 182
    level_set_roll = rng.random(cases)
    level_set = np.where(
        in_custody,
        np.where(level_set_roll < 0.8, np.maximum(required - rng.integers(0, 60, cases),
                                                  eligible + rng.integers(0, 5, cases)),
                 np.where(level_set_roll < 0.95, release - rng.integers(0, 150, cases), -1)),
        eligible + rng.integers(0, 10, cases),
    )
    visor_roll = rng.random(cases)
    visor = np.where(
        np.isin(category, [1, 4]),
        np.where(visor_roll < 0.96, eligible + rng.integers(0, 4, cases),
                 np.where(visor_roll < 0.97, eligible + rng.integers(4, 25, cases), -1)),
        -1,
    )
    ends = np.where(rng.random(cases) < 0.3, eligible + rng.integers(180, 1500, cases), -1)
    ends = np.where(ends > last, -1, ends)
    case_ids = np.array([f"SYN-C{number:07d}" for number in range(1, cases + 1)])
    frame = pl.DataFrame({
        "case_id": case_ids, "area": area, "lau": lau, "category": category,
        "lead_agency": lead, "eligible_date": eligible, "custody_release_date": release,
        "level_set_date": level_set, "visor_created_date": visor, "end_date": ends,
        "sex": rng.choice(["Male", "Female"], size=cases, p=[0.95, 0.05]),
        "age_band": rng.choice(["18-24", "25-34", "35-44", "45-54", "55+"], size=cases),
        "ethnicity_group": rng.choice(
            ["White", "Black", "Asian", "Mixed", "Other", "Not stated"], size=cases,
            p=[0.78, 0.06, 0.07, 0.04, 0.02, 0.03]),
    }).with_columns(
        pl.col(name).replace(-1, None)
        for name in ("custody_release_date", "level_set_date", "visor_created_date", "end_date")
    ).with_columns(
        pl.when(pl.col("level_set_date") > last).then(None).otherwise(pl.col("level_set_date"))
        .alias("level_set_date")
    )
    managed = rng.random(cases) < managed_share
    level_rows: list[tuple[str, int, int, int | None]] = []
    for case in frame.filter(pl.Series(managed)).iter_rows(named=True):
        for level, period_start, period_end in generator.managed_history(case):
            level_rows.append((case["case_id"], level, period_start, period_end))
            if level in (2, 3):
                generator.meetings_for(case, level, period_start, period_end)
    managed_levels = pl.DataFrame(
        level_rows, schema=["case_id", "level", "start_date", "end_date"], orient="row"
    )
    bulk = frame.filter(~pl.Series(managed)).select(
        "case_id", level=pl.lit(1), start_date="eligible_date", end_date="end_date"
    )
    levels = pl.concat([managed_levels, bulk], how="vertical_relaxed").sort(
        pl.col("case_id"), "start_date")
    return {"cases": frame, "levels": levels}


def _unaccepted_referrals(generator: _Generator, cases: pl.DataFrame) -> pl.DataFrame:
    """Referrals that were rejected, or are still waiting for a decision."""
    rng, last = generator.rng, generator.last
    chosen = cases.sample(fraction=0.03, seed=int(rng.integers(1 << 31)))
    count = chosen.height
    referral_date = chosen["eligible_date"].to_numpy() + rng.integers(30, 400, count)
    referral_date = np.minimum(referral_date, last)
    pending = referral_date > last - 20
    return pl.DataFrame({
        "referral_id": [generator.new_id("R") for _ in range(count)],
        "case_id": chosen["case_id"],
        "referral_date": referral_date,
        "requested_level": rng.choice([2, 3], size=count, p=[0.8, 0.2]),
        "referring_agency": rng.choice(["police", "probation", "health"], size=count),
        "decision": np.where(pending, "pending", "rejected"),
        "decision_date": np.where(pending, -1, np.minimum(referral_date + 5, last)),
    }).with_columns(pl.col("decision_date").replace(-1, None))


def _with_data_quality_oddities(
    frames: dict[str, pl.DataFrame], rng: np.random.Generator
) -> dict[str, pl.DataFrame]:
    """A few of the contradictions real exports hold, one kind per DQ rule, about 1 in 500."""
    meetings = frames["meetings"]
    if meetings.height < 20:
        return frames
    count = max(1, meetings.height // 500)
    picks = rng.choice(meetings.height, size=2 * count, replace=False)
    orphans, early_minutes = np.array_split(picks, 2)
    meetings = meetings.with_row_index("_row").with_columns(
        case_id=pl.when(pl.col("_row").is_in(orphans.tolist()))
        .then(pl.lit("SYN-C9999999")).otherwise("case_id"),  # DQ-02: a case that is not there
        minutes_distributed_date=pl.when(pl.col("_row").is_in(early_minutes.tolist()))
        .then(pl.col("meeting_date") - 2).otherwise("minutes_distributed_date"),  # DQ-03
    ).drop("_row")
    levels = frames["levels"]
    managed_cases = levels.filter(pl.col("level") > 1)["case_id"].unique().sort()
    if managed_cases.len() > 2:
        # DQ-04: a Level 3 period keyed in twice with different start dates (overlap).
        overlap_case = managed_cases[int(rng.integers(managed_cases.len()))]
        first_period = levels.filter(pl.col("case_id") == overlap_case).head(1)
        levels = pl.concat([levels, first_period.with_columns(
            pl.col("start_date") + 10, level=pl.lit(3, dtype=first_period["level"].dtype))])
        # DQ-06 and DQ-05: a case whose level history stops while it stays open.
        open_cases = frames["cases"].filter(pl.col("end_date").is_null())["case_id"]
        several = levels.group_by("case_id").len().filter(pl.col("len") > 1)["case_id"]
        candidates = managed_cases.filter(
            managed_cases.is_in(open_cases.implode()) & managed_cases.is_in(several.implode()))
        gap_case = candidates[int(rng.integers(max(1, candidates.len())))] if candidates.len() \
            else overlap_case
        levels = levels.filter(
            ~((pl.col("case_id") == gap_case) & pl.col("end_date").is_null()
              & (pl.col("start_date") > pl.col("start_date").filter(
                  pl.col("case_id") == gap_case).min()))
        )
    frames["meetings"] = meetings
    frames["levels"] = levels.sort("case_id", "start_date")
    return frames


def _as_text(name: str, frame: pl.DataFrame) -> pl.DataFrame:
    """Columns in contract order; day numbers written as ISO dates."""
    columns = []
    for column in TABLES[name].columns:
        expr = pl.col(column.name)
        if column.dtype == pl.Date():
            expr = expr.cast(pl.Int32).cast(pl.Date).dt.to_string("%Y-%m-%d")
        columns.append(expr.cast(pl.String).alias(column.name))
    return frame.select(columns)


_BREAKAGES = (
    ("meetings", "meeting_date", "31/02/2026"),
    ("levels", "level", "4"),
    ("cases", "category", "one"),
    ("referrals", "decision", "maybe"),
    ("meetings", "case_id", ""),
    ("disclosures", "decision_date", "TBC"),
    ("actions", "due_date", "2026-13-01"),  # optional column: the row is kept
)


def _break_rows(
    text: dict[str, pl.DataFrame], rng: np.random.Generator, count: int
) -> dict[str, pl.DataFrame]:
    """Overwrite ``count`` cells with values the contract rejects, round-robin over kinds."""
    plan: dict[tuple[str, str, str], int] = {}
    for index in range(count):
        kind = _BREAKAGES[index % len(_BREAKAGES)]
        plan[kind] = plan.get(kind, 0) + 1
    for (table, column, value), how_many in plan.items():
        frame = text[table]
        if frame.height == 0:
            continue
        rows = rng.choice(frame.height, size=min(how_many, frame.height), replace=False)
        text[table] = frame.with_row_index("_row").with_columns(
            pl.when(pl.col("_row").is_in(rows.tolist())).then(pl.lit(value))
            .otherwise(pl.col(column)).alias(column)
        ).drop("_row")
    return text
