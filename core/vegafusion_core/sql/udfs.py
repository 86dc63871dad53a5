"""SQL macros and Python UDFs that compiled expressions call (all named ``vf_...``).

Hot paths (arithmetic, comparisons, date parts, filters) are native SQL. The macros below are
native SQL too, kept here so that compiled expressions stay readable: JavaScript's Number to
String and String to Number, ``Math.pow``, local wall-clock time to UTC. Python UDFs (vectorised
over Arrow arrays) serve only the rare functions without exact native SQL: d3-format,
d3-time-format, V8's Date.parse, and string comparisons involving characters beyond the BMP.
"""

from __future__ import annotations

import math
from functools import lru_cache
from typing import Any, Callable

import duckdb
import pyarrow as pa

try:  # DuckDB >= 1.4 moved the UDF enums
    from duckdb.func import FunctionNullHandling, PythonUDFType
except ImportError:  # pragma: no cover - older DuckDB
    from duckdb.functional import FunctionNullHandling, PythonUDFType

# JavaScript's WhiteSpace and LineTerminator characters, as an RE2 class.
_JS_SPACE = r"[\t\n\x{0B}\f\r \x{A0}\x{1680}\x{2000}-\x{200A}\x{2028}\x{2029}\x{202F}\x{205F}\x{3000}\x{FEFF}]"

MACROS = [
    # ToNumber of a string: StringNumericLiteral after trimming JavaScript white space.
    f"CREATE OR REPLACE MACRO vf_js_trim(s) AS regexp_replace(s, '^{_JS_SPACE}+|{_JS_SPACE}+$', '', 'g')",
    r"""CREATE OR REPLACE MACRO vf__trimmed_to_num(t) AS CASE
        WHEN t = '' THEN 0::DOUBLE
        WHEN regexp_full_match(t, '[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?') THEN CAST(t AS DOUBLE)
        WHEN t = 'Infinity' OR t = '+Infinity' THEN 'Infinity'::DOUBLE
        WHEN t = '-Infinity' THEN '-Infinity'::DOUBLE
        WHEN regexp_full_match(t, '0([xX][0-9a-fA-F]+|[oO][0-7]+|[bB][01]+)') THEN vf_str_to_num_py(t)
        ELSE 'NaN'::DOUBLE END""",
    """CREATE OR REPLACE MACRO vf_str_to_num(s) AS
        CASE WHEN s IS NULL THEN NULL ELSE vf__trimmed_to_num(vf_js_trim(s)) END""",
    # Number::toString: shortest round-trip digits (DuckDB's) placed by JavaScript's rules.
    r"""CREATE OR REPLACE MACRO vf__place_digits(s, n) AS CASE
        WHEN length(s) <= n AND n <= 21 THEN s || repeat('0', n - length(s))
        WHEN 0 < n AND n <= 21 THEN s[1:n] || '.' || s[n + 1:]
        WHEN -6 < n AND n <= 0 THEN '0.' || repeat('0', -n) || s
        ELSE s[1:1] || CASE WHEN length(s) > 1 THEN '.' || s[2:] ELSE '' END || 'e'
             || CASE WHEN n - 1 >= 0 THEN '+' ELSE '-' END || CAST(abs(n - 1) AS VARCHAR) END""",
    r"""CREATE OR REPLACE MACRO vf__digits_of(m, e) AS vf__place_digits(
        rtrim(ltrim(replace(m, '.', ''), '0'), '0'),
        length(split_part(m, '.', 1)) + e
          - (length(replace(m, '.', '')) - length(ltrim(replace(m, '.', ''), '0'))))""",
    r"""CREATE OR REPLACE MACRO vf__positive_to_str(r) AS vf__digits_of(
        regexp_extract(r, '^[0-9.]+'),
        coalesce(TRY_CAST(regexp_extract(r, 'e([+-]?[0-9]+)$', 1) AS INTEGER), 0))""",
    r"""CREATE OR REPLACE MACRO vf_num_to_str(x) AS CASE
        WHEN isnan(x) THEN 'NaN'
        WHEN x = 'Infinity'::DOUBLE THEN 'Infinity'
        WHEN x = '-Infinity'::DOUBLE THEN '-Infinity'
        WHEN x = trunc(x) AND abs(x) < 9007199254740992 THEN CAST(CAST(x AS BIGINT) AS VARCHAR)
        ELSE CASE WHEN x < 0 THEN '-' ELSE '' END || vf__positive_to_str(CAST(abs(x) AS VARCHAR)) END""",
    # Math.pow differs from C's pow for a NaN exponent and for (+-1) ** +-Infinity.
    r"""CREATE OR REPLACE MACRO vf_pow(a, b) AS CASE
        WHEN isnan(b) THEN 'NaN'::DOUBLE
        WHEN isinf(b) AND abs(a) = 1 THEN 'NaN'::DOUBLE
        ELSE pow(a, b) END""",
    # ToUint32 / ToInt32 and the bitwise operators on them (BIGINT arithmetic, results as DOUBLE).
    """CREATE OR REPLACE MACRO vf_uint32(x) AS CAST(CASE WHEN isfinite(x)
        THEN fmod(fmod(trunc(x), 4294967296) + 4294967296, 4294967296) ELSE 0 END AS BIGINT)""",
    "CREATE OR REPLACE MACRO vf__signed32(u) AS u - CASE WHEN u >= 2147483648 THEN 4294967296 ELSE 0 END",
    "CREATE OR REPLACE MACRO vf_int32(x) AS vf__signed32(vf_uint32(x))",
    "CREATE OR REPLACE MACRO vf_bit_and(a, b) AS CAST((vf_int32(a) & vf_int32(b)) AS DOUBLE)",
    "CREATE OR REPLACE MACRO vf_bit_or(a, b) AS CAST((vf_int32(a) | vf_int32(b)) AS DOUBLE)",
    "CREATE OR REPLACE MACRO vf_bit_xor(a, b) AS CAST(xor(vf_int32(a), vf_int32(b)) AS DOUBLE)",
    "CREATE OR REPLACE MACRO vf_bit_not(a) AS CAST((-vf_int32(a) - 1) AS DOUBLE)",
    """CREATE OR REPLACE MACRO vf_bit_shl(a, b) AS CAST(vf__signed32(
        ((vf_uint32(a) << (vf_uint32(b) & 31)) & 4294967295)) AS DOUBLE)""",
    # An arithmetic right shift is a floor division by a power of two.
    """CREATE OR REPLACE MACRO vf_bit_shr(a, b) AS
        floor(CAST(vf_int32(a) AS DOUBLE) / CAST((1::BIGINT << (vf_uint32(b) & 31)) AS DOUBLE))""",
    "CREATE OR REPLACE MACRO vf_bit_ushr(a, b) AS CAST((vf_uint32(a) >> (vf_uint32(b) & 31)) AS DOUBLE)",
    # Date.UTC / new Date(y, m, ...) arithmetic: MakeDay and MakeTime of ECMAScript, in DOUBLE ms.
    """CREATE OR REPLACE MACRO vf__make_ms(y, mo, d, h, mi, s, ms) AS CASE
        WHEN abs(y + floor(mo / 12)) > 400000 THEN 'NaN'::DOUBLE
        ELSE CAST((make_date(CAST(y + floor(mo / 12) AS BIGINT), CAST(mo - 12 * floor(mo / 12) AS BIGINT) + 1, 1)
                   - DATE '1970-01-01') AS DOUBLE) * 86400000
             + (d - 1) * 86400000 + h * 3600000 + mi * 60000 + s * 1000 + ms END""",
    """CREATE OR REPLACE MACRO vf_make_ms(y, mo, d, h, mi, s, ms, years_1900) AS CASE
        WHEN NOT (isfinite(y) AND isfinite(mo) AND isfinite(d) AND isfinite(h) AND isfinite(mi)
                  AND isfinite(s) AND isfinite(ms)) THEN 'NaN'::DOUBLE
        ELSE vf__make_ms(CASE WHEN years_1900 AND trunc(y) BETWEEN 0 AND 99 THEN 1900 + trunc(y) ELSE trunc(y) END,
                         trunc(mo), trunc(d), trunc(h), trunc(mi), trunc(s), trunc(ms)) END""",
    """CREATE OR REPLACE MACRO vf_time_clip(t) AS
        CASE WHEN abs(t) <= 8.64e15 THEN trunc(t) + 0.0 ELSE 'NaN'::DOUBLE END""",
    # String.prototype.length counts UTF-16 code units: characters beyond the BMP count twice.
    r"""CREATE OR REPLACE MACRO vf_utf16_length(s) AS CASE WHEN strlen(s) = length(s) THEN length(s)
        ELSE length(s) + length(regexp_replace(s, '[^\x{10000}-\x{10FFFF}]', '', 'g')) END""",
    # substring's and slice's index arguments (ToIntegerOrInfinity, clamped to [0, n]).
    """CREATE OR REPLACE MACRO vf_clamp_index(i, n) AS
        CASE WHEN isnan(i) THEN 0 ELSE least(greatest(trunc(i), 0), n) END""",
    """CREATE OR REPLACE MACRO vf_relative_index(i, n) AS CASE WHEN isnan(i) THEN 0
        WHEN i < 0 THEN greatest(n + trunc(i), 0) ELSE least(trunc(i), n) END""",
    # s.substring(a, b) with a, b in [0, n]: the arguments are swapped when a > b.
    """CREATE OR REPLACE MACRO vf_substring(s, a, b) AS
        substr(s, CAST(least(a, b) AS BIGINT) + 1, CAST(abs(b - a) AS BIGINT))""",
    rf"""CREATE OR REPLACE MACRO vf_parse_float(s) AS coalesce(TRY_CAST(nullif(regexp_extract(
        regexp_replace(s, '^{_JS_SPACE}+', ''),
        '^[+-]?(Infinity|(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?)'), '') AS DOUBLE), 'NaN'::DOUBLE)""",
    r"""CREATE OR REPLACE MACRO vf__parse_int(t, radix) AS CASE
        WHEN radix = 0 AND regexp_matches(t, '^[+-]?0[xX][0-9a-fA-F]')
          THEN vf_str_to_num_py(regexp_extract(t, '^[+-]?0[xX][0-9a-fA-F]+'))
        ELSE coalesce(TRY_CAST(nullif(nullif(nullif(regexp_extract(t, '^[+-]?\d+'), ''), '+'), '-')
             AS DOUBLE), 'NaN'::DOUBLE) END""",
    rf"""CREATE OR REPLACE MACRO vf_parse_int(s, radix) AS vf__parse_int(
        regexp_replace(s, '^{_JS_SPACE}+', ''), radix)""",
    # JavaScript's case mapping: DuckDB's equals it on ASCII text (strlen counts bytes).
    "CREATE OR REPLACE MACRO vf_lower(s) AS CASE WHEN strlen(s) = length(s) THEN lower(s) ELSE vf_lower_py(s) END",
    "CREATE OR REPLACE MACRO vf_upper(s) AS CASE WHEN strlen(s) = length(s) THEN upper(s) ELSE vf_upper_py(s) END",
    # String.prototype.replace with a string pattern: the first occurrence only.
    """CREATE OR REPLACE MACRO vf_replace_first(s, p, r) AS CASE WHEN strpos(s, p) = 0 THEN s
        ELSE substr(s, 1, strpos(s, p) - 1) || r || substr(s, strpos(s, p) + length(p)) END""",
    # UTF-16 code unit order equals UTF-8 byte order unless a character beyond the BMP occurs.
    r"""CREATE OR REPLACE MACRO vf_utf16_compare(a, b) AS CASE
        WHEN regexp_matches(a || b, '[\x{10000}-\x{10FFFF}]') THEN vf_utf16_compare_py(a, b)
        WHEN a < b THEN -1 WHEN a > b THEN 1 ELSE 0 END""",
    # Local wall-clock time in zone tz to the UTC instant, as JavaScript's Date does: in a gap the
    # offset from before the transition applies; an ambiguous time is the earlier instant.
    "CREATE OR REPLACE MACRO vf__wall(ts, tz) AS CAST(timezone(tz, CAST(ts AS TIMESTAMPTZ)) AS TIMESTAMP)",
    "CREATE OR REPLACE MACRO vf__candidate(w, tz, probe) AS w - (vf__wall(probe, tz) - probe)",
    """CREATE OR REPLACE MACRO vf_local_to_utc(w, tz) AS CASE
        WHEN vf__wall(vf__candidate(w, tz, w + INTERVAL 1 DAY), tz) = w
         AND vf__wall(vf__candidate(w, tz, w - INTERVAL 1 DAY), tz) <> w
        THEN vf__candidate(w, tz, w + INTERVAL 1 DAY)
        ELSE vf__candidate(w, tz, w - INTERVAL 1 DAY) END""",
]


def _vectorise(fn: Callable[..., Any], arity: int, out_type: pa.DataType) -> Callable[..., pa.Array]:
    """An Arrow UDF applying ``fn`` row by row (None in, None out).

    DuckDB reads the UDF's arity from its signature, hence one wrapper per arity.
    """
    def apply(*columns: pa.Array) -> pa.Array:
        rows = zip(*(c.to_pylist() for c in columns))
        return pa.array([None if any(v is None for v in row) else fn(*row) for row in rows], out_type)
    wrappers: dict[int, Callable[..., pa.Array]] = {
        1: lambda a: apply(a),
        2: lambda a, b: apply(a, b),
        3: lambda a, b, c: apply(a, b, c),
    }
    return wrappers[arity]


def _utf16_compare(a: str, b: str) -> int:
    ka, kb = a.encode("utf-16-be"), b.encode("utf-16-be")
    return (ka > kb) - (ka < kb)


def _str_to_num(s: str) -> float:
    """ToNumber of a hexadecimal, octal or binary literal (with parseInt's optional sign)."""
    from ..expression.jsvalues import string_to_number
    sign = -1.0 if s.startswith("-") else 1.0
    digits = s.lstrip("+-")
    if digits[:2].lower() not in ("0x", "0o", "0b"):
        digits = "0x" + digits  # parseInt(s, 16) without a prefix
    return sign * string_to_number(digits)


class _UtcContext:
    """The context a Python form needs when it reads no time zone."""

    tz = "UTC"
    signals: dict[str, Any] = {}


def _parse_int(s: str, radix: float) -> float:
    """parseInt(s, radix) for radixes the native macro does not cover."""
    from ..expression.py_functions import parse_int_
    return parse_int_(_UtcContext(), s, radix)


def _lower(s: str) -> str:
    """String.prototype.toLowerCase: full Unicode case mapping (İ -> i̇), as Python's."""
    return s.lower()


def _upper(s: str) -> str:
    """String.prototype.toUpperCase: full Unicode case mapping (ß -> SS), as Python's."""
    return s.upper()


_PY_NUMBER_FUNCTIONS = frozenset({
    "cumulativeNormal", "densityNormal", "quantileNormal", "cumulativeLogNormal", "densityLogNormal",
    "quantileLogNormal", "cumulativeUniform", "densityUniform", "quantileUniform"})


def _py_number(names: pa.Array, counts: pa.Array, a: pa.Array, b: pa.Array, c: pa.Array) -> pa.Array:
    """A numeric Vega function's Python form, row by row: NULL arguments are JavaScript null and
    only the first ``count`` arguments are passed (the others are undefined)."""
    from ..expression.jsvalues import UNDEFINED
    from ..expression.registry import PYTHON_FORMS
    out: list[float | None] = []
    for name, count, *values in zip(names.to_pylist(), counts.to_pylist(), a.to_pylist(), b.to_pylist(),
                                    c.to_pylist()):
        if name not in _PY_NUMBER_FUNCTIONS:
            raise ValueError(f"vf_py_number does not serve {name!r}")
        result = PYTHON_FORMS[name](_UtcContext(), *values[:int(count)])
        out.append(None if result is UNDEFINED or result is None else float(result))
    return pa.array(out, pa.float64())


def _date_parse(s: str, tz: str) -> float:
    from ..expression.jsvalues import parse_date
    return parse_date(s, tz)


@lru_cache(maxsize=256)
def _zone(tz: str) -> str | None:
    return tz or None


def _format(spec: str, value: float) -> str:
    from ..expression.d3format import format_number
    return format_number(spec, value)


def _time_format(spec: str, ms: float, tz: str) -> str:
    from ..expression.d3timeformat import format_time
    return format_time(spec, ms, _zone(tz))


def _time_parse(spec: str, text: str, tz: str) -> float | None:
    from ..expression.d3timeformat import parse_time
    result = parse_time(spec, text, _zone(tz))
    return None if result is None or math.isnan(result) else result


UDFS: list[tuple[str, Callable[..., Any], list[str], str, pa.DataType]] = [
    ("vf_utf16_compare_py", _utf16_compare, ["VARCHAR", "VARCHAR"], "INTEGER", pa.int32()),
    ("vf_str_to_num_py", _str_to_num, ["VARCHAR"], "DOUBLE", pa.float64()),
    ("vf_date_parse", _date_parse, ["VARCHAR", "VARCHAR"], "DOUBLE", pa.float64()),
    ("vf_parse_int_py", _parse_int, ["VARCHAR", "DOUBLE"], "DOUBLE", pa.float64()),
    ("vf_lower_py", _lower, ["VARCHAR"], "VARCHAR", pa.string()),
    ("vf_upper_py", _upper, ["VARCHAR"], "VARCHAR", pa.string()),
    ("vf_format", _format, ["VARCHAR", "DOUBLE"], "VARCHAR", pa.string()),
    ("vf_time_format", _time_format, ["VARCHAR", "DOUBLE", "VARCHAR"], "VARCHAR", pa.string()),
    ("vf_time_parse", _time_parse, ["VARCHAR", "VARCHAR", "VARCHAR"], "DOUBLE", pa.float64()),
]


def _type(name: str) -> Any:
    return duckdb.sqltype(name) if hasattr(duckdb, "sqltype") else duckdb.typing.DuckDBPyType(name)


def install_udfs(con: duckdb.DuckDBPyConnection) -> None:
    """Register the ``vf_`` UDFs and macros on ``con`` (UDFs first: macros call them)."""
    for name, fn, params, ret, arrow_type in UDFS:
        con.create_function(name, _vectorise(fn, len(params), arrow_type), [_type(p) for p in params], _type(ret),
                            type=PythonUDFType.ARROW, null_handling=FunctionNullHandling.SPECIAL)
    con.create_function("vf_py_number", _py_number, [_type(t) for t in
                        ("VARCHAR", "DOUBLE", "DOUBLE", "DOUBLE", "DOUBLE")], _type("DOUBLE"),
                        type=PythonUDFType.ARROW, null_handling=FunctionNullHandling.SPECIAL)
    for macro in MACROS:
        con.execute(macro)
