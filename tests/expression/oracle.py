"""The expression oracle harness: Vega JS (in Node) states the truth, our two engines must match it.

A *case* is one expression with the rows, signals and selection stores it runs over (see
``cases/*.jsonl`` and ``cases/rowsets.json``). ``tests/oracle/expr_oracle.mjs`` evaluates every
case in Vega, once per time zone (one Node process per zone, the zone set by ``TZ``), and prints
the results in a lossless JSON encoding; results are cached in ``.oracle-cache/`` keyed by a hash
of the batch, the zone, the Vega version and the oracle script.

Both engines are then checked against those results:

- ``python``: ``evaluate(expr, EvalContext(datum=row, signals=..., tz=zone, datasets=...))`` per row;
- ``sql``: the rows are loaded into a DuckDB table, ``compile_expression`` (or ``compile_filter``)
  is run with the column types, and the selected values are converted back to JS values.

Engine rules: an engine whose function table lacks a form for a function the expression calls
must raise UnsupportedError (this keeps the table honest); so must an engine for which the case
documents a known gap (``"sql": "unsupported: <reason>"``). When Vega itself fails, our engines
must raise SpecError or UnsupportedError. Otherwise the values must match.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import math
import os
import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator

from vegafusion_core.errors import SpecError, UnsupportedError, VegaFusionError
from vegafusion_core.expression.jsvalues import UNDEFINED, JSDate, JSRegExp
from vegafusion_core.expression.types import DUCKDB_STORAGE, VegaType

REPO = Path(__file__).resolve().parents[2]
CASES_DIR = Path(__file__).resolve().parent / "cases"
ROWSETS_FILE = CASES_DIR / "rowsets.json"
SYNTAX_ERRORS_FILE = CASES_DIR / "syntax_errors.json"
ORACLE_DIR = REPO / "tests" / "oracle"
ORACLE_SCRIPT = ORACLE_DIR / "expr_oracle.mjs"
CACHE_DIR = REPO / ".oracle-cache"

# "tz": "all" means these zones: no DST, US DST, EU DST, a half-hour offset, and Lord Howe's
# half-hour DST shift.
ALL_ZONES = ["UTC", "America/New_York", "Europe/Paris", "Asia/Kolkata", "Australia/Lord_Howe"]
ENGINES = ("python", "sql")
KINDS = ("formula", "filter", "signal")
UNSUPPORTED_PREFIX = "unsupported:"


# --------------------------------------------------------------------------------------------
# Cases
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Case:
    """One expression to check, as read from a line of a ``cases/*.jsonl`` file."""

    file: str
    line: int
    expr: str
    kind: str
    rows_name: str | None          # the row set's name, or None for inline rows
    rows: dict[str, Any]           # {"values": [...], "parse": {...}} as given to Vega
    signals: dict[str, Any]
    datasets: dict[str, list[Any]]
    zones: tuple[str, ...]
    gaps: dict[str, str] = field(default_factory=dict)  # engine -> documented reason
    negzero: bool = False          # whether -0 and 0 must be told apart

    @property
    def id(self) -> str:
        return f"{self.file}:{self.line}"

    def oracle_input(self) -> dict[str, Any]:
        return {"id": self.id, "expr": self.expr, "kind": self.kind, "rows": self.rows,
                "signals": self.signals, "datasets": self.datasets}


def load_rowsets() -> dict[str, dict[str, Any]]:
    return json.loads(ROWSETS_FILE.read_text(encoding="utf-8"))


def _case_from_json(raw: dict[str, Any], file: str, line: int,
                    rowsets: dict[str, dict[str, Any]]) -> Case:
    where = f"{file}:{line}"
    known = {"expr", "rows", "signals", "tz", "kind", "datasets", "python", "sql", "negzero",
             "note"}
    unknown = set(raw) - known
    if unknown:
        raise ValueError(f"{where}: unknown keys {sorted(unknown)}")
    rows = raw.get("rows", "basic")
    if isinstance(rows, str):
        if rows not in rowsets:
            raise ValueError(f"{where}: no row set named {rows!r}")
        rows_name, rows = rows, rowsets[rows]
    else:
        rows_name, rows = None, {"values": rows}
    tz = raw.get("tz", ["UTC"])
    zones = tuple(ALL_ZONES) if tz == "all" else tuple(tz)
    kind = raw.get("kind", "formula")
    if kind not in KINDS:
        raise ValueError(f"{where}: kind must be one of {KINDS}")
    gaps = {}
    for engine in ENGINES:
        if engine in raw:
            text = raw[engine]
            if not text.startswith(UNSUPPORTED_PREFIX) or not text[len(UNSUPPORTED_PREFIX):].strip():
                raise ValueError(f"{where}: {engine!r} must read 'unsupported: <reason>'")
            gaps[engine] = text[len(UNSUPPORTED_PREFIX):].strip()
    return Case(file=file, line=line, expr=raw["expr"], kind=kind, rows_name=rows_name,
                rows=rows, signals=raw.get("signals", {}), datasets=raw.get("datasets", {}),
                zones=zones, gaps=gaps, negzero=bool(raw.get("negzero", False)))


def load_cases() -> list[Case]:
    """Every case of every ``cases/*.jsonl`` file (blank lines and ``//`` comments skipped)."""
    rowsets = load_rowsets()
    cases = []
    for path in sorted(CASES_DIR.glob("*.jsonl")):
        for number, text in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            if not text.strip() or text.lstrip().startswith("//"):
                continue
            cases.append(_case_from_json(json.loads(text), path.name, number, rowsets))
    return cases


def load_syntax_errors() -> list[str]:
    return json.loads(SYNTAX_ERRORS_FILE.read_text(encoding="utf-8"))


# --------------------------------------------------------------------------------------------
# The lossless encoding of expr_oracle.mjs, decoded to jsvalues
# --------------------------------------------------------------------------------------------

_SPECIAL_NUMBERS = {"NaN": math.nan, "Infinity": math.inf, "-Infinity": -math.inf, "-0": -0.0}


def decode(value: Any) -> Any:
    """A JS value from the oracle's JSON encoding. Every number becomes a float, as in JS."""
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return value
    if isinstance(value, (int, float)):
        return float(value)
    if isinstance(value, list):
        return [decode(v) for v in value]
    if len(value) == 1:
        (key, inner), = value.items()
        if key == "$num":
            return _SPECIAL_NUMBERS[inner]
        if key == "$undefined":
            return UNDEFINED
        if key == "$date":
            return JSDate(decode(inner))
        if key == "$regexp":
            return JSRegExp(inner[0], inner[1])
        if key == "$function":
            return ("function", inner)
        if key == "$object":
            return {k: decode(v) for k, v in inner.items()}
    return {k: decode(v) for k, v in value.items()}


def json_to_js(value: Any) -> Any:
    """Plain JSON (from a case file) as a JS value: integers become floats."""
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return value
    if isinstance(value, (int, float)):
        return float(value)
    if isinstance(value, list):
        return [json_to_js(v) for v in value]
    return {k: json_to_js(v) for k, v in value.items()}


# --------------------------------------------------------------------------------------------
# Running Node, with a cache
# --------------------------------------------------------------------------------------------


def node_path() -> str | None:
    return shutil.which("node")


def vega_version() -> str:
    package = ORACLE_DIR / "node_modules" / "vega" / "package.json"
    return json.loads(package.read_text(encoding="utf-8"))["version"]


def _run_node(payload: dict[str, Any], zone: str) -> dict[str, Any]:
    node = node_path()
    if node is None:
        raise RuntimeError("node is not installed")
    env = {**os.environ, "TZ": zone}
    proc = subprocess.run([node, ORACLE_SCRIPT.name], input=json.dumps(payload), text=True,
                          capture_output=True, cwd=ORACLE_DIR, env=env, timeout=600)
    if proc.returncode != 0:
        raise RuntimeError(f"expr_oracle.mjs failed (TZ={zone}):\n{proc.stderr[-4000:]}")
    return json.loads(proc.stdout)


def _cached(payload: dict[str, Any], zone: str) -> dict[str, Any]:
    """Run the oracle on ``payload`` in ``zone``, or read the cached answer.

    A lock file per key makes concurrent pytest-xdist workers wait for one Node run.
    """
    key_text = json.dumps([payload, zone, vega_version(), ORACLE_SCRIPT.read_text()],
                          sort_keys=True)
    key = hashlib.sha256(key_text.encode()).hexdigest()[:32]
    CACHE_DIR.mkdir(exist_ok=True)
    target = CACHE_DIR / f"expr-{key}.json"
    with open(CACHE_DIR / f"expr-{key}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if target.exists():
            return json.loads(target.read_text(encoding="utf-8"))
        answer = _run_node(payload, zone)
        partial = target.with_suffix(".tmp")
        partial.write_text(json.dumps(answer), encoding="utf-8")
        partial.replace(target)
        return answer


@dataclass(frozen=True)
class OracleResult:
    """What Vega did with one case in one zone (all values decoded to jsvalues)."""

    error: str | None
    rows: list[dict[str, Any]]       # the rows as Vega parsed them: the engines' datums
    signals: dict[str, Any]          # the signal values as Vega holds them
    values: list[Any] | None         # formula: `out` per row
    kept: list[int] | None           # filter: indices of kept rows
    value: Any = None                # signal: the value
    input_error: bool = False        # Vega rejected the case's rows or signals themselves


def _result_from_json(raw: dict[str, Any]) -> OracleResult:
    if raw.get("input_error"):
        # The case's own rows or signals are invalid: a mistake in the case file, not a finding.
        return OracleResult(error=raw["error"], rows=[], signals={}, values=None, kept=None,
                            input_error=True)
    return OracleResult(
        error=raw.get("error"), rows=decode(raw["parsed_rows"]), signals=decode(raw["signals"]),
        values=decode(raw["values"]) if "values" in raw else None, kept=raw.get("kept"),
        value=decode(raw["value"]) if "value" in raw else None)


def run_oracle(cases: list[Case], zone: str) -> dict[str, OracleResult]:
    """Vega's results for ``cases`` in ``zone``, by case id."""
    batch = [c.oracle_input() for c in cases if zone in c.zones]
    answer = _cached({"mode": "eval", "cases": batch}, zone)
    return {raw["id"]: _result_from_json(raw) for raw in answer["results"]}


def vega_parse(exprs: list[str]) -> list[dict[str, Any]]:
    """vega-expression's parseExpression on each text: {"ast": ...} or {"error", "index"}."""
    answer = _cached({"mode": "parse", "exprs": exprs}, "UTC")
    return [{"ast": decode_ast(r["ast"])} if "ast" in r else r for r in answer["results"]]


def decode_ast(node: Any) -> Any:
    """An AST from the oracle: like JSON.stringify's, with {"$num": ...} for special numbers."""
    if isinstance(node, list):
        return [decode_ast(n) for n in node]
    if isinstance(node, dict):
        if set(node) == {"$num"}:
            return _SPECIAL_NUMBERS[node["$num"]]
        return {k: decode_ast(v) for k, v in node.items()}
    if isinstance(node, int) and not isinstance(node, bool):
        return float(node)
    return node


# --------------------------------------------------------------------------------------------
# Reading expressions: called functions and datum fields
# --------------------------------------------------------------------------------------------


def walk(node: Any) -> Iterator[dict[str, Any]]:
    if isinstance(node, dict):
        if "type" in node:
            yield node
        for value in node.values():
            yield from walk(value)
    elif isinstance(node, list):
        for value in node:
            yield from walk(value)


def called_functions(ast: dict[str, Any]) -> set[str]:
    return {n["callee"]["name"] for n in walk(ast)
            if n["type"] == "CallExpression" and n["callee"]["type"] == "Identifier"}


def datum_fields(ast: dict[str, Any]) -> set[str] | None:
    """Fields read with ``datum.f`` or ``datum['f']``; None when a field name is computed."""
    fields: set[str] = set()
    for n in walk(ast):
        if n["type"] != "MemberExpression":
            continue
        obj = n["object"]
        if obj["type"] != "Identifier" or obj["name"] != "datum":
            continue
        prop = n["property"]
        if not n["computed"]:
            fields.add(prop["name"])
        elif prop["type"] == "Literal" and isinstance(prop["value"], str):
            fields.add(prop["value"])
        else:
            return None
    return fields


# --------------------------------------------------------------------------------------------
# Comparing JS values
# --------------------------------------------------------------------------------------------


def _numbers_equal(a: float, b: float, negzero: bool) -> bool:
    if math.isnan(a) or math.isnan(b):
        return math.isnan(a) and math.isnan(b)
    if a == b:
        return not negzero or math.copysign(1, a) == math.copysign(1, b)
    if math.isinf(a) or math.isinf(b):
        return False
    return abs(a - b) <= 1e-12 * max(abs(a), abs(b))


def _is_number(x: Any) -> bool:
    return isinstance(x, (int, float)) and not isinstance(x, bool)


def js_equal(expected: Any, actual: Any, *, negzero: bool = False, sql: bool = False) -> bool:
    """Deep equality of JS values, as the harness defines it.

    With ``sql``, two things SQL cannot express are forgiven: NULL stands for undefined, and a
    date (TIMESTAMP) stands for a number of epoch milliseconds, the way Vega holds parsed dates
    and the way the browser receives timestamps.
    """
    if sql and expected is UNDEFINED and actual is None:
        return True
    if _is_number(expected):
        if sql and isinstance(actual, JSDate):
            actual = actual.ms
        return _is_number(actual) and _numbers_equal(float(expected), float(actual), negzero)
    if isinstance(expected, JSDate):
        if sql and _is_number(actual):
            actual = JSDate(float(actual))
        return isinstance(actual, JSDate) and _numbers_equal(expected.ms, actual.ms, False)
    if isinstance(expected, JSRegExp):
        return isinstance(actual, JSRegExp) and (expected.source, expected.flags) == (
            actual.source, actual.flags)
    if isinstance(expected, list):
        return (isinstance(actual, list) and len(expected) == len(actual)
                and all(js_equal(e, a, negzero=negzero, sql=sql)
                        for e, a in zip(expected, actual)))
    if isinstance(expected, dict):
        return (isinstance(actual, dict) and set(expected) == set(actual)
                and all(js_equal(expected[k], actual[k], negzero=negzero, sql=sql)
                        for k in expected))
    if isinstance(expected, bool) or expected is None or isinstance(expected, str):
        return type(actual) is type(expected) and actual == expected
    return expected is actual


def truthy(value: Any) -> bool:
    """JavaScript's ToBoolean."""
    if value is None or value is UNDEFINED or value is False:
        return False
    if _is_number(value):
        return not (value == 0 or math.isnan(value))
    if isinstance(value, str):
        return value != ""
    return True


def show(value: Any) -> str:
    return repr(value)


# --------------------------------------------------------------------------------------------
# Column types for DuckDB
# --------------------------------------------------------------------------------------------


def _js_kind(value: Any) -> str:
    if value is None:
        return "null"
    if value is UNDEFINED:
        return "undefined"
    if isinstance(value, bool):
        return "boolean"
    if _is_number(value):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, JSDate):
        return "date"
    return "other"


def column_types(rows: list[dict[str, Any]], parse: dict[str, str] | None
                 ) -> dict[str, VegaType | None]:
    """The SqlContext column types of ``rows``.

    A field Vega parsed as a date holds epoch milliseconds: it is a TIMESTAMP (DATE) when every
    value is a finite number or null. Otherwise the JS types of the values decide; a column of
    nulls only is NULL. A column that mixes types (a field missing from some rows counts as
    undefined) has no DuckDB type: it maps to None, which tells the compiler that the column
    exists but cannot be typed, so an expression reading it must raise UnsupportedError.
    """
    parse = parse or {}
    names: list[str] = []
    for row in rows:
        names += [k for k in row if k not in names]
    types: dict[str, VegaType | None] = {}
    for name in names:
        kinds = {_js_kind(row.get(name, UNDEFINED)) for row in rows} - {"null"}
        values = [row.get(name) for row in rows if row.get(name) is not None]
        if parse.get(name) == "date" and kinds == {"number"} and all(
                math.isfinite(v) for v in values):
            types[name] = VegaType.DATE
        elif not kinds:
            types[name] = VegaType.NULL
        elif len(kinds) == 1 and next(iter(kinds)) in _KIND_TYPES:
            types[name] = _KIND_TYPES[kinds.pop()]
        else:
            types[name] = None
    return types


_KIND_TYPES = {"number": VegaType.NUMBER, "string": VegaType.STRING,
               "boolean": VegaType.BOOLEAN, "date": VegaType.DATE}


# --------------------------------------------------------------------------------------------
# What each engine is expected to do
# --------------------------------------------------------------------------------------------


def expected_gap(case: Case, engine: str, ast: dict[str, Any],
                 result: OracleResult) -> str | None:
    """Why ``engine`` must raise UnsupportedError on this case, or None when it must match."""
    from vegafusion_core.expression.functions import FUNCTIONS

    if engine in case.gaps:
        return f"documented gap: {case.gaps[engine]}"
    missing = sorted(name for name in called_functions(ast)
                     if name in FUNCTIONS and getattr(FUNCTIONS[name], engine) is None)
    if missing:
        return f"the function table has no {engine} form for {', '.join(missing)}"
    if engine == "sql" and case.kind != "signal" and result.error is None:
        fields = datum_fields(ast)
        if fields is None:
            return "a computed datum field cannot be typed statically"
        types = column_types(result.rows, case.rows.get("parse"))
        untyped = sorted(f for f in fields if f in types and types[f] is None)
        if untyped:
            return f"columns {untyped} mix JS types, so they have no single SQL type"
    return None


# --------------------------------------------------------------------------------------------
# The engines
# --------------------------------------------------------------------------------------------


@dataclass
class Outcome:
    """What an engine did: values (formula), kept indices (filter), value (signal), or error."""

    error: BaseException | None = None
    values: list[Any] | None = None
    kept: list[int] | None = None
    value: Any = None


def run_python(case: Case, result: OracleResult, zone: str) -> Outcome:
    """Evaluate the case with the Python evaluator, one row at a time."""
    from vegafusion_core.expression.evaluate import EvalContext, evaluate

    datasets = json_to_js(case.datasets)
    try:
        if case.kind == "signal":
            ctx = EvalContext(signals=result.signals, datum=None, tz=zone, datasets=datasets)
            return Outcome(value=evaluate(case.expr, ctx))
        outs = []
        for row in result.rows:
            ctx = EvalContext(signals=result.signals, datum=row, tz=zone, datasets=datasets)
            outs.append(evaluate(case.expr, ctx))
    except Exception as error:  # noqa: BLE001 - the check decides which errors are allowed
        return Outcome(error=error)
    if case.kind == "filter":
        return Outcome(kept=[i for i, out in enumerate(outs) if truthy(out)])
    return Outcome(values=outs)


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def load_table(con: Any, table: str, rows: list[dict[str, Any]],
               schema: dict[str, VegaType | None]) -> None:
    """A DuckDB table of ``rows`` with a ``__row`` column that keeps their order.

    Columns of nulls only (NULL) or of mixed types (None) are not stored: no DuckDB type fits.
    """
    types = {n: t for n, t in schema.items() if t in DUCKDB_STORAGE}
    columns = ['"__row" INTEGER'] + [f"{_quote(n)} {DUCKDB_STORAGE[t]}" for n, t in types.items()]
    con.execute(f"CREATE OR REPLACE TEMP TABLE {_quote(table)} ({', '.join(columns)})")
    if not rows:
        return
    slots = ["?"] + ["epoch_ms(CAST(? AS BIGINT))" if t is VegaType.DATE else "?"
                     for t in types.values()]
    params = [[i] + [_sql_param(row.get(n)) for n in types] for i, row in enumerate(rows)]
    con.executemany(f"INSERT INTO {_quote(table)} VALUES ({', '.join(slots)})", params)


def _sql_param(value: Any) -> Any:
    return value.ms if isinstance(value, JSDate) else value


def sql_to_js(value: Any, vtype: VegaType | None) -> Any:
    """A value fetched from DuckDB as a JS value (dates were selected as epoch milliseconds)."""
    import datetime
    import decimal

    if value is None or isinstance(value, (bool, str)):
        return value
    if vtype is VegaType.DATE and _is_number(value):
        return JSDate(float(value))
    if isinstance(value, (int, float, decimal.Decimal)):
        return float(value)
    if isinstance(value, datetime.datetime):
        if value.tzinfo is None:
            value = value.replace(tzinfo=datetime.timezone.utc)
        return JSDate(value.timestamp() * 1000)
    if isinstance(value, (list, tuple)):
        return [sql_to_js(v, None) for v in value]
    if isinstance(value, dict):
        return {str(k): sql_to_js(v, None) for k, v in value.items()}
    return value


def run_sql(case: Case, result: OracleResult, zone: str, con: Any) -> Outcome:
    """Compile the case to SQL, run it on DuckDB over the rows, read the results back."""
    import sqlglot.expressions as exp

    from vegafusion_core.expression.to_sql import SqlContext, compile_expression, compile_filter

    table = "oracle_rows"
    rows = result.rows if case.kind != "signal" else [{}]
    types = column_types(rows, case.rows.get("parse")) if case.kind != "signal" else {}
    try:
        ctx = SqlContext(columns=types, signals=result.signals, tz=zone)
        load_table(con, table, rows, types)
        if case.kind == "filter":
            condition = compile_filter(case.expr, ctx)
            query = (exp.select(exp.column("__row", quoted=True)).from_(table)
                     .where(condition).order_by(exp.column("__row", quoted=True)))
            return Outcome(kept=[r[0] for r in con.execute(query.sql("duckdb")).fetchall()])
        typed = compile_expression(case.expr, ctx)
        selected = typed.sql
        if typed.type is VegaType.DATE:
            selected = exp.func("epoch_ms", selected)
        query = (exp.select(exp.alias_(selected, "out")).from_(table)
                 .order_by(exp.column("__row", quoted=True)))
        values = [sql_to_js(r[0], typed.type) for r in con.execute(query.sql("duckdb")).fetchall()]
    except Exception as error:  # noqa: BLE001 - the check decides which errors are allowed
        return Outcome(error=error)
    if case.kind == "signal":
        return Outcome(value=values[0])
    return Outcome(values=values)


# --------------------------------------------------------------------------------------------
# The check
# --------------------------------------------------------------------------------------------


def _describe(error: BaseException) -> str:
    return f"{type(error).__name__}: {error}"


def check(case: Case, engine: str, zone: str, result: OracleResult, outcome: Outcome,
          ast: dict[str, Any]) -> str | None:
    """None when the engine behaved, else a message that says how it did not."""
    head = f"{case.id} [{engine}, TZ={zone}] {case.expr!r}"
    if result.input_error:
        return f"{head}: the case itself is broken: {result.error}"
    if result.error is not None:
        if isinstance(outcome.error, (SpecError, UnsupportedError)):
            return None
        got = _describe(outcome.error) if outcome.error else "a value"
        return (f"{head}: Vega fails ({result.error}), so {engine} must raise SpecError or "
                f"UnsupportedError; it gave {got}")
    gap = expected_gap(case, engine, ast, result)
    if gap is not None:
        if isinstance(outcome.error, UnsupportedError):
            return None
        got = _describe(outcome.error) if outcome.error else "a value"
        return f"{head}: must raise UnsupportedError ({gap}); it gave {got}"
    if outcome.error is not None:
        if isinstance(outcome.error, VegaFusionError):
            return f"{head}: raised {_describe(outcome.error)}; Vega evaluates it"
        return f"{head}: crashed with {_describe(outcome.error)}"
    sql = engine == "sql"
    if case.kind == "filter":
        if outcome.kept != result.kept:
            return f"{head}: kept rows {outcome.kept}, Vega keeps {result.kept}"
        return None
    if case.kind == "signal":
        if not js_equal(result.value, outcome.value, negzero=case.negzero, sql=sql):
            return f"{head}: gave {show(outcome.value)}, Vega gives {show(result.value)}"
        return None
    assert result.values is not None and outcome.values is not None
    if len(outcome.values) != len(result.values):
        return f"{head}: {len(outcome.values)} rows, Vega has {len(result.values)}"
    wrong = [f"  row {i} {show(result.rows[i])}: gave {show(a)}, Vega gives {show(e)}"
             for i, (e, a) in enumerate(zip(result.values, outcome.values))
             if not js_equal(e, a, negzero=case.negzero, sql=sql)]
    if wrong:
        return head + ":\n" + "\n".join(wrong)
    return None
