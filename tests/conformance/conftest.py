"""Session fixtures: one Node runner, and the corpus / interaction runs shared by the tests."""

from __future__ import annotations

import os
import shutil
from typing import Any, Iterator

import pytest

from .harness import CORPUS, SCRIPT, NodeRunner, corpus_specs, interaction_specs
from .run import run_corpus, run_interactions, write_report


def _skip_without_oracle() -> None:
    if shutil.which("node") is None or not (SCRIPT.parent / "node_modules" / "vega").exists():
        pytest.skip("Node with vega (tests/oracle/node_modules) is needed for the conformance suite")
    if not CORPUS.exists():
        pytest.skip(f"the spec corpus is not at {CORPUS} (set VF_CORPUS)")


@pytest.fixture(scope="session")
def node_runner() -> Iterator[NodeRunner]:
    _skip_without_oracle()
    runner = NodeRunner()
    yield runner
    runner.close()


@pytest.fixture(scope="session")
def corpus_report(node_runner: NodeRunner) -> dict[str, Any]:
    """Test 1 over the whole corpus (VF_CONFORMANCE_ONLY=substring narrows it, without a report)."""
    only = os.environ.get("VF_CONFORMANCE_ONLY", "")
    report = run_corpus([s for s in corpus_specs() if only in s.name], node_runner)
    if not only:
        write_report(report, None)
    return report


@pytest.fixture(scope="session")
def interactions_report(node_runner: NodeRunner) -> dict[str, Any]:
    report = run_interactions(interaction_specs(), node_runner)
    write_report(None, report)
    return report
