"""Fixtures of the planner tests that draw with Vega JS."""

from __future__ import annotations

import shutil
from typing import Iterator

import pytest

from tests.conformance.harness import SCRIPT, NodeRunner


@pytest.fixture(scope="session")
def node_runner() -> Iterator[NodeRunner]:
    """One Node process running Vega for the planner tests (skipped without Node and vega)."""
    if shutil.which("node") is None or not (SCRIPT.parent / "node_modules" / "vega").exists():
        pytest.skip("Node with vega (tests/oracle/node_modules) is needed")
    runner = NodeRunner()
    yield runner
    runner.close()
