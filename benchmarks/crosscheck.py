"""Cross-check our counts against the pandas baseline on small, deliberately awkward datasets.

The benchmark datasets never hold adjacent same-level level periods, zero-length periods,
duplicated Level 1 periods, referrals decided after ``as_at`` and the like, so agreement on
them says little about those corners. This script writes random small datasets full of them
(events on both sides of ``as_at``, weekends and bank holidays, overlapping and adjacent level
rows, orphans, repeated attendance rows, a few rows for the loader to quarantine), loads each
with ``mappa_audit.load_dataset`` and compares ``mappa_audit.audit`` with
``baseline_pandas.audit`` for several periods, headline, every breakdown and the DQ-01..06
counts. Mismatches are printed with rule, dimension and counts; the exit status is 1.

Usage::

    python benchmarks/crosscheck.py [--seeds 30] [--cases 60]
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import baseline_pandas  # noqa: E402
from compare import mismatches, our_frames  # noqa: E402

import mappa_audit  # noqa: E402

PERIODS = (
    ("2025-04-01", "2026-03-31"),
    ("2024-01-01", "2024-12-31"),
    ("2025-12-20", "2026-01-05"),  # short, across Christmas bank holidays
)
FIRST, LAST = np.datetime64("2023-01-01"), np.datetime64("2026-12-31")
AGENCIES = ("police", "probation", "prison", "children_services", "health", "housing")
# per table, cells the loader cannot read: in a required column the row is quarantined (and
# rows referring to it become orphans), in an optional one only the cell is
UNREADABLE = {
    "cases": (("eligible_date", "31/02/2025"), ("category", "one"), ("end_date", "soon")),
    "levels": (("level", "4"), ("start_date", "2025-13-01")),
    "referrals": (("requested_level", "1"), ("decision_date", "31/06/2025")),
    "meetings": (("meeting_date", "2025-02-30"), ("status", "maybe"),
                 ("minutes_distributed_date", "tbc"), ("disclosure_considered", "perhaps")),
    "attendance": (("attended", "sometimes"), ("agency", "neighbours")),
    "disclosures": (("decision", "unsure"), ("offender_informed", "dunno"),
                    ("planned_date", "next week")),
    "actions": (("meeting_id", None), ("due_date", "31/09/2025")),
    "level1_reviews": (("review_date", "2024-02-30"),),
}
KEYS = {"cases": "case_id", "referrals": "referral_id", "meetings": "meeting_id",
        "disclosures": "disclosure_id", "actions": "action_id", "level1_reviews": "review_id"}


def _days(rng: np.random.Generator, size: int, low=FIRST, high=LAST) -> np.ndarray:
    span = int((high - low).astype(int))
    return low + rng.integers(0, span + 1, size).astype("timedelta64[D]")


def _maybe(rng: np.random.Generator, values: np.ndarray, p_empty: float) -> np.ndarray:
    out = values.astype(object)
    out[rng.random(len(values)) < p_empty] = None
    return out


def _text(values: np.ndarray) -> list[str | None]:
    return [None if v is None or (isinstance(v, float) and np.isnan(v)) else str(v)
            for v in values]


def _level_rows(rng: np.random.Generator, case_ids: np.ndarray, eligible: np.ndarray
                ) -> pd.DataFrame:
    """Level histories: runs of periods, often the same level again (adjacent, to merge),
    sometimes an overlapping or zero-length row, or a duplicated row."""
    rows = []
    for case, start in zip(case_ids, eligible, strict=True):
        day, level = start, int(rng.integers(1, 4))
        for _ in range(int(rng.integers(1, 6))):
            length = int(rng.integers(1, 400))
            end = day + np.timedelta64(length, "D")
            open_end = rng.random() < 0.15
            rows.append((case, level, day, None if open_end else end))
            roll = rng.random()
            if roll < 0.1:
                rows.append((case, int(rng.integers(1, 4)), day + np.timedelta64(
                    int(rng.integers(0, length)), "D"), end))  # overlap
            elif roll < 0.15:
                rows.append((case, level, day, day))  # covers no day
            elif roll < 0.2:
                rows.append(rows[-1])  # the same row twice
            if open_end:
                break
            gap = 0 if rng.random() < 0.85 else int(rng.integers(1, 40))
            day = end + np.timedelta64(gap, "D")
            level = level if rng.random() < 0.4 else int(rng.integers(1, 4))
    return pd.DataFrame(rows, columns=["case_id", "level", "start_date", "end_date"])


def _spoil(frame: pd.DataFrame, table: str, rng: np.random.Generator) -> pd.DataFrame:
    """A few unreadable cells, an exact copy of a row and, in a keyed table, a row whose id
    repeats with other values (a conflicting duplicate: both rows are quarantined)."""
    frame = frame.copy()
    for _ in range(int(rng.integers(0, 3))):
        column, value = UNREADABLE[table][int(rng.integers(len(UNREADABLE[table])))]
        frame.iloc[int(rng.integers(len(frame))), frame.columns.get_loc(column)] = value
    copies = [frame.iloc[[int(rng.integers(len(frame)))]]]
    if table in KEYS and rng.random() < 0.5:
        conflicting = frame.iloc[[int(rng.integers(len(frame)))]].copy()
        other = next(c for c in frame.columns if c != KEYS[table] and c.endswith("_date"))
        conflicting[other] = "2024-06-03"
        copies.append(conflicting)
    return pd.concat([frame, *copies], ignore_index=True)


def random_dataset(folder: Path, seed: int, cases: int) -> None:
    rng = np.random.default_rng(seed)
    case_ids = np.array([f"C{i:04d}" for i in range(cases)])
    eligible = _days(rng, cases, FIRST, LAST - 30)
    table = {
        "case_id": case_ids,
        "area": rng.choice(["North", "South"], cases),
        "lau": _maybe(rng, rng.choice(["N1", "N2", "S1"], cases), 0.1),
        "category": rng.choice([1, 2, 3, 4], cases),
        "lead_agency": rng.choice(["police", "probation"], cases),
        "eligible_date": eligible,
        "custody_release_date": _maybe(rng, eligible + rng.integers(-30, 500, cases)
                                       .astype("timedelta64[D]"), 0.4),
        "level_set_date": _maybe(rng, eligible + rng.integers(-10, 400, cases)
                                 .astype("timedelta64[D]"), 0.2),
        "visor_created_date": _maybe(rng, eligible + rng.integers(-3, 8, cases)
                                     .astype("timedelta64[D]"), 0.15),
        "end_date": _maybe(rng, eligible + rng.integers(0, 900, cases)
                           .astype("timedelta64[D]"), 0.6),
    }
    frames = {"cases": pd.DataFrame(table)}

    frames["levels"] = _level_rows(rng, case_ids, eligible)

    known = np.concatenate([case_ids, ["GHOST"]])  # GHOST: a case that is not there
    n = cases * 3
    frames["referrals"] = pd.DataFrame({
        "referral_id": [f"R{i}" for i in range(n)],
        "case_id": rng.choice(known, n),
        "referral_date": _days(rng, n),
        "requested_level": rng.choice([2, 3], n),
        "referring_agency": "police",
        "decision": rng.choice(["accepted", "rejected", "pending"], n, p=[0.7, 0.15, 0.15]),
        "decision_date": _maybe(rng, _days(rng, n), 0.3),
    })
    m = cases * 8
    meeting_day = _days(rng, m)
    meeting_ids = np.array([f"M{i}" for i in range(m)])
    frames["meetings"] = pd.DataFrame({
        "meeting_id": meeting_ids,
        "case_id": rng.choice(known, m, p=[0.99 / cases] * cases + [0.01]),
        "meeting_date": meeting_day,
        "level": rng.choice([2, 3], m),
        "meeting_type": rng.choice(["initial", "review", "urgent"], m),
        "status": rng.choice(["held", "cancelled"], m, p=[0.85, 0.15]),
        "chair_agency": "police",
        "minutes_distributed_date": _maybe(rng, meeting_day + rng.integers(-3, 25, m)
                                           .astype("timedelta64[D]"), 0.2),
        "disclosure_considered": _maybe(rng, rng.choice(["true", "false"], m, p=[0.8, 0.2]),
                                        0.1),
    })
    a = m * 4
    frames["attendance"] = pd.DataFrame({
        "meeting_id": rng.choice(np.concatenate([meeting_ids, ["M-GHOST"]]), a),
        "agency": rng.choice(AGENCIES, a),
        "invited": rng.choice(["yes", "no"], a, p=[0.85, 0.15]),
        "attended": rng.choice(["yes", "no"], a, p=[0.7, 0.3]),
    })
    d = cases * 3
    decision_day = _days(rng, d)
    planned = decision_day + rng.integers(-2, 30, d).astype("timedelta64[D]")
    informed = rng.choice(["yes", "no", "not_recorded", ""], d)
    frames["disclosures"] = pd.DataFrame({
        "disclosure_id": [f"D{i}" for i in range(d)],
        "case_id": rng.choice(known, d),
        "meeting_id": _maybe(rng, rng.choice(meeting_ids, d), 0.3),
        "decision_date": decision_day,
        "decision": rng.choice(["disclose", "do_not_disclose", "deferred"], d, p=[0.6, 0.3, 0.1]),
        "rationale": _maybe(rng, rng.choice(["reason", "  "], d), 0.1),
        "recipient_type": _maybe(rng, rng.choice(["partner", "family"], d), 0.1),
        "discloser_agency": _maybe(rng, rng.choice(["police", " "], d), 0.1),
        "method": _maybe(rng, rng.choice(["letter", "phone"], d), 0.1),
        "planned_date": _maybe(rng, planned, 0.15),
        "disclosed_date": _maybe(rng, planned + rng.integers(-5, 20, d)
                                 .astype("timedelta64[D]"), 0.25),
        "offender_informed": [None if v == "" else v for v in informed],
        "not_informed_reason": _maybe(rng, rng.choice(["risk", " "], d), 0.5),
    })
    c = m * 2
    due = _days(rng, c)
    frames["actions"] = pd.DataFrame({
        "action_id": [f"A{i}" for i in range(c)],
        "meeting_id": rng.choice(np.concatenate([meeting_ids, ["M-GHOST"]]), c),
        "owner_agency": _maybe(rng, rng.choice(["police", "  ", "health"], c), 0.1),
        "due_date": _maybe(rng, due, 0.1),
        "completed_date": _maybe(rng, due + rng.integers(-20, 30, c)
                                 .astype("timedelta64[D]"), 0.3),
    })
    r = cases * 4
    frames["level1_reviews"] = pd.DataFrame({
        "review_id": [f"V{i}" for i in range(r)],
        "case_id": rng.choice(case_ids, r),
        "review_date": _days(rng, r),
        "reviewer_agency": "police",
    })
    folder.mkdir(parents=True)
    spoiler = np.random.default_rng([seed, 1])  # its own stream: the draws above stay as they were
    for name, frame in frames.items():
        out = frame.copy()
        for column in out.columns:
            values = out[column].to_numpy()
            if column.endswith("_date"):
                out[column] = [None if v is None or pd.isna(v) else str(v)[:10] for v in values]
            else:
                out[column] = _text(values)
        _spoil(out, name, spoiler).to_csv(folder / f"{name}.csv", index=False)


def compare(folder: Path, start: str, end: str) -> list[str]:
    dataset = mappa_audit.load_dataset(folder)
    ours = our_frames(mappa_audit.audit(dataset, start, end))
    tables = {name: frame.to_pandas() for name, frame in dataset.tables.items()}
    baseline = baseline_pandas.audit(tables, start, end, dataset.quarantine.height)
    return mismatches(ours, baseline)


def crosscheck(seeds: int, cases: int, first_seed: int = 1) -> list[str]:
    problems = []
    with tempfile.TemporaryDirectory() as tmp:
        for seed in range(first_seed, first_seed + seeds):
            folder = Path(tmp) / f"seed{seed}"
            random_dataset(folder, seed, cases)
            for start, end in PERIODS:
                problems += [f"seed {seed}, {start}..{end}: {line}"
                             for line in compare(folder, start, end)]
    return problems


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=30)
    parser.add_argument("--cases", type=int, default=60)
    parser.add_argument("--first-seed", type=int, default=1)
    args = parser.parse_args(argv)
    started = dt.datetime.now()
    problems = crosscheck(args.seeds, args.cases, args.first_seed)
    took = (dt.datetime.now() - started).total_seconds()
    for line in problems:
        print(line)
    print(f"{args.seeds} datasets x {len(PERIODS)} periods: "
          f"{len(problems)} mismatching rows ({took:.0f} s)", file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
