"""The Streamlit host end to end: the real `streamlit run` server, the demo at 100k rows, Chromium.

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
from .support import (ROOT, as_multiset, ensure_bundle, free_port, start_server, stop_server,
                      vega_oracle)

pytest.importorskip("streamlit")
pytest.importorskip("playwright")

ROWS = 100_000
TZ = "Europe/Paris"
APP = ROOT / "examples" / "streamlit_app.py"
BUNDLE = ROOT / "components" / "streamlit_vegafusion" / "static" / "streamlit.js"


def load_app() -> Any:
    return support.load_module(APP, "streamlit_app_example")


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    ensure_bundle(BUNDLE)
    port = free_port()
    log = tmp_path_factory.mktemp("streamlit") / "server.log"
    command = [sys.executable, "-m", "streamlit", "run", str(APP), "--server.port", str(port),
               "--server.address", "127.0.0.1", "--server.headless", "true",
               "--browser.gatherUsageStats", "false", "--server.fileWatcherType", "none"]
    url = f"http://127.0.0.1:{port}"
    process = start_server(command, {"ROWS": str(ROWS)}, log, f"{url}/_stcore/health")
    yield url
    stop_server(process)


class Traffic:
    """Bytes between browser and server, apart from static files (scripts, styles, fonts)."""

    def __init__(self, page: Any) -> None:
        self.websocket = 0
        self.channel = 0
        self.static = 0
        page.on("websocket", self._on_websocket)
        page.on("requestfinished", self._on_request)

    def _on_websocket(self, ws: Any) -> None:
        def count(payload: Any) -> None:
            self.websocket += len(payload)
        ws.on("framereceived", count)
        ws.on("framesent", count)

    def _on_request(self, request: Any) -> None:
        sizes = request.sizes()
        size = sizes["responseBodySize"] + sizes["requestBodySize"]
        if "/_vegafusion/" in request.url:
            self.channel += size
        else:
            self.static += size

    @property
    def data(self) -> int:
        return self.websocket + self.channel


@pytest.fixture(scope="module")
def page(browser: Any, server: str) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 1500, "height": 1100}, timezone_id=TZ)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda err: errors.append(str(err)))
    page.traffic = Traffic(page)
    page.goto(server)
    page.locator(".vegafusion-chart").nth(1).locator("svg").wait_for(timeout=180_000)
    page.locator(".vegafusion-chart").nth(0).locator("svg").wait_for(timeout=30_000)
    yield page
    context.close()
    assert errors == [], errors


def chart(page: Any, index: int) -> Any:
    return page.locator(".vegafusion-chart").nth(index)


def browser_state(page: Any, index: int) -> dict[str, Any]:
    """The datasets the chart draws and its bars, as the browser has them now."""
    extra = ", ".join([
        "token: el.__vegafusion.data.token",
        "endpoint: el.__vegafusion.data.endpoint",
        "commPlan: el.__vegafusion.data.commPlan",
    ])
    return support.browser_state(chart(page, index), "el.__vegafusion.data.commPlan", extra)


def wait_until_idle(page: Any, index: int) -> None:
    support.wait_until_idle(page, chart(page, index), max_wait_s=10)


def drag_brush(page: Any, start: float, end: float) -> None:
    """Drag across the distance histogram's plot area, from/to fractions of its width."""
    support.drag_brush(page, chart(page, 0), start, end)


def python_text(page: Any, label: str, timeout: float = 30) -> str:
    """The app's text line starting with `label` (written by Python after a rerun)."""
    deadline = time.monotonic() + timeout
    text = ""
    while time.monotonic() < deadline:
        lines = [line for line in page.inner_text("body").splitlines() if line.startswith(label)]
        text = lines[-1] if lines else ""
        if text and not text.endswith("none"):
            return text
        page.wait_for_timeout(200)
    return text


def test_brush_cross_filters_exactly_as_vega(page: Any, tmp_path: Path) -> None:
    before = browser_state(page, 0)
    drag_brush(page, 0.25, 0.55)
    wait_until_idle(page, 0)
    after = browser_state(page, 0)
    app = load_app()
    from vegafusion_core.spec.normalize import to_vega

    spec, _ = to_vega(app.crossfilter())
    rows = app.flights(ROWS).select(["distance", "delay", "time", "origin"]).to_pylist()
    support.assert_drawn_as_vega(before, after, spec, rows, tmp_path, TZ)
    lo, hi = after["brush"][0]["values"][0]
    assert 0 < lo < hi

    text = python_text(page, "distance brush:")
    numbers = [float(x) for x in re.findall(r"-?\d+(?:\.\d+)?(?:e[-+]?\d+)?", text.split(":", 1)[1])]
    assert numbers == pytest.approx([lo, hi]), text


def test_local_time_uses_the_browser_zone(page: Any, tmp_path: Path) -> None:
    """Flights per day: days are cut in the viewer's zone (Europe/Paris here, UTC on the server).

    The column is a naive TIMESTAMP, which (as in VegaFusion) means wall-clock times in the
    viewer's zone: Vega gets them as ISO strings without offset, which it parses as local times.
    """
    app = load_app()
    from vegafusion_core.spec.normalize import to_vega

    spec, _ = to_vega(app.daily())
    dates = app.flights(ROWS).column("date").to_pylist()
    rows = [{"date": d.isoformat(timespec="milliseconds")} for d in dates]
    state = browser_state(page, 2)
    names = sorted(state["datasets"])
    expected, _ = vega_oracle(spec, rows, None, names, tmp_path, TZ)
    for name in names:
        assert as_multiset(state["datasets"][name]) == as_multiset(expected[name]), name


def test_point_selection_reaches_python(page: Any) -> None:
    bar = chart(page, 1).locator("g.mark-rect path").nth(3)
    # Vega's SVG renderer keeps each element's scenegraph item (and so its datum) on it.
    origin = bar.evaluate("path => path.__data__.datum.origin")
    bar.click()
    page.wait_for_timeout(300)
    picked = chart(page, 1).evaluate("""el => el.__vegafusion.handle.view().data('pick_store')
        .map(t => t.values[0])""")
    assert picked == [origin]
    assert python_text(page, "origins picked:") == f"origins picked: {origin}"


def test_browser_never_receives_the_rows(page: Any) -> None:
    app = load_app()
    raw = len(json.dumps(app.flights(ROWS).select(["distance", "delay", "time", "origin"]).to_pylist()))
    traffic = page.traffic
    assert traffic.channel > 0  # the interactions above went through the side channel
    # Specs, bars and every rerun's messages together: far below the table itself.
    print(f"\nrows as JSON {raw:,} B; websocket {traffic.websocket:,} B, channel "
          f"{traffic.channel:,} B; static files {traffic.static:,} B")
    assert traffic.data < raw / 50, (traffic.data, raw)


def test_malformed_updates_leave_chart_and_state_unchanged(page: Any) -> None:
    state = browser_state(page, 0)
    brush = state["brush"]
    post = """async ([endpoint, body]) => {
        const r = await fetch(endpoint, {method: 'POST', body,
                                         headers: {'Content-Type': 'application/json'}});
        return [r.status, await r.json()];
    }"""

    def send(body: Any) -> tuple[int, dict[str, Any]]:
        text = body if isinstance(body, str) else json.dumps(body)
        status, answer = page.evaluate(post, [state["endpoint"], text])
        return status, answer

    valid_other = [{**brush[0], "values": [[100, 200]]}]
    bad = [
        "{not json",
        {"token": "no-such-chart", "message": {"type": "update", "seq": 1, "updates": []}},
        {"token": state["token"], "message": "update"},
        {"token": state["token"], "message": {"type": "update", "seq": "x", "updates": []}},
        # A valid change followed by an invalid one: all or nothing.
        {"token": state["token"], "message": {"type": "update", "seq": 10_000, "updates": [
            {"namespace": "data", "name": "brush_store", "scope": [], "value": valid_other},
            {"namespace": "data", "name": "brush_store", "scope": [], "value": "DROP TABLE"}]}},
        {"token": state["token"], "message": {"type": "update", "seq": 10_001, "updates": [
            {"namespace": "signal", "name": "no_such_signal", "scope": [9], "value": 1}]}},
    ]
    for body in bad:
        status, answer = send(body)
        assert answer["type"] == "error" and answer["message"], (body, status, answer)
    # State unchanged: sending the brush the server already has changes nothing.
    status, answer = send({"token": state["token"], "message": {
        "type": "update", "seq": 10_002, "updates": [
            {"namespace": "data", "name": "brush_store", "scope": [], "value": brush}]}})
    assert (status, answer["type"], answer["updates"]) == (200, "update", [])
    # The chart is still drawn, without an error, with the same data.
    assert not chart(page, 0).evaluate("el => el.classList.contains('vf-has-error')")
    assert browser_state(page, 0)["datasets"] == state["datasets"]
    health = page.evaluate("async (u) => (await fetch(u)).status", "/_stcore/health")
    assert health == 200


def test_single_view_follows_the_container_width(page: Any) -> None:
    daily = chart(page, 2)

    def widths() -> tuple[float, float]:
        return daily.evaluate("el => [el.clientWidth, el.querySelector('svg').getBoundingClientRect().width]")

    container, drawn = widths()
    assert container > 700 and abs(drawn - container) <= 2, (container, drawn)
    page.set_viewport_size({"width": 1000, "height": 1100})
    page.wait_for_timeout(800)
    narrower, drawn = widths()
    assert narrower < container and abs(drawn - narrower) <= 2, (narrower, drawn)
    page.set_viewport_size({"width": 1500, "height": 1100})
    page.wait_for_timeout(500)


def test_slow_answers_show_loading_and_server_errors_replace_the_chart(browser: Any,
                                                                      server: str) -> None:
    """On a page of its own, with the channel's answers delayed, then failing."""
    context = browser.new_context(viewport={"width": 1500, "height": 1100}, timezone_id=TZ)
    page = context.new_page()
    try:
        page.goto(server)
        chart(page, 0).locator("svg").wait_for(timeout=180_000)
        held: list[Any] = []
        mode = {"hold": False, "fail": False}

        def held_or_failing(route: Any) -> None:
            message = json.loads(route.request.post_data or "{}").get("message", {})
            if message.get("type") == "update" and mode["hold"]:
                held.append(route)  # answered later, by the test
            elif message.get("type") == "update" and mode["fail"]:
                route.fulfill(status=200, content_type="application/json", body=json.dumps(
                    {"type": "error", "seq": message["seq"], "message": "dataset 'data_0': boom"}))
            else:
                route.continue_()

        page.route("**/_vegafusion/update", held_or_failing)
        root = chart(page, 0)
        # Timestamps in the page: when updates are posted, and when the indicator appears.
        root.evaluate("""el => {
            window.__vfPosts = [];
            const fetch0 = window.fetch;
            window.fetch = (url, init) => {
                if (String(url).includes('/_vegafusion/update')) window.__vfPosts.push(performance.now());
                return fetch0(url, init);
            };
            new MutationObserver(() => {
                if (el.classList.contains('vf-is-loading') && !window.__vfLoadingAt)
                    window.__vfLoadingAt = performance.now();
            }).observe(el, {attributes: true});
        }""")
        mode["hold"] = True
        # The core starts its 300 ms clock when it sees the change, which may precede the post
        # (debounce, a request still in flight): measure from before the drag, which precedes both.
        page.evaluate("() => { window.__vfDragAt = performance.now(); }")
        drag_brush(page, 0.2, 0.4)
        page.wait_for_timeout(500)
        assert held and root.evaluate("el => el.classList.contains('vf-is-loading')")
        drag_at, first_post, loading_at = page.evaluate(
            "() => [window.__vfDragAt, window.__vfPosts[0], window.__vfLoadingAt]")
        assert drag_at <= first_post < loading_at, (drag_at, first_post, loading_at)
        assert 290 <= loading_at - drag_at < 2000, (drag_at, first_post, loading_at)
        mode["hold"] = False
        for route in held:
            route.continue_()
        page.wait_for_function("el => !el.classList.contains('vf-is-loading')",
                               arg=root.element_handle(), timeout=10_000)
        mode["fail"] = True
        drag_brush(page, 0.5, 0.7)
        alert = root.locator(".vf-error")
        alert.wait_for(state="visible", timeout=10_000)
        assert "boom" in alert.inner_text()
        assert not root.locator(".vf-chart").is_visible()
    finally:
        context.close()


def test_chart_follows_streamlit_dark_theme(browser: Any, tmp_path: Path) -> None:
    """A server whose theme is dark: the charts take vega-themes' dark look, on transparent."""
    port = free_port()
    command = [sys.executable, "-m", "streamlit", "run", str(APP), "--server.port", str(port),
               "--server.address", "127.0.0.1", "--server.headless", "true",
               "--browser.gatherUsageStats", "false", "--server.fileWatcherType", "none",
               "--theme.base", "dark"]
    url = f"http://127.0.0.1:{port}"
    process = start_server(command, {"ROWS": "2000"}, tmp_path / "dark.log", f"{url}/_stcore/health")
    context = browser.new_context(viewport={"width": 1500, "height": 1100}, timezone_id=TZ)
    try:
        page = context.new_page()
        page.goto(url)
        svg = chart(page, 2).locator("svg")
        svg.wait_for(timeout=120_000)
        page.wait_for_timeout(500)
        looks = chart(page, 2).evaluate("""el => {
            const view = el.__vegafusion.handle.view();
            const label = el.querySelector('.role-axis-label text');
            return {background: view.background(), label: getComputedStyle(label).fill};
        }""")
        assert looks["background"] == "transparent", looks
        red, green, blue = (int(c) for c in re.findall(r"\d+", looks["label"])[:3])
        assert min(red, green, blue) > 150, looks  # light text on the dark page
    finally:
        context.close()
        stop_server(process)
