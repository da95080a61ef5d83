"""The ``mappa-audit`` command line: a thin face over the public API.

Every command turns a :class:`MappaAuditError` into one line on stderr and exit status 2;
stdout carries only the requested output (JSON, or a table for people). The library's
messages name its arguments (`` `weeks` ``); printed here, they name this command line's
flags (``--weeks``) instead (:data:`FLAGS`).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import enum
import inspect
import logging
import re
import signal
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Annotated, Any, TypeVar

import polars as pl
import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table
from typer.core import TyperGroup

from mappa_audit._engine import audit, parse_date, resolve_area
from mappa_audit._errors import (
    MappaAuditError,
    PolicyError,
    SmallSuppressionError,
    StrictModeError,
    UsageError,
)
from mappa_audit._loader import Dataset, describe_entry, load_dataset
from mappa_audit._results import dumps, notes_with_rules, results_document, validation_document


class ExitCode(enum.IntEnum):
    """Exit statuses of every command (results-format.md)."""

    OK = 0
    """The command ran (quarantine entries do not fail a load)."""
    RED = 1
    """``check --fail-on-red``: the audit ran and at least one rule is red."""
    BAD_INPUT = 2
    """Bad arguments, or a dataset / policy that cannot be used; one line on stderr."""
    RUN_FAILED = 3
    """``run``: at least one run failed; its folder and manifest say why."""
    INTERRUPTED = 130
    """Ctrl-C or SIGTERM; an interrupted run's manifest says ``interrupted``."""


class OutputFormat(enum.StrEnum):
    TABLE = "table"
    JSON = "json"


class _OneLineErrors(TyperGroup):
    """The command group, which turns click's own usage errors (an unknown option, a missing
    ``--end``, ``--format xml``) into the same one line with a hint as every other error,
    not click's box, and sends the library's logged warnings to stderr."""

    def main(self, args: Sequence[str] | None = None, prog_name: str | None = None,
             complete_var: str | None = None, standalone_mode: bool = True,
             windows_expand_args: bool = True, **extra: Any) -> Any:
        library = logging.getLogger("mappa_audit")
        if not any(isinstance(handler, _WarningLine) for handler in library.handlers):
            library.addHandler(_WarningLine(logging.WARNING))
        # typer bundles its own click; its exceptions live here (typer re-exports only some,
        # and typer._click is private: pyproject.toml pins typer to the version tested)
        from typer._click.exceptions import NoArgsIsHelpError
        from typer._click.exceptions import UsageError as ClickUsageError

        _dress_help(self)
        try:
            code = super().main(args, prog_name, complete_var, standalone_mode=False,
                                windows_expand_args=windows_expand_args, **extra)
        except NoArgsIsHelpError as error:
            sys.stderr.write((error.ctx.get_help() if error.ctx else "") + "\n")
            raise SystemExit(ExitCode.BAD_INPUT) from None
        except ClickUsageError as error:
            command = error.ctx.command_path if error.ctx else "mappa-audit"
            message = " ".join(error.format_message().split())
            _stderr.print(f"mappa-audit: {message} Hint: run `{command} --help` to see the "
                          "options", markup=False, soft_wrap=True)
            raise SystemExit(ExitCode.BAD_INPUT) from None
        except (KeyboardInterrupt, typer.Abort):
            _stderr.print("mappa-audit: interrupted")
            raise SystemExit(ExitCode.INTERRUPTED) from None
        raise SystemExit(code if isinstance(code, int) else ExitCode.OK)


EXAMPLES = {
    "": "mappa-audit validate data_samples, then mappa-audit check data_samples --start "
        "2025-04-01 --end 2026-03-31",
    "check": "mappa-audit check data_samples --start 2025-04-01 --end 2026-03-31 --area "
             "Eastvale --format json > results.json",
    "validate": "mappa-audit validate data_samples --format json",
    "run": "mappa-audit run data_samples --period last-quarter --today 2026-04-15 --each-area",
    "due": "mappa-audit due data_samples --as-at 2026-03-02 --weeks 4 --format xlsx "
           "--out worklist.xlsx",
    "sample": "mappa-audit sample data_samples --start 2025-04-01 --end 2026-03-31 --size 20 "
              "--seed 7 --format xlsx --out file-audit.xlsx",
    "annual": "mappa-audit annual data_samples --year 2025-26 --out annual-2025-26",
    "paper": "mappa-audit paper runs/20260402T060000Z_all_2025-04-01_2026-03-31 --format pdf",
    "serve": "mappa-audit serve --runs runs --audience board",
    "sample-data": "mappa-audit sample-data synthetic --cases 5000 --areas 4 --seed 2",
    "hub": "mappa-audit hub init hub-state --runs runs --port 8000",
    "hub init": "mappa-audit hub init hub-state --runs runs --port 8000",
    "hub start": "mappa-audit hub start hub-state",
    "hub user": "mappa-audit hub user add hub-state jo.bloggs --group board",
    "hub user add": "mappa-audit hub user add hub-state jo.bloggs --group board",
    "hub user list": "mappa-audit hub user list hub-state",
    "hub user remove": "mappa-audit hub user remove hub-state jo.bloggs",
}
"""An example for each command's ``--help``, keyed by the words after ``mappa-audit``
(tests/test_cli.py parses each one with its command)."""


def _dress_help(group: Any, path: str = "") -> None:
    """Give every command its example (:data:`EXAMPLES`) and show an on/off flag as a flag:
    typer would print ``--strict <bool>``, as if the flag took a value."""
    _help_as_a_flag(group)
    if not path:
        group.epilog = f"Example: {EXAMPLES['']}"
    for name, command in group.commands.items():
        words = f"{path} {name}".strip()
        if words in EXAMPLES:
            command.epilog = f"Example: {EXAMPLES[words]}"
        if command.help:
            command.help = _unwrapped(command.help)
        for param in command.params:
            if getattr(param, "is_flag", False):
                param.metavar = ""
        _help_as_a_flag(command)
        if hasattr(command, "commands"):
            _dress_help(command, words)


def _unwrapped(text: str) -> str:
    r"""A docstring as ``--help`` shows it: its paragraphs, each on one line for the terminal
    to wrap. Typer keeps the source's line breaks after the first paragraph, so sentences
    broke mid-line.

    Examples
    --------
    >>> _unwrapped("Draw a sample.\n\n    The worksheet has a row\n    per case.")
    'Draw a sample.\n\nThe worksheet has a row per case.'
    """
    return "\n\n".join(" ".join(paragraph.split())
                        for paragraph in inspect.cleandoc(text).split("\n\n"))


def _help_as_a_flag(command: Any) -> None:
    """``--help`` too: click makes it afresh for each context, so its maker is wrapped."""
    make = command.get_help_option
    if getattr(make, "dressed", False):
        return

    def help_option(ctx: Any) -> Any:
        option = make(ctx)
        if option is not None:
            option.metavar = ""
        return option

    help_option.dressed = True  # type: ignore[attr-defined]
    command.get_help_option = help_option


app = typer.Typer(
    cls=_OneLineErrors,
    name="mappa-audit",
    help="Audit MAPPA case management against the board's standards.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
_stderr = Console(stderr=True, highlight=False)

DatasetArg = Annotated[
    Path, typer.Argument(help="Dataset folder (CSV or Parquet files, or one .xlsx workbook).")
]
FormatOption = Annotated[
    OutputFormat, typer.Option("--format", help="table for people, json for programs.")
]
AreaOption = Annotated[str | None, typer.Option(help="Only the cases of this area.")]
PolicyOption = Annotated[
    Path | None, typer.Option(help="Policy file (TOML); default: the shipped policy.")
]
StrictOption = Annotated[
    bool, typer.Option("--strict", help="Fail (exit 2) if any row or cell was quarantined.")
]
NationalOption = Annotated[
    Path | None, typer.Option(
        help="National figures file (TOML) to compare the areas' use of the levels with, "
        "newer than the shipped one.")
]
AllowSmallSuppressionOption = Annotated[
    bool, typer.Option(
        "--allow-small-suppression",
        help="Let a board output use a policy whose suppress_below is under 5 (a warning is "
        "printed, and a run's manifest records it)."),
]

ForceOption = Annotated[
    bool, typer.Option("--force", help="Replace the output if it is already there.")
]


def _refuse_to_overwrite(*targets: Path, force: bool) -> None:
    """Outputs are never replaced silently: fail before any work when one is there already."""
    there = [target for target in targets if target.exists()]
    if there and not force:
        msg = f"{there[0]} is already there and would be replaced"
        raise UsageError(msg, "give --out a new name, or add --force to replace it")


FormatT = TypeVar("FormatT", bound=enum.StrEnum)
_ENDINGS = {".htm": "html"}
"""File endings that name a format other than their own letters."""


def _format_of(given: FormatT | None, out: Path | None, formats: type[FormatT],
               default: FormatT) -> FormatT:
    """The format to write: ``--format`` if given, else the one ``--out``'s ending names
    (a file called worklist.xlsx is written as Excel, not as CSV with the wrong name), else
    ``default``. An ending that names another of the command's formats than ``--format``
    is refused: the file would not open as what its name says."""
    suffix = out.suffix.lower() if out is not None else ""
    named = _ENDINGS.get(suffix, suffix.removeprefix("."))
    by_name = next((choice for choice in formats if choice.value == named), None)
    if given is None:
        return by_name or default
    if by_name is not None and by_name is not given:
        msg = f"--out {out} ends in {suffix} but --format is {given.value}"
        raise UsageError(msg, f"leave out --format (the ending decides), or give --out a name "
                              f"ending in .{given.value}")
    return given


FLAGS = {
    "start": "--start", "end": "--end", "as_at": "--as-at", "today": "--today",
    "period": "--period", "year": "--year", "weeks": "--weeks", "area": "--area",
    "audience": "--audience", "strict": "--strict", "strata": "--strata", "size": "--size",
    "min_per_stratum": "--min-per-stratum", "include_level1": "--include-level1",
    "cases": "--cases", "areas": "--areas", "invalid_rows": "--invalid-rows",
    "runs": "--runs", "port": "--port", "tls_cert": "--tls-cert", "tls_key": "--tls-key",
    "group": "--group", "national": "--national", "profile": "--profile", "auth": "--auth",
    "viewers": "--viewers",
}
"""The flag of each library argument that a library message may name."""


def in_cli_words(text: str) -> str:
    """A library message as this command line says it: each argument it names (between
    backquotes) given as its flag.

    Examples
    --------
    >>> in_cli_words("`weeks` 60 must be from 1 to 52 Hint: try `weeks` 4")
    '--weeks 60 must be from 1 to 52 Hint: try --weeks 4'
    >>> in_cli_words("give `start` on or before `end`; run `mappa-audit validate`")
    'give --start on or before --end; run `mappa-audit validate`'
    """
    return re.sub(r"`([a-z][a-z0-9_]*)`",
                  lambda name: FLAGS.get(name.group(1), name.group(0)), text)


def _fail(error: MappaAuditError) -> typer.Exit:
    _stderr.print(f"mappa-audit: {in_cli_words(error.one_line())}", markup=False,
                  soft_wrap=True)
    return typer.Exit(ExitCode.BAD_INPUT)


def _small_suppression(error: SmallSuppressionError, instead: str) -> typer.Exit:
    """The library's refusal in the command line's words (its flags, not its arguments)."""
    reworded = PolicyError(
        f"policy {error.policy_name!r} sets suppress_below = {error.suppress_below}, below "
        f"{error.minimum}, the smallest a board output may use",
        f"{instead}, or add --allow-small-suppression to publish it anyway",
    )
    return _fail(reworded)


def _warn_small_suppression(policy_name: str, suppress_below: int, recorded: str) -> None:
    from mappa_audit._privacy import MIN_BOARD_SUPPRESSION

    _stderr.print(
        f"mappa-audit: warning: policy {policy_name!r} sets suppress_below = {suppress_below}, "
        f"below {MIN_BOARD_SUPPRESSION}; --allow-small-suppression shows the board counts from "
        f"{suppress_below} up{recorded}.", markup=False, soft_wrap=True)


def _warn_quarantine(dataset: Dataset) -> None:
    count = dataset.quarantine.height
    if count:
        first = describe_entry(dataset.quarantine.row(0, named=True), dataset)
        _stderr.print(
            f"mappa-audit: warning: {count} quarantine entries; the first: {first}. "
            "Run `mappa-audit validate` to list them all.",
            markup=False,
            soft_wrap=True,
        )


@app.command()
def check(
    dataset: DatasetArg,
    start: Annotated[str, typer.Option(help="First day of the audit period, YYYY-MM-DD.")],
    end: Annotated[str, typer.Option(help="Last day of the period (as-at date), YYYY-MM-DD.")],
    area: AreaOption = None,
    policy: PolicyOption = None,
    output: FormatOption = OutputFormat.TABLE,
    fail_on_red: Annotated[
        bool, typer.Option("--fail-on-red", help="Exit 1 when any rule is red.")
    ] = False,
    strict: StrictOption = False,
) -> None:
    """Run every audit rule for a period and print the results."""
    try:
        start_date, end_date = parse_date(start, "start"), parse_date(end, "end")
        loaded = load_dataset(dataset, strict=strict)
        result = audit(loaded, start_date, end_date, area=area, policy=policy)
    except MappaAuditError as error:
        raise _fail(error) from None
    _warn_quarantine(loaded)
    document = results_document(result)
    if output is OutputFormat.JSON:
        sys.stdout.write(dumps(document))
    else:
        _print_results(document)
    if fail_on_red and any(rule["rag"] == "red" for rule in document["rules"]):
        raise typer.Exit(ExitCode.RED)


_RAG_STYLE = {"green": "bold green", "amber": "bold yellow", "red": "bold red", "none": "dim"}


def _print_results(document: dict[str, Any]) -> None:
    console = Console(highlight=False)
    period = document["period"]
    where = document["area"] or "all areas"
    # every value from the data, the policy or a file name is escaped: rich reads [ ] as
    # markup, and an area such as "[/x]" crashed the table, "[link=…]" made a live link
    console.print(
        f"[bold]MAPPA audit[/] {period['start']} to {period['end']} · {escape(where)} · "
        f"policy {escape(document['policy']['name'])}"
        + ("" if document["policy"]["confirmed"] else " (standards not yet confirmed)")
    )
    wide = console.width >= 150  # titles only fit on a wide terminal; ids are in docs/rules.md
    table = Table(show_lines=False, header_style="bold")
    columns = [("Rule", "left"), ("Title", "left")] if wide else [("Rule", "left")]
    for name, justify in [
        *columns, ("Standard", "left"), ("Target", "right"),
        ("OK", "right"), ("Not OK", "right"), ("Pending", "right"),
        ("N/A", "right"), ("Rate", "right"), ("RAG", "left"),
    ]:
        table.add_column(name, justify=justify, no_wrap=name in {"Rule", "Rate"})  # type: ignore[arg-type]
    for rule in document["rules"]:
        rate = "—" if rule["rate"] is None else f"{rule['rate'] * 100:.1f} %"
        rag = rule["rag"] if rule["status"] == "assessed" else rule.get("reason", "n/a")
        first = [rule["rule_id"], rule["title"]] if wide else [rule["rule_id"]]
        table.add_row(
            *map(escape, first), escape(rule["standard"] or "—"),
            f"{rule['target'] * 100:.0f} %", str(rule["compliant"]),
            str(rule["non_compliant"]), str(rule["pending"]), str(rule["not_assessable"]),
            rate, f"[{_RAG_STYLE.get(rule['rag'], '')}]{escape(rag)}[/]",
        )
    console.print(table)
    quality = Table(title="Data quality (rows)", header_style="bold")
    quality.add_column("Rule")
    quality.add_column("Finding")
    quality.add_column("Rows", justify="right")
    for finding in document["data_quality"]:
        quality.add_row(escape(finding["rule_id"]), escape(finding["title"]),
                        str(finding["rows"]))
    console.print(quality)


@app.command()
def validate(
    dataset: DatasetArg,
    output: FormatOption = OutputFormat.TABLE,
    strict: StrictOption = False,
) -> None:
    """Load a dataset as every command would, and report what the loader did."""
    try:
        loaded = load_dataset(dataset)
    except MappaAuditError as error:
        raise _fail(error) from None
    if output is OutputFormat.JSON:
        sys.stdout.write(dumps(validation_document(loaded)))
    else:
        _print_validation(loaded)
    if strict and loaded.quarantine.height:
        strict_error = StrictModeError(
            f"--strict: {loaded.quarantine.height} quarantine entries",
            "fix the rows listed above and run again",
        )
        raise _fail(strict_error)


def _print_validation(dataset: Dataset) -> None:
    console = Console(highlight=False)
    console.print(f"[bold]Dataset[/] {escape(str(dataset.source))}")
    table = Table(header_style="bold")
    for name in ("Table", "File", "Read", "Kept", "Quarantined", "Duplicates dropped",
                 "Invalid optional cells", "Extra columns"):
        table.add_column(name, justify="left" if name in {"Table", "File", "Extra columns"}
                         else "right")
    for report in dataset.reports.values():
        if not report.present:
            table.add_row(report.name, "[dim]absent (optional)[/]", "", "", "", "", "", "")
            continue
        table.add_row(
            report.name, escape(report.file or ""), str(report.rows_read),
            str(report.rows_kept), str(report.rows_quarantined),
            str(report.exact_duplicates_dropped), str(report.invalid_optional_cells),
            escape(", ".join(report.extra_columns)),
        )
    console.print(table)
    quarantine = dataset.quarantine
    if quarantine.height == 0:
        console.print("[green]0 quarantined:[/] every row was read.")
    else:
        console.print(f"[bold yellow]{quarantine.height} quarantine entries[/], by reason:")
        for (reason,), group in quarantine.group_by("reason", maintain_order=True):
            console.print(f"  [bold]{escape(str(reason))}[/]: {group.height}")
            for entry in group.head(3).iter_rows(named=True):
                console.print(
                    f"    {describe_entry(entry, dataset)}", markup=False, soft_wrap=True
                )
            if group.height > 3:
                console.print(f"    … and {group.height - 3} more")
    for note in notes_with_rules(dataset):
        console.print(f"[dim]note:[/] {escape(note)}", markup=True)


@app.command("run")
def run_command(
    dataset: DatasetArg,
    start: Annotated[str | None, typer.Option(help="First day of the period, YYYY-MM-DD.")] = None,
    end: Annotated[str | None, typer.Option(help="Last day (as-at date), YYYY-MM-DD.")] = None,
    period: Annotated[
        str | None,
        typer.Option(help="Instead of --start/--end: last-month, last-quarter or "
                     "last-financial-year (April to March) before --today."),
    ] = None,
    today: Annotated[
        str | None, typer.Option(help="The day --period counts back from (default: today).")
    ] = None,
    area: AreaOption = None,
    each_area: Annotated[
        bool, typer.Option("--each-area", help="One run per area of the dataset.")
    ] = False,
    policy: PolicyOption = None,
    audience: Annotated[
        str, typer.Option(help="board: aggregates only, small numbers hidden; auditor: with "
                          "the case-level exceptions.")
    ] = "board",
    out: Annotated[Path, typer.Option(help="Folder that holds the run folders.")] = Path("runs"),
    allow_small_suppression: AllowSmallSuppressionOption = False,
    national: NationalOption = None,
) -> None:
    """Run the audit notebooks with papermill into a new, dated run folder per area.

    Each run folder holds manifest.json, results.json, the parquet results, the executed
    notebooks and their HTML. Prints each run folder on stdout. Exit status 3 when any run
    failed (the others still ran), 2 for bad arguments.
    """
    from mappa_audit._national import load_national
    from mappa_audit._privacy import parse_audience
    from mappa_audit._runs import RunRequest, check_policy_bounds

    try:
        who = parse_audience(audience)
        start_date, end_date = _period(start, end, period, today)
        if area is not None and each_area:
            msg = "give --area or --each-area, not both"
            raise UsageError(msg, "--each-area makes one run per area")
        request = RunRequest(dataset=dataset, start=start_date, end=end_date, policy=policy,
                             audience=who, out=out, period_name=period,
                             allow_small_suppression=allow_small_suppression,
                             national=national)
        load_national(national)  # a bad file fails here, in one line, before any run
        overridden = check_policy_bounds(request)
        _check_writable(out)
    except SmallSuppressionError as error:
        raise _small_suppression(error, "use --audience auditor for a working view") from None
    except MappaAuditError as error:
        raise _fail(error) from None
    if overridden is not None:
        _warn_small_suppression(overridden.name, overridden.suppress_below,
                                " (recorded in each run's manifest.json)")
    outcomes = _run_with_progress(request, None if each_area else [area])
    for outcome in outcomes:
        sys.stdout.write(f"{outcome.folder}\n")
        where = escape(outcome.area or "all areas")
        reason = escape(in_cli_words(outcome.reason or ""))
        if outcome.interrupted:
            _stderr.print(f"[bold red]interrupted[/] {where}: {reason}", soft_wrap=True)
        elif outcome.succeeded:
            report = escape(str(outcome.folder / "audit_report.html"))
            _stderr.print(f"[green]succeeded[/] {where}: open {report}", soft_wrap=True)
        else:
            _stderr.print(f"[bold red]failed[/] {where}: {reason}", soft_wrap=True)
    if any(outcome.interrupted for outcome in outcomes):
        raise typer.Exit(ExitCode.INTERRUPTED)
    if not all(outcome.succeeded for outcome in outcomes):
        raise typer.Exit(ExitCode.RUN_FAILED)


def _period(
    start: str | None, end: str | None, period: str | None, today: str | None
) -> tuple[dt.date, dt.date]:
    from mappa_audit._runs import Period

    if period is not None:
        if start is not None or end is not None:
            msg = "give --period or --start/--end, not both"
            raise UsageError(msg, "for example --period last-quarter")
        day = parse_date(today, "today") if today is not None else dt.date.today()
        return Period.resolve(period, day)
    if start is None or end is None:
        msg = "give the period: --start and --end, or --period"
        raise UsageError(msg, "for example --start 2025-04-01 --end 2026-03-31")
    start_date, end_date = parse_date(start, "start"), parse_date(end, "end")
    if end_date < start_date:
        msg = f"the period ends ({end_date}) before it starts ({start_date})"
        raise UsageError(msg, "give --start on or before --end")
    return start_date, end_date


def _check_writable(out: Path) -> None:
    """Fail before any work when run folders cannot be made under ``out`` (made ``0750`` when
    it is new)."""
    from mappa_audit._files import make_folder

    try:
        make_folder(out)
        with tempfile.TemporaryFile(dir=out):
            pass
    except OSError as error:
        msg = f"cannot write run folders under {out}: {error.strerror or error}"
        raise UsageError(msg, "give --out a folder you can write to") from None


def _run_with_progress(request: Any, areas: list[str | None] | None) -> list[Any]:
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    from mappa_audit._runs import run_audits

    with Progress(
        TextColumn("[bold]{task.description}"), BarColumn(), TextColumn("{task.completed}/"
        "{task.total}"), TimeElapsedColumn(), console=_stderr, transient=False,
    ) as bar:
        task = bar.add_task("starting", total=None)

        def advance(step: str, done: int, total: int) -> None:
            bar.update(task, description=escape(step), completed=done, total=total)

        return run_audits(request, areas, progress=advance)


class WorklistFormat(enum.StrEnum):
    TABLE = "table"
    JSON = "json"
    CSV = "csv"
    XLSX = "xlsx"


@app.command()
def due(
    dataset: DatasetArg,
    as_at: Annotated[str, typer.Option("--as-at", help="The day to look ahead from, YYYY-MM-DD.")],
    weeks: Annotated[int, typer.Option(help="How many weeks ahead to look.")] = 4,
    area: AreaOption = None,
    policy: PolicyOption = None,
    output: Annotated[
        WorklistFormat | None, typer.Option(
            "--format", help="table, json, csv or xlsx (default: the ending of --out, else "
            "table).", show_default=False)
    ] = None,
    out: Annotated[
        Path | None, typer.Option(help="File to write (needed for xlsx; csv/json default to "
                                  "stdout).")
    ] = None,
    force: ForceOption = False,
) -> None:
    """List what falls due in the next weeks and is not done yet; overdue items first.

    Uses the audit rules themselves: an item listed as due on a date is non-compliant in any
    later audit of that date if nothing is recorded by then. Holds case ids: auditor use only.
    """
    from mappa_audit._exports import about_rows, csv_bytes, xlsx_bytes
    from mappa_audit._headings import for_people
    from mappa_audit._worklist import due_items

    try:
        day = parse_date(as_at, "as_at")
        output = _format_of(output, out, WorklistFormat, WorklistFormat.TABLE)
        if output is WorklistFormat.XLSX and out is None:
            msg = "--format xlsx needs --out FILE.xlsx"
            raise UsageError(msg, "for example --out worklist.xlsx")
        if output is WorklistFormat.TABLE and out is not None:
            msg = f"the table is printed, not written to {out}"
            raise UsageError(msg, "give --out a name ending in .csv, .xlsx or .json, or "
                                  "--format csv, xlsx or json")
        if out is not None:
            _refuse_to_overwrite(out, force=force)
        worklist = due_items(dataset, day, weeks=weeks, area=area, policy=policy)
    except MappaAuditError as error:
        raise _fail(error) from None
    data: bytes
    if output is WorklistFormat.TABLE:
        _print_worklist(worklist, day, weeks)
        return
    if output is WorklistFormat.JSON:
        data = dumps({"as_at": day.isoformat(), "weeks": weeks,
                      "items": worklist.with_columns(pl.col("due_date").cast(pl.String))
                      .to_dicts()}).encode()
    elif output is WorklistFormat.CSV:
        data = csv_bytes(worklist)
    else:
        data = xlsx_bytes({"Coming due": for_people(worklist)}, about=about_rows(
            f"MAPPA worklist: items due in the {weeks} weeks after the as-at date, and overdue",
            dataset=dataset.name, as_at=day.isoformat(), weeks_ahead=weeks, area=area))
    _deliver(data, out, f"{worklist.height} items")


def _deliver(data: bytes, out: Path | None, what: str) -> None:
    """Write an export to ``out``, or to stdout when no file is given."""
    if out is None:
        sys.stdout.buffer.write(data)
        return
    try:
        out.write_bytes(data)
    except OSError as error:
        cannot = UsageError(f"cannot write {out}: {error.strerror or error}",
                            "give --out a file in a folder you can write to")
        raise _fail(cannot) from None
    _stderr.print(f"wrote {what} to {out}", markup=False)


def _print_worklist(worklist: Any, day: dt.date, weeks: int) -> None:
    """The worklist for a terminal: two lines an item, so that it reads at 80 columns."""
    from mappa_audit._headings import for_people

    shown = for_people(worklist)
    console = Console(highlight=False)
    overdue = shown.filter(pl.col("Status") == "overdue").height
    console.print(f"[bold]Due by {day + dt.timedelta(weeks=weeks)}[/] (as at {day}): "
                  f"{worklist.height} items, [bold red]{overdue} overdue[/]")
    table = Table(header_style="bold", show_lines=True, pad_edge=False)
    table.add_column("Due", no_wrap=True)
    table.add_column("Left", justify="right", no_wrap=True)
    table.add_column("To do", ratio=2, overflow="fold")
    table.add_column("Case, item", min_width=12, ratio=2, overflow="fold")
    table.add_column("Area, lead", ratio=1, overflow="fold")
    for row in shown.iter_rows(named=True):
        table.add_row(
            f"{row['Due']}\n{row['Status']}",
            f"{row['Days left']} d\n{row['Working days left']} wd",
            *(escape(f"{row[first] or ''}\n{row[second] or ''}")
              for first, second in (("To do", "Rule"), ("Case", "Item"),
                                    ("Area", "Lead agency"))),
            style="red" if row["Status"] == "overdue" else "")
    console.print(table)
    console.print("d: calendar days, wd: working days; negative: overdue by that many.")


class SampleFormat(enum.StrEnum):
    CSV = "csv"
    XLSX = "xlsx"


@app.command()
def sample(
    dataset: DatasetArg,
    start: Annotated[str, typer.Option(help="First day of the period, YYYY-MM-DD.")],
    end: Annotated[str, typer.Option(help="Last day of the period, YYYY-MM-DD.")],
    size: Annotated[int, typer.Option(help="How many cases to sample.")],
    seed: Annotated[int, typer.Option(help="Random seed: write it down, it repeats the draw.")],
    strata: Annotated[
        str, typer.Option(help="Comma-separated strata: level, area, lau, category.")
    ] = "level,area",
    min_per_stratum: Annotated[
        int, typer.Option("--min-per-stratum", help="At least this many cases per stratum.")
    ] = 1,
    include_level1: Annotated[
        bool, typer.Option("--include-level1", help="Sample Level 1 cases too.")
    ] = False,
    area: AreaOption = None,
    output: Annotated[
        SampleFormat | None, typer.Option(
            "--format", help="csv or xlsx, a worksheet to score (default: the ending of "
            "--out, else csv).", show_default=False)
    ] = None,
    out: Annotated[
        Path | None, typer.Option(help="File to write (needed for xlsx; csv defaults to stdout).")
    ] = None,
    force: ForceOption = False,
) -> None:
    """Draw a stratified random sample of cases for a file audit, reproducible from the seed.

    The worksheet has a row per case with its key facts (no free text) and empty columns for
    the 4-point scores of the MAPPA audit forms; the method, seed and stratum sizes are written
    above it. Holds case ids: auditor use only.
    """
    from mappa_audit._exports import about_rows, csv_bytes, xlsx_bytes
    from mappa_audit._headings import HEADINGS, for_people
    from mappa_audit._sample import SCORE_COLUMNS, sample_cases

    try:
        output = _format_of(output, out, SampleFormat, SampleFormat.CSV)
        if output is SampleFormat.XLSX and out is None:
            msg = "--format xlsx needs --out FILE.xlsx"
            raise UsageError(msg, "for example --out file-audit-sample.xlsx")
        if out is not None:
            _refuse_to_overwrite(out, force=force)
        drawn = sample_cases(
            dataset, parse_date(start, "start"), parse_date(end, "end"), size=size, seed=seed,
            strata=tuple(s.strip() for s in strata.split(",") if s.strip()),
            min_per_stratum=min_per_stratum, include_level1=include_level1, area=area,
        )
    except MappaAuditError as error:
        raise _fail(error) from None
    for line in drawn.method:
        _stderr.print(line, markup=False, soft_wrap=True)
    if output is SampleFormat.CSV:
        data = csv_bytes(drawn.cases)
    else:
        about = about_rows("MAPPA file-audit sample: a worksheet to score",
                           dataset=dataset.name, period=f"{start} to {end}", area=area,
                           seed=seed)
        about += [("Method", line) for line in drawn.method]
        scores = {HEADINGS[column]: (1, 4) for column in SCORE_COLUMNS}
        data = xlsx_bytes({"Sample": for_people(drawn.cases),
                           "Strata": for_people(drawn.strata)}, about=about, scores=scores)
    _deliver(data, out, f"{drawn.cases.height} cases")


_ANNUAL_FILES = ("annual_report.ipynb", "annual_report.html", "annual_report.xlsx")


class AnnualFormat(enum.StrEnum):
    REPORT = "report"
    JSON = "json"


@app.command()
def annual(
    dataset: DatasetArg,
    year: Annotated[str, typer.Option(help="Financial year, e.g. 2025-26 (April to March).")],
    area: AreaOption = None,
    policy: PolicyOption = None,
    exact: Annotated[
        bool, typer.Option("--exact", help="Exact counts, not suppressed (not for publication).")
    ] = False,
    out: Annotated[Path, typer.Option(help="Folder to write the report into.")] = Path(
        "annual"),
    allow_small_suppression: AllowSmallSuppressionOption = False,
    output: Annotated[
        AnnualFormat, typer.Option("--format", help="report: Excel and HTML in --out; json: "
                                   "the tables on stdout, for scripts.")
    ] = AnnualFormat.REPORT,
    force: ForceOption = False,
    national: NationalOption = None,
) -> None:
    """Make the MAPPA annual-report tables of a financial year, as Excel and HTML.

    Runs notebooks/annual_report.ipynb into --out (a new folder, or one without a report in
    it unless --force); with --format json, prints the tables for scripts instead.
    """
    if output is AnnualFormat.JSON:
        _annual_json(dataset, year, area, policy, exact=exact,
                     allow_small_suppression=allow_small_suppression, national=national)
        return
    from mappa_audit._annual import financial_year
    from mappa_audit._files import restrict
    from mappa_audit._national import load_national
    from mappa_audit._policy import load_policy
    from mappa_audit._privacy import Audience, check_board_suppression
    from mappa_audit._runs import execute_notebook, render_html

    try:
        financial_year(year)
        load_national(national)  # a bad file fails here, in one line, before the notebook
        policy_used = None
        with contextlib.suppress(MappaAuditError):  # the notebook fails on it and says why
            policy_used = load_policy(policy)
        overridden = policy_used is not None and not exact and check_board_suppression(
            policy_used.suppress_below, policy_used.name,
            allow_small_suppression=allow_small_suppression)
        if area is not None:  # an area the dataset does not hold fails here, as in `check`
            area = resolve_area(load_dataset(dataset), area)
        _refuse_to_overwrite(*(out / name for name in _ANNUAL_FILES), force=force)
        _check_writable(out)
    except SmallSuppressionError as error:
        raise _small_suppression(error, "use --exact for a working copy (not for "
                                 "publication)") from None
    except MappaAuditError as error:
        raise _fail(error) from None
    if overridden and policy_used is not None:
        _warn_small_suppression(policy_used.name, policy_used.suppress_below, "")
    parameters = {"dataset": str(dataset.resolve()), "financial_year": year, "area": area,
                  "policy": str(policy.resolve()) if policy else None,
                  "publication": not exact, "output_folder": str(out.resolve()),
                  "allow_small_suppression": allow_small_suppression,
                  "national": str(national.resolve()) if national else None}
    failure = execute_notebook("annual_report", parameters, out)
    render_html(out / "annual_report.ipynb", Audience.BOARD)
    restrict(out / name for name in _ANNUAL_FILES)
    if failure is not None:
        _stderr.print(f"mappa-audit: the annual report failed: {in_cli_words(failure)}",
                      markup=False,
                      soft_wrap=True)
        raise typer.Exit(ExitCode.RUN_FAILED)
    for name in ("annual_report.xlsx", "annual_report.html"):
        sys.stdout.write(f"{out / name}\n")


def _annual_json(dataset: Path, year: str, area: str | None, policy: Path | None, *,
                 exact: bool, allow_small_suppression: bool, national: Path | None) -> None:
    """``annual --format json``: ``{"tables": [{"id", "title", "columns", "rows"}]}``."""
    from mappa_audit._annual import AnnualSource, annual_document, financial_year
    from mappa_audit._engine import resolve_area
    from mappa_audit._loader import load_dataset
    from mappa_audit._policy import load_policy
    from mappa_audit._privacy import check_board_suppression

    try:
        financial_year(year)
        policy_used = load_policy(policy)
        overridden = not exact and check_board_suppression(
            policy_used.suppress_below, policy_used.name,
            allow_small_suppression=allow_small_suppression)
        loaded = load_dataset(dataset)
        area = resolve_area(loaded, area) if area is not None else None  # spelt as the data
        source = AnnualSource(loaded, year, policy=policy_used, national=national)
        tables = source.tables(area)
    except SmallSuppressionError as error:
        raise _small_suppression(error, "use --exact for a working copy (not for "
                                 "publication)") from None
    except MappaAuditError as error:
        raise _fail(error) from None
    if overridden:
        _warn_small_suppression(policy_used.name, policy_used.suppress_below, "")
    below, base = policy_used.suppress_below, policy_used.rate_min_base
    document = annual_document(tables, year, area=area, suppress_below=None if exact else below,
                               rate_min_base=base, hidden_tables=None if exact else source.hidden(
                                   area, below, rate_min_base=base))
    sys.stdout.write(dumps(document))


class PaperFormat(enum.StrEnum):
    HTML = "html"
    PDF = "pdf"


@app.command()
def paper(
    run_folder: Annotated[
        Path, typer.Argument(help="A board run folder made by `mappa-audit run`.")
    ],
    output: Annotated[
        PaperFormat | None, typer.Option(
            "--format", help="html, or pdf printed by Chromium (default: the ending of "
            "--out, else html).", show_default=False)
    ] = None,
    out: Annotated[
        Path | None, typer.Option(help="File to write (default: board_paper.<format> in the "
                                  "run folder).")
    ] = None,
    allow_small_suppression: AllowSmallSuppressionOption = False,
    force: ForceOption = False,
) -> None:
    """Render the board view of a run as a paper for the SMB, in HTML or PDF.

    Self-contained: no code, no case ids, small numbers hidden, works offline.
    """
    from mappa_audit._files import write_text_atomically
    from mappa_audit._paper import print_pdf, render_paper

    try:
        output = _format_of(output, out, PaperFormat, PaperFormat.HTML)
        target = out or run_folder / f"board_paper.{output.value}"
        _refuse_to_overwrite(target, force=force)
        document = render_paper(run_folder, allow_small_suppression=allow_small_suppression)
        if output is PaperFormat.HTML:
            write_text_atomically(target, document)
        else:
            print_pdf(document, target)
    except SmallSuppressionError as error:
        raise _small_suppression(error, "make the paper of a run whose policy hides counts "
                                 "under 5") from None
    except MappaAuditError as error:
        raise _fail(error) from None
    except OSError as error:
        raise _fail(UsageError(f"cannot write {target}: {error.strerror or error}",
                               "give --out a file in a folder you can write to")) from None
    if allow_small_suppression:
        from mappa_audit._privacy import MIN_BOARD_SUPPRESSION
        from mappa_audit._report import AuditReport

        report = AuditReport.from_run(run_folder, "board")
        if report.suppress_below < MIN_BOARD_SUPPRESSION:
            _warn_small_suppression(str(report.document["policy"].get("name")),
                                    report.suppress_below, "")
    sys.stdout.write(f"{target}\n")


@app.command()
def serve(
    runs: Annotated[
        Path, typer.Option(help="Folder of run folders (mappa-audit run --out).")
    ] = Path("runs"),
    audience: Annotated[
        str, typer.Option(help="board: the board overview (aggregates only); auditor: the "
                          "exception browser.")
    ] = "board",
    host: Annotated[str, typer.Option(help="Address to listen on; loopback by default.")] = (
        "127.0.0.1"),
    port: Annotated[int | None, typer.Option(help="Port (default: a free one).")] = None,
    preheat: Annotated[
        bool, typer.Option("--preheat/--no-preheat",
                           help="Keep a kernel started and waiting for the next viewer, so the "
                           "page opens seconds sooner (Voila's preheating; one kernel's memory, "
                           "about 150 MB).")
    ] = True,
    max_viewers: Annotated[
        int, typer.Option(min=1, help="Viewers at once (each has a kernel of about 150 MB); "
                          "one more is asked to come back in a minute.")
    ] = 25,
    secure_cookie: Annotated[
        bool, typer.Option("--secure-cookie", help="Mark the sign-in cookie Secure (HTTPS "
                           "only): give it behind a reverse proxy that terminates TLS.")
    ] = False,
) -> None:
    """Serve one dashboard with Voila, token-protected, until Ctrl-C or SIGTERM.

    Prints the address to open (with its token) once. Only the dashboard is served: no data
    files, no notebook sources, no tracebacks.
    """
    from mappa_audit._privacy import parse_audience
    from mappa_audit._serve import start_voila

    def stop(signum: int, frame: object) -> None:
        raise KeyboardInterrupt  # the same way out as Ctrl-C: remove the private folder

    for stopping in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(stopping, stop)
    try:
        who = parse_audience(audience)
        if runs.is_dir():
            _warn_no_runs(runs, who.value)
        server = start_voila(runs, who, host=host, port=port, preheat=preheat,
                             max_viewers=max_viewers, secure_cookie=secure_cookie)
    except MappaAuditError as error:
        raise _fail(error) from None
    _stderr.print(f"Serving the {who.value} dashboard. Open this address (it holds the "
                  "password, keep it private):", markup=False)
    sys.stdout.write(server.login_url + "\n")
    sys.stdout.flush()
    try:
        server.process.wait()
    except KeyboardInterrupt:
        _stderr.print("stopping", markup=False)
    finally:
        server.stop()


def _warn_no_runs(runs: Path, who: str) -> None:
    """A dashboard of a folder without its audience's runs only says that there are none:
    say so where the co-ordinator who started it looks (a dataset folder given as --runs,
    or board runs made with --audience auditor)."""
    from mappa_audit._store import successful_runs

    if successful_runs(runs, who):
        return
    make = (f"mappa-audit run DATASET --audience {who} --out {runs}" if who == "auditor"
            else f"mappa-audit run DATASET --out {runs}")
    _stderr.print(f"mappa-audit: warning: {runs} holds no successful {who} run yet; "
                  f"the dashboard says so until `{make}` makes one.", markup=False,
                  soft_wrap=True)


@app.command("sample-data")
def sample_data(
    out: Annotated[Path, typer.Argument(help="New folder to write the CSV files into.")],
    cases: Annotated[int, typer.Option(help="Number of cases.")] = 2000,
    seed: Annotated[int, typer.Option(help="Random seed: same arguments, same bytes.")] = 1,
    start: Annotated[str, typer.Option(help="First date of the data, YYYY-MM-DD.")] = "2023-04-01",
    end: Annotated[str, typer.Option(help="Export date (last date), YYYY-MM-DD.")] = "2026-03-31",
    areas: Annotated[int, typer.Option(help="Number of fictional areas.")] = 3,
    invalid_rows: Annotated[
        int, typer.Option(help="Rows to corrupt on purpose, to try the quarantine.")
    ] = 0,
    profile: Annotated[str, typer.Option(
        help="demo: lapse-rich, a quarter at Level 2/3 (data_samples/); national: published "
             "proportions (about 3/4 Category 1, under 2 % at Level 2/3).")] = "demo",
) -> None:
    """Write a synthetic dataset (fictional areas, no real people)."""
    from mappa_audit._generate import generate_dataset

    try:
        rows = generate_dataset(
            out, cases=cases, seed=seed, start=parse_date(start, "start"),
            end=parse_date(end, "end"),
            areas=areas, invalid_rows=invalid_rows, profile=profile,
        )
    except MappaAuditError as error:
        raise _fail(error) from None
    total = sum(rows.values())
    _stderr.print(f"wrote {total} rows in {len(rows)} tables to {out}", markup=False)


# ---- mappa-audit hub: JupyterHub for the board and the auditors (issue 16) -----------------
# A block of its own: the sub-app and its commands, over mappa_audit._hub.

hub_app = typer.Typer(
    name="hub", no_args_is_help=True,
    help="Serve the dashboards and reports to personal accounts through JupyterHub.")
app.add_typer(hub_app)
hub_user_app = typer.Typer(name="user", no_args_is_help=True,
                           help="Accounts of a hub: add, list, remove.")
hub_app.add_typer(hub_user_app)
StateArg = Annotated[Path, typer.Argument(help="The hub's deployment folder (hub init).")]


@hub_app.command("init")
def hub_init(
    state: Annotated[Path, typer.Argument(help="New folder to write the deployment into.")],
    runs: Annotated[Path, typer.Option(help="Folder of run folders (mappa-audit run --out).")],
    port: Annotated[int, typer.Option(help="Port the hub listens on.")] = 8000,
    host: Annotated[str | None, typer.Option(
        help="Address to listen on (default: 127.0.0.1, or every address with TLS).")] = None,
    tls_cert: Annotated[Path | None, typer.Option(help="TLS certificate (PEM).")] = None,
    tls_key: Annotated[Path | None, typer.Option(help="TLS private key (PEM).")] = None,
    auth: Annotated[str, typer.Option(
        help="How people sign in: native (accounts made with `hub user add`), entra (Entra "
        "ID / Azure AD) or ldap; entra and ldap add a recipe to fill in at the end of "
        "jupyterhub_config.py.")] = "native",
    viewers: Annotated[int, typer.Option(
        help="Board members who open the board dashboard at the same moment: that many "
             "kernels are kept started for them (about 150 MB each).")] = 20,
) -> None:
    """Write a JupyterHub deployment (configuration, cookie secret, database) into STATE."""
    from mappa_audit._hub import init_hub

    try:
        config = init_hub(state, runs, port=port, host=host, tls_cert=tls_cert,
                          tls_key=tls_key, auth=auth, viewers=viewers)
    except MappaAuditError as error:
        raise _fail(error) from None
    sys.stdout.write(f"{config}\n")
    if auth != "native":
        _stderr.print(f"Fill in the {auth} recipe at the end of {config} (docs/deploy.md); "
                      f"then start it with `mappa-audit hub start {state}`.", markup=False)
        return
    _stderr.print(f"Add accounts with `mappa-audit hub user add {state} NAME --group board` "
                  f"and start it with `mappa-audit hub start {state}`.", markup=False)


@hub_user_app.command("add")
def hub_user_add(
    state: StateArg,
    name: Annotated[str, typer.Argument(help="User name (letters, digits, . _ @ -).")],
    group: Annotated[str, typer.Option(help="board, auditors or admins.")],
    password_stdin: Annotated[bool, typer.Option(
        "--password-stdin", help="Read the password from stdin instead of making one.")] = False,
) -> None:
    """Create an account; print its one-time password once (unless --password-stdin)."""
    from mappa_audit._hub import add_user

    given = sys.stdin.readline().rstrip("\r\n") if password_stdin else None
    try:
        password = add_user(state, name, group, given)
    except MappaAuditError as error:
        raise _fail(error) from None
    if given is None:
        _stderr.print(f"Account {name} ({group}) created. Its password, shown once; give it "
                      "to its owner privately:", markup=False)
        sys.stdout.write(password + "\n")
    else:
        _stderr.print(f"Account {name} ({group}) created.", markup=False)


@hub_user_app.command("list")
def hub_user_list(state: StateArg) -> None:
    """List the accounts and their groups."""
    from mappa_audit._hub import list_users

    try:
        accounts = list_users(state)
    except MappaAuditError as error:
        raise _fail(error) from None
    for account in accounts:
        groups = ",".join(account.groups) or "-"
        note = "" if account.has_password else "\t(signs in elsewhere)"
        sys.stdout.write(f"{account.name}\t{groups}{note}\n")


@hub_user_app.command("remove")
def hub_user_remove(
    state: StateArg, name: Annotated[str, typer.Argument(help="User name.")],
) -> None:
    """Delete an account (its password, groups and tokens)."""
    from mappa_audit._hub import remove_user

    try:
        remove_user(state, name)
    except MappaAuditError as error:
        raise _fail(error) from None
    _stderr.print(f"Account {name} removed.", markup=False)


@hub_app.command("start")
def hub_start(state: StateArg) -> None:
    """Run the hub in the foreground until Ctrl-C or SIGTERM; then stop all it started."""
    from mappa_audit._hub import find_proxy, start_hub, stop_hub

    def stop(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    # Ctrl-C too: polars (imported with mappa-audit) puts its own SIGINT handler in place,
    # which makes the system restart the wait for the hub below instead of interrupting it,
    # so Python's KeyboardInterrupt would come only once the hub had stopped by itself.
    # Python's handler interrupts the wait. A SIGINT ignored from the start (`hub start &`
    # in a script) stays ignored, as POSIX has it for background commands (docs/deploy.md).
    stopping_signals = [signal.SIGTERM, signal.SIGHUP]
    if signal.getsignal(signal.SIGINT) is not signal.SIG_IGN:
        stopping_signals.append(signal.SIGINT)
    for stopping in stopping_signals:
        signal.signal(stopping, stop)
    try:
        find_proxy()
        process = start_hub(state)
    except MappaAuditError as error:
        raise _fail(error) from None
    try:
        code = process.wait()
    except KeyboardInterrupt:
        _stderr.print("stopping the hub", markup=False)
        code = 0
    finally:
        for stopping in (signal.SIGTERM, signal.SIGHUP, signal.SIGINT):
            signal.signal(stopping, signal.SIG_IGN)  # a second signal must not cut this short
        stop_hub(process, state)
    if code:
        raise typer.Exit(ExitCode.BAD_INPUT)


# ---- end of mappa-audit hub ------------------------------------------------------------------


class _WarningLine(logging.Handler):
    """The library's logged warnings, one line each on stderr (through rich, so that they
    print above a progress bar instead of through it)."""

    def emit(self, record: logging.LogRecord) -> None:
        _stderr.print(f"mappa-audit: warning: {record.getMessage()}", markup=False,
                      soft_wrap=True)


def main() -> None:
    """Entry point of the ``mappa-audit`` script (:class:`_OneLineErrors` does the work, so
    that tests calling ``app`` in-process through typer's ``CliRunner`` meet the same)."""
    app()
