// Vega JS as the oracle for whole specs: draws a spec headlessly and prints a normalised scenegraph.
//
// Usage: node scenegraph.mjs JOBS.json OUT.json   (the time zone is the process's TZ variable)
// JOBS.json is a list of jobs; OUT.json receives one result per job, in order:
//   {id, mode: "draw", spec, inline?: {name: rows}}
//       -> {id, ok, errors: [...], warnings: [...], scene: [...], missing: [urls]}
//   {id, mode: "interact", spec, inline?, batches: [[{namespace, name, scope, value}]],
//    read: [{namespace, name, scope}]}
//       -> {id, ok, errors, warnings, missing, steps: [{scene, values, unknown}]}
//    steps[0] is the initial drawing; steps[k] the drawing after batch k; `values` holds the
//    values of the `read` variables at that point; `unknown` the updates whose target is absent.
//   {id, mode: "datasets", spec, inline?}
//       -> {id, ok, errors, warnings, missing, datasets: {"<scope>:<name>": rows (first 5000)}}
//    every named dataset of the top level and of each group subflow (scope "0.2" etc.), to
//    find which dataset of a spec that draws differently holds different values; plus
//    `signals`, the top-level signal values.
//
// The scene is a flat list in draw order (depth first, marks in spec order with their zindex):
//   ["mark", path, {marktype, role, name, zindex, interactive, clip, n}]
//   ["item", path, {every drawn property that is set}]
// Data URLs data/<file> and the usual vega-datasets addresses read the local vega-datasets
// package; vegafusion+dataset://NAME and table://NAME read `inline[NAME]`; anything else is
// "missing" (the network is not used).
import * as vega from 'vega';
import {readFileSync, writeFileSync, existsSync} from 'node:fs';
import {fileURLToPath} from 'node:url';
import path from 'node:path';

const HERE = path.dirname(fileURLToPath(import.meta.url));
// vega-datasets 3 dropped a few files older specs name (weather.json, iris.json,
// seattle-temps.csv, flights-3m.csv): those come from vega-datasets 1.31.1.
const DATA_DIRS = ['vega-datasets', 'vega-datasets-v1'].map(
  pkg => path.join(HERE, 'node_modules', pkg, 'data'));

// Same address forms as core/vegafusion_core/data/urls.py.
const VEGA_DATASETS = [
  /^https?:\/\/cdn\.jsdelivr\.net\/npm\/vega-datasets(?:@[^/]+)?\/data\/(.+)$/,
  /^https?:\/\/unpkg\.com\/vega-datasets(?:@[^/]+)?\/data\/(.+)$/,
  /^https?:\/\/vega\.github\.io\/vega-datasets\/data\/(.+)$/,
  /^https?:\/\/raw\.githubusercontent\.com\/vega\/vega-datasets\/[^/]+\/data\/(.+)$/,
  /^(?:\.\/)?data\/([^:]+)$/,
];
const TABLE_SCHEMES = ['vegafusion+dataset://', 'table://'];

// Item keys that are not drawn properties (parents, data, caches, render state).
const SKIP_KEYS = new Set(['mark', 'datum', 'bounds', 'items', '_svg', 'exit', 'context',
  'status', 'resized', '_', 'strokeOffset']);

function datasetFile(uri) {
  const bare = uri.split('?')[0].split('#')[0];
  for (const re of VEGA_DATASETS) {
    const m = bare.match(re);
    if (m) {
      const file = decodeURIComponent(m[1]);
      if (file.split('/').includes('..')) return null;
      const full = DATA_DIRS.map(dir => path.join(dir, file)).find(f => existsSync(f));
      return full === undefined ? null : full;
    }
  }
  return null;
}

function makeLoader(inline, missing) {
  const loader = vega.loader();
  loader.load = async (uri, options) => {
    for (const scheme of TABLE_SCHEMES) {
      if (uri.startsWith(scheme)) {
        const name = uri.slice(scheme.length);
        if (inline && name in inline) return JSON.stringify(inline[name]);
        missing.push(uri);
        throw new Error(`no inline dataset ${name}`);
      }
    }
    const file = datasetFile(uri);
    if (file === null) {
      missing.push(uri);
      throw new Error(`not a local vega-datasets file: ${uri}`);
    }
    const binary = options && options.response === 'arraybuffer';
    return binary ? readFileSync(file).buffer : readFileSync(file, 'utf8');
  };
  return loader;
}

function makeLogger(errors, warnings) {
  let level = vega.Warn;
  const text = args => args.map(a => (a && a.stack && a.message) ? a.message : String(a)).join(' ');
  return {
    level(l) { if (l === undefined) return level; level = l; return this; },
    error(...args) { errors.push(text(args)); return this; },
    warn(...args) { warnings.push(text(args)); return this; },
    info() { return this; },
    debug() { return this; },
  };
}

function round(v) {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Infinity) return 'Infinity';
  if (v === -Infinity) return '-Infinity';
  if (Number.isInteger(v)) return v;
  return +v.toPrecision(12);
}

// A drawn value as JSON: numbers rounded to 12 digits, dates as {$date: ms}, objects by sorted
// keys (gradients, tooltips), functions evaluated where Vega's renderer would call them.
function norm(value, key, item) {
  if (value === undefined) return {$undefined: 1};
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return value;
  if (typeof value === 'number') return round(value);
  if (value instanceof Date) return {$date: round(value.getTime())};
  if (typeof value === 'function') {
    if (key === 'shape' && typeof value.context === 'function') {
      try { return value.context(null)(item); } catch (e) { return `<shape error: ${e.message}>`; }
    }
    return '<function>';
  }
  if (Array.isArray(value)) return value.map(v => norm(v, key, item));
  if (typeof value === 'object') {
    const out = {};
    for (const k of Object.keys(value).sort()) out[k] = norm(value[k], key, item);
    return out;
  }
  return String(value);
}

function itemProps(item) {
  const out = {};
  for (const key of Object.keys(item).sort()) {
    if (SKIP_KEYS.has(key)) continue;
    const v = item[key];
    if (v === undefined) continue;
    out[key] = norm(v, key, item);
  }
  return out;
}

function walkMark(mark, where, scene) {
  scene.push(['mark', where, {
    marktype: mark.marktype, role: mark.role, name: mark.name ?? null,
    zindex: mark.zindex ?? 0, interactive: mark.interactive !== false,
    clip: norm(mark.clip ?? false), n: (mark.items || []).length,
  }]);
  (mark.items || []).forEach((item, i) => {
    const here = `${where}/${i}`;
    scene.push(['item', here, itemProps(item)]);
    if (mark.marktype === 'group') {
      (item.items || []).forEach((child, j) => walkMark(child, `${here}/${j}`, scene));
    }
  });
}

function sceneOf(view) {
  const scene = [];
  walkMark(view.scenegraph().root, '0', scene);
  return scene;
}

// The runtime context of a group scope, counted as VegaFusion counts it: the index-th group
// mark (with its own subflow) at each level.
function contextAt(view, scope) {
  let ctx = view._runtime;
  for (const index of scope || []) {
    if (!ctx.subcontext || !ctx.subcontext[index]) return null;
    ctx = ctx.subcontext[index];
  }
  return ctx;
}

// A value as JSON for the server (dates as epoch ms), or tagged ({$date}) for diagnosis.
// Cycles and deep object graphs (tree nodes, crossfilter indexes) are cut at 6 levels.
function plain(value, tagDates = false, stack = new Set()) {
  if (value instanceof Date) return tagDates ? {$date: value.getTime()} : value.getTime();
  if (value && typeof value === 'object') {
    if (stack.has(value)) return '<cycle>';
    if (stack.size >= 6) return '<deep>';
    stack.add(value);
    let out;
    if (Array.isArray(value)) {
      out = value.map(v => plain(v, tagDates, stack));
    } else {
      out = {};
      for (const k of Object.keys(value)) out[k] = plain(value[k], tagDates, stack);
    }
    stack.delete(value);
    return out;
  }
  if (typeof value === 'number' && !Number.isFinite(value)) return tagDates ? {$num: String(value)} : null;
  return value;
}

function readVar(view, v) {
  const ctx = contextAt(view, v.scope);
  if (!ctx) return {$missing: 1};
  if (v.namespace === 'signal') {
    const op = ctx.signals[v.name];
    return op ? plain(op.value) : {$missing: 1};
  }
  const ds = ctx.data[v.name];
  return ds ? plain(ds.values.value || []) : {$missing: 1};
}

// Apply one update as the VegaFusion client does: signals through view.update, datasets by
// replacing every tuple of the dataset's input.
function applyUpdate(view, u) {
  const ctx = contextAt(view, u.scope);
  if (!ctx) return false;
  if (u.namespace === 'signal') {
    const op = ctx.signals[u.name];
    if (!op) return false;
    view.update(op, u.value);
    return true;
  }
  const ds = ctx.data[u.name];
  if (!ds) return false;
  const rows = (u.value || []).map(r => (r === Object(r) ? {...r} : {data: r}));
  view.pulse(ds.input, view.changeset().remove(vega.truthy).insert(rows));
  return true;
}

const MAX_ROWS = 5000;

function allDatasets(ctx, scope, out) {
  for (const name of Object.keys(ctx.data)) {
    if (!Object.prototype.hasOwnProperty.call(ctx.data, name)) continue;
    const rows = ctx.data[name].values.value || [];
    if (rows.length && rows[0] && rows[0].mark && rows[0].mark.marktype) continue;  // scene items
    out[`${scope.join('.')}:${name}`] = {n: rows.length, rows: plain(rows.slice(0, MAX_ROWS), true)};
  }
  (ctx.subcontext || []).forEach((sub, i) => allDatasets(sub, [...scope, i], out));
  return out;
}

async function runJob(job) {
  const errors = [], warnings = [], missing = [];
  const out = {id: job.id, ok: false, errors, warnings, missing};
  let view;
  try {
    const runtime = vega.parse(job.spec);
    view = new vega.View(runtime, {
      renderer: 'none', loader: makeLoader(job.inline, missing),
      logger: makeLogger(errors, warnings),
    });
    await view.runAsync();
    if (job.mode === 'interact') {
      out.steps = [{scene: sceneOf(view), values: job.read.map(v => readVar(view, v)), unknown: []}];
      for (const batch of job.batches) {
        const unknown = batch.filter(u => !applyUpdate(view, u)).map(u => [u.namespace, u.name, u.scope]);
        await view.runAsync();
        out.steps.push({scene: sceneOf(view), values: job.read.map(v => readVar(view, v)), unknown});
      }
    } else if (job.mode === 'datasets') {
      out.datasets = allDatasets(view._runtime, [], {});
      out.signals = {};
      for (const name of Object.keys(view._runtime.signals)) {
        out.signals[name] = plain(view._runtime.signals[name].value, true);
      }
    } else {
      out.scene = sceneOf(view);
    }
    out.ok = errors.length === 0;
  } catch (err) {
    errors.push(`exception: ${err && err.message || err}`);
  } finally {
    if (view) view.finalize();
  }
  return out;
}

const [jobsFile, outFile] = process.argv.slice(2);
const jobs = JSON.parse(readFileSync(jobsFile, 'utf8'));
const results = [];
for (const job of jobs) results.push(await runJob(job));
writeFileSync(outFile, JSON.stringify(results));
