"""Every data source of the conformance corpus (../shared/corpus/vegafusion) that has ``values``
or a vega-datasets ``url``: our source against vega-loader, or a deliberate UnsupportedError."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Iterator

import pytest

from tests.data.vega_loader import DATASETS, assert_same_rows, our_rows, vega_rows
from vegafusion_core.data.urls import resolve_url
from vegafusion_core.errors import SpecError, UnsupportedError

CORPUS = Path(__file__).resolve().parents[3] / "shared" / "corpus" / "vegafusion"
# Deliberate gaps, each with its reason (anything else raising UnsupportedError fails).
EXPECTED_UNSUPPORTED = {
    "topojson data is decoded in the browser",
    "mixes string and number values",          # movies.json's Title
    "depends on a signal",
    "nested or mixed values",                  # arrays of objects (e.g. hierarchies)
    "objects of different shapes",
    "remote reads are not allowed",            # vega-datasets files of other versions
}


def _data_entries(node: Any) -> Iterator[dict]:
    if isinstance(node, dict):
        for entry in node.get("data", []) or []:
            if isinstance(entry, dict) and ("values" in entry or "url" in entry):
                yield entry
        for child in node.get("marks", []) or []:
            yield from _data_entries(child)


def _sources() -> list[tuple[str, dict]]:
    if not CORPUS.is_dir():
        return []
    seen: dict[str, tuple[str, dict]] = {}
    for spec_file in sorted(CORPUS.glob("*/*.vg.json")):
        spec = json.loads(spec_file.read_text())
        for entry in _data_entries(spec):
            source = {k: entry[k] for k in ("values", "url", "format") if k in entry}
            if isinstance(source.get("url"), str) and "://" in source["url"] and \
                    "vega-datasets" not in source["url"]:
                continue  # inline DataFrames and other hosts: covered elsewhere
            key = json.dumps(source, sort_keys=True)
            seen.setdefault(key, (f"{spec_file.parent.name}/{spec_file.name}", source))
    return list(seen.values())


SOURCES = _sources()


@pytest.mark.skipif(not SOURCES, reason="the corpus is not present")
@pytest.mark.parametrize("origin,source", SOURCES, ids=[o for o, _ in SOURCES])
def test_corpus_source(origin: str, source: dict) -> None:
    zone = "America/New_York"
    try:
        ours, table = our_rows(source, zone)
    except UnsupportedError as err:
        assert any(reason in str(err) for reason in EXPECTED_UNSUPPORTED), str(err)
        return
    except SpecError as err:
        if "url" in source and "no file" in str(err) or "does not exist" in str(err):
            pytest.skip(f"not in this vega-datasets version: {err}")
        raise
    fmt = source.get("format") or {}
    if "url" in source:
        request = {"file": resolve_url(source["url"], path="url").target, "format": fmt}
    else:
        request = {"text": source["values"], "format": fmt}
    theirs = vega_rows(request, zone)
    assert_same_rows(ours, theirs, table)
