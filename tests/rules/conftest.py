"""Fixtures of the rule tests: write rows as a dataset and audit it (see ``_datasets.py``)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

import pytest
from _datasets import Audited, Batch, Row, audit_rows, next_name


@pytest.fixture
def run(tmp_path: Path) -> Callable[..., Audited]:
    """``run(start, end, cases=[...], meetings=[...], ...)``: write the rows, audit them
    (``policy``: a policy file; the shipped default when left out).

    Each call writes a fresh folder. ``strict`` (on unless a test turns it off) fails the test
    when the loader quarantines anything, so a typo in a test row cannot pass silently.
    """

    def run_rows(
        start: str,
        end: str,
        *,
        strict: bool = True,
        policy: Path | None = None,
        **tables: Sequence[Row] | None,
    ) -> Audited:
        return audit_rows(tmp_path / next_name("dataset"), start, end, strict=strict,
                          policy=policy, tables=tables)

    return run_rows


@pytest.fixture(scope="session")
def batch(tmp_path_factory: pytest.TempPathFactory) -> Batch:
    """``batch(scenario)``: the items of one scenario, audited with every scenario of its
    period in one run."""
    return Batch(lambda: tmp_path_factory.mktemp("batch"))
