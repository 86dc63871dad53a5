// Vega JS as the oracle for transforms: reads a JSON list of cases on stdin and prints, for each,
// the rows of dataset "t" after its transforms (and the signals the case asks for) as JSON.
// Lossless encoding: NaN, +-Infinity, -0, undefined and Dates become tagged objects.
// The time zone is the process's TZ environment variable.
import * as vega from 'vega';

function encode(value) {
  if (value === undefined) return {$undefined: 1};
  if (typeof value === 'number') {
    if (Number.isNaN(value)) return {$nan: 1};
    if (value === Infinity) return {$inf: 1};
    if (value === -Infinity) return {$inf: -1};
    if (Object.is(value, -0)) return {$negzero: 1};  // JSON would write 0
    return value;
  }
  if (value instanceof Date) return {$date: value.getTime()};
  if (Array.isArray(value)) return value.map(encode);
  if (value && typeof value === 'object') {
    const out = {};
    for (const key of Object.keys(value)) out[key] = encode(value[key]);
    return out;
  }
  return value;
}

function specFor(c) {
  const signals = Object.entries(c.signals || {}).map(([name, value]) => ({name, value}));
  for (const name of c.read_signals || []) {
    if (!signals.some(s => s.name === name)) signals.push({name, value: null});
  }
  const data = Object.entries(c.datasets || {}).map(([name, d]) => ({
    name, values: d.values, format: {type: 'json', parse: d.parse || {}}
  }));
  data.push({name: 't', values: c.rows, format: {type: 'json', parse: c.parse || {}},
             transform: c.transforms});
  // Signals produced by transforms are declared by the transforms themselves.
  return {signals: signals.filter(s => !(c.produced_signals || []).includes(s.name)), data};
}

async function run(c) {
  try {
    // Vega logs dataflow errors instead of throwing them: collect them as the case's error.
    const errors = [];
    const logger = vega.logger(vega.Error, undefined, (method, level, input) => {
      if (method === 'error') errors.push(input.map(String).join(' '));
    });
    const view = new vega.View(vega.parse(specFor(c)), {renderer: 'none', logger});
    await view.runAsync();
    if (errors.length) return {$error: errors.join('; ')};
    const out = {rows: encode(view.data('t'))};
    out.signals = {};
    for (const name of (c.produced_signals || []).concat(c.read_signals || [])) {
      out.signals[name] = encode(view.signal(name));
    }
    view.finalize();
    return out;
  } catch (err) {
    return {$error: String(err && err.message || err)};
  }
}

let input = '';
process.stdin.on('data', chunk => input += chunk);
process.stdin.on('end', async () => {
  const cases = JSON.parse(input);
  const results = [];
  for (const c of cases) results.push(await run(c));
  process.stdout.write(JSON.stringify(results));
});
