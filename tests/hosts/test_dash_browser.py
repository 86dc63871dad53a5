"""The Dash host end to end: the demo app on Dash's own (Flask) server at 100k rows, in Chromium.

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

pytest.importorskip("dash")
pytest.importorskip("playwright")

ROWS = 100_000
TZ = "Europe/Paris"  # not the server's zone: each browser session is planned in its own
APP = ROOT / "examples" / "dash_app.py"
BUNDLE = ROOT / "components" / "dash_vegafusion" / "static" / "dash.js"
CHANNEL = "/_dash-update-component"


def load_app() -> Any:
    return support.load_module(APP, "dash_app_example")


def flights_rows() -> list[dict[str, Any]]:
    return support.demo_rows(ROWS)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    ensure_bundle(BUNDLE)
    port = free_port()
    log = tmp_path_factory.mktemp("dash") / "server.log"
    url = f"http://127.0.0.1:{port}"
    process = start_server([sys.executable, str(APP)], {"ROWS": str(ROWS), "PORT": str(port)},
                           log, f"{url}/_dash-dependencies")
    yield url
    stop_server(process)


class Traffic:
    """Bytes of Dash's data requests (layout, callbacks), apart from static files."""

    def __init__(self, page: Any) -> None:
        self.data = 0
        self.callbacks = 0
        page.on("requestfinished", self._on_request)

    def _on_request(self, request: Any) -> None:
        sizes = request.sizes()
        size = sizes["responseBodySize"] + sizes["requestBodySize"]
        if "/_dash-layout" in request.url or CHANNEL in request.url:
            self.data += size
        if CHANNEL in request.url:
            self.callbacks += 1


@pytest.fixture(scope="module")
def page(browser: Any, server: str) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 1500, "height": 1100}, timezone_id=TZ)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda err: errors.append(str(err)))
    warnings: list[str] = []
    page.on("console",
            lambda m: warnings.append(m.text) if m.type in ("warning", "error") else None)
    page.traffic = Traffic(page)
    page.goto(server)
    for index in (0, 1):
        chart(page, index).locator(".vf-chart svg").wait_for(timeout=120_000)
    yield page
    context.close()
    assert errors == [], errors
    # Dash 3+ warns about React defaultProps on function components: the wrapper has none.
    assert not [w for w in warnings if "defaultProps" in w], warnings


def chart(page: Any, index: int) -> Any:
    return page.locator("#crossfilter" if index == 0 else "#origins")


def browser_state(page: Any, index: int) -> dict[str, Any]:
    """The datasets the chart draws and its bars, as the browser has them now."""
    extra = ", ".join([
        "session: el.__vegafusion.session",
        "error: el.classList.contains('vf-has-error') ? el.textContent : null",
    ])
    return support.browser_state(chart(page, index), "el.__vegafusion.commPlan", extra)


def wait_until_idle(page: Any, index: int) -> None:
    support.wait_until_idle(page, chart(page, index), max_wait_s=20)


def drag_brush(page: Any, start: float, end: float) -> None:
    """Drag across the distance histogram's plot area, from/to fractions of its width."""
    support.drag_brush(page, chart(page, 0), start, end)


def python_text(page: Any, element_id: str, timeout: float = 30) -> str:
    """Text written by a Python callback, once it is no longer the initial 'none'."""
    deadline = time.monotonic() + timeout
    text = ""
    while time.monotonic() < deadline:
        text = page.locator(f"#{element_id}").inner_text()
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
    assert traffic.callbacks > 0  # the interactions above went through the component's callback
    # The layout (client specs), the bars and every callback's messages: far below the table.
    assert traffic.data < raw / 50, (traffic.data, raw)


def post_envelope(page: Any, value: Any, component: str = "crossfilter") -> dict[str, Any]:
    """Call the component's callback as dash-renderer does, with `value` as clientMessage."""
    body = {"output": f"..{component}.serverMessage...{component}.selections..",
            "outputs": [{"id": component, "property": "serverMessage"},
                        {"id": component, "property": "selections"}],
            "inputs": [{"id": component, "property": "clientMessage", "value": value}],
            "changedPropIds": [f"{component}.clientMessage"], "state": []}
    status, text = page.evaluate("""async ([url, body]) => {
        const r = await fetch(url, {method: 'POST', body,
                                    headers: {'Content-Type': 'application/json'}});
        return [r.status, await r.text()];
    }""", [CHANNEL, json.dumps(body)])
    assert status in (200, 204), (status, text)
    return json.loads(text)["response"][component]["serverMessage"]["message"] if text else {}


def test_malformed_updates_leave_chart_and_state_unchanged(page: Any, tmp_path: Path) -> None:
    state = browser_state(page, 0)
    chart_key = chart(page, 0).evaluate("el => el.__vegafusion.chart")
    probe = "probe-session-0001"

    def send(message: Any, session: str = probe, n: int = 1) -> dict[str, Any]:
        return post_envelope(page, {"n": n, "chart": chart_key, "session": session,
                                    "message": message})

    brush = state["brush"]
    other = [{**brush[0], "values": [[100, 200]]}]
    assert send({"type": "hello", "tz": TZ})["type"] == "ok"
    first = send({"type": "update", "seq": 1, "updates": [
        {"namespace": "data", "name": "brush_store", "scope": [], "value": brush}]})
    assert first["type"] == "update"
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
        answer = send(message)
        assert answer["type"] == "error" and answer["message"], (message, answer)
    for envelope in ["junk", {"n": 1, "chart": "no-such-chart", "session": probe,
                              "message": {"type": "hello"}},
                     {"n": 1, "chart": chart_key, "session": 7, "message": {"type": "hello"}}]:
        answer = post_envelope(page, envelope)
        assert answer == {} or answer["type"] == "error", (envelope, answer)
    # State unchanged: sending the brush the server already has changes nothing.
    same = send({"type": "update", "seq": 5, "updates": [
        {"namespace": "data", "name": "brush_store", "scope": [], "value": brush}]})
    assert (same["type"], same["updates"]) == ("update", [])
    # The browser's own session: malformed messages that never reach its state...
    for message in [{"type": "update", "seq": "x"}, {"type": "update"}, None]:
        send(message, session=state["session"], n=10_000)
    # ...and the chart is still up: a new brush draws exactly what Vega draws.
    assert browser_state(page, 0)["error"] is None
    assert_brush_draws_as_vega(page, tmp_path, 0.1, 0.4)



def small_crossfilter() -> tuple[dict[str, Any], dict[str, Any]]:
    import pyarrow as pa

    table = pa.table({"x": [float(i % 17) for i in range(200)],
                      "y": [float(i % 5) for i in range(200)]})
    spec = {"$schema": "https://vega.github.io/schema/vega-lite/v6.json",
            "data": {"url": "table://small"},
            "hconcat": [
                {"mark": "bar", "params": [{"name": "brush",
                                            "select": {"type": "interval", "encodings": ["x"]}}],
                 "encoding": {"x": {"field": "x", "bin": True}, "y": {"aggregate": "count"}}},
                {"mark": "bar", "transform": [{"filter": {"param": "brush"}}],
                 "encoding": {"x": {"field": "y", "bin": True}, "y": {"aggregate": "count"}}}]}
    return spec, {"small": table}


def test_each_browser_session_has_its_own_state() -> None:
    """Without a browser: one chart definition, two sessions; a brush in one moves only it."""
    from dash_vegafusion.sessions import answer as answer_in, define_chart

    spec, datasets = small_crossfilter()
    definition = define_chart(spec, datasets, "UTC", None)

    def answer(session: str, message: dict[str, Any]) -> dict[str, Any]:
        return answer_in(definition, f"session-{session}", message)

    for session in ("aaaaaaaa", "bbbbbbbb"):
        assert answer(session, {"type": "hello", "tz": "UTC"}) == {"type": "ok"}
    brush = [{"unit": "concat_0", "fields": [{"field": "x", "channel": "x", "type": "R"}],
              "values": [[2, 6]]}]
    update = {"namespace": "data", "name": "brush_store", "scope": [], "value": brush}
    first = answer("aaaaaaaa", {"type": "update", "seq": 1, "updates": [update]})
    assert first["type"] == "update" and first["updates"], first
    # The same brush is news to the other session (its state never saw it)...
    other = answer("bbbbbbbb", {"type": "update", "seq": 1, "updates": [update]})
    assert other["updates"] == first["updates"]
    # ...and old news to the first one.
    again = answer("aaaaaaaa", {"type": "update", "seq": 2, "updates": [update]})
    assert again["type"] == "update" and again["seq"] == 2 and again["updates"] == []
    # Updates apply in order: a late one is refused, not applied over a newer one.
    late = answer("aaaaaaaa", {"type": "update", "seq": 2, "updates": []})
    assert late["type"] == "error" and "out of order" in late["message"]
