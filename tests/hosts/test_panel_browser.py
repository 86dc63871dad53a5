"""The Panel host end to end: the demo app on Panel's (Bokeh/Tornado) server at 100k rows, in
Chromium. Messages travel over Panel's websocket; datasets arrive as Arrow IPC bytes.

Expected values come from Vega JS in Node (tests/oracle/scenegraph.mjs) evaluating the whole chart
over the same rows with the same brush the browser drew.
"""

from __future__ import annotations

import json
import re
import sys
import time
from pathlib import Path
from typing import Any, Iterator

import pytest

from . import support
from .support import ROOT, ensure_bundle, free_port, start_server, stop_server

pytest.importorskip("panel")
pytest.importorskip("playwright")

ROWS = 100_000
TZ = "Europe/Paris"  # not the server's zone: each browser view is planned in its own
APP = ROOT / "examples" / "panel_app.py"
BUNDLE = ROOT / "components" / "panel_vegafusion" / "static" / "panel.js"
PROBE = "probe-client-0001"


def load_app() -> Any:
    return support.load_module(APP, "panel_app_example")


def flights_rows() -> list[dict[str, Any]]:
    return support.demo_rows(ROWS)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    ensure_bundle(BUNDLE)
    port = free_port()
    log = tmp_path_factory.mktemp("panel") / "server.log"
    url = f"http://127.0.0.1:{port}"
    # A static file answers at once; the page itself builds a session (plans both charts).
    process = start_server([sys.executable, str(APP)], {"ROWS": str(ROWS), "PORT": str(port)},
                           log, f"{url}/static/js/bokeh.min.js")
    yield url
    stop_server(process)


class Traffic:
    """Bytes over Panel's websocket (the document, the specs, every message), both ways."""

    def __init__(self, page: Any) -> None:
        self.data = 0
        self.binary_frames = 0
        page.on("websocket", self._on_websocket)

    def _on_websocket(self, ws: Any) -> None:
        def received(payload: Any) -> None:
            self.data += len(payload)
            self.binary_frames += isinstance(payload, bytes)

        ws.on("framereceived", received)
        ws.on("framesent", lambda payload: setattr(self, "data", self.data + len(payload)))


@pytest.fixture(scope="module")
def page(browser: Any, server: str) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 1500, "height": 1100}, timezone_id=TZ)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda err: errors.append(str(err)))
    page.traffic = Traffic(page)
    page.goto(server)
    for index in (0, 1):
        chart(page, index).locator(".vf-chart svg").wait_for(timeout=120_000)
    yield page
    context.close()
    assert errors == [], errors


def chart(page: Any, index: int) -> Any:
    return page.locator(".vegafusion-chart").nth(index)


def browser_state(page: Any, index: int) -> dict[str, Any]:
    """The datasets the chart draws and its bars, as the browser has them now."""
    extra = ", ".join([
        "client: el.__vegafusion.client",
        "error: el.classList.contains('vf-has-error') ? el.textContent : null",
    ])
    return support.browser_state(chart(page, index), "el.__vegafusion.commPlan", extra)


def wait_until_idle(page: Any, index: int) -> None:
    support.wait_until_idle(page, chart(page, index), max_wait_s=20)


def drag_brush(page: Any, start: float, end: float) -> None:
    """Drag across the distance histogram's plot area, from/to fractions of its width."""
    support.drag_brush(page, chart(page, 0), start, end)


def python_text(page: Any, css_class: str, timeout: float = 30) -> str:
    """Text of a pane bound to a selection in Python, once it is no longer the initial 'none'."""
    deadline = time.monotonic() + timeout
    text = ""
    while time.monotonic() < deadline:
        text = page.locator(f".{css_class} pre").inner_text().strip()
        if not text.endswith("none"):
            return text
        page.wait_for_timeout(200)
    return text


def assert_brush_draws_as_vega(page: Any, tmp_path: Path, start: float, end: float) -> list:
    before = browser_state(page, 0)
    drag_brush(page, start, end)
    wait_until_idle(page, 0)
    after = browser_state(page, 0)
    assert after["error"] is None, after["error"]
    from vegafusion_core.spec.normalize import to_vega

    spec, _ = to_vega(load_app().crossfilter())
    support.assert_drawn_as_vega(before, after, spec, flights_rows(), tmp_path, TZ)
    return after["brush"][0]["values"][0]


def test_brush_cross_filters_exactly_as_vega(page: Any, tmp_path: Path) -> None:
    lo, hi = assert_brush_draws_as_vega(page, tmp_path, 0.25, 0.55)
    assert 0 < lo < hi
    text = python_text(page, "brush-text")
    number = r"-?\d+(?:\.\d+)?(?:e[-+]?\d+)?"
    numbers = [float(x) for x in re.findall(number, text.split(":", 1)[1])]
    assert numbers == pytest.approx([lo, hi]), text


def test_point_selection_reaches_python(page: Any) -> None:
    bar = chart(page, 1).locator("g.mark-rect path").nth(3)
    origin = bar.evaluate("path => path.__data__.datum.origin")
    bar.click()
    page.wait_for_timeout(300)
    picked = chart(page, 1).evaluate("""el => el.__vegafusion.handle.view().data('pick_store')
        .map(t => t.values[0])""")
    assert picked == [origin]
    assert python_text(page, "pick-text") == f"origins picked: {origin}"


def test_browser_never_receives_the_rows(page: Any) -> None:
    raw = len(json.dumps(flights_rows()))
    traffic = page.traffic
    assert traffic.binary_frames > 0  # the brush's answers came as Arrow IPC buffers
    # The document (client specs), the bars and every message: far below the table itself.
    assert traffic.data < raw / 50, (traffic.data, raw)


def listen(page: Any) -> None:
    """Collect every custom message the pane's model receives (all clients' answers)."""
    chart(page, 0).evaluate("""el => {
        window.__vfAnswers = [];
        el.__vegafusion.model.on('msg:custom', (data) => window.__vfAnswers.push(data));
    }""")


def send(page: Any, data: Any, client: str | None = PROBE, timeout: float = 30) -> dict[str, Any]:
    """Send `data` (wrapped for `client` unless client is None) over the pane's channel; the
    answer addressed to `client`, or {} when none comes."""
    before = page.evaluate("window.__vfAnswers.length")
    body = {"client": client, "message": data} if client is not None else data
    chart(page, 0).evaluate("(el, body) => el.__vegafusion.model.send_msg(body)", body)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        answers = page.evaluate("""(n) => window.__vfAnswers.slice(n).map(a => ({
            client: a.client, type: a.message.type, message: a.message.message,
            updates: (a.message.updates || []).map(u => u.name)}))""", before)
        mine = [a for a in answers if a["client"] == client]
        if mine:
            return mine[0]
        page.wait_for_timeout(100)
    return {}


def test_malformed_updates_leave_chart_and_state_unchanged(page: Any, tmp_path: Path) -> None:
    state = browser_state(page, 0)
    listen(page)
    brush = state["brush"]
    other = [{**brush[0], "values": [[100, 200]]}]
    assert send(page, {"type": "hello", "tz": TZ})["type"] == "ok"
    first = send(page, {"type": "update", "seq": 1, "updates": [
        {"namespace": "data", "name": "brush_store", "scope": [], "value": brush}]})
    assert first["type"] == "update" and first["updates"], first
    bad = [
        {"type": "update", "seq": "x", "updates": []},
        "update",
        {"type": "nonsense"},
        # A valid change followed by an invalid one: all or nothing.
        {"type": "update", "seq": 2, "updates": [
            {"namespace": "data", "name": "brush_store", "scope": [], "value": other},
            {"namespace": "data", "name": "brush_store", "scope": [], "value": "DROP TABLE"}]},
        {"type": "update", "seq": 3, "updates": [
            {"namespace": "signal", "name": "no_such_signal", "scope": [9], "value": 1}]},
        {"type": "update", "seq": 4, "updates": {"not": "a list"}},
    ]
    for message in bad:
        answer = send(page, message)
        assert answer["type"] == "error" and answer["message"], (message, answer)
    # Not even addressed to a view: ignored, nothing answered, the server stays up.
    for junk in ["junk", {"client": 7}, [1, 2]]:
        assert send(page, junk, client=None, timeout=1) == {}
    assert send(page, {"type": "update", "seq": 1, "updates": []},
                client="never-said-hello")["type"] == "error"
    # State unchanged: sending the brush the server already has changes nothing.
    same = send(page, {"type": "update", "seq": 5, "updates": [
        {"namespace": "data", "name": "brush_store", "scope": [], "value": brush}]})
    assert (same["type"], same["updates"]) == ("update", []), same
    # The browser's own view: malformed updates with old seqs (the view never draws an answer
    # to an update older than its newest, so its error box stays shut) never reach its state...
    for message in [{"type": "update", "seq": 0, "updates": "garbage"},
                    {"type": "update", "seq": -5, "updates": [
                        {"namespace": "data", "name": "brush_store", "scope": [],
                         "value": "DROP TABLE"}]}]:
        assert send(page, message, client=state["client"])["type"] == "error"
    assert browser_state(page, 0)["error"] is None
    # ...and the chart is still up: a new brush draws exactly what Vega draws.
    assert_brush_draws_as_vega(page, tmp_path, 0.1, 0.4)


def test_datasets_travel_as_arrow_where_the_values_allow() -> None:
    """Without a browser: rows become Arrow IPC only when they read back the same."""
    import pyarrow as pa

    from panel_vegafusion.pane import dataset_value

    rows = [{"bin": 1.5, "n": 3, "name": "a", "flag": True, "none": None},
            {"bin": None, "n": 4, "name": None, "flag": False, "none": None}]
    encoded = dataset_value(rows)
    assert isinstance(encoded, bytes)
    decoded = pa.ipc.open_stream(encoded).read_all().to_pylist()
    assert decoded == rows  # 3 == 3.0 in Python as in JS
    assert list(decoded[0]) == list(rows[0])  # Vega's field order is kept
    for not_exact in ([{"a": 1}, {"b": 2}],            # a missing key is not null in Vega
                      [{"a": [1, 2]}], [{"a": {"b": 1}}],  # nested values
                      [{"a": 1}, {"a": "x"}],         # mixed types
                      []):
        assert dataset_value(not_exact) is not_exact
