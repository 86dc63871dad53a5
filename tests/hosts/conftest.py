"""The browser for host tests: Debian's Chromium through Playwright, never a downloaded one."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Iterator

import pytest

from .support import CHROMIUM, CHROMIUM_ARGS

# The example apps import their shared charts (examples/flights_dashboard.py) as a sibling
# module, as they do when run as scripts; the tests load the apps by path.
EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
if str(EXAMPLES) not in sys.path:
    sys.path.insert(0, str(EXAMPLES))


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    if not Path(CHROMIUM).exists():
        pytest.fail("Debian's chromium is missing: apt-get install -y chromium (make setup)")
    playwright_sync = pytest.importorskip("playwright.sync_api")
    with playwright_sync.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()
