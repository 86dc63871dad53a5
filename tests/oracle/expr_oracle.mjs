// The oracle for the expression language: Vega JS evaluates each case, and the results are
// printed as JSON with a lossless encoding, so the Python harness (tests/expression/oracle.py)
// can compare its engines against them value by value.
//
// Input (stdin), one JSON object:
//   {"mode": "eval", "cases": [{"id", "expr", "kind": "formula"|"filter"|"signal",
//                               "rows": {"values": [...], "parse": {...}},
//                               "signals": {name: value | {"$expr": "..."}},
//                               "datasets": {name: [rows]}}]}
//   {"mode": "parse", "exprs": ["...", ...]}
// Output (stdout): {"vega": version, "results": [...]}, one result per case or expression.
//
// The time zone of local-time functions is the process's TZ environment variable: the harness
// runs one process per zone.
//
// Encoding: finite numbers other than -0 are JSON numbers; NaN, Infinity, -Infinity and -0 are
// {"$num": "NaN" | "Infinity" | "-Infinity" | "-0"}; undefined is {"$undefined": true}; a Date is
// {"$date": <encoded ms>}; a RegExp is {"$regexp": [source, flags]}; an object with a key that
// starts with "$" is wrapped as {"$object": {...}}; a function is {"$function": name}.

import * as vega from 'vega';
import { parseExpression } from 'vega-expression';
import { readFileSync } from 'node:fs';

function encodeNumber(x) {
  if (Number.isNaN(x)) return { $num: 'NaN' };
  if (x === Infinity) return { $num: 'Infinity' };
  if (x === -Infinity) return { $num: '-Infinity' };
  if (Object.is(x, -0)) return { $num: '-0' };
  return x;
}

function encode(x) {
  if (x === undefined) return { $undefined: true };
  if (x === null || typeof x === 'boolean' || typeof x === 'string') return x;
  if (typeof x === 'number') return encodeNumber(x);
  if (typeof x === 'function') return { $function: x.name || '' };
  if (x instanceof Date) return { $date: encodeNumber(x.getTime()) };
  if (x instanceof RegExp) return { $regexp: [x.source, x.flags] };
  if (Array.isArray(x)) return Array.from(x, encode);  // Array.from turns holes into undefined
  const out = {};
  let dollar = false;
  for (const key of Object.keys(x)) {
    if (key.startsWith('$')) dollar = true;
    out[key] = encode(x[key]);
  }
  return dollar ? { $object: out } : out;
}

// Vega's parser output, as JSON.stringify would give it (a RegExp literal's value is {}), except
// that numbers keep NaN, Infinity and -0.
function encodeAst(node) {
  if (node instanceof RegExp) return {};
  if (typeof node === 'number') return encodeNumber(node);
  if (Array.isArray(node)) return node.map(encodeAst);
  if (node && typeof node === 'object') {
    const out = {};
    for (const key of Object.keys(node)) {
      if (node[key] !== undefined) out[key] = encodeAst(node[key]);
    }
    return out;
  }
  return node;
}

// A logger that records errors: Vega's dataflow catches an exception thrown while a transform
// runs and logs it instead of rejecting runAsync().
function recordingLogger(errors) {
  const base = vega.logger(vega.None);
  base.error = (...args) => {
    errors.push(args.map(a => (a && a.message) || String(a)).join(' '));
    return base;
  };
  return base;
}

const copy = x => structuredClone(x);

function signalDefs(signals) {
  return Object.entries(signals || {}).map(([name, value]) =>
    value && typeof value === 'object' && !Array.isArray(value) && '$expr' in value
      ? { name, update: value.$expr }
      : { name, value: copy(value) });
}

function storeDefs(datasets) {
  return Object.entries(datasets || {}).map(([name, values]) => ({ name, values: copy(values) }));
}

// The rows and signals as Vega parses them, without the case's expression: the inputs the
// engines are given, reported even when the expression itself makes Vega fail.
function inputSpec(c) {
  const format = c.rows.parse ? { parse: c.rows.parse } : undefined;
  const data = storeDefs(c.datasets);
  data.push({ name: 'src', values: copy(c.rows.values), format });
  return { signals: signalDefs(c.signals), data };
}

function caseSpec(c, values) {
  const format = c.rows.parse ? { parse: c.rows.parse } : undefined;
  const signals = signalDefs(c.signals);
  const data = storeDefs(c.datasets);
  if (c.kind === 'signal') {
    signals.push({ name: 'out', update: c.expr });
  } else {
    const transform = c.kind === 'filter'
      ? [{ type: 'filter', expr: c.expr }]
      : [{ type: 'formula', expr: c.expr, as: 'out' }];
    data.push({ name: 't', values, format, transform });
  }
  return { signals, data };
}

async function runView(spec) {
  const errors = [];
  let view = null;
  try {
    view = new vega.View(vega.parse(spec), { logger: recordingLogger(errors) });
    await view.runAsync();
  } catch (e) {
    errors.push(e && e.message ? e.message : String(e));
  }
  return { view, error: errors.length ? errors[0] : null };
}

async function evalCase(c) {
  const inputs = await runView(inputSpec(c));
  if (inputs.error) return { id: c.id, error: 'in the case inputs: ' + inputs.error, input_error: true };
  const result = {
    id: c.id,
    parsed_rows: encode(inputs.view.data('src')),
    signals: encode(Object.fromEntries(Object.keys(c.signals || {}).map(n => [n, inputs.view.signal(n)]))),
  };
  const values = copy(c.rows.values);
  const { view, error } = await runView(caseSpec(c, values));
  if (error) {
    result.error = error;
  } else if (c.kind === 'signal') {
    result.value = encode(view.signal('out'));
  } else if (c.kind === 'filter') {
    // The filter transform keeps the very row objects it was given: identity gives the indices.
    result.kept = view.data('t').map(row => values.indexOf(row));
  } else {
    result.values = encode(view.data('t').map(row => row.out));
  }
  return result;
}

function parseOne(text) {
  try {
    return { ast: encodeAst(parseExpression(text)) };
  } catch (e) {
    return { error: e.message, index: e.index ?? null };
  }
}

async function main() {
  const input = JSON.parse(readFileSync(0, 'utf8'));
  const results = [];
  if (input.mode === 'parse') {
    for (const text of input.exprs) results.push(parseOne(text));
  } else {
    for (const c of input.cases) results.push(await evalCase(c));
  }
  process.stdout.write(JSON.stringify({ vega: vega.version, results }));
}

await main();
