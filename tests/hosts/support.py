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
