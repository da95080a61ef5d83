"""The input tables of data-contract.md (version 1): names, columns, kinds and ranges.

Everything that reads, writes or generates a dataset takes its table and column names from
here, so the contract is written down exactly once.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

import polars as pl

from mappa_audit._errors import NotFoundError

CONTRACT_VERSION = 1


class Kind(enum.Enum):
    """The value kinds of the contract's "Value formats" table."""

    ID = "id"
    TEXT = "text"
    DATE = "date"
    BOOL = "bool"
    ENUM = "enum"
    INT = "int"


@dataclass(frozen=True, slots=True)
class Column:
    """One column of a contract table."""

    name: str
    kind: Kind
    required: bool
    choices: tuple[str, ...] = ()
    """Accepted words of an enum column, in the contract's order."""
    int_range: tuple[int, int] | None = None
    """Inclusive bounds of an int column."""
    choices_by: tuple[str, tuple[tuple[str, tuple[str, ...]], ...]] | None = None
    """For an enum column whose words depend on another enum column of the row: that
    column's name, and for each of its words the words this column may then hold (none:
    this column stays empty). Where the other column's value cannot be read, only
    ``choices`` applies."""

    @property
    def dtype(self) -> pl.DataType:
        """The polars type the loader gives this column."""
        match self.kind:
            case Kind.DATE:
                return pl.Date()
            case Kind.BOOL:
                return pl.Boolean()
            case Kind.INT:
                return pl.Int8()
            case _:
                return pl.String()

    def describe(self) -> str:
        """What a valid value looks like, for error messages and docs."""
        match self.kind:
            case Kind.DATE:
                return "a date such as 2026-02-28 or 28/02/2026"
            case Kind.BOOL:
                return "true/false, yes/no, y/n or 1/0"
            case Kind.ENUM if self.choices_by is not None:
                other, words = self.choices_by
                allowed = "; ".join(f"{', '.join(choices)} when {other} is {value}"
                                    for value, choices in words if choices)
                return f"{allowed}; empty otherwise"
            case Kind.ENUM:
                return "one of " + ", ".join(self.choices)
            case Kind.INT:
                assert self.int_range is not None
                low, high = self.int_range
                return f"a whole number from {low} to {high}"
            case Kind.ID:
                return "an identifier"
            case Kind.TEXT:
                return "text"


@dataclass(frozen=True, slots=True)
class Table:
    """One table of the contract."""

    name: str
    required: bool
    columns: tuple[Column, ...]
    key: str | None = None
    """The column that must be unique (duplicate-id handling), if the table has one."""

    @property
    def column_names(self) -> list[str]:
        return [column.name for column in self.columns]

    @property
    def required_columns(self) -> list[str]:
        return [column.name for column in self.columns if column.required]

    def column(self, name: str) -> Column:
        for column in self.columns:
            if column.name == name:
                return column
        known = ", ".join(self.column_names)
        msg = f"table {self.name!r} has no column {name!r}"
        raise NotFoundError(msg, f"its columns are: {known}", argument="name")

    @property
    def schema(self) -> pl.Schema:
        """The typed schema of the table after loading."""
        return pl.Schema({column.name: column.dtype for column in self.columns})


LEAD_AGENCIES = ("police", "probation", "prison", "youth_justice", "health", "other")
ATTENDANCE_AGENCIES = (
    "police",
    "probation",
    "prison",
    "children_services",
    "adult_services",
    "health",
    "housing",
    "youth_justice",
    "jobcentre",
    "em_provider",
    "immigration",
    "education",
    "other",
)
RESPONSIBLE_AUTHORITIES = ("police", "probation", "prison")
RECIPIENT_TYPES = ("partner", "family", "employer", "landlord", "school", "voluntary_org", "other")
EVENT_DETAILS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("sfo_charged", ()),
    ("returned_to_custody", ("breach_of_licence", "breach_of_order", "further_offence")),
    ("notification_breach", ()),
    ("notification_revoked", ()),
    ("order_imposed", ("shpo", "sro", "notification_order", "foreign_travel_restriction")),
    ("order_breach", ("shpo", "sro")),
    ("scr_commenced", ()),
    ("scr_completed", ()),
)
"""The ``events`` table's event types, in the order of the MoJ MAPPA annual report's tables,
and the details each may carry (data-contract.md, events)."""
EVENT_TYPES = tuple(event_type for event_type, _ in EVENT_DETAILS)


def _id(name: str, *, required: bool = True) -> Column:
    return Column(name, Kind.ID, required)


def _text(name: str, *, required: bool = False) -> Column:
    return Column(name, Kind.TEXT, required)


def _date(name: str, *, required: bool = False) -> Column:
    return Column(name, Kind.DATE, required)


def _bool(name: str, *, required: bool = False) -> Column:
    return Column(name, Kind.BOOL, required)


def _enum(name: str, choices: tuple[str, ...], *, required: bool = False) -> Column:
    return Column(name, Kind.ENUM, required, choices=choices)


def _int(name: str, low: int, high: int, *, required: bool = True) -> Column:
    return Column(name, Kind.INT, required, int_range=(low, high))


def _detail(name: str, by: str, words: tuple[tuple[str, tuple[str, ...]], ...]) -> Column:
    choices = tuple(dict.fromkeys(word for _, allowed in words for word in allowed))
    return Column(name, Kind.ENUM, False, choices=choices, choices_by=(by, words))


TABLES: dict[str, Table] = {
    table.name: table
    for table in (
        Table(
            "cases",
            required=True,
            key="case_id",
            columns=(
                _id("case_id"),
                _text("area", required=True),
                _text("lau"),
                _int("category", 1, 4),
                _enum("lead_agency", LEAD_AGENCIES, required=True),
                _date("eligible_date", required=True),
                _date("custody_release_date"),
                _date("level_set_date"),
                _date("visor_created_date"),
                _date("end_date"),
                _text("sex"),
                _text("age_band"),
                _text("ethnicity_group"),
            ),
        ),
        Table(
            "levels",
            required=True,
            columns=(
                _id("case_id"),
                _int("level", 1, 3),
                _date("start_date", required=True),
                _date("end_date"),
            ),
        ),
        Table(
            "referrals",
            required=False,
            key="referral_id",
            columns=(
                _id("referral_id"),
                _id("case_id"),
                _date("referral_date", required=True),
                _int("requested_level", 2, 3),
                _text("referring_agency"),
                _enum("decision", ("accepted", "rejected", "pending"), required=True),
                _date("decision_date"),
            ),
        ),
        Table(
            "meetings",
            required=True,
            key="meeting_id",
            columns=(
                _id("meeting_id"),
                _id("case_id"),
                _date("meeting_date", required=True),
                _int("level", 2, 3),
                _enum("meeting_type", ("initial", "review", "urgent"), required=True),
                _enum("status", ("held", "cancelled"), required=True),
                _text("chair_agency"),
                _date("minutes_distributed_date"),
                _bool("disclosure_considered"),
            ),
        ),
        Table(
            "attendance",
            required=False,
            columns=(
                _id("meeting_id"),
                _enum("agency", ATTENDANCE_AGENCIES, required=True),
                _bool("invited", required=True),
                _bool("attended", required=True),
            ),
        ),
        Table(
            "disclosures",
            required=False,
            key="disclosure_id",
            columns=(
                _id("disclosure_id"),
                _id("case_id"),
                _id("meeting_id", required=False),
                _date("decision_date", required=True),
                _enum("decision", ("disclose", "do_not_disclose", "deferred"), required=True),
                _text("rationale"),
                _enum("recipient_type", RECIPIENT_TYPES),
                _text("discloser_agency"),
                _enum("method", ("in_person", "letter", "phone", "other")),
                _date("planned_date"),
                _date("disclosed_date"),
                _enum("offender_informed", ("yes", "no", "not_recorded")),
                _text("not_informed_reason"),
            ),
        ),
        Table(
            "actions",
            required=False,
            key="action_id",
            columns=(
                _id("action_id"),
                _id("meeting_id"),
                _text("owner_agency"),
                _date("due_date"),
                _date("completed_date"),
            ),
        ),
        Table(
            "level1_reviews",
            required=False,
            key="review_id",
            columns=(
                _id("review_id"),
                _id("case_id"),
                _date("review_date", required=True),
                _text("reviewer_agency"),
            ),
        ),
        Table(
            "events",
            required=False,
            key="event_id",
            columns=(
                _id("event_id"),
                _id("case_id"),
                _enum("event_type", EVENT_TYPES, required=True),
                _date("event_date", required=True),
                _detail("detail", "event_type", EVENT_DETAILS),
                _int("level_at_event", 1, 3, required=False),
            ),
        ),
    )
}

REQUIRED_TABLES = tuple(name for name, table in TABLES.items() if table.required)
OPTIONAL_TABLES = tuple(name for name, table in TABLES.items() if not table.required)

FREE_TEXT_COLUMNS: dict[str, tuple[str, ...]] = {
    "disclosures": ("rationale", "not_informed_reason"),
}
"""Columns that may hold personal data in prose; never shown outside the auditor view."""


def empty_table(name: str) -> pl.DataFrame:
    """An empty, correctly typed frame of a contract table."""
    return pl.DataFrame(schema=TABLES[name].schema)
