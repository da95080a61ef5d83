"""The loader's fuzz property over 10,000 examples (issue 6), in processes of their own.

tests/conftest.py starts them when this test is collected, at the lowest CPU priority, and
this test, which runs last, waits for them; a file of its own, so that pytest-xdist can hand
it out last too (tests/test_fuzz.py holds the property and the processes).
"""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest
from test_fuzz import start_many

from _support import FUZZ_FOLDER_ENV

MANY_SECONDS = 3600
"""How long the test waits for the many-examples run (its processes run at the lowest
priority: a busy machine holds them back)."""


@pytest.mark.slow
def test_mutated_dataset_loads_or_fails_cleanly_many(tmp_path: Path) -> None:
    started_elsewhere = os.environ.get(FUZZ_FOLDER_ENV)
    folder = Path(started_elsewhere) if started_elsewhere else tmp_path
    if not started_elsewhere:  # run without tests/conftest.py
        start_many(folder)
    deadline = time.monotonic() + MANY_SECONDS
    while not (folder / "seeds").exists() and time.monotonic() < deadline:
        time.sleep(1)
    running = dict(entry.split(":") for entry in (folder / "seeds").read_text().split())

    def done(seed: str) -> bool:  # a result, or a process that ended without one
        return (folder / f"{seed}.rc").exists() or not Path(f"/proc/{running[seed]}").exists()

    while not all(map(done, running)) and time.monotonic() < deadline:
        time.sleep(1)
    failures = []
    for seed in running:
        status = folder / f"{seed}.rc"
        if not status.exists() or status.read_text() != "0":
            output = (folder / f"{seed}.log").read_text(errors="replace")
            failures.append(f"--- seed {seed} (MAPPA_FUZZ_SEED={seed}) ---\n{output[-4000:]}")
    assert not failures, "\n".join(failures)
