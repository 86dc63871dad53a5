"""Flights dashboard on Streamlit: 1M generated flights, data work in DuckDB, drawing in the browser.

    streamlit run examples/streamlit_app.py          # ROWS=100000 for a smaller table

Brush the distance histogram to cross-filter the delay and hour histograms; click an origin bar
to select it. The selections are read back in Python and shown under the charts.
"""

from __future__ import annotations

import altair as alt
import pyarrow as pa
import streamlit as st

import streamlit_vegafusion  # noqa: F401  (registers st.vegafusion_chart)
from flights_dashboard import ROWS, brush_text, crossfilter, origins, pick_text, read_flights


@st.cache_resource
def flights(rows: int) -> pa.Table:
    """The table, read once and shared by every session."""
    return read_flights(rows)


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

    st.markdown("**Selections read in Python**")
    st.text(brush_text(brushed))
    st.text(pick_text(picked))


if __name__ == "__main__":  # streamlit run executes the script as __main__
    main()
