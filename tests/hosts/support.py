"""Helpers for browser tests of the hosts: free ports, real servers, the built bundles."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import time
import urllib.request
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
ORACLE = ROOT / "tests" / "oracle"  # the Node side of the Vega JS oracle
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for_http(url: str, process: subprocess.Popen, timeout: float, log: Path) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited with {process.returncode}:\n{log.read_text()[-3000:]}")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    raise RuntimeError(f"server did not answer {url} within {timeout} s:\n{log.read_text()[-3000:]}")


def ensure_bundle(path: Path) -> None:
    """Build the front-end bundles if the install step has not (needs frontend/node_modules)."""
    if path.is_file():
        return
    frontend = ROOT / "frontend"
    if not (frontend / "node_modules").is_dir():
        subprocess.run(["npm", "ci", "--no-audit", "--no-fund"], cwd=frontend, check=True)
    subprocess.run(["npm", "run", "build"], cwd=frontend, check=True)


def start_server(command: list[str], env: dict[str, str], log: Path, health_url: str,
                 timeout: float = 180) -> subprocess.Popen:
    process = subprocess.Popen(command, cwd=ROOT, env={**os.environ, **env},
                               stdout=log.open("w"), stderr=subprocess.STDOUT)
    try:
        wait_for_http(health_url, process, timeout, log)
    except BaseException:
        stop_server(process)
        raise
    return process


def stop_server(process: subprocess.Popen) -> None:
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def vega_oracle(spec: dict[str, Any], rows: list[dict[str, Any]],
                brush: list[dict[str, Any]] | None, names: list[str],
                tmp_path: Path, tz: str) -> tuple[dict[str, Any], dict[str, list]]:
    """Vega JS over all the rows (with the browser's brush), in zone ``tz``: datasets and bar
    geometry, to compare with what a host's page draws."""
    batches = [[{"namespace": "data", "name": "brush_store", "scope": [], "value": brush}]]
    jobs = [{"id": "chart", "mode": "interact", "spec": spec, "inline": {"flights": rows},
             "batches": batches if brush is not None else [],
             "read": [{"namespace": "data", "name": n, "scope": []} for n in names]}]
    (tmp_path / "jobs.json").write_text(json.dumps(jobs))
    subprocess.run(["node", "scenegraph.mjs", str(tmp_path / "jobs.json"), str(tmp_path / "out.json")],
                   cwd=ORACLE, check=True, env={"TZ": tz, "PATH": "/usr/bin:/bin"}, timeout=300)
    result = json.loads((tmp_path / "out.json").read_text())[0]
    assert result["ok"], result["errors"]
    step = result["steps"][-1]
    bars: dict[str, list] = {}
    mark = None
    for entry in step["scene"]:
        if entry[0] == "mark":
            info = entry[2]
            mark = info.get("name") if info.get("marktype") == "rect" else None
            if mark and mark.endswith("_marks"):
                bars.setdefault(mark, [])
        elif entry[0] == "item" and mark and mark.endswith("_marks"):
            item = entry[2]
            bars[mark].append([item.get("x", 0), item.get("y", 0), item.get("width"),
                               item.get("height")])
    return dict(zip(names, step["values"])), bars


def rounded(items: list[list[float]]) -> list[list[float]]:
    return sorted([round(v, 6) if isinstance(v, float) else v for v in item] for item in items)


def as_multiset(rows: list[dict[str, Any]]) -> list[str]:
    return sorted(json.dumps(r, sort_keys=True) for r in rows)


def load_module(path: Path, name: str) -> Any:
    """An example app as a module (its page code runs only under its host's server)."""
    import importlib.util

    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def demo_rows(rows: int) -> list[dict[str, Any]]:
    """The demo's generated flights (the columns its charts read), as the oracle's rows."""
    import pyarrow.parquet as pq

    from vegafusion_core.sample_data import write_flights_parquet

    path = ROOT / "examples" / "data" / f"flights_{rows}.parquet"
    table = pq.read_table(write_flights_parquet(rows, path))
    return table.select(["distance", "delay", "time", "origin"]).to_pylist()


# What a chart element holds as the browser has it now: the datasets it draws, its bars, the
# brush. `%(plan)s` is where the host keeps the comm plan, `%(extra)s` host-specific fields.
_BROWSER_STATE = """el => {
    const handle = el.__vegafusion.handle;
    const view = handle.view();
    const rows = (name) => view.data(name).map(r => Object.fromEntries(Object.entries(r)));
    const datasets = {};
    for (const v of (%(plan)s).server_to_client)
        if (v.namespace === 'data' && v.scope.length === 0) datasets[v.name] = rows(v.name);
    const bars = {};
    const walk = (mark) => {
        if (mark.marktype === 'rect' && (mark.name || '').endsWith('_marks'))
            bars[mark.name] = mark.items.map(i => [i.x || 0, i.y || 0, i.width, i.height]);
        for (const item of mark.items || []) for (const child of item.items || []) walk(child);
    };
    walk(view.scenegraph().root);
    const brush = view._runtime.data.brush_store ? rows('brush_store') : null;
    return {datasets, bars, brush, %(extra)s};
}"""


def browser_state(element: Any, plan: str, extra: str) -> dict[str, Any]:
    """``_BROWSER_STATE`` evaluated on a chart element (a Playwright locator)."""
    return element.evaluate(_BROWSER_STATE % {"plan": plan, "extra": extra})


def wait_until_idle(page: Any, element: Any, max_wait_s: float = 20) -> None:
    """No update in flight: the newest answer has been drawn."""
    page.wait_for_timeout(150)
    element.evaluate("""async (el, polls) => {
        for (let i = 0; i < polls && el.classList.contains('vf-is-loading'); i++)
            await new Promise(r => setTimeout(r, 50));
    }""", int(max_wait_s * 1000 / 50))
    page.wait_for_timeout(300)


def drag_brush(page: Any, element: Any, start: float, end: float) -> None:
    """Drag across a chart's first plot area, from/to fractions of its width."""
    plot = element.locator("g.mark-group.role-scope path.background").first
    box = plot.bounding_box()
    y = box["y"] + box["height"] / 2
    page.mouse.move(box["x"] + box["width"] * start, y)
    page.mouse.down()
    for k in range(1, 9):
        page.mouse.move(box["x"] + box["width"] * (start + (end - start) * k / 8), y)
        page.wait_for_timeout(15)
    page.mouse.up()


def assert_drawn_as_vega(before: dict[str, Any], after: dict[str, Any], spec: dict[str, Any],
                         rows: list[dict[str, Any]], tmp_path: Path, tz: str) -> None:
    """The browser's datasets and bars after a brush are what Vega JS computes over all rows."""
    assert len(after["brush"]) == 1, after["brush"]
    names = sorted(after["datasets"])
    expected, expected_bars = vega_oracle(spec, rows, after["brush"], names, tmp_path, tz)
    for name in names:
        assert as_multiset(after["datasets"][name]) == as_multiset(expected[name]), name
    # The filtered histograms changed, and every bar is drawn where Vega JS draws it.
    assert any(after["datasets"][n] != before["datasets"][n] for n in names)
    assert after["bars"].keys() == expected_bars.keys()
    for mark, items in expected_bars.items():
        # The oracle prints 12 significant digits; compare geometry to a micro-pixel.
        assert rounded(after["bars"][mark]) == rounded(items), mark
