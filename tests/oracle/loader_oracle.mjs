// vega-loader as the oracle for data sources: reads a JSON list of requests on stdin, each
// {file} (a path read as text) or {text} (inline data), plus {format}, and prints for each the
// rows vega's read() returns, as ingested by the dataflow (a primitive datum v becomes {data: v}).
// Lossless encoding as in transform_oracle.mjs. The time zone is the process's TZ variable.
import * as vega from 'vega';
import {readFileSync} from 'node:fs';

function encode(value) {
  if (value === undefined) return {$undefined: 1};
  if (typeof value === 'number') {
    if (Number.isNaN(value)) return {$nan: 1};
    if (value === Infinity) return {$inf: 1};
    if (value === -Infinity) return {$inf: -1};
    return value;
  }
  if (value instanceof Date) return {$date: Number.isNaN(value.getTime()) ? null : value.getTime()};
  if (Array.isArray(value)) return value.map(encode);
  if (value && typeof value === 'object') {
    const out = {};
    for (const key of Object.keys(value)) out[key] = encode(value[key]);
    return out;
  }
  return value;
}

function run(req) {
  try {
    const data = req.file !== undefined ? readFileSync(req.file, 'utf8') : req.text;
    let rows = vega.read(data, req.format || {});
    rows = vega.array(rows).map(d => d === Object(d) ? d : {data: d});
    return {rows: encode(rows)};
  } catch (err) {
    return {$error: String(err && err.message || err)};
  }
}

let input = '';
process.stdin.on('data', chunk => input += chunk);
process.stdin.on('end', () => {
  process.stdout.write(JSON.stringify(JSON.parse(input).map(run)));
});
