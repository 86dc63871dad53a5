"""Files of the vega-datasets package and generated files, read by vega-loader in Node and by our
sources, compared row by row (values, types as Vega holds them, and order)."""

from __future__ import annotations

import pytest

from tests.data.vega_loader import DATASETS, assert_same_rows, our_rows, vega_rows
from vegafusion_core.errors import UnsupportedError

ZONES = ["UTC", "America/New_York", "Australia/Lord_Howe"]

DATASET_CASES = [
    ("cars.json", {"type": "json"}),
    ("cars.json", {"type": "json", "parse": {"Year": "date", "Horsepower": "string"}}),
    ("cars.json", {"parse": "auto"}),
    ("stocks.csv", {"type": "csv"}),
    ("stocks.csv", {"type": "csv", "parse": {"date": "date", "price": "number"}}),
    ("stocks.csv", {"type": "csv", "parse": "auto"}),
    ("seattle-weather.csv", {"type": "csv", "parse": {"date": "date", "wind": "number"}}),
    ("seattle-weather.csv", {"type": "csv", "parse": "auto"}),
    ("airports.csv", {"type": "csv"}),
    ("airports.csv", {"type": "csv", "parse": "auto"}),
    ("flights-2k.json", {"type": "json", "parse": {"date": "date"}}),
    ("flights-2k.json", {"type": "json", "parse": "auto"}),
    ("unemployment.tsv", {"type": "tsv", "parse": "auto"}),
    ("zipcodes.csv", {"type": "csv", "parse": "auto"}),
    ("github.csv", {"type": "csv", "parse": "auto"}),
    ("weather.csv", {"type": "csv", "parse": {"date": "date", "precipitation": "number"}}),
    ("sp500.csv", {"type": "csv", "parse": {"date": "date"}}),
    ("birdstrikes.csv", {"type": "csv", "parse": "auto"}),
    ("movies.json", {"type": "json", "parse": "auto"}),
    ("miserables.json", {"type": "json", "property": "nodes"}),
    ("miserables.json", {"type": "json", "property": "links"}),
    ("population.json", {}),
    ("barley.json", {"type": "json"}),
    ("penguins.json", {"parse": "auto"}),
    ("gapminder.json", {"type": "json", "parse": {"year": "date:'%Y'"}}),
    ("iowa-electricity.csv", {"type": "csv", "parse": {"year": "utc:'%Y-%m-%d'"}}),
    ("co2-concentration.csv", {"type": "csv", "parse": "auto"}),
]


def _needs_d3timeformat(fmt: dict) -> None:
    parse = fmt.get("parse")
    kinds = parse.values() if isinstance(parse, dict) else []
    if any(str(k).startswith(("date:", "utc:")) for k in kinds):
        pytest.importorskip("vegafusion_core.expression.d3timeformat",
                            reason="date:/utc: patterns need expression/d3timeformat.py")


@pytest.mark.parametrize("zone", ZONES)
@pytest.mark.parametrize("file,fmt", DATASET_CASES, ids=lambda v: str(v))
def test_vega_datasets_file(file: str, fmt: dict, zone: str) -> None:
    _needs_d3timeformat(fmt)
    theirs = vega_rows({"file": str(DATASETS / file), "format": fmt}, zone)
    ours, table = our_rows({"url": f"data/{file}", "format": fmt}, zone)
    assert_same_rows(ours, theirs, table)


@pytest.mark.parametrize("fmt", [{"type": "json"}, {"parse": {"Release Date": "date"}}])
def test_mixed_type_json_field_is_left_to_the_browser(fmt: dict) -> None:
    # movies.json's Title holds 9 numbers among strings: a SQL column cannot hold both.
    with pytest.raises(UnsupportedError, match="Title"):
        our_rows({"url": "data/movies.json", "format": fmt}, "UTC")


def test_vega_datasets_urls_resolve_to_the_package_files() -> None:
    theirs = vega_rows({"file": str(DATASETS / "cars.json"), "format": {}}, "UTC")
    for url in ["https://cdn.jsdelivr.net/npm/vega-datasets@v1.29.0/data/cars.json",
                "https://vega.github.io/vega-datasets/data/cars.json",
                "https://raw.githubusercontent.com/vega/vega-datasets/master/data/cars.json",
                "data/cars.json", "./data/cars.json"]:
        ours, _ = our_rows({"url": url}, "UTC")
        assert_same_rows(ours, theirs)


# --------------------------------------------------------------------------------------------
# Generated delimited files: the corners of d3-dsv and of the type parsers.

TRICKY_CSV = (
    'name,num,flag,when,note\n'
    'a,1,true,2020-03-08T02:30:00,plain\n'
    '"b, quoted",  2.5 ,false,2020-01-01,"say ""hi"""\n'
    'c,,0,Jan 1 2000,"multi\nline"\n'
    'd,0x1F,1,2000/01/02 10:00,\n'
    'e,Infinity,TRUE,1999-12-31T23:59:59.123Z\n'
    'f,-1e3,,bogus date, spaced \n'
    'g,1_000,false,2020-10-25T02:30:00+05:30,x\r\n'
    'h,.5,false,12/31/1999,y\n'
)

CSV_FORMATS = [
    {"type": "csv"},
    {"type": "csv", "parse": "auto"},
    {"type": "csv", "parse": {"num": "number", "flag": "boolean", "when": "date",
                              "note": "string", "absent": "number"}},
    {"type": "csv", "parse": {"num": "integer", "flag": "string", "name": "boolean"}},
    {"type": "csv", "parse": {"num": "unknown", "when": "date"}},
]


@pytest.mark.parametrize("zone", ZONES)
@pytest.mark.parametrize("fmt", CSV_FORMATS, ids=lambda v: str(v))
def test_generated_csv(tmp_path, fmt: dict, zone: str) -> None:
    file = tmp_path / "tricky.csv"
    file.write_text(TRICKY_CSV)
    theirs = vega_rows({"file": str(file), "format": fmt}, zone)
    ours, table = our_rows({"url": str(file), "format": fmt}, zone)
    assert_same_rows(ours, theirs, table)


@pytest.mark.parametrize("text", [
    "a,b\n#x,1\n\"\",2\n",                 # no comment lines in d3-dsv
    "junk line\na,b,c\n1,2,3\n\"q\nr\",5\n",  # extra fields are dropped
    "a;b,c\nx;y,3\n",                         # no delimiter sniffing either
    "x\n",                                     # a header and no rows
])
def test_csv_read_literally(tmp_path, text: str) -> None:
    file = tmp_path / "literal.csv"
    file.write_text(text)
    for fmt in ({"type": "csv"}, {"type": "csv", "parse": "auto"}):
        theirs = vega_rows({"file": str(file), "format": fmt}, "UTC")
        ours, table = our_rows({"url": str(file), "format": fmt}, "UTC")
        assert_same_rows(ours, theirs, table)


def test_csv_inline_text_matches_the_file_reader(tmp_path) -> None:
    fmt = {"type": "csv", "parse": "auto"}
    theirs = vega_rows({"text": TRICKY_CSV, "format": fmt}, "Europe/Paris")
    ours, table = our_rows({"values": TRICKY_CSV, "format": fmt}, "Europe/Paris")
    assert_same_rows(ours, theirs, table)


@pytest.mark.parametrize("kind,delimiter,ext", [("tsv", "\t", "tsv"), ("dsv", ";", "txt"),
                                                ("dsv", "|", "psv")])
def test_generated_tsv_and_dsv(tmp_path, kind: str, delimiter: str, ext: str) -> None:
    text = "\n".join(delimiter.join(r) for r in [
        ["k", "x", "d"], ["a", "1", "2021-05-01"], ["b", "", "2021-05-02T10:00"],
        ["c", "3.25", ""], ['"q' + delimiter + 'x"', "-4", "May 3 2021"]]) + "\n"
    file = tmp_path / f"data.{ext}"
    file.write_text(text)
    for fmt in ({"type": kind}, {"type": kind, "parse": "auto"},
                {"type": kind, "parse": {"x": "number", "d": "date"}}):
        if kind == "dsv":
            fmt = {**fmt, "delimiter": delimiter}
        theirs = vega_rows({"file": str(file), "format": fmt}, "America/New_York")
        ours, table = our_rows({"url": str(file), "format": fmt}, "America/New_York")
        assert_same_rows(ours, theirs, table)


def test_dsv_header_option(tmp_path) -> None:
    file = tmp_path / "noheader.csv"
    file.write_text("1,x\n2,y\n")
    fmt = {"type": "dsv", "delimiter": ",", "header": ["n", "s"], "parse": {"n": "number"}}
    theirs = vega_rows({"file": str(file), "format": fmt}, "UTC")
    ours, _ = our_rows({"url": str(file), "format": fmt}, "UTC")
    assert_same_rows(ours, theirs)


def test_date_patterns_in_csv(tmp_path) -> None:
    pytest.importorskip("vegafusion_core.expression.d3timeformat",
                        reason="date:/utc: patterns need expression/d3timeformat.py")
    file = tmp_path / "dates.csv"
    file.write_text("d,u\n31/12/1999,2020-03-08\n01/02/2003,bad\n,2021-10-31\n")
    fmt = {"type": "csv", "parse": {"d": "date:'%d/%m/%Y'", "u": "utc:\"%Y-%m-%d\""}}
    for zone in ZONES:
        theirs = vega_rows({"file": str(file), "format": fmt}, zone)
        ours, table = our_rows({"url": str(file), "format": fmt}, zone)
        assert_same_rows(ours, theirs, table)


# --------------------------------------------------------------------------------------------
# Inline values and JSON: every parser on every kind of JSON value.

JSON_ROWS = [
    {"n": 1, "s": "2", "b": True, "z": None, "e": "", "d": "2020-01-01", "t": "10", "arr": [1, 2]},
    {"n": 0, "s": " 0x10 ", "b": False, "z": None, "e": "", "d": "2020-02-29T23:00", "t": "false"},
    {"n": -2.5, "s": "abc", "b": True, "e": "", "d": "2020-06-01T12:00:00", "t": "0"},
    {"n": 3, "s": "1e3", "b": False, "z": None, "e": "", "d": "March 7, 2021", "t": "yes"},
    {"n": 1.5e12, "s": "-Infinity", "b": True, "z": None, "e": "", "d": "garbage", "t": ""},
]

JSON_FORMATS = [
    {},
    {"parse": "auto"},
    {"parse": {"n": "string", "s": "number", "b": "number", "t": "boolean", "d": "date"}},
    {"parse": {"n": "boolean", "b": "string", "e": "number", "z": "date", "missing": "string"}},
    {"parse": {"n": "date", "s": "boolean", "e": "boolean", "z": "boolean", "d": "date"}},
    {"parse": {"n": "integer", "t": "string", "e": "string", "b": "boolean", "d": "unknown"}},
]


@pytest.mark.parametrize("zone", ZONES)
@pytest.mark.parametrize("fmt", JSON_FORMATS, ids=lambda v: str(v))
def test_inline_values_parse(fmt: dict, zone: str) -> None:
    theirs = vega_rows({"text": JSON_ROWS, "format": {"type": "json", **fmt}}, zone)
    ours, table = our_rows({"values": JSON_ROWS, "format": {"type": "json", **fmt}}, zone)
    assert_same_rows(ours, theirs, table)


@pytest.mark.parametrize("data,fmt", [
    ({"a": {"b": [{"x": 1}, {"x": 2}]}}, {"property": "a.b"}),
    ({"items": {"x": 5, "y": "one row"}}, {"property": "items"}),
    ([1, "two", 3], {}),
    ([{"x": [1, 2, 3]}, {"x": []}, {"x": None}], {}),
    ([{"o": {"p": 1, "q": 2}}, {"o": {"p": 3, "q": None}}], {}),
])
def test_json_shapes(tmp_path, data, fmt: dict) -> None:
    import json

    file = tmp_path / "shape.json"
    file.write_text(json.dumps(data))
    theirs = vega_rows({"file": str(file), "format": {"type": "json", **fmt}}, "UTC")
    if data == [1, "two", 3]:
        with pytest.raises(UnsupportedError):
            our_rows({"url": str(file), "format": {"type": "json", **fmt}}, "UTC")
        return
    ours, _ = our_rows({"url": str(file), "format": {"type": "json", **fmt}}, "UTC")
    assert_same_rows(ours, theirs)


# Columns built to hit each branch of vega-loader's inferType: "" counts as an integer (+"" is
# 0) but not as a boolean or a date; hexadecimal and Infinity are numbers, not integers.
AUTO_COLUMNS = {
    "blank_int": ["", "1", "2"],
    "all_blank": ["", "", ""],
    "bool_blank": ["true", "", "false"],
    "bools": ["true", "false", "true"],
    "float": ["1.0", "2.5", "-3"],
    "hex": ["0x10", "7", "8"],
    "inf": ["Infinity", "1", "2"],
    "spaces": [" 1", "2 ", " "],
    "dates": ["2020-01-01", "Jan 2 2020", "2020/01/03 10:00"],
    "date_blank": ["2020-01-01", "", "2020-01-03"],
    "years": ["2001", "2002", "1999"],
    "mixed": ["1", "a", "2020-01-01"],
}


@pytest.mark.parametrize("zone", ["UTC", "Asia/Kolkata"])
def test_auto_inference_branches(tmp_path, zone: str) -> None:
    names = list(AUTO_COLUMNS)
    lines = [",".join(names)] + [",".join(AUTO_COLUMNS[n][i] for n in names) for i in range(3)]
    text = "\n".join(lines) + "\n"
    file = tmp_path / "auto.csv"
    file.write_text(text)
    fmt = {"type": "csv", "parse": "auto"}
    theirs = vega_rows({"file": str(file), "format": fmt}, zone)
    ours_file, table = our_rows({"url": str(file), "format": fmt}, zone)
    assert_same_rows(ours_file, theirs, table)
    ours_text, table = our_rows({"values": text, "format": fmt}, zone)
    assert_same_rows(ours_text, theirs, table)
    json_rows = [dict(zip(names, line.split(","))) for line in lines[1:]]
    theirs_json = vega_rows({"text": json_rows, "format": {"parse": "auto"}}, zone)
    ours_json, table = our_rows({"values": json_rows, "format": {"parse": "auto"}}, zone)
    assert_same_rows(ours_json, theirs_json, table)


def test_objects_with_one_type_per_key(tmp_path) -> None:
    import json

    data = [{"o": {"n": 1, "s": "a", "b": True}}, {"o": None}, {"o": {"n": 2.5, "s": None,
                                                                       "b": False}}]
    file = tmp_path / "objects.json"
    file.write_text(json.dumps(data))
    theirs = vega_rows({"file": str(file), "format": {}}, "UTC")
    ours, table = our_rows({"url": str(file)}, "UTC")
    assert_same_rows(ours, theirs, table)
