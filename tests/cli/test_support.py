"""`vegafusion-suite support`: generated from the registries, in the documented JSON shape."""

from __future__ import annotations

import json
import subprocess
import sys

from vegafusion_core.cli import support_table
from vegafusion_core.expression.functions import FUNCTIONS
from vegafusion_core.transforms import ALL_TRANSFORM_NAMES, TRANSFORMS


def _run(*args: str) -> str:
    return subprocess.run([sys.executable, "-m", "vegafusion_core.cli", *args], check=True,
                          capture_output=True, text=True).stdout


def test_json_shape_and_source_of_truth() -> None:
    table = json.loads(_run("support", "--json"))
    assert set(table) == {"transforms", "functions"}
    for entry in table["transforms"] + table["functions"]:
        assert {"name", "server", "reason"} <= set(entry)
        assert isinstance(entry["server"], bool)
        # A browser-side entry always says why; a server-side transform needs no reason.
        assert entry["server"] or entry["reason"]
    assert [t["name"] for t in table["transforms"]] == ALL_TRANSFORM_NAMES
    assert {t["name"] for t in table["transforms"] if t["server"]} == set(TRANSFORMS)
    assert {f["name"]: f["server"] for f in table["functions"]} == {
        name: f.server for name, f in FUNCTIONS.items()}
    assert table == json.loads(json.dumps(support_table()))


def test_server_coverage_targets() -> None:
    table = support_table()
    server_functions = [f for f in table["functions"] if f["server"]]
    server_transforms = [t for t in table["transforms"] if t["server"]]
    assert len(server_functions) >= 110, f"only {len(server_functions)} functions on the server"
    assert len(server_transforms) >= 24, f"only {len(server_transforms)} transforms on the server"


def test_text_output_names_every_entry() -> None:
    text = _run("support")
    for name in ALL_TRANSFORM_NAMES + list(FUNCTIONS):
        assert f"  {name} " in text
