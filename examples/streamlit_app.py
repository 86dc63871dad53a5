"""Flights dashboard on Streamlit: 1M generated flights, data work in DuckDB, drawing in the browser.

    streamlit run examples/streamlit_app.py          # ROWS=100000 for a smaller table

Brush the distance histogram to cross-filter the delay and hour histograms; click an origin bar
to select it. The selections are read back in Python and shown under the charts.
"""

from __future__ import annotations

import os
from pathlib import Path

import altair as alt
import pyarrow as pa
import pyarrow.parquet as pq
import streamlit as st

import streamlit_vegafusion  # noqa: F401  (registers st.vegafusion_chart)
from vegafusion_core.sample_data import write_flights_parquet

ROWS = int(os.environ.get("ROWS", "1000000"))
DATA = Path(__file__).parent / "data" / f"flights_{ROWS}.parquet"


@st.cache_resource
def flights(rows: int) -> pa.Table:
    """The table, generated once into examples/data/ and shared by every session."""
    return pq.read_table(write_flights_parquet(rows, DATA.with_name(f"flights_{rows}.parquet")))


def histogram(field: str, title: str, maxbins: int = 20) -> alt.Chart:
    return alt.Chart().mark_bar().encode(
        x=alt.X(f"{field}:Q", bin=alt.Bin(maxbins=maxbins), title=title),
        y=alt.Y("count():Q", title="flights"),
    ).properties(width=260, height=180)


def crossfilter() -> alt.HConcatChart:
    """Altair's interactive crossfilter: a brush on distance filters the other histograms."""
    brush = alt.selection_interval(encodings=["x"], name="brush")
    distance = histogram("distance", "distance (miles)").add_params(brush)
    filtered = []
    for field, title in (("delay", "delay (minutes)"), ("time", "hour of day")):
        background = histogram(field, title).mark_bar(color="#d8dde6")
        highlight = histogram(field, title).transform_filter(brush)
        filtered.append(alt.layer(background, highlight))
    return alt.hconcat(distance, *filtered, data="table://flights")


def origins() -> alt.Chart:
    # Counted in a transform (not with count() in the encoding) so that sorting the axis by the
    # count reads the 20 counted rows, not the raw rows: a scale domain sorted by an aggregate of
    # the source would need the source in the browser.
    pick = alt.selection_point(fields=["origin"], name="pick")
    return alt.Chart("table://flights").transform_aggregate(
        flights="count()", groupby=["origin"],
    ).mark_bar().encode(
        x=alt.X("origin:N", sort="-y", title="origin"),
        y=alt.Y("flights:Q", title="flights"),
        color=alt.condition(pick, alt.value("#4c78a8"), alt.value("#c9d3e0")),
    ).add_params(pick).properties(height=200)


def daily() -> alt.Chart:
    """Flights per day, in the viewer's time zone (the browser sends it); as wide as the page."""
    return alt.Chart("table://flights").mark_line().encode(
        x=alt.X("yearmonthdate(date):T", title="day"),
        y=alt.Y("count():Q", title="flights"),
    ).properties(width=600, height=160)


def main() -> None:
    st.set_page_config(page_title="Flights: vegafusion-suite", layout="wide")
    st.title(f"{ROWS:,} flights")
    st.caption("The rows stay on the server (DuckDB); the browser receives only the bars it draws.")
    table = flights(ROWS)
    brushed = st.vegafusion_chart(crossfilter(), datasets={"flights": table}, key="crossfilter",
                                  on_select="rerun")
    picked = st.vegafusion_chart(origins(), datasets={"flights": table}, key="origins",
                                 on_select="rerun")
    st.vegafusion_chart(daily(), datasets={"flights": table}, key="daily")

    interval = brushed["selection"]["brush"].get("distance")
    points = picked["selection"]["pick"]
    st.markdown("**Selections read in Python**")
    st.text(f"distance brush: {interval if interval else 'none'}")
    st.text(f"origins picked: {', '.join(p['origin'] for p in points) if points else 'none'}")


if __name__ == "__main__":  # streamlit run executes the script as __main__
    main()
