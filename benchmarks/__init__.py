"""Side-by-side benchmarks of vegafusion-suite against VegaFusion 2.0.3, Vega JS and DuckDB.

Run with ``make bench`` (see the README's Benchmarks section); ``python -m benchmarks.run --help``.
"""
