// Vega JS in Node as a peer: the same Vega spec, every transform evaluated by Vega's dataflow.
//   node vega_js.mjs <spec.json> <rows.json> <plan.json> <reps> <out.json>
// The rows are a JSON array (dates as epoch ms), loaded before any timing. Each repetition builds
// a new View over fresh copies of the rows (Vega writes its fields into the row objects).
// plan.json holds the datasets to report (outputs) and the interaction updates (messages:
// {namespace, name, value}); each is applied with view.data(name, value) and timed until
// runAsync() resolves. The time zone is the TZ variable.
import {readFileSync, writeFileSync} from 'node:fs';
import {dirname, resolve} from 'node:path';
import {fileURLToPath, pathToFileURL} from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const vega = await import(pathToFileURL(
  resolve(here, '../tests/oracle/node_modules/vega/build/vega.module.js')).href);

const [specPath, rowsPath, planPath, repsText, outPath] = process.argv.slice(2);
const spec = JSON.parse(readFileSync(specPath, 'utf8'));
const {outputs, messages} = JSON.parse(readFileSync(planPath, 'utf8'));
const reps = Number(repsText);

let start = performance.now();
const rows = JSON.parse(readFileSync(rowsPath, 'utf8'));
const loadSeconds = (performance.now() - start) / 1000;
const baselineRss = process.memoryUsage().rss / 2 ** 20;

// VmHWM, not resourceUsage().maxRSS: Linux carries the latter over exec from the parent.
function peakRssMb() {
  const line = readFileSync('/proc/self/status', 'utf8').split('\n')
    .find(l => l.startsWith('VmHWM:'));
  return Number(line.split(/\s+/)[1]) / 1024;
}

function plain(value) {
  if (value instanceof Date) return value.getTime();
  if (Array.isArray(value)) return value.map(plain);
  if (value && typeof value === 'object') {
    const out = {};
    for (const key of Object.keys(value)) out[key] = plain(value[key]);
    return out;
  }
  return value;
}

function withRows(source) {
  const out = structuredClone(spec);
  for (const data of out.data) {
    if (typeof data.url === 'string' && data.url.startsWith('vegafusion+dataset://')) {
      delete data.url;
      data.values = source;
    }
  }
  return out;
}

function snapshot(view, names) {
  const out = {};
  for (const name of names) out[name] = plain(view.data(name));
  return out;
}

async function newView() {
  const copy = rows.map(r => ({...r}));
  const begin = performance.now();
  const view = new vega.View(vega.parse(withRows(copy)), {renderer: 'none'});
  await view.runAsync();
  return [(performance.now() - begin) / 1000, view];
}

let [cold, view] = await newView();
// Vega JS keeps no cache between views: with reps = 0 the first view is the only sample.
const first = reps === 0 ? [cold] : [];
for (let i = 0; i < reps; i++) {
  view.finalize();
  view = null;
  if (global.gc) global.gc();
  let seconds;
  [seconds, view] = await newView();
  first.push(seconds);
}
const snapshots = [snapshot(view, outputs)];
const updates = [];
for (const message of messages) {
  const begin = performance.now();
  for (const update of message) view.data(update.name, update.value);
  await view.runAsync();
  updates.push((performance.now() - begin) / 1000);
  snapshots.push(snapshot(view, outputs));
}
writeFileSync(outPath, JSON.stringify({
  engine: 'vegajs', load_s: loadSeconds, baseline_rss_mb: baselineRss, cold_s: cold,
  first_s: first, update_s: updates, snapshots,
  peak_rss_mb: peakRssMb(),
}));
