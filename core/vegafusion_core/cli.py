"""The ``vegafusion-suite`` command line.

``vegafusion-suite support`` prints what the server evaluates and what it leaves to the browser,
read from the registries the planner uses (the transform registry and the function table), so
that it cannot drift from what actually happens.
"""

from __future__ import annotations

import argparse
import json
import signal
import sys
from typing import Any, Sequence


def support_table() -> dict[str, list[dict[str, Any]]]:
    """Every Vega transform and expression function, with where it is evaluated and why."""
    from .expression.functions import FUNCTIONS
    from .transforms import ALL_TRANSFORM_NAMES, browser_reason

    transforms = [
        {"name": name, "server": browser_reason(name) is None, "reason": browser_reason(name)}
        for name in ALL_TRANSFORM_NAMES
    ]
    functions = [
        {"name": f.name, "server": f.server, "reason": f.reason, "category": f.category,
         "python": f.python is not None, "sql": f.sql is not None}
        for f in FUNCTIONS.values()
    ]
    return {"transforms": transforms, "functions": functions}


def _where(entry: dict[str, Any]) -> str:
    if "sql" not in entry:
        return "server" if entry["server"] else "browser"
    forms = [name for name in ("sql", "python") if entry[name]]
    return "server (" + ", ".join(forms) + ")" if forms else "browser"


def _print_section(title: str, entries: list[dict[str, Any]]) -> None:
    on_server = sum(e["server"] for e in entries)
    print(f"{title}: {on_server} of {len(entries)} evaluated on the server")
    width = max(len(e["name"]) for e in entries) + 2
    for entry in entries:
        reason = f"  {entry['reason']}" if entry["reason"] else ""
        print(f"  {entry['name']:<{width}}{_where(entry):<22}{reason}")
    print()


def _support(args: argparse.Namespace) -> int:
    table = support_table()
    if args.json:
        json.dump(table, sys.stdout, indent=2)
        print()
        return 0
    _print_section("Transforms", table["transforms"])
    _print_section("Expression functions", table["functions"])
    print("sql: compiled into the DuckDB query (row-level use: filter, formula);")
    print("python: evaluated on the server for signal expressions.")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="vegafusion-suite",
                                     description="Vega charts over big data: server-side tools.")
    commands = parser.add_subparsers(dest="command", required=True)
    support = commands.add_parser("support", help="what the server evaluates, and what it does not")
    support.add_argument("--json", action="store_true", help="machine-readable output")
    support.set_defaults(run=_support)
    args = parser.parse_args(argv)
    # Behave like a Unix tool when piped into `head`: stop quietly.
    signal.signal(signal.SIGPIPE, signal.SIG_DFL)
    return args.run(args)


if __name__ == "__main__":
    raise SystemExit(main())
