"""Time to first draw and brush latency of the demo crossfilter in each host, in Chromium.

    PYTHONPATH=. .venv/bin/python -m benchmarks.hosts [--rows 1000000,10000000]
        [--hosts streamlit,dash,panel] [--brushes 30]

For each host and row count this starts the demo app (examples/<host>_app.py) on a free loopback
port, opens it in Debian's Chromium (Playwright, headless) and measures:

- first draw: from navigation start (the page's performance.timeOrigin) to the first animation
  frame in which every bar mark of the crossfilter chart's SVG holds at least one bar (distance,
  and the background and filtered layers of delay and hour). Measured twice: on the first visit
  (Streamlit and Panel read the parquet file in the first session; Dash reads it at startup) and
  on a second visit in a fresh browser context (the table is cached in the server process).
  Dash plans its charts when the app builds its (static) layout, before the server answers,
  so its first draw holds neither reading the table nor planning; the other hosts plan per
  session, after the page has asked for the chart. Also when every chart of the page is drawn
  (the page is loaded); brushing starts only then.
- first brush: one drag before the measured ones. It builds the cubes that later brushes read
  (runtime/preaggregate.py), so it is reported on its own.
- brush latency: N drags on the distance histogram sweeping its axis. For each, from the mouse-up
  event (its event timestamp) to the animation frame after the last change of the filtered delay
  histogram's bars in the SVG (a MutationObserver compares their path geometry; the last change,
  so that an answer to an intermediate brush does not count as the answer). Each brush is
  also split into parts from the charts' trace (frontend/src/core/trace.ts): mouse-up to the
  sending of the update finally drawn, its round trip (and the server's share, ChartState.update),
  the dataflow run, the frame; and the slowest brushes are listed with what they waited for.

It is a benchmark, not a test: nothing is asserted about timings. It prints a markdown table.
The data are the demo's generated flights, written once per row count into examples/data/.
"""

from __future__ import annotations

import argparse
import math
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tests.hosts.support import (CHROMIUM, CHROMIUM_ARGS, ROOT, ensure_bundle, free_port,
                                 start_server, stop_server)

TZ = "Europe/Paris"
VIEWPORT = {"width": 1500, "height": 1100}
SERVER_TIMEOUT_S = 900  # 10M rows: the demo generates the parquet file on its first run
FIRST_DRAW_TIMEOUT_S = 600
BRUSH_TIMEOUT_S = 120
SETTLE_MS = 600  # no further change of the bars for this long: the brush's answer is drawn
DELAY_HIGHLIGHT = "concat_1_layer_1_marks"  # Altair's name for the filtered delay histogram


@dataclass(frozen=True)
class Host:
    name: str
    app: str
    bundle: str
    chart_selector: str  # the crossfilter chart's container (the first chart of the page)
    health_path: str
    charts: int  # how many charts the demo page draws

    def command(self, port: int) -> list[str]:
        app = str(ROOT / "examples" / self.app)
        if self.name == "streamlit":
            return [sys.executable, "-m", "streamlit", "run", app, "--server.port", str(port),
                    "--server.address", "127.0.0.1", "--server.headless", "true",
                    "--browser.gatherUsageStats", "false", "--server.fileWatcherType", "none"]
        return [sys.executable, app]


HOSTS = {
    "streamlit": Host("streamlit", "streamlit_app.py", "streamlit_vegafusion/static/streamlit.js",
                      ".vegafusion-chart", "/_stcore/health", 3),
    "dash": Host("dash", "dash_app.py", "dash_vegafusion/static/dash.js", "#crossfilter",
                 "/_dash-dependencies", 2),
    # A static file answers at once; the page itself builds a session (plans both charts).
    "panel": Host("panel", "panel_app.py", "panel_vegafusion/static/panel.js",
                  ".vegafusion-chart", "/static/js/bokeh.min.js", 2),
}


@dataclass
class Result:
    host: str
    rows: int
    first_draw_s: list[float] = field(default_factory=list)  # per visit
    all_drawn_s: list[float] = field(default_factory=list)  # per visit: every chart drawn
    first_brush_ms: float | None = None  # the warm-up brush (builds the cubes)
    brush_ms: list[float] = field(default_factory=list)
    phases: list[Phases | None] = field(default_factory=list)  # per brush, as brush_ms
    missed: int = 0
    error: str | None = None


# Runs in every page before its own scripts: watches, frame by frame, for the crossfilter chart
# to be drawn, then for every chart of the page. Panel renders inside shadow roots, hence the
# deep search.
FIRST_DRAW_SCRIPT = """
(() => {
  const selector = %r;
  const deepFind = (root) => {
    const hit = root.querySelector(selector);
    if (hit) return hit;
    for (const el of root.querySelectorAll('*'))
      if (el.shadowRoot) { const found = deepFind(el.shadowRoot); if (found) return found; }
    return null;
  };
  const charts = (root) => {  // every drawn chart of the page, through shadow roots
    let n = [...root.querySelectorAll('.vf-chart svg')].filter(s => s.querySelector('path')).length;
    for (const el of root.querySelectorAll('*')) if (el.shadowRoot) n += charts(el.shadowRoot);
    return n;
  };
  const drawn = () => {
    const chart = deepFind(document);
    const svg = chart && chart.querySelector('.vf-chart svg');
    if (!svg) return false;
    const marks = svg.querySelectorAll('g.mark-rect.role-mark');
    return marks.length >= 5 && [...marks].every(m => m.querySelector('path'));
  };
  window.__vfFirstDraw = null;
  window.__vfAllDrawn = null;
  window.__vegafusionTrace = [];  // the charts' timelines (frontend/src/core/trace.ts)
  const poll = () => {
    if (window.__vfFirstDraw === null && drawn()) window.__vfFirstDraw = performance.now();
    if (window.__vfFirstDraw !== null && charts(document) >= %d)
      window.__vfAllDrawn = performance.now();
    else requestAnimationFrame(poll);
  };
  requestAnimationFrame(poll);
})();
"""

# Installed on the chart element before a brush: records the mouse-up's timestamp (pointerup:
# Vega cancels the pointerdown, so no mouseup is dispatched) and the
# frame after every change of the filtered delay bars.
WATCH_BRUSH = """
(el, mark) => {
  const signature = () => [...el.querySelectorAll(`g.${mark} path`)]
      .map(p => p.getAttribute('d')).join('|');
  const state = {up: null, changes: [], last: signature(),
                 traceFrom: window.__vegafusionTrace.length};
  if (el.__vfBench) el.__vfBench.observer.disconnect();
  window.addEventListener('pointerup', (e) => { state.up = e.timeStamp; },
                          {capture: true, once: true});
  state.observer = new MutationObserver(() => {
    const now = signature();
    if (now === state.last) return;
    state.last = now;
    requestAnimationFrame(() => state.changes.push(performance.now()));
  });
  state.observer.observe(el, {subtree: true, childList: true, attributes: true});
  el.__vfBench = state;
}
"""

READ_BRUSH = """el => {
  const s = el.__vfBench;
  return {up: s.up, changes: s.changes, now: performance.now(),
          trace: window.__vegafusionTrace.slice(s.traceFrom),
          loading: el.classList.contains('vf-is-loading') ||
                   !!el.querySelector('.vf-is-loading')};
}"""


def percentile(values: list[float], q: float) -> float:
    """Nearest-rank percentile."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(q * len(ordered)) - 1)]


def brush_windows(count: int) -> list[tuple[float, float]]:
    """Drags that sweep the distance axis, as fractions of the plot width. They alternate
    between the left and right halves so that no drag starts inside the previous brush (which
    would move that brush instead of drawing a new one)."""
    width = 0.15
    pairs = math.ceil(count / 2)
    windows = []
    for i in range(count):
        k = i // 2
        start = (0.02 + k * 0.36 / max(1, pairs - 1)) if i % 2 == 0 \
            else (0.55 + k * 0.28 / max(1, pairs - 1))
        windows.append((start, start + width))
    return windows


def chart(page: Any, host: Host) -> Any:
    return page.locator(host.chart_selector).first


def open_page(browser: Any, url: str, host: Host) -> tuple[Any, Any, float, float]:
    """A fresh context and page at `url`; returns them, the crossfilter's first draw and the
    time when every chart of the page was drawn, in seconds."""
    context = browser.new_context(viewport=VIEWPORT, timezone_id=TZ)
    context.add_init_script(FIRST_DRAW_SCRIPT % (host.chart_selector, host.charts))
    page = context.new_page()
    page.goto(url, wait_until="commit", timeout=FIRST_DRAW_TIMEOUT_S * 1000)
    page.wait_for_function("window.__vfFirstDraw !== null", polling=100,
                           timeout=FIRST_DRAW_TIMEOUT_S * 1000)
    page.wait_for_function("window.__vfAllDrawn !== null", polling=100,
                           timeout=FIRST_DRAW_TIMEOUT_S * 1000)
    first_ms, all_ms = page.evaluate("[window.__vfFirstDraw, window.__vfAllDrawn]")
    return context, page, first_ms / 1000, all_ms / 1000


def drag(page: Any, host: Host, start: float, end: float) -> None:
    """Mouse down, two moves, mouse up, back to back: well within the front end's debounce."""
    plot = chart(page, host).locator("g.mark-group.role-scope path.background").first
    box = plot.bounding_box()
    y = box["y"] + box["height"] / 2
    page.mouse.move(box["x"] + box["width"] * start, y)
    page.mouse.down()
    page.mouse.move(box["x"] + box["width"] * end, y, steps=2)
    page.mouse.up()


def measure_brush(page: Any, host: Host, start: float, end: float
                  ) -> tuple[float, Phases | None] | None:
    """Milliseconds from mouse-up to the frame after the last change of the filtered bars, and
    that time's phases."""
    element = chart(page, host)
    element.evaluate(WATCH_BRUSH, DELAY_HIGHLIGHT)
    drag(page, host, start, end)
    deadline = time.monotonic() + BRUSH_TIMEOUT_S
    while time.monotonic() < deadline:
        page.wait_for_timeout(100)
        state = element.evaluate(READ_BRUSH)
        after_up = [t for t in state["changes"] if state["up"] is not None and t >= state["up"]]
        if after_up and not state["loading"] and state["now"] - after_up[-1] > SETTLE_MS:
            return after_up[-1] - state["up"], _phases(state, after_up[-1])
    return None


@dataclass(frozen=True)
class Phases:
    """One brush's latency in parts, from the chart's trace (frontend/src/core/trace.ts): from
    the mouse-up to the sending of the update that was finally drawn (debounce, and waiting for
    an answer still in flight), to its answer (transport, host and server; ``server`` alone is
    ChartState.update), to the dataflow having run, to the frame."""

    to_send: float
    to_answer: float
    server: float
    to_drawn: float
    to_frame: float
    sends: int  # updates sent from the mouse-down on
    held: bool  # the drawn update waited for the answer to an earlier one
    # Each earlier update of the brush: (its round trip, the server's part of it), in ms.
    earlier: tuple[tuple[float, float], ...] = ()

    NAMES = ("up->send", "send->answer", "(server)", "answer->drawn", "drawn->frame")

    def parts(self) -> tuple[float, ...]:
        return self.to_send, self.to_answer, self.server, self.to_drawn, self.to_frame


def _phases(state: dict[str, Any], frame: float) -> Phases | None:
    """The phases of the last update drawn before ``frame`` (None if the trace lacks it)."""
    events = state["trace"]
    drawn = [e for e in events if e["kind"] == "drawn" and e["t"] <= frame]
    if not drawn:
        return None
    seq, chart_id = drawn[-1]["seq"], drawn[-1]["chart"]
    mine = [e for e in events if e["chart"] == chart_id]
    send = next((e for e in mine if e["kind"] == "send" and e["seq"] == seq), None)
    answer = next((e for e in mine if e["kind"] == "answer" and e["seq"] == seq), None)
    if send is None or answer is None:
        return None
    earlier_answers = [e["t"] for e in mine if e["kind"] == "answer" and e["seq"] < seq]
    held = any(0 <= send["t"] - t < 2 for t in earlier_answers)
    rounds = []
    for sent in (e for e in mine if e["kind"] == "send" and e["seq"] < seq):
        got = next((e for e in mine if e["kind"] == "answer" and e["seq"] == sent["seq"]), None)
        if got is not None:
            rounds.append((got["t"] - sent["t"], got.get("serverMs", 0.0)))
    return Phases(send["t"] - state["up"], answer["t"] - send["t"], answer.get("serverMs", 0.0),
                  drawn[-1]["t"] - answer["t"], frame - drawn[-1]["t"],
                  sum(e["kind"] == "send" for e in mine), held, tuple(rounds))


def run_host(browser: Any, host: Host, rows: int, brushes: int, log_dir: Path) -> Result:
    result = Result(host.name, rows)
    ensure_bundle(ROOT / "components" / host.bundle)
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    env = {"ROWS": str(rows), "PORT": str(port), "HOST": "127.0.0.1"}
    log = log_dir / f"{host.name}_{rows}.log"
    process = start_server(host.command(port), env, log, url + host.health_path,
                           timeout=SERVER_TIMEOUT_S)
    try:
        for visit in range(2):
            context, page, first, every = open_page(browser, url, host)
            result.first_draw_s.append(first)
            result.all_drawn_s.append(every)
            if visit == 0:
                context.close()
        page.wait_for_timeout(1000)  # let any startup traffic settle
        windows = brush_windows(brushes + 1)
        warm_up = measure_brush(page, host, *windows[0])
        result.first_brush_ms = warm_up[0] if warm_up else None
        for start, end in windows[1:]:
            measured = measure_brush(page, host, start, end)
            if measured is None:
                result.missed += 1
                continue
            result.brush_ms.append(measured[0])
            result.phases.append(measured[1])
        context.close()
    except Exception as error:  # report what was measured before the failure
        result.error = f"{type(error).__name__}: {str(error).splitlines()[0][:200]}"
    finally:
        stop_server(process)
    return result


def markdown(results: list[Result], brushes: int) -> str:
    lines = [
        "| host | rows | crossfilter drawn, 1st / 2nd visit (s) | page drawn, 1st / 2nd visit (s) "
        "| first brush (ms) | brush p50 (ms) | brush p95 (ms) | brushes measured "
        f"| p50 phases: {' / '.join(Phases.NAMES)} (ms) | updates sent per brush (p50) "
        "| brushes whose update waited for another |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---|---:|---:|",
    ]
    for r in results:
        visits = " / ".join(f"{s:.2f}" for s in r.first_draw_s) or "-"
        pages = " / ".join(f"{s:.2f}" for s in r.all_drawn_s) or "-"
        first = f"{r.first_brush_ms:.0f}" if r.first_brush_ms is not None else "-"
        p50 = f"{statistics.median(r.brush_ms):.0f}" if r.brush_ms else "-"
        p95 = f"{percentile(r.brush_ms, 0.95):.0f}" if r.brush_ms else "-"
        note = f" ({r.error})" if r.error else ""
        traced = [p for p in r.phases if p is not None]
        phases = " / ".join(f"{statistics.median(p.parts()[i] for p in traced):.0f}"
                            for i in range(len(Phases.NAMES))) if traced else "-"
        sends = f"{statistics.median(p.sends for p in traced):.0f}" if traced else "-"
        held = f"{sum(p.held for p in traced)} of {len(traced)}"
        lines.append(f"| {r.host} | {r.rows:,} | {visits} | {pages} | {first} | {p50} | {p95} "
                     f"| {len(r.brush_ms)} of {brushes}{note} | {phases} | {sends} | {held} |")
    lines += ["", "The slowest brushes of each run, in parts (ms: "
              + " / ".join(Phases.NAMES) + "):", ""]
    for r in results:
        slowest = sorted(zip(r.brush_ms, r.phases), key=lambda bp: -bp[0])[:3]
        parts = [f"{ms:.0f} = " + (" / ".join(f"{x:.0f}" for x in p.parts())
                                   + (" (waited for " + ", ".join(
                                       f"{a:.0f} ms of which server {b:.0f}" for a, b in p.earlier)
                                      + ")" if p.held else "") if p else "?")
                 for ms, p in slowest]
        lines.append(f"- {r.host} {r.rows:,}: " + "; ".join(parts))
    lines.append("")
    lines.append("Headless Chromium and the server on the same machine (2 shared cores, other "
                 "jobs running): compare hosts within one run, not figures across runs.")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", default="1000000,10000000",
                        help="comma-separated row counts (default 1000000,10000000)")
    parser.add_argument("--hosts", default="streamlit,dash,panel",
                        help="comma-separated hosts among " + ",".join(HOSTS))
    parser.add_argument("--brushes", type=int, default=30)
    args = parser.parse_args()
    rows = [int(r) for r in args.rows.split(",")]
    hosts = [HOSTS[h] for h in args.hosts.split(",")]
    from playwright.sync_api import sync_playwright

    results = []
    with tempfile.TemporaryDirectory(prefix="bench-hosts-") as tmp, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        for count in rows:
            for host in hosts:
                result = run_host(browser, host, count, args.brushes, Path(tmp))
                print(f"{host.name} {count:,}: first draw {result.first_draw_s}, "
                      f"{len(result.brush_ms)} brushes, error={result.error}",
                      file=sys.stderr, flush=True)
                results.append(result)
        browser.close()
    print(markdown(results, args.brushes))


if __name__ == "__main__":
    main()
