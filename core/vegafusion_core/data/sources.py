"""One Vega ``data`` entry with ``values`` or ``url`` (and ``format``) made into a DuckDB view.

The view holds what Vega's dataflow would hold after vega-loader's ``read``: the same fields, in
the same order, parsed the same way, plus the order column. Files stay on disk: csv/tsv/dsv and
parquet are views over DuckDB's readers, Arrow IPC files are memory-mapped; only JSON is parsed
in Python (its values can be of any type, and JSON.parse semantics are simple to match there).

vega-loader's defaults, which differ by format: ``format.type`` defaults to "json"; no field is
parsed unless ``format.parse`` says so ("auto" is never a default), so delimited files yield
strings (empty and missing fields are ``""``), JSON keeps its own types.
"""

from __future__ import annotations

import itertools
import json
from pathlib import Path
from typing import Any, Mapping, Sequence

import duckdb
import pyarrow as pa
import sqlglot.expressions as exp

from ..errors import SpecError, UnsupportedError, VegaFusionError
from ..expression.types import VegaType
from .frames import describe, list_element_type, register_frame, vega_column
from .infer import infer_string_columns_sql, types_from_flags
from .parse import missing_field_sql, parse_rows, parse_sql
from .udfs import install_loader_udfs
from .urls import resolve_url
from .values import ARRAY_ELEMENT_TYPES, ORDER, SourceTable, register_rows

_counter = itertools.count()
_DELIMITERS = {"csv": ",", "tsv": "\t"}
_EXTENSION_TYPES = {".parquet": "parquet", ".arrow": "arrow", ".feather": "arrow",
                    ".ipc": "arrow"}
_FORMAT_KEYS = {"type", "parse", "property", "delimiter", "header", "copy", "feature", "mesh",
                "filter"}


def load_source(con: duckdb.DuckDBPyConnection, data_spec: Mapping[str, Any], *,
                inline_datasets: Mapping[str, Any] | None = None, tz: str = "UTC",
                data_dirs: Sequence[str | Path] | None = None, path: str = "data[0]",
                default_input_tz: str | None = None, base_dir: str | Path | None = None,
                allow_remote: bool = False) -> SourceTable:
    """Register the source of a Vega data entry in ``con`` and describe it.

    ``tz`` is the viewer's zone (local-time parsing); ``default_input_tz`` the zone of naive
    timestamps in DataFrames and files (default: ``tz``). Raises UnsupportedError for sources the
    browser must load (signals in url/values/format, topojson, remote URLs when not allowed) and
    SpecError for sources Vega could not load either.
    """
    install_loader_udfs(con)
    fmt = data_spec.get("format") or {}
    if not isinstance(fmt, Mapping):
        raise SpecError("format must be an object", path=f"{path}.format")
    if (_is_signal(fmt) or any(_is_signal(v) for v in fmt.values())
            or _is_signal(data_spec.get("url")) or _is_signal(data_spec.get("values"))):
        raise UnsupportedError("a data source whose url, values or format depends on a signal "
                               "is loaded in the browser", path=path)
    ctx = _Load(con=con, fmt=fmt, tz=tz, input_tz=default_input_tz or tz, path=path)
    if "values" in data_spec and data_spec["values"] is not None:
        return ctx.from_values(data_spec["values"])
    if "url" in data_spec:
        resolved = resolve_url(data_spec["url"], data_dirs=data_dirs, base_dir=base_dir,
                               allow_remote=allow_remote, path=f"{path}.url")
        if resolved.kind == "table":
            return ctx.from_inline(resolved.target, inline_datasets or {})
        return ctx.from_file(resolved.target, resolved.url, remote=resolved.kind == "remote")
    raise SpecError("a data source needs values or url", path=path)


def _is_signal(value: Any) -> bool:
    # vega-parser's isSignal / hasSignal: only a whole property can be a signal reference (a
    # data row with a "signal" field is just data).
    return isinstance(value, Mapping) and "signal" in value


def _lit(value: Any) -> str:
    """A SQL literal (file paths and delimiters come from specs: never spliced unquoted)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return exp.Literal.string(str(value)).sql(dialect="duckdb")


def _quote(name: str) -> str:
    return exp.to_identifier(name, quoted=True).sql(dialect="duckdb")


class _Load:
    def __init__(self, con: duckdb.DuckDBPyConnection, fmt: Mapping[str, Any], tz: str,
                 input_tz: str, path: str) -> None:
        self.con, self.fmt, self.tz, self.input_tz, self.path = con, fmt, tz, input_tz, path
        unknown = set(fmt) - _FORMAT_KEYS
        if unknown:
            raise SpecError(f"unknown format properties {sorted(unknown)}", path=f"{path}.format")
        self.parse = fmt.get("parse")
        if self.parse is not None and self.parse != "auto" and not isinstance(self.parse, Mapping):
            raise SpecError(f"format.parse must be an object or \"auto\", got {self.parse!r}",
                            path=f"{path}.format.parse")

    # -- format ----------------------------------------------------------------------------
    def format_type(self, file: str | None = None) -> str:
        kind = self.fmt.get("type")
        if kind in (None, "json") and file is not None:
            # Vega reads every url as JSON unless told otherwise; Arrow and Parquet files are
            # not readable by Vega at all, so their extension decides (as in VegaFusion). That
            # holds for "json" too: Vega-Lite writes it for any url whose extension it does not
            # know, and a .parquet or .arrow file is never JSON.
            kind = _EXTENSION_TYPES.get(Path(file.split("?")[0]).suffix.lower()) or kind
        kind = kind or "json"
        if kind == "topojson":
            raise UnsupportedError("topojson data is decoded in the browser", path=self.path)
        if kind not in ("json", "csv", "tsv", "dsv", "parquet", "arrow"):
            raise SpecError(f"Unknown data format type: {kind!r}", path=f"{self.path}.format.type")
        return kind

    def delimiter(self, kind: str) -> str:
        if kind in _DELIMITERS:
            return _DELIMITERS[kind]
        delim = self.fmt.get("delimiter")
        if not isinstance(delim, str) or len(delim) != 1:
            raise SpecError("a dsv format needs a one-character delimiter",
                            path=f"{self.path}.format.delimiter")
        return delim

    # -- values ----------------------------------------------------------------------------
    def from_values(self, values: Any) -> SourceTable:
        kind = self.format_type()
        if kind in ("csv", "tsv", "dsv"):
            if not isinstance(values, str):
                raise SpecError(f"{kind} values must be a string", path=f"{self.path}.values")
            rows = parse_dsv(self._with_header(values, kind), self.delimiter(kind))
        elif kind == "json":
            rows = self._json_rows(json.loads(values) if isinstance(values, str) else values)
        else:
            raise SpecError(f"inline values cannot be of format {kind!r}", path=self.path)
        return self._register_rows(rows)

    def _with_header(self, text: str, kind: str) -> str:
        header = self.fmt.get("header")
        if not header:
            return text
        return self.delimiter(kind).join(json.dumps(h) if not isinstance(h, str) or
                                         any(c in h for c in '"\n\r' + self.delimiter(kind))
                                         else h for h in header) + "\n" + text

    def _json_rows(self, data: Any) -> list[Any]:
        prop = self.fmt.get("property")
        if prop:
            data = _get_path(data, prop, f"{self.path}.format.property")
        if isinstance(data, Mapping) or not isinstance(data, list):
            data = [] if data is None else [data]  # ingest inserts a single object as one row
        return data

    def _register_rows(self, rows: list[Any]) -> SourceTable:
        parsed = parse_rows(rows, self.parse, self.tz, path=f"{self.path}.format.parse")
        return register_rows(self.con, parsed, path=self.path)

    # -- files -----------------------------------------------------------------------------
    def from_file(self, file: str, url: str, remote: bool) -> SourceTable:
        kind = self.format_type(file)
        try:
            if remote:
                self.con.execute("INSTALL httpfs; LOAD httpfs;")
            if kind == "json":
                return self._json_file(file, url, remote)
            if kind in ("csv", "tsv", "dsv"):
                return self._dsv_file(file, kind)
            if kind == "parquet":
                source = f"read_parquet({_lit(file)}, file_row_number = true)"
                return self._typed_view(source, order="file_row_number", drop={"file_row_number"})
            return self._arrow_file(file, url, remote)
        except VegaFusionError:
            raise
        except (duckdb.Error, OSError, ValueError, pa.ArrowInvalid) as err:
            raise SpecError(f"data url {url!r} could not be read as {kind}: {err}",
                            path=f"{self.path}.url") from err

    def _json_file(self, file: str, url: str, remote: bool) -> SourceTable:
        if remote:
            text = self.con.execute("SELECT content FROM read_text(?)", [file]).fetchall()[0][0]
        else:
            text = Path(file).read_text(encoding="utf-8-sig")
        try:
            data = json.loads(text)
        except json.JSONDecodeError as err:
            raise SpecError(f"data url {url!r} is not JSON ({err}); set format.type for other "
                            "formats", path=f"{self.path}.format") from err
        return self._register_rows(self._json_rows(data))

    def _dsv_file(self, file: str, kind: str) -> SourceTable:
        delim = self.delimiter(kind)
        header = self.fmt.get("header")
        fields = [str(h) for h in header] if header else _dsv_header(file, delim)
        if len(set(fields)) != len(fields) or "" in fields:
            raise UnsupportedError(f"the header of {file!r} has empty or repeated names; "
                                   "the file is read in the browser", path=self.path)
        if not fields:  # an empty file: no rows, no fields
            return SourceTable(name=self._create_view(
                [exp.alias_(exp.cast(exp.Null(), "BIGINT"), ORDER, quoted=True)],
                "(SELECT 1) AS empty WHERE false"), columns={})
        # The header is read here, so DuckDB's sniffer is off: it would guess comment lines,
        # skipped rows and types, where d3-dsv takes every line literally.
        columns = "{" + ", ".join(f"{_lit(f)}: 'VARCHAR'" for f in fields) + "}"
        options = [f"delim = {_lit(delim)}", "quote = '\"'", "escape = '\"'",
                   "auto_detect = false", f"columns = {columns}", "comment = ''", "skip = 0",
                   f"header = {_lit(not header)}", "null_padding = true", "strict_mode = false",
                   # quoted line breaks with padded short rows need the serial reader
                   "parallel = false"]
        source = f"read_csv({_lit(file)}, {', '.join(options)})"
        # d3-dsv yields "" for empty and missing fields: strings are never null.
        raw = {name: exp.func("coalesce", exp.column(name, quoted=True), exp.Literal.string(""))
               for name in fields}
        base = self._create_view(
            [exp.alias_(e, name, quoted=True) for name, e in raw.items()]
            + [exp.alias_(_row_number(), ORDER, quoted=True)], source)
        typed = {name: (exp.column(name, quoted=True), VegaType.STRING) for name in fields}
        return self._parsed_view(base, typed, ORDER)

    def _arrow_file(self, file: str, url: str, remote: bool) -> SourceTable:
        if remote:
            raise UnsupportedError(f"remote Arrow file {url!r} is loaded in the browser",
                                   path=f"{self.path}.url")
        source = pa.memory_map(file)
        try:
            table = pa.ipc.open_file(source).read_all()
        except pa.ArrowInvalid:
            table = pa.ipc.open_stream(pa.memory_map(file)).read_all()
        registered = register_frame(self.con, table, url)
        return self._typed_view(_quote(registered.name), warnings=registered.warnings)

    # -- inline datasets -------------------------------------------------------------------
    def from_inline(self, name: str, inline_datasets: Mapping[str, Any]) -> SourceTable:
        if name not in inline_datasets:
            known = ", ".join(sorted(inline_datasets)) or "none"
            raise SpecError(f"no inline dataset named {name!r} (given: {known})",
                            path=f"{self.path}.url")
        frame, order = _with_row_numbers(inline_datasets[name])
        registered = register_frame(self.con, frame, name)
        return self._typed_view(_quote(registered.name), order=order,
                                drop={order} if order else frozenset(),
                                warnings=registered.warnings)

    # -- views -----------------------------------------------------------------------------
    def _typed_view(self, source: str, order: str | None = None, drop: set[str] = frozenset(),
                    warnings: tuple[str, ...] = ()) -> SourceTable:
        """A view over a typed source: each column in its Vega storage, then format.parse."""
        columns: dict[str, tuple[exp.Expression, VegaType]] = {}
        elements: dict[str, VegaType] = {}
        skipped = list(warnings)
        for name, duck_type in describe(self.con, source):
            element = list_element_type(duck_type)
            if element is not None:
                elements[name] = element
            if name in drop:
                continue
            converted = vega_column(exp.column(name, quoted=True), duck_type, self.input_tz)
            if converted is None:
                skipped.append(f"{self.path}: column {name!r} of type {duck_type} has no Vega "
                               "counterpart and is left out")
                continue
            columns[name] = converted
        order_sql = exp.column(order, quoted=True) if order else _row_number()
        base = self._create_view(
            [exp.alias_(e, name, quoted=True) for name, (e, _) in columns.items()]
            + [exp.alias_(order_sql, ORDER, quoted=True)], source)
        plain = {name: (exp.column(name, quoted=True), t) for name, (_, t) in columns.items()}
        table = self._parsed_view(base, plain, ORDER, tuple(skipped))
        kept = {n: k for n, k in elements.items() if table.columns.get(n) is VegaType.ARRAY}
        if kept:  # what flatten needs to know about LIST columns (see transforms/flatten.py)
            ARRAY_ELEMENT_TYPES[table.name] = kept
        return table

    def _parsed_view(self, base: str, columns: dict[str, tuple[exp.Expression, VegaType]],
                     order: str, warnings: tuple[str, ...] = ()) -> SourceTable:
        parse = self.parse
        if parse == "auto":
            parse = self._infer(base, columns)
        if not parse:
            types = {name: t for name, (_, t) in columns.items()}
            return SourceTable(name=base, columns=types, order_column=order, warnings=warnings)
        out = dict(columns)
        for field, kind in parse.items():
            where = f"{self.path}.format.parse.{field}"
            if field in columns:
                out[field] = parse_sql(columns[field][0], columns[field][1], kind, self.tz, where)
            else:
                missing = missing_field_sql(kind, where)
                if missing is not None:
                    out[field] = missing
        name = self._create_view([exp.alias_(e, n, quoted=True) for n, (e, _) in out.items()]
                                 + [exp.column(order, quoted=True)], _quote(base))
        return SourceTable(name=name, columns={n: t for n, (_, t) in out.items()},
                           order_column=order, warnings=warnings)

    def _infer(self, base: str, columns: Mapping[str, tuple[exp.Expression, VegaType]]
               ) -> dict[str, str]:
        """format.parse "auto": only string columns can change type (vega-loader's inference
        leaves numbers, booleans and dates as they are)."""
        strings = [name for name, (_, t) in columns.items() if t is VegaType.STRING]
        if not strings:
            return {}
        query = infer_string_columns_sql(exp.to_table(base, quoted=True), strings, self.tz)
        flags = self.con.execute(query.sql(dialect="duckdb")).fetchall()[0]
        count = self.con.execute(f"SELECT count(*) FROM {_quote(base)}").fetchall()[0][0]
        return types_from_flags(strings, flags, count)

    def _create_view(self, selected: list[exp.Expression], source: str) -> str:
        name = f"vf_source_{next(_counter)}"
        select = exp.select(*selected).sql(dialect="duckdb")
        self.con.execute(f"CREATE OR REPLACE TEMP VIEW {_quote(name)} AS {select} FROM {source}")
        return name


def _row_number() -> exp.Expression:
    # A window without ORDER BY numbers rows in scan order (DuckDB streams it in order).
    return exp.Sub(this=exp.Window(this=exp.RowNumber()), expression=exp.Literal.number(1))


def _get_path(data: Any, prop: str, path: str) -> Any:
    """vega-util's field(prop) applied to ``data``: ``a.b``, ``a[0]``, ``a["b"]``."""
    for key in _split_access_path(prop):
        if isinstance(data, Mapping):
            data = data.get(key)
        elif isinstance(data, list) and key.isdigit() and int(key) < len(data):
            data = data[int(key)]
        else:
            return None
    return data


def _split_access_path(p: str) -> list[str]:
    """vega-util's splitAccessPath (without its error cases)."""
    out, buf, i, n = [], "", 0, len(p)
    while i < n:
        c = p[i]
        if c == "\\" and i + 1 < n:
            buf += p[i + 1]
            i += 2
        elif c == ".":
            out.append(buf)
            buf = ""
            i += 1
        elif c == "[":
            if buf:
                out.append(buf)
            buf = ""
            end = p.index("]", i)
            inner = p[i + 1:end]
            if len(inner) >= 2 and inner[0] == inner[-1] and inner[0] in "'\"":
                inner = inner[1:-1]
            out.append(inner)
            i = end + 1
            if i < n and p[i] == ".":
                i += 1
        else:
            buf += c
            i += 1
    if buf or not out:
        out.append(buf)
    return out


def _dsv_header(file: str, delimiter: str, chunk: int = 1 << 20) -> list[str]:
    """The first row of a delimited file, as d3-dsv reads it (quoted names may hold line
    breaks: read on until the first row is complete)."""
    text = ""
    with open(file, encoding="utf-8", newline="") as handle:
        while True:
            more = handle.read(chunk)
            text += more
            rows = _dsv_rows(text, delimiter)
            complete = len(rows) > 1 or not more
            if complete:
                return rows[0] if rows else []


def parse_dsv(text: str, delimiter: str) -> list[dict[str, str]]:
    """d3-dsv's dsvFormat(delimiter).parse for inline text: header row, then objects of strings
    (a missing field is "")."""
    rows = _dsv_rows(text, delimiter)
    if not rows:
        return []
    columns = rows[0]
    return [{name: (row[i] if i < len(row) else "") or "" for i, name in enumerate(columns)}
            for row in rows[1:]]


def _dsv_rows(text: str, delimiter: str) -> list[list[str]]:
    """d3-dsv's parseRows: quotes with "" escapes, \\n, \\r and \\r\\n line ends."""
    n = len(text)
    if n and text[-1] == "\n":
        n -= 1
    if n and text[n - 1] == "\r":
        n -= 1
    rows: list[list[str]] = []
    row: list[str] = []
    i = 0
    if n <= 0:
        return rows
    while True:
        if i < n and text[i] == '"':
            j = i + 1
            value = []
            while j < n:
                if text[j] == '"':
                    if j + 1 < n and text[j + 1] == '"':
                        value.append('"')
                        j += 2
                        continue
                    break
                value.append(text[j])
                j += 1
            token = "".join(value)
            i = j + 1
            # d3 skips whatever follows the closing quote up to the delimiter or line end.
            while i < n and text[i] not in (delimiter, "\n", "\r"):
                i += 1
        else:
            j = i
            while j < n and text[j] not in (delimiter, "\n", "\r"):
                j += 1
            token = text[i:j]
            i = j
        row.append(token)
        if i >= n:
            rows.append(row)
            return rows
        c = text[i]
        i += 1
        if c in "\n\r":
            if c == "\r" and i < n and text[i] == "\n":
                i += 1
            rows.append(row)
            row = []
            if i >= n:
                # a line end right before the end of text: d3 ends without another row
                return rows


_ROW_NUMBER = "__vf_row"


def _with_row_numbers(frame: Any) -> tuple[Any, str | None]:
    """An Arrow table with a stored row-number column, and that column's name.

    The order column then costs nothing per query; without it every query numbers the rows with
    a window over the whole frame (a third of a 10M-row crossfilter update). Appending a column to
    an Arrow table copies no other column; other frames keep the window.
    """
    if not isinstance(frame, pa.Table) or _ROW_NUMBER in frame.column_names:
        return frame, None
    try:
        import numpy as np

        numbers = pa.array(np.arange(frame.num_rows, dtype=np.int64))
    except ImportError:  # pragma: no cover - numpy comes with pandas and pyarrow's wheels
        numbers = pa.array(range(frame.num_rows), type=pa.int64())
    return frame.append_column(_ROW_NUMBER, numbers), _ROW_NUMBER
