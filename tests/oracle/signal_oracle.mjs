// Vega JS as the oracle for what transforms.jsonl cannot carry: signals whose value is a function
// (bin's `signal` binds its accessor, with start/step/stop/fields/fname properties) and ids from
// the identifier transform. Reads a JSON list of cases (as transform_oracle.mjs) on stdin and
// prints, for each, the rows of dataset "t" and the requested signals as plain JSON.
import * as vega from 'vega';

function plain(value) {
  if (typeof value === 'function') {
    return {fields: value.fields, fname: value.fname, start: value.start, step: value.step,
            stop: value.stop};
  }
  if (typeof value === 'number' && !Number.isFinite(value)) return {$nonfinite: String(value)};
  if (value instanceof Date) return value.getTime();
  if (Array.isArray(value)) return value.map(plain);
  if (value && typeof value === 'object') {
    const out = {};
    for (const key of Object.keys(value)) out[key] = plain(value[key]);
    return out;
  }
  return value === undefined ? null : value;
}

function specFor(c) {
  const data = Object.entries(c.datasets || {}).map(([name, d]) => ({
    name, values: d.values, format: {type: 'json', parse: d.parse || {}},
    transform: d.transforms || []
  }));
  data.push({name: 't', values: c.rows, format: {type: 'json', parse: c.parse || {}},
             transform: c.transforms});
  const signals = Object.entries(c.signals || {}).map(([name, value]) => ({name, value}));
  return {signals, data};
}

let input = '';
process.stdin.on('data', chunk => input += chunk);
process.stdin.on('end', async () => {
  const results = [];
  for (const c of JSON.parse(input)) {
    const view = new vega.View(vega.parse(specFor(c)), {renderer: 'none'});
    await view.runAsync();
    const signals = {};
    for (const name of c.produced_signals || []) signals[name] = plain(view.signal(name));
    results.push({rows: plain(view.data('t')), signals});
    view.finalize();
  }
  process.stdout.write(JSON.stringify(results));
});
