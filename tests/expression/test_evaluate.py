"""Semantics of the Python expression evaluator that need no oracle run: errors, laziness,
object identity, and the JavaScript coercions that everything else builds on. (The large
comparison against Vega in Node lives in test_oracle*.py.)"""

from __future__ import annotations

import math

import pytest

from vegafusion_core.errors import SpecError, UnsupportedError
from vegafusion_core.expression.evaluate import EvalContext, evaluate
from vegafusion_core.expression.jsvalues import (
    UNDEFINED,
    JSDate,
    JSRegExp,
    date_to_string,
    js_add,
    js_compare,
    js_div,
    js_mod,
    js_typeof,
    loose_equals,
    number_to_string,
    parse_date,
    strict_equals,
    to_number,
    to_string,
    truthy,
)


def ev(expr: str, **signals: object) -> object:
    return evaluate(expr, EvalContext(signals=signals))


# -- errors --------------------------------------------------------------------------------


def test_unknown_signal_is_a_spec_error_naming_it() -> None:
    with pytest.raises(SpecError, match="nosuch"):
        ev("nosuch + 1")


def test_forbidden_identifier() -> None:
    with pytest.raises(SpecError, match="Illegal identifier: _"):
        ev("_")


@pytest.mark.parametrize("name", ["event", "item"])
def test_browser_variables_are_unsupported(name: str) -> None:
    with pytest.raises(UnsupportedError, match=name):
        ev(f"{name}.x")


def test_undefined_is_an_ordinary_signal_name() -> None:
    with pytest.raises(SpecError, match="undefined"):
        ev("undefined")
    assert ev("undefined", undefined=UNDEFINED) is UNDEFINED


def test_member_of_null_is_a_type_error() -> None:
    with pytest.raises(SpecError, match="Cannot read properties of null \\(reading 'x'\\)"):
        ev("a.x", a=None)
    with pytest.raises(SpecError, match="of undefined"):
        ev("{}.a.b")


def test_length_of_null_throws_as_in_js() -> None:
    with pytest.raises(SpecError):
        ev("length(null)")


def test_unknown_and_browser_only_functions_are_unsupported() -> None:
    with pytest.raises(UnsupportedError, match="nosuchfn"):
        ev("nosuchfn(1)")
    with pytest.raises(UnsupportedError, match="scale"):
        ev("scale('x', 1)")
    with pytest.raises(UnsupportedError, match="random"):
        ev("random()")


def test_if_and_clamp_argument_counts() -> None:
    with pytest.raises(SpecError, match="Missing arguments to if"):
        ev("if(1, 2)")
    with pytest.raises(SpecError, match="Too many arguments to clamp"):
        ev("clamp(1, 2, 3, 4)")


def test_disallowed_object_keys() -> None:
    with pytest.raises(SpecError, match="Illegal property: constructor"):
        ev("{constructor: 1}")


def test_selection_functions_need_a_literal_store_name() -> None:
    with pytest.raises(SpecError, match="string literal"):
        ev("vlSelectionTest(s, datum)", s="store")


def test_function_valued_members_are_unsupported() -> None:
    with pytest.raises(UnsupportedError, match="map"):
        ev("[1].map")
    assert ev("{values: 1}.values") == 1.0


def test_datum_outside_a_row_context() -> None:
    with pytest.raises(SpecError, match="datum"):
        ev("datum.x")
    assert evaluate("datum['a b']", EvalContext(datum={"a b": 2})) == 2


def test_now_dependent_calls_are_unsupported() -> None:
    with pytest.raises(UnsupportedError, match="current time"):
        ev("datetime()")
    with pytest.raises(UnsupportedError):
        ev("now()")


def test_regex_syntax_python_cannot_express() -> None:
    with pytest.raises(UnsupportedError, match="property escape"):
        ev(r"test(regexp('\\p{Script=Greek}', 'u'), 'a')")
    with pytest.raises(UnsupportedError):  # variable-width lookbehind: Python's re has none
        ev(r"test(regexp('(?<=a+)b'), 'ab')")
    with pytest.raises(SpecError, match="Invalid flags"):
        ev("regexp('a', 'q')")


# -- laziness ------------------------------------------------------------------------------


def test_if_is_lazy() -> None:
    assert ev("if(true, 1, nosuch.x)") == 1.0
    assert ev("if(0, nosuch.x, 'b')") == "b"


def test_logical_operators_short_circuit_and_return_operands() -> None:
    assert ev("0 && nosuch.x") == 0.0
    assert ev("'a' || nosuch.x") == "a"
    assert ev("null || 'b'") == "b"
    assert ev("1 ? 2 : nosuch") == 2.0


# -- identity ------------------------------------------------------------------------------


def test_distinct_dates_are_never_strictly_equal() -> None:
    assert ev("datetime(2020, 0, 1) === datetime(2020, 0, 1)") is False
    assert ev("datetime(2020, 0, 1) == datetime(2020, 0, 1)") is False
    assert ev("+datetime(2020, 0, 1) === +datetime(2020, 0, 1)") is True


def test_the_same_date_object_is_equal_to_itself() -> None:
    d = JSDate(0.0)
    assert ev("d === d", d=d) is True
    assert ev("d === e", d=d, e=JSDate(0.0)) is False
    assert ev("[1] == [1]") is False


def test_each_regex_literal_is_a_new_object() -> None:
    assert ev("/a/ === /a/") is False
    assert isinstance(ev("/a+/g"), JSRegExp)


# -- JavaScript values ---------------------------------------------------------------------


@pytest.mark.parametrize("x, text", [
    (1e21, "1e+21"), (1e-7, "1e-7"), (-0.0, "0"), (123.456, "123.456"), (1e20, "100000000000000000000"),
    (0.1 + 0.2, "0.30000000000000004"), (5e-324, "5e-324"), (-1.5e-10, "-1.5e-10"),
    (math.inf, "Infinity"), (math.nan, "NaN"), (2.0**53, "9007199254740992"),
])
def test_number_to_string(x: float, text: str) -> None:
    assert number_to_string(x) == text


@pytest.mark.parametrize("s, x", [
    ("", 0.0), ("  12  ", 12.0), ("0x1F", 31.0), ("Infinity", math.inf), ("-Infinity", -math.inf),
    ("1e3", 1000.0), (".5", 0.5), ("5.", 5.0), ("\u00a0 7\n", 7.0), ("0b11", 3.0),
])
def test_string_to_number(s: str, x: float) -> None:
    assert to_number(s) == x


@pytest.mark.parametrize("s", ["1_000", "inf", "nan", "-0x1", "12px", "1e", "."])
def test_string_to_number_nan(s: str) -> None:
    assert math.isnan(to_number(s))


def test_to_number_of_other_values() -> None:
    assert to_number(None) == 0.0
    assert math.isnan(to_number(UNDEFINED))
    assert to_number(True) == 1.0
    assert to_number([5]) == 5.0
    assert math.isnan(to_number([1, 2]))
    assert to_number(JSDate(12.0)) == 12.0


def test_to_string_of_containers() -> None:
    assert to_string([1, None, [2, UNDEFINED, "a"]]) == "1,,2,,a"
    assert to_string({"a": 1}) == "[object Object]"
    assert to_string(JSRegExp("a/b", "g")) == "/a/b/g"
    assert to_string(None) == "null" and to_string(UNDEFINED) == "undefined"


def test_date_to_string_in_zones() -> None:
    d = JSDate(1577836800000.0)  # 2020-01-01T00:00Z
    assert date_to_string(d, "UTC") == "Wed Jan 01 2020 00:00:00 GMT+0000 (Coordinated Universal Time)"
    assert date_to_string(d, "Europe/Paris") == (
        "Wed Jan 01 2020 01:00:00 GMT+0100 (Central European Standard Time)")
    assert date_to_string(JSDate(math.nan)) == "Invalid Date"


def test_truthiness() -> None:
    assert [truthy(v) for v in (0.0, -0.0, math.nan, "", None, UNDEFINED, False)] == [False] * 7
    assert all(truthy(v) for v in ("0", "false", [], {}, JSDate(math.nan), 1.0))


def test_equality() -> None:
    assert loose_equals(None, UNDEFINED) and not strict_equals(None, UNDEFINED)
    assert loose_equals("1", 1) and loose_equals(True, "1") and not loose_equals(None, 0)
    assert not strict_equals(math.nan, math.nan) and strict_equals(0.0, -0.0)
    assert not strict_equals(True, 1)
    assert not loose_equals(JSDate(0.0), 0.0)  # a date compares by its string form


def test_relational_comparisons() -> None:
    assert js_compare("10", "9", "<") and not js_compare(10, "9", "<")
    assert not js_compare("abc", 5, "<") and not js_compare("abc", 5, ">=")
    assert js_compare(None, 0, ">=") and not js_compare(UNDEFINED, 0, ">=")
    assert js_compare(JSDate(1.0), JSDate(2.0), "<")


def test_arithmetic_edges() -> None:
    assert js_add("a", 1) == "a1" and js_add(1, "2") == "12" and js_add(None, 1) == 1.0
    assert js_add([1, 2], [3]) == "1,23"
    assert js_div(1, 0) == math.inf and js_div(-1, 0) == -math.inf and js_div(1, -0.0) == -math.inf
    assert math.isnan(js_div(0, 0))
    assert js_mod(-5, 3) == -2.0 and js_mod(5, -3) == 2.0 and math.isnan(js_mod(1, 0))
    assert math.copysign(1, js_mod(-4, 2)) < 0


def test_bitwise_ops_wrap_to_32_bits() -> None:
    assert ev("1 << 31") == -2147483648.0
    assert ev("-1 >>> 0") == 4294967295.0
    assert ev("4294967297 | 0") == 1.0
    assert ev("~2.7") == -3.0


def test_typeof() -> None:
    assert [js_typeof(v) for v in (None, UNDEFINED, 1.0, "s", True, [], {}, JSDate(0.0))] == [
        "object", "undefined", "number", "string", "boolean", "object", "object", "object"]


# -- dates ---------------------------------------------------------------------------------


def test_date_parse_follows_v8() -> None:
    ny = "America/New_York"
    assert parse_date("2020-01-01", ny) == 1577836800000.0  # date-only: UTC
    assert parse_date("2020-01-01T00:00", ny) == 1577854800000.0  # date-time: local
    assert parse_date("2020-01-01 00:00", ny) == 1577854800000.0
    assert parse_date("2020/01/01", ny) == 1577854800000.0
    assert parse_date("2020-02-30", ny) == 1583020800000.0  # V8 rolls Feb 30 over
    assert parse_date("Thu, 01 Jan 1970 00:00:00 GMT", ny) == 0.0
    assert math.isnan(parse_date("garbage", ny))


def test_local_time_uses_the_viewer_zone_across_dst() -> None:
    ny = EvalContext(tz="America/New_York")
    # 02:30 does not exist on 2020-03-08 in New York: JS moves it forward to 03:30.
    assert evaluate("hours(datetime(2020, 2, 8, 2, 30))", ny) == 3.0
    assert evaluate("timezoneoffset(datetime(2020, 6, 1))", ny) == 240.0
    assert evaluate("utchours(datetime(2020, 6, 1))", ny) == 4.0
    days = evaluate("timeSequence('day', datetime(2020, 2, 7), datetime(2020, 2, 10))", ny)
    assert [d.ms for d in days] == [1583557200000.0, 1583643600000.0, 1583726400000.0]


def test_two_digit_years_and_overflow() -> None:
    assert ev("year(datetime(20, 0, 1))") == 1920.0
    assert ev("utc(2020, 12, 1)") == ev("utc(2021, 0, 1)")
    assert ev("month(datetime(2020, 1, 30))") == 2.0


def test_week_functions() -> None:
    assert ev("week(datetime(2021, 0, 1))") == 0.0
    assert ev("week(datetime(2021, 0, 3))") == 1.0
    assert ev("isoweek(datetime(2021, 0, 1))") == 53.0
    assert ev("dayofyear(datetime(2020, 11, 31))") == 366.0
    assert ev("quarter('garbage')") == 1.0


# -- a few functions whose JS semantics are easy to miss -----------------------------------


def test_string_functions() -> None:
    assert ev("replace('John Smith', /(\\w+)\\s(\\w+)/, '$2, $1')") == "Smith, John"
    assert ev("replace('aaa', 'a', 'b')") == "baa"
    assert ev("split('a1b2c', /(\\d)/)") == ["a", "1", "b", "2", "c"]
    assert ev("split('abc', '', 2)") == ["a", "b"]
    assert ev("parseInt('0x1F')") == 31.0 and ev("parseInt('z', 36)") == 35.0
    assert math.isnan(ev("parseInt('12', 37)"))  # type: ignore[arg-type]
    assert ev("truncate('hello world', 6, 'center')") == "hel\u2026ld"
    assert ev("pad('abc', 8, '-', 'center')") == "--abc---"


def test_regex_translation_keeps_js_meaning() -> None:
    assert ev("test(/\\d/, '\u0663')") is False  # JS \d is ASCII only
    assert ev("test(/a$/, 'a\\n')") is False  # JS $ does not match before a final newline
    assert ev("test(/^b/m, 'a\\rb')") is True  # \r is a line terminator in JS
    assert ev("test(/a{,2}/, 'a{,2}')") is True  # a brace that is no quantifier is literal
    assert ev("replace('a b', /[\\s\\S]/g, '.')") == "..."  # negated escapes inside a class
    assert ev("replace('This', /[^\\W\\d]/gi, '.')") == "...."


def test_selection_test_on_an_empty_store_is_the_number_zero() -> None:
    ctx = EvalContext(datum={"x": 1}, datasets={"s": []})
    result = evaluate("vlSelectionTest('s', datum)", ctx)
    assert result == 0.0 and not isinstance(result, bool)


def test_selection_resolve_shape() -> None:
    store = [{"unit": "u", "fields": [{"field": "x", "type": "R"}], "values": [[5, 1]]}]
    ctx = EvalContext(datasets={"brush": store})
    assert evaluate("vlSelectionResolve('brush')", ctx) == {"x": [1.0, 5.0]}


# -- Math agrees with V8 to the last bit (values recorded from Node 20) ---------------------


@pytest.mark.parametrize("expr, v8", [
    ("log(3)", 1.0986122886681096),  # the C library gives ...098
    ("exp(1)", 2.718281828459045),
    ("exp(47.36316344555121)", 3.7115945631536015e+20),
    ("sin(-2.5)", -0.5984721441039564),
    ("atan2(1, -1)", 2.356194490192345),
    ("atan2(-2.729202958950494e+216, -0.7262986401738716)", -1.5707963267948966),
    ("hypot(3, 4)", 5.0),
    ("cumulativeNormal(1.96)", 0.9750021048517795),
])
def test_math_matches_v8(expr: str, v8: float) -> None:
    assert ev(expr) == v8


def test_datum_may_be_any_mapping() -> None:
    from types import MappingProxyType

    assert evaluate("datum.a + 1", EvalContext(datum=MappingProxyType({"a": 1}))) == 2.0


def test_long_operator_chains_do_not_exhaust_the_stack() -> None:
    assert ev("+".join(["1"] * 5000)) == 5000.0
    assert ev("1 - 2 * 3 - 4 / 2 + 'a' + 1 + 2") == "-7a12"  # left to right, JS's '+'


# -- results recorded from Vega 6.4 in Node 20 with TZ=Europe/Paris -------------------------

_PARIS_RESULTS: list[tuple[str, object]] = [
    ('clampRange([8, 12], 0, 10)', [6.0, 10.0]),
    ('extent([3, 1, null, NaN, 5])', [1.0, 5.0]),
    ("indexof('hello', 'l', 3)", 3.0),
    ('lastindexof([1, 2, 3, 2], 2, -2)', 1.0),
    ("join([1, null, 'a', [2, 3]])", "1,,a,2,3"),
    ("lerp([0, 5, 10], '0.25')", 2.5),
    ("peek('abc')", "c"),
    ("pluck([{a: {b: 1}}, {}], 'a.b')", SpecError),
    ('sequence(0, 1, 0.25)', [0.0, 0.25, 0.5, 0.75]),
    ('sequence(5, 0, -2)', [5.0, 3.0, 1.0]),
    ("slice('hello', 1, -1)", "ell"),
    ("sort([3, 1, null, 2, 'a'])", [None, 1.0, 2.0, 3.0, "a"]),
    ('span([5, 1, 10])', 5.0),
    ("pad('abc', 8, '-', 'center')", "--abc---"),
    ("truncate('hello world', 5, 'left')", "…orld"),
    ("parseFloat('  -1e3x')", -1000.0),
    ("parseInt('ff', 36)", 555.0),
    ("replace('aaa', /a*/g, 'X')", "XX"),
    ("replace('abc', /(z)?b/, '[$1]')", "a[]c"),
    ("split('a, b ,c', /\\s*,\\s*/)", ["a", "b", "c"]),
    ("split('abc', /(?:)/)", ["a", "b", "c"]),
    ("substring('hello', 3, 1)", "el"),
    ("trim('\\u00a0x\\ufeff')", "x"),
    ("btoa('hello')", "aGVsbG8="),
    ("atob('aGVsbG8')", "hello"),
    ("encodeURIComponent('a b&c/é')", "a%20b%26c%2F%C3%A9"),
    ("merge({b: 1, '1': 2}, {'0': 3})", {"0": 3.0, "1": 2.0, "b": 1.0}),
    ("toBoolean('0')", False),
    ("toNumber('0x1F')", 31.0),
    ('toString([1, [2, 3], null])', "1,2,3,"),
    ('quantileNormal(0.975)', 1.959963984540054),
    ('densityLogNormal(1.5, 0.2, 0.7)', 0.36392548013038006),
    ('cumulativeUniform(5, 2, 8)', 0.5),
    ('quantileLogNormal(0.3)', 0.5919101006095541),
    ('round(-2.5)', -2.0),
    ('pow(1, NaN)', math.nan),
    ('max(-0, 0)', 0.0),
    ('atan2(0, -0)', 3.141592653589793),
    ('tan(1)', 1.5574077246549023),
    ('acos(0.3)', 1.2661036727794992),
    ('utc(99, 0)', 915148800000.0),
    ('datetime(2020, 14, 40, 25, 70, 70, 1500)', JSDate(1618013471500.0)),
    ('week(datetime(2021, 0, 3))', 1.0),
    ('isoweek(datetime(2026, 11, 31))', 53.0),
    ('utcdayofyear(utc(50, 5, 1))', 152.0),
    ("timeOffset('quarter', datetime(2021, 0, 31), 1)", JSDate(1617400800000.0)),
    ("utcSequence('week', utc(2021, 0, 1), utc(2021, 1, 1))", [JSDate(1609632000000.0), JSDate(1610236800000.0), JSDate(1610841600000.0), JSDate(1611446400000.0), JSDate(1612051200000.0)]),
    ("timeSequence('hours', datetime(2021, 2, 28, 0), datetime(2021, 2, 28, 5))", [JSDate(1616886000000.0), JSDate(1616889600000.0), JSDate(1616893200000.0), JSDate(1616896800000.0)]),
    ("time('2021-10-31 02:30')", 1635640200000.0),
    ("toDate('Mar 28, 2021 02:30')", 1616895000000.0),
    ("datetime(2021, 0, 1) + ''", "Fri Jan 01 2021 00:00:00 GMT+0100 (Central European Standard Time)"),
    ('timezoneoffset(datetime(2021, 6, 1))', -120.0),
]


def _same_js_value(got: object, want: object) -> bool:
    if isinstance(want, float) and isinstance(got, (int, float)) and not isinstance(got, bool):
        if math.isnan(want):
            return math.isnan(got)
        return got == want and math.copysign(1, got) == math.copysign(1, want)
    if isinstance(want, list):
        return isinstance(got, list) and len(got) == len(want) and all(
            _same_js_value(g, w) for g, w in zip(got, want))
    if isinstance(want, dict):
        return isinstance(got, dict) and list(got) == list(want) and all(
            _same_js_value(got[k], want[k]) for k in want)
    if isinstance(want, JSDate):
        return isinstance(got, JSDate) and got.ms == want.ms
    return type(got) is type(want) and got == want


@pytest.mark.parametrize("expr, want", _PARIS_RESULTS)
def test_results_recorded_from_vega(expr: str, want: object) -> None:
    ctx = EvalContext(tz="Europe/Paris")
    if want is SpecError:
        with pytest.raises(SpecError):
            evaluate(expr, ctx)
        return
    got = evaluate(expr, ctx)
    assert _same_js_value(got, want), f"{expr}: {got!r} != {want!r}"


def test_selection_store_must_be_given() -> None:
    with pytest.raises(SpecError, match="Undefined data set name: 'brush'"):
        evaluate("vlSelectionTest('brush', datum)", EvalContext(datum={"x": 1}))


def test_selection_union_and_intersect_across_units() -> None:
    store = [{"unit": "u1", "fields": [{"field": "x", "type": "R"}], "values": [[1, 5]]},
             {"unit": "u2", "fields": [{"field": "x", "type": "R"}], "values": [[4, 9]]}]
    for x, union, both in [(2, True, False), (4.5, True, True), (7, True, False), (10, False, False)]:
        ctx = EvalContext(datum={"x": x}, datasets={"s": store})
        assert evaluate("vlSelectionTest('s', datum)", ctx) is union
        assert evaluate("vlSelectionTest('s', datum, 'intersect')", ctx) is both
