"""Recorded runs: the audit notebooks executed by papermill into dated run folders, and the index.

A run folder (results-format.md) is never overwritten and always says how the run ended:
``manifest.json`` is written first with ``outcome: running`` and rewritten at the end, so a run
that crashed, failed or was killed still leaves its parameters, its inputs' hashes and the
partly executed notebook. Run folders are ``0750`` and their files ``0640`` whatever the umask.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import getpass
import hashlib
import logging
import platform
import re
import signal
import socket
import subprocess
import sys
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mappa_audit import __version__
from mappa_audit._errors import ArgumentError, MappaAuditError, UsageError
from mappa_audit._files import (
    make_folder,
    new_folder,
    private_umask,
    restrict,
    write_text_atomically,
)
from mappa_audit._privacy import Audience, check_board_suppression
from mappa_audit._shipped import checkout, shipped_notebook
from mappa_audit._store import (
    MANIFEST_NAME,
    Manifest,
    add_to_index,
    checked,
    index_entry,
    write_manifest,
    write_outcomes,
)

if TYPE_CHECKING:
    import polars as pl

    from mappa_audit._engine import AuditResult
    from mappa_audit._policy import Policy
    from mappa_audit._report import AuditReport

NOTEBOOKS = ("audit_report", "disclosure_review")
"""Notebooks of a run, in the order they run; files ``notebooks/<name>.ipynb``."""
KERNEL_NAME = "python3"
"""The kernel of the Python that runs mappa-audit (ipykernel's own, always present)."""
_VERSIONED = ("polars", "holidays", "papermill", "nbconvert", "plotly", "voila", "ipykernel")
logger = logging.getLogger(__name__)


class Period:
    """Named periods relative to a day: ``last-month``, ``last-quarter``,
    ``last-financial-year`` (April to March)."""

    NAMES = ("last-month", "last-quarter", "last-financial-year")

    @staticmethod
    def resolve(name: str, today: dt.date) -> tuple[dt.date, dt.date]:
        """The first and last day of the named period before ``today``.

        Examples
        --------
        >>> Period.resolve("last-quarter", dt.date(2026, 5, 10))
        (datetime.date(2026, 1, 1), datetime.date(2026, 3, 31))
        >>> Period.resolve("last-financial-year", dt.date(2026, 4, 1))
        (datetime.date(2025, 4, 1), datetime.date(2026, 3, 31))
        >>> Period.resolve("last-month", dt.date(2026, 1, 15))
        (datetime.date(2025, 12, 1), datetime.date(2025, 12, 31))
        """
        if name == "last-month":
            end = today.replace(day=1) - dt.timedelta(days=1)
            return end.replace(day=1), end
        if name == "last-quarter":
            quarter_start = today.replace(month=3 * ((today.month - 1) // 3) + 1, day=1)
            end = quarter_start - dt.timedelta(days=1)
            return end.replace(month=end.month - 2, day=1), end
        if name == "last-financial-year":
            year = today.year if today.month >= 4 else today.year - 1
            return dt.date(year - 1, 4, 1), dt.date(year, 3, 31)
        msg = f"`period` {name!r} is not one of: {', '.join(Period.NAMES)}"
        raise ArgumentError(msg, "or give the period's `start` and `end`", argument="period")


@dataclass
class RunOutcome:
    """How one run (one area) ended."""

    folder: Path
    area: str | None
    succeeded: bool
    reason: str | None = None
    notebooks: list[str] = field(default_factory=list)
    interrupted: bool = False


def notebook_path(name: str) -> Path:
    """Where a shipped notebook lives (in the package, or ``notebooks/`` of the checkout)."""
    return shipped_notebook("notebooks", name)


def run_folder_name(started: dt.datetime, area: str | None, start: dt.date, end: dt.date) -> str:
    """``<UTC timestamp>_<area or all>_<start>_<end>`` (results-format.md).

    Examples
    --------
    >>> run_folder_name(dt.datetime(2026, 4, 2, 6, 0, tzinfo=dt.UTC), "Ashby Fen",
    ...                 dt.date(2025, 4, 1), dt.date(2026, 3, 31))
    '20260402T060000Z_ashby-fen_2025-04-01_2026-03-31'
    """
    slug = re.sub(r"[^a-z0-9]+", "-", (area or "all").lower()).strip("-") or "area"
    return f"{started:%Y%m%dT%H%M%SZ}_{slug}_{start.isoformat()}_{end.isoformat()}"


def _new_folder(out: Path, name: str) -> Path:
    """A new folder, never an existing one: a clash in the same second gets ``-2``, ``-3``…"""
    make_folder(out)
    for attempt in range(1, 1000):
        folder = out / (name if attempt == 1 else f"{name}-{attempt}")
        try:
            new_folder(folder)
        except FileExistsError:
            continue
        return folder
    msg = f"cannot make a new run folder under {out}"
    raise UsageError(msg, "clear out old runs")


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def input_files(dataset: Path) -> list[dict[str, Any]]:
    """Name, size and sha256 of every file of the dataset (nothing when it is missing)."""
    if dataset.is_file():
        files = [dataset]
    elif dataset.is_dir():
        files = sorted(p for p in dataset.iterdir() if p.is_file() and not p.name.startswith("."))
    else:
        return []
    return [{"name": p.name, "bytes": p.stat().st_size, "sha256": _sha256(p)} for p in files]


def _git_commit() -> str | None:
    root = checkout()
    if root is None:  # a wheel: the venv may sit in some other repository, not ours
        return None
    try:
        completed = subprocess.run(
            ["git", "rev-parse", "HEAD"], cwd=root, capture_output=True,
            text=True, timeout=10, check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return completed.stdout.strip() or None if completed.returncode == 0 else None


def _versions() -> dict[str, str]:
    versions = {"mappa-audit": __version__, "python": platform.python_version()}
    for package in _VERSIONED:
        try:
            versions[package] = metadata.version(package)
        except metadata.PackageNotFoundError:
            versions[package] = "not installed"
    return versions


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(microsecond=0)


@dataclass(frozen=True)
class RunRequest:
    """What to run: the same for every area of one ``mappa-audit run``."""

    dataset: Path
    start: dt.date
    end: dt.date
    policy: Path | None
    audience: Audience
    out: Path
    period_name: str | None = None
    allow_small_suppression: bool = False
    """Let a board run use a policy whose ``suppress_below`` is below 5 (recorded in the
    manifest)."""
    national: Path | None = None
    """The national figures file the areas' use of the levels is compared with (``None``:
    the shipped one)."""


def check_policy_bounds(request: RunRequest) -> Policy | None:
    """Refuse a board run whose policy hides too little (:func:`check_board_suppression`).

    Returns the policy when the override let its small ``suppress_below`` through (for the
    caller to say so), else ``None``. A policy that cannot be loaded is not judged here: the
    run fails on it, and its manifest says why.
    """
    if request.audience is not Audience.BOARD:
        return None
    from mappa_audit._policy import load_policy

    try:
        policy = load_policy(request.policy)
    except MappaAuditError:
        return None
    overridden = check_board_suppression(
        policy.suppress_below, policy.name,
        allow_small_suppression=request.allow_small_suppression)
    return policy if overridden else None


class RunInterrupted(BaseException):
    """SIGTERM (systemd stopping the job, a shutdown) arrived during a run.

    A BaseException, so that no `except Exception` on the way swallows it.
    """


@dataclass
class _Interruptions:
    """Where SIGTERM may interrupt: only while notebooks run. Elsewhere (writing the
    manifest and the index) it is noted and acted on once the files are complete."""

    may_raise: bool = False
    pending: str | None = None

    def handle(self, signum: int, frame: object) -> None:
        name = signal.Signals(signum).name
        # Noted even when raising: a signal handler's exception is raised wherever the main
        # thread is, and in a weakref callback or a __del__ Python prints it and goes on.
        self.pending = name
        if self.may_raise:
            raise RunInterrupted(name)

    def raise_if_pending(self) -> None:
        if self.pending is not None:
            raise RunInterrupted(self.pending)


_INTERRUPTIONS = _Interruptions()


@contextmanager
def _sigterm_interrupts() -> Iterator[None]:
    """Turn SIGTERM into :class:`RunInterrupted` so the run folder can say what happened."""
    _INTERRUPTIONS.pending = None
    try:
        previous = signal.signal(signal.SIGTERM, _INTERRUPTIONS.handle)
    except ValueError:  # not the main thread: leave signals alone
        yield
        return
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


@contextmanager
def _interruptible() -> Iterator[None]:
    _INTERRUPTIONS.raise_if_pending()
    _INTERRUPTIONS.may_raise = True
    try:
        yield
    finally:
        _INTERRUPTIONS.may_raise = False


@dataclass(frozen=True)
class Audited:
    """The dataset of one ``mappa-audit run`` audited once, for every area at once.

    Each area's run is cut from it (:meth:`AuditResult.for_area`): the rules never look
    across areas, so an area's figures are the all-areas items of that area, and loading and
    auditing once serves every area.
    """

    result: AuditResult
    watch: pl.DataFrame
    worklist: pl.DataFrame
    national: Path | None = None
    """The national figures file of the run (``None``: the shipped one)."""
    _made: dict[str, Any] = field(default_factory=dict, compare=False)
    """What is made on first use and then shared by every area's run: the
    :class:`~mappa_audit._annual.AnnualSource` of the run, the board's report of all
    areas."""

    @classmethod
    def of(cls, request: RunRequest, area: str | None = None) -> Audited:
        """Load, audit, and find the watch list and the worklist, once; of one ``area`` when
        that is the only run to make (the rules then run on its cases alone, a 42nd of the
        work at national scale), else of every area. A board's run of one area needs every
        area (:meth:`report`)."""
        from mappa_audit._engine import audit
        from mappa_audit._loader import load_dataset
        from mappa_audit._policy import load_policy
        from mappa_audit._signals import watch_list
        from mappa_audit._worklist import due_items

        dataset = load_dataset(request.dataset)
        policy = load_policy(request.policy)
        result = audit(dataset, request.start, request.end, area=area, policy=policy)
        return cls(result, watch_list(result),
                   due_items(dataset, request.end, area=result.area, policy=policy),
                   request.national)

    def areas(self) -> list[str]:
        from mappa_audit._engine import known_areas

        return known_areas(self.result.dataset)

    def report(self, area: str | None, audience: Audience) -> AuditReport:
        """One area's report (``None``: all areas) for ``audience``. A board's report of one
        area hides what the board's report of all areas hides of it (decision 59)."""
        from mappa_audit._report import AuditReport

        if audience is Audience.BOARD and self.result.area is None:
            board = self._all_areas_board()
            return board if area is None else AuditReport.from_result(
                self.result.for_area(area), Audience.AUDITOR, watch=self.watch,
                worklist=self.worklist).for_board(like=board)
        return AuditReport.from_result(self.result.for_area(area), audience,
                                       watch=self.watch, worklist=self.worklist)

    def _all_areas_board(self) -> AuditReport:
        """The board's report of all areas, protected once for every area's."""
        from mappa_audit._report import AuditReport

        if "all_areas_board" not in self._made:
            self._made["all_areas_board"] = AuditReport.from_result(
                self.result, Audience.BOARD, watch=self.watch, worklist=self.worklist)
        report: AuditReport = self._made["all_areas_board"]
        return report

    def outcomes(self, area: str | None, audience: Audience) -> dict[str, Any]:
        """One area's annual tables of the last whole financial year by the audit's end, as
        ``annual --format json`` gives them: hidden counts for a board (protected with every
        area's, decision 60), exact for an auditor (``outcomes.json``). The year's as-at
        views are built, and its tables protected, once for every area."""
        from mappa_audit._annual import AnnualSource, annual_document, last_whole_year

        result = self.result
        year = last_whole_year(result.end)
        if "annual_source" not in self._made:
            self._made["annual_source"] = AnnualSource(result.dataset, year,
                                                       policy=result.policy,
                                                       national=self.national)
        source = self._made["annual_source"]
        tables = source.tables(area)
        if audience is not Audience.BOARD:
            return annual_document(tables, year, area=area, suppress_below=None)
        policy = result.policy
        return annual_document(tables, year, area=area, suppress_below=policy.suppress_below,
                               rate_min_base=policy.rate_min_base,
                               hidden_tables=source.hidden(
                                   area, policy.suppress_below,
                                   rate_min_base=policy.rate_min_base))


Progress = Callable[[str, int, int], None]
"""Called with what is being done, how many steps are done, and how many there are."""


def run_audits(
    request: RunRequest,
    areas: list[str | None] | None = None,
    progress: Progress | None = None,
) -> list[RunOutcome]:
    """Audit the dataset once, then make one run folder per area: its results saved, then
    the notebooks run over them. ``areas=None``: each area of the dataset.

    One area failing does not stop the others. When the dataset or the policy cannot be
    read, one run per area asked for (one for "each area") fails and says why. An
    interruption (Ctrl-C, SIGTERM) marks the current run ``interrupted`` and stops: the
    areas after it are not started. A board run of a policy whose ``suppress_below`` is below
    5 raises :class:`~mappa_audit.SmallSuppressionError` before anything is written, unless
    ``request.allow_small_suppression``.
    """
    check_policy_bounds(request)
    make_folder(request.out)
    outcomes: list[RunOutcome] = []
    report_step = progress or (lambda step, done, total: None)
    with (_sigterm_interrupts(), private_umask(), _SharedKernel(request.out) as kernel,
          ThreadPoolExecutor(max_workers=1, thread_name_prefix="mappa-run-filer") as finisher):
        report_step("loading and auditing the dataset", 0, 1)
        audited: Audited | None = None
        failure = None
        try:
            # a board's run of one area is cut from all areas' too: it hides what the
            # board's report of all areas hides of it (decision 59)
            only = (areas[0] if areas is not None and len(areas) == 1
                    and request.audience is Audience.AUDITOR else None)
            audited = Audited.of(request, only)
        except MappaAuditError as error:
            failure = error.one_line()
        if areas is None:
            areas = list(audited.areas()) if audited is not None else [None]
        total = 1 + len(areas) * len(NOTEBOOKS)
        filing: list[Future[None]] = []
        for number, area in enumerate(areas):
            def step(name: str, index: int, area: str | None = area,
                     number: int = number) -> None:
                report_step(f"{area or 'all areas'}: {name}",
                            1 + number * len(NOTEBOOKS) + index, total)

            outcome, filed = _run_one(request, area, audited, failure, kernel, step, finisher)
            outcomes.append(outcome)
            filing.append(filed)
            if outcome.interrupted:
                break
            if _INTERRUPTIONS.pending is not None:  # arrived while this run was being filed
                outcome.interrupted = True
                break
        for filed in filing:
            filed.result()  # the HTML is written and the run recorded; or why not, raised
        report_step("done", total, total)
    return outcomes


def _run_one(
    request: RunRequest, area: str | None, audited: Audited | None, failure: str | None,
    kernel: _SharedKernel, step: Callable[[str, int], None], finisher: ThreadPoolExecutor,
) -> tuple[RunOutcome, Future[None]]:
    """Save one area's results and run its notebooks; the HTML and the manifest's last word
    are left to ``finisher`` (a thread), which works while the next area's notebooks run."""
    started = _now()
    folder = _new_folder(request.out, run_folder_name(started, area, request.start, request.end))
    manifest = _manifest(request, area, folder, started)
    write_manifest(folder, manifest)
    outcome = RunOutcome(folder=folder, area=area, succeeded=True)
    try:
        with _interruptible():
            if audited is None:
                outcome.succeeded, outcome.reason = False, failure
            else:
                outcome.reason = _save_results(audited, area, request.audience, folder)
                outcome.succeeded = outcome.reason is None
            for index, name in enumerate(NOTEBOOKS if outcome.succeeded else ()):
                step(name, index)
                outcome.notebooks.append(f"{name}.ipynb")
                error = _execute(request, area, folder, name, kernel)
                if error is not None and outcome.succeeded:
                    outcome.succeeded, outcome.reason = False, f"{name}: {error}"
                # a SIGTERM whose exception was lost (see _Interruptions.handle) stops here
                _INTERRUPTIONS.raise_if_pending()
    except (KeyboardInterrupt, RunInterrupted) as stop:
        signal_name = str(stop) if isinstance(stop, RunInterrupted) else "Ctrl-C"
        during = outcome.notebooks[-1] if outcome.notebooks else "the audit"
        outcome.succeeded, outcome.interrupted = False, True
        outcome.reason = f"interrupted by {signal_name} during {during}; what had run is kept"
        kernel.discard()  # it may be half-way through a cell
    return outcome, finisher.submit(_file_run, request, outcome, manifest)


def _file_run(request: RunRequest, outcome: RunOutcome, manifest: dict[str, Any]) -> None:
    """The HTML of each notebook that ran, then the manifest's last word and the index."""
    folder = outcome.folder
    for notebook in outcome.notebooks:
        render_html(folder / notebook, request.audience, title=_report_title(
            request, outcome.area, notebook))
    # papermill and nbconvert made their files under the private umask; a last pass also
    # narrows what a kernel made some other way (and gives the group its read bit back)
    restrict(folder.iterdir())
    manifest |= {
        "finished_at": _now().isoformat(),
        "outcome": ("interrupted" if outcome.interrupted
                    else "succeeded" if outcome.succeeded else "failed"),
        "reason": outcome.reason,
        "notebooks": outcome.notebooks,
        "files": sorted(p.name for p in folder.iterdir()
                        if p.name != MANIFEST_NAME and not p.name.startswith(".")),
    }
    write_manifest(folder, manifest)
    add_to_index(request.out, index_entry(folder, checked(manifest, Manifest, MANIFEST_NAME)))


def _save_results(audited: Audited, area: str | None, audience: Audience,
                  folder: Path) -> str | None:
    """Save one area's results in its run folder; ``None`` when saved, else why not."""
    try:
        # the annual tables are a theme of the board's pages, not the audit: a run whose year
        # cannot be tabled (data that start after it) still succeeds, without them
        with contextlib.suppress(MappaAuditError):
            write_outcomes(folder, audited.outcomes(area, audience))
        audited.report(area, audience).save(folder)
    except MappaAuditError as error:
        return error.one_line()
    except OSError as error:
        return f"the results could not be written: {error}"
    return None


def _manifest(
    request: RunRequest, area: str | None, folder: Path, started: dt.datetime
) -> dict[str, Any]:
    from mappa_audit._policy import load_policy

    policy: dict[str, Any]
    try:
        loaded = load_policy(request.policy)
        policy = {"name": loaded.name, "file": loaded.source, "sha256": loaded.sha256,
                  "confirmed": loaded.all_confirmed, "suppress_below": loaded.suppress_below}
    except MappaAuditError as error:  # PolicyError: the notebook fails on it too, and says why
        policy = {"file": str(request.policy), "error": error.one_line()}
    return {
        "format_version": 1,
        "run": folder.name,
        "parameters": {
            "dataset": str(request.dataset.resolve()),
            "start": request.start.isoformat(),
            "end": request.end.isoformat(),
            "period": request.period_name,
            "area": area,
            "policy": str(request.policy.resolve()) if request.policy else None,
            "audience": request.audience.value,
            "allow_small_suppression": request.allow_small_suppression,
            "national": str(request.national.resolve()) if request.national else None,
        },
        "period": {"start": request.start.isoformat(), "end": request.end.isoformat(),
                   "as_at": request.end.isoformat()},
        "policy": policy,
        "inputs": input_files(request.dataset),
        "tool_version": __version__,
        "versions": _versions(),
        "git_commit": _git_commit(),
        "user": getpass.getuser(),
        "host": socket.gethostname(),
        "command": sys.argv[1:] if Path(sys.argv[0]).name.startswith("mappa") else None,
        "started_at": started.isoformat(),
        "finished_at": None,
        "outcome": "running",
        "reason": None,
    }


def _execute(request: RunRequest, area: str | None, folder: Path, name: str,
             kernel: _SharedKernel) -> str | None:
    """Run one notebook of an audit run over its saved results; ``None`` when it succeeded,
    else why it failed. The notebook reads the run folder only: it cannot change what was
    saved, and its other parameters are there for whoever opens it later."""
    parameters = {
        "dataset": str(request.dataset.resolve()),
        "start": request.start.isoformat(),
        "end": request.end.isoformat(),
        "area": area,
        "policy": str(request.policy.resolve()) if request.policy else None,
        "audience": request.audience.value,
        "run_folder": str(folder.resolve()),
    }
    return execute_notebook(name, parameters, folder, kernel=kernel)


class _SharedKernel:
    """One kernel for every notebook of a ``mappa-audit run``, started when first needed.

    Starting a kernel and importing polars, plotly and mappa_audit in it costs seconds; a
    run of 42 areas runs 84 notebooks. Each notebook sets every name it uses (papermill
    injects its parameters), so what an earlier one left in the kernel does not change it.
    A kernel that died, or was interrupted half-way, is replaced by a fresh one.
    """

    def __init__(self, folder: Path) -> None:
        self._folder = folder
        """Where the kernel starts (the runs folder): the notebooks write nothing there."""
        self._manager: Any = None

    def __enter__(self) -> _SharedKernel:
        return self

    def __exit__(self, *exc: object) -> None:
        self.discard()

    def manager(self) -> Any:
        from jupyter_client.manager import KernelManager

        if self._manager is not None and not self._manager.is_alive():
            self.discard()
        if self._manager is None:
            self._manager = KernelManager(kernel_name=KERNEL_NAME)
            # the kernel's start-up warnings (TCP transport) are noise on a cron log
            self._manager.start_kernel(extra_arguments=["--IPKernelApp.log_level=ERROR"],
                                       cwd=str(self._folder.resolve()))
        return self._manager

    def discard(self) -> None:
        if self._manager is None:
            return
        manager, self._manager = self._manager, None
        try:
            if manager.has_kernel:
                manager.shutdown_kernel(now=True)
        except Exception:  # already gone: nothing left to stop
            logger.debug("the run's kernel could not be shut down", exc_info=True)
        manager.cleanup_resources()


def execute_notebook(name: str, parameters: dict[str, Any], folder: Path, *,
                     kernel: _SharedKernel | None = None) -> str | None:
    """Run a shipped notebook with papermill into ``folder``; ``None`` when it succeeded,
    else why it failed (one line). The partly executed notebook is kept either way.

    ``kernel``: a kernel to run it in (kept running afterwards); else one of its own."""
    import papermill
    from papermill.exceptions import PapermillExecutionError

    with _quiet_papermill(), private_umask():
        try:
            # a shared kernel has its folder already; papermill would change this process's
            # working folder for the kernel's sake, under the thread writing the HTML
            where = ({"cwd": str(folder)} if kernel is None else {"km": kernel.manager()})
            papermill.execute_notebook(
                str(notebook_path(name)), str(folder / f"{name}.ipynb"),
                parameters=parameters, kernel_name=KERNEL_NAME, progress_bar=False,
                request_save_on_cell_execute=False, autosave_cell_every=10,
                # the kernel's start-up warnings (TCP transport) are noise on a cron log
                extra_arguments=["--IPKernelApp.log_level=ERROR"], **where,
            )
        except PapermillExecutionError as error:
            return _one_line(f"{error.ename}: {error.evalue}")
        except Exception as error:
            return _one_line(f"{type(error).__name__}: {error}")
        finally:
            restrict([folder / f"{name}.ipynb"])
    return None


@contextmanager
def _quiet_papermill() -> Iterator[None]:
    """papermill logs every cell at INFO and warns about black; the progress bar says enough."""
    import logging

    logger = logging.getLogger("papermill")
    level = logger.level
    logger.setLevel(logging.ERROR)
    try:
        yield
    finally:
        logger.setLevel(level)


def _one_line(text: str) -> str:
    text = re.sub(r"\x1b\[[0-9;]*m", "", text)  # colour codes from IPython's tracebacks
    return " ".join(text.split())[:500]


def _report_title(request: RunRequest, area: str | None, notebook: str) -> str:
    from mappa_audit._views import report_title

    return report_title(Path(notebook).stem, area, {"start": request.start.isoformat(),
                                                    "end": request.end.isoformat()})


def render_html(notebook: Path, audience: Audience, title: str | None = None) -> None:
    """The executed notebook as HTML without code, for readers; works offline. ``title`` is
    the page's title (else the notebook's kind, such as "MAPPA audit report")."""
    if not notebook.exists():
        return
    import nbformat
    import plotly.offline
    from nbconvert import HTMLExporter

    from mappa_audit._views import report_title

    exporter = HTMLExporter(
        template_name="mappa_report",
        extra_template_basedirs=[str(Path(__file__).parent / "templates" / "nbconvert")],
        exclude_input=True, exclude_input_prompt=True, exclude_output_prompt=True,
    )
    node = nbformat.read(notebook, as_version=4)
    # the lab template's <title> (escaped there): without it, every report is "Notebook"
    node.metadata["title"] = title or report_title(notebook.stem)
    if audience is Audience.BOARD:
        _drop_error_outputs(node)
    marking = ("OFFICIAL-SENSITIVE: MAPPA board report (aggregates only)"
               if audience is Audience.BOARD else
               "OFFICIAL-SENSITIVE: MAPPA auditor report (holds case references)")
    body, _ = exporter.from_notebook_node(
        node, resources={"plotly_js": plotly.offline.get_plotlyjs(), "marking": marking},
    )
    write_text_atomically(notebook.with_suffix(".html"), body)


def _drop_error_outputs(node: Any) -> None:
    """A board paper never shows a traceback: replace it with a one-line note."""
    for cell in node.cells:
        outputs = cell.get("outputs", [])
        for index, output in enumerate(outputs):
            if output.get("output_type") == "error" or output.get("name") == "stderr":
                outputs[index] = {
                    "output_type": "stream", "name": "stdout",
                    "text": "This section could not be produced; see the run's manifest.\n",
                }
