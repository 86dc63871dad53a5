"""Command-line demo: a histogram over generated flights, computed in DuckDB.

Shows what vegafusion-suite does for a chart: the million rows stay on the server; only the few
rows the histogram draws would travel to the browser.
"""

from __future__ import annotations

import argparse
import json
import time

from .data.to_vega import arrow_to_rows
from .sample_data import flights_table
from .sql.connection import new_connection
from .transforms.base import TransformContext
from .transforms.pipeline import compile_transforms, final_query, run_query, source_relation
from .expression.types import VegaType

HISTOGRAM = [
    {"type": "extent", "field": "distance", "signal": "distance_extent"},
    {"type": "bin", "field": "distance", "as": ["bin0", "bin1"], "maxbins": 20,
     "extent": [0, 2600]},
    {"type": "aggregate", "groupby": ["bin0", "bin1"], "ops": ["count"], "as": ["flights"]},
    {"type": "collect", "sort": {"field": "bin0"}},
]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    args = parser.parse_args()

    start = time.perf_counter()
    con = new_connection()
    con.register("flights", flights_table(args.rows, con))
    generated = time.perf_counter()

    columns = {"date": VegaType.DATE, "origin": VegaType.STRING, "distance": VegaType.NUMBER,
               "delay": VegaType.NUMBER, "time": VegaType.NUMBER}
    rel = source_relation("flights", columns, order_column=None)
    rel = compile_transforms(rel, HISTOGRAM[1:], TransformContext(), "data[0]")
    rows = arrow_to_rows(run_query(con, final_query(rel)))
    done = time.perf_counter()

    print(f"Generated {args.rows:,} flights in {generated - start:.2f} s.")
    print(f"Histogram of distance (bin + aggregate + collect) in DuckDB: "
          f"{(done - generated) * 1000:.0f} ms; {len(rows)} rows would reach the browser:")
    for row in rows:
        print("  " + json.dumps(row))
    raw_bytes = args.rows * 5 * 8
    sent = len(json.dumps(rows))
    print(f"Bytes to the browser: {sent:,} instead of about {raw_bytes:,} for the raw rows.")


if __name__ == "__main__":
    main()
