"""Fixtures shared by the slow tests: real runs of the real notebooks, made once per test run."""

from __future__ import annotations

import json
import os
import shutil
import sys
import tempfile
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from filelock import FileLock
from playwright.sync_api import Browser, sync_playwright

from mappa_audit import Audience
from mappa_audit._serve import VoilaServer, start_voila

from _support import (
    CHROMIUM,
    CHROMIUM_ARGS,
    FUZZ_FOLDER_ENV,
    FY_2024,
    FY_2025,
    SAMPLE,
    SampleRuns,
    folders_printed,
    mappa,
)


@pytest.fixture(scope="session")
def sample_runs(tmp_path_factory: pytest.TempPathFactory) -> SampleRuns:
    """The runs of ``data_samples/`` the slow tests read: made once for the whole suite, by
    whichever pytest-xdist worker asks first (no test writes into them)."""
    record = shared_once(tmp_path_factory, "runs", _make_sample_runs)
    return SampleRuns(Path(record["folder"]), Path(record["board"]),
                      Path(record["earlier_board"]), [Path(f) for f in record["auditor"]])


def _make_sample_runs(folder: Path) -> dict[str, Any]:
    commands = {
        "earlier": [*FY_2024, "--audience", "board"],
        "board": [*FY_2025, "--audience", "board"],
        "auditor": [*FY_2025, "--audience", "auditor", "--each-area"],
    }
    # the run before first: the board's run compares with it as it is made; then the other
    # two side by side, as two schedules may start together (the index takes both): each is
    # mostly a Python start and a kernel's, which overlap well on two cores
    results = {"earlier": mappa("run", SAMPLE, *commands.pop("earlier"), "--out", folder)}
    with ThreadPoolExecutor(len(commands)) as pool:
        results |= dict(zip(commands, pool.map(
            lambda args: mappa("run", SAMPLE, *args, "--out", folder), commands.values()),
            strict=True))
    made: dict[str, list[Path]] = {}
    for key, result in results.items():
        assert result.returncode == 0, result.stderr
        made[key] = folders_printed(result)
    return {"folder": str(folder), "board": str(made["board"][0]),
            "earlier_board": str(made["earlier"][0]),
            "auditor": [str(f) for f in made["auditor"]]}


@pytest.fixture(scope="session")
def sample_annual(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """``mappa-audit annual`` of ``data_samples/`` for 2025-26 (the report's HTML, workbook
    and notebook), made once for the whole suite like :func:`sample_runs`."""

    def make(folder: Path) -> dict[str, Any]:
        result = mappa("annual", SAMPLE, "--year", "2025-26", "--out", folder / "annual")
        assert result.returncode == 0, result.stderr
        return {"folder": str(folder / "annual")}

    return Path(shared_once(tmp_path_factory, "annual", make)["folder"])


def shared_once(tmp_path_factory: pytest.TempPathFactory, name: str,
                make: Callable[[Path], dict[str, Any]]) -> dict[str, Any]:
    """What ``make`` made in a new folder, made once for every pytest-xdist worker of the
    run: the first to ask makes it under a lock, the others wait and read its record (the
    recipe of pytest-xdist's documentation). Outside xdist, made for this process."""
    if "PYTEST_XDIST_WORKER" not in os.environ:
        return make(tmp_path_factory.mktemp(name))
    shared = tmp_path_factory.getbasetemp().parent  # the run's, above each worker's own
    record = shared / f"{name}.json"
    with FileLock(shared / f"{name}.lock"):
        if not record.exists():
            folder = Path(tempfile.mkdtemp(prefix=f"{name}-", dir=shared))
            record.write_text(json.dumps(make(folder)))
    made: dict[str, Any] = json.loads(record.read_text())
    return made


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """Headless Chromium, one per test module."""
    assert Path(CHROMIUM).exists(), "Chromium is missing: run bash scripts/install-chromium.sh"
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


SLOW_FIXTURES = {"sample_runs": ("slow",), "sample_annual": ("slow",),
                 "browser": ("slow", "browser")}
"""Fixtures that make a test slow (real papermill runs) or need Chromium: a test using one is
marked so by its fixture, whether or not its module remembered to (``-m "not slow"`` is the
quick lane of CONTRIBUTING.md)."""


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        used = set(getattr(item, "fixturenames", ()))
        for fixture, marks in SLOW_FIXTURES.items():
            if fixture in used:
                for mark in marks:
                    item.add_marker(mark)
    # the fuzz run's workers use the time the other tests spend waiting on browsers,
    # servers and kernels: its test, which waits for them, goes last (it waited 80 s of its
    # own in the middle of the suite)
    items.sort(key=lambda item: item.name == MANY_FUZZ)


MANY_FUZZ = "test_mutated_dataset_loads_or_fails_cleanly_many"


def pytest_configure(config: pytest.Config) -> None:
    """Where the 10,000-example fuzz run writes (tests/test_fuzz.py: ``start_many``), for
    this process's test, or every pytest-xdist worker's (they inherit the environment)."""
    if not hasattr(config, "workerinput"):
        os.environ[FUZZ_FOLDER_ENV] = tempfile.mkdtemp(prefix="mappa-fuzz-")


def pytest_collection_finish(session: pytest.Session) -> None:
    """Start the 10,000-example fuzz run's processes now, in the background at the lowest
    priority, when it is among the tests to run. A pytest-xdist worker leaves that to the
    controller (:func:`pytest_xdist_node_collection_finished`): once for all workers."""
    if not hasattr(session.config, "workerinput"):
        _start_fuzz([item.name for item in session.items])


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_node_collection_finished(node: object, ids: list[str]) -> None:
    _start_fuzz([test_id.rsplit("::", 1)[-1] for test_id in ids])


def _start_fuzz(names: list[str]) -> None:
    import test_fuzz

    folder = Path(os.environ[FUZZ_FOLDER_ENV])
    if MANY_FUZZ in names and not (folder / "seeds").exists():
        test_fuzz.start_many(folder)


def pytest_unconfigure(config: pytest.Config) -> None:
    if "test_fuzz" in sys.modules:
        sys.modules["test_fuzz"].stop_many()
    if not hasattr(config, "workerinput"):
        shutil.rmtree(os.environ.pop(FUZZ_FOLDER_ENV, ""), ignore_errors=True)


@pytest.fixture(scope="module")
def board_server(sample_runs: SampleRuns) -> Iterator[VoilaServer]:
    """The board dashboard served by ``serve``'s Voila, for a module's browser tests."""
    server = start_voila(sample_runs.folder, Audience.BOARD)
    yield server
    server.stop()


@pytest.fixture(scope="module")
def auditor_server(sample_runs: SampleRuns) -> Iterator[VoilaServer]:
    """The auditor's exception browser, as above."""
    server = start_voila(sample_runs.folder, Audience.AUDITOR)
    yield server
    server.stop()
