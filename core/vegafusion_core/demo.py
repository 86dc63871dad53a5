"""Command-line demo: an Altair histogram over generated flights, pre-transformed in DuckDB.

Shows what vegafusion-suite does for a chart: the rows stay on the server; only the few rows the
histogram draws reach the browser. (The dashboard demo replaces this with the host components.)
"""

from __future__ import annotations

import argparse
import json
import time

from . import runtime
from .sample_data import flights_table


def histogram(table):
    import altair as alt

    return alt.Chart(table).mark_bar().encode(
        x=alt.X("distance:Q", bin=alt.Bin(maxbins=20)),
        y="count()",
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--tz", default="UTC")
    args = parser.parse_args()

    start = time.perf_counter()
    flights = flights_table(args.rows)
    generated = time.perf_counter()
    spec, warnings = runtime.pre_transform_spec(histogram(flights), local_tz=args.tz)
    first = time.perf_counter()
    runtime.pre_transform_spec(histogram(flights), local_tz=args.tz)
    again = time.perf_counter()

    rows = next(d["values"] for d in spec["data"] if isinstance(d.get("values"), list))
    print(f"Generated {args.rows:,} flights in {generated - start:.2f} s.")
    print(f"Altair histogram of distance, pre-transformed on the server: "
          f"{(first - generated) * 1000:.0f} ms (again, from the cache: "
          f"{(again - first) * 1000:.0f} ms).")
    print(f"{len(rows)} rows reach the browser:")
    for row in rows:
        print("  " + json.dumps(row))
    sent = len(json.dumps(spec))
    print(f"Spec sent to the browser: {sent:,} bytes, instead of {flights.nbytes:,} bytes of rows.")
    for warning in warnings:
        print(f"warning: {warning['type']}: {warning['message']}")


if __name__ == "__main__":
    main()
