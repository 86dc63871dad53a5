"""Where does vegafusion-suite spend a workload's time? pyinstrument over one run of it.

    python -m benchmarks.profile crossfilter --rows 10000000 [--updates 5] [--html out.html]

Profiles one new chart state (or pre_transform_spec) with cleared caches and then ``--updates``
interaction updates, and prints pyinstrument's call tree (functions and their share of the time),
plus the number of DuckDB queries run and the time spent inside DuckDB.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

from pyinstrument import Profiler

from . import interactions
from .data import load_table, parquet_path
from .engine import VegaRuntime
from .workloads import FLIGHTS_URL, WORKLOADS, spec_path, write_spec


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("workload", choices=list(WORKLOADS))
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--updates", type=int, default=5)
    parser.add_argument("--html", type=Path)
    args = parser.parse_args()

    url = parquet_path(args.rows).as_posix() if args.workload == "parquet" else FLIGHTS_URL
    if not spec_path(args.workload, url).exists():
        write_spec(args.workload, url)
    spec = json.loads(spec_path(args.workload, url).read_text())
    datasets = {} if args.workload == "parquet" else {"flights": load_table(args.rows)}
    driver = VegaRuntime("ours")
    executor = _time_duckdb()
    # A warm-up call (imports, source registration), as the benchmark's "caches cleared" figure.
    if WORKLOADS[args.workload].interactive:
        driver.new_state(spec, datasets)
    else:
        driver.pre_transform(spec, datasets)
    driver.clear_caches()
    executor.reset()

    profiler = Profiler(interval=0.005)
    profiler.start()
    start = time.perf_counter()
    if WORKLOADS[args.workload].interactive:
        state, _ = driver.new_state(spec, datasets)
        first = time.perf_counter() - start
        for message in interactions.messages(args.workload, spec)[: args.updates]:
            driver.update(state, message)
    else:
        driver.pre_transform(spec, datasets)
        first = time.perf_counter() - start
    total = time.perf_counter() - start
    profiler.stop()
    print(f"first state {first:.3f} s; total {total:.3f} s; DuckDB queries "
          f"{executor.queries}, {executor.seconds:.3f} s inside DuckDB "
          f"({executor.seconds / total:.0%} of the total)")
    print(profiler.output_text(unicode=False, color=False, show_all=False))
    if args.html:
        args.html.write_text(profiler.output_html())


class _DuckDBTimer:
    """Counts the queries the executor runs and the seconds spent in them."""

    def __init__(self) -> None:
        self.reset()

    def reset(self) -> None:
        self.queries, self.seconds = 0, 0.0


def _time_duckdb() -> _DuckDBTimer:
    from vegafusion_core.runtime import executor as module

    timer = _DuckDBTimer()
    ex = module.default_executor()
    for name in ("_run", "_fetch_row"):
        original = getattr(ex, name)

        def wrapped(sql: str, _original=original) -> object:
            start = time.perf_counter()
            try:
                return _original(sql)
            finally:
                timer.queries += 1
                timer.seconds += time.perf_counter() - start

        setattr(ex, name, wrapped)
    return timer


if __name__ == "__main__":
    main()
