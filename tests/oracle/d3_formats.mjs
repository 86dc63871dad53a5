// Oracle for number and time formatting: reads cases (JSON lines) on stdin, prints one JSON
// array of results on stdout, in order. The time zone of local-time cases is the TZ environment
// variable of this process.
//
// Case kinds:
//   {"kind": "format", "spec": s, "value": v}          d3.format(s)(v)
//   {"kind": "utcFormat"|"timeFormat", "spec": s, "ms": t}   d3.utcFormat(s)(new Date(t))
//   {"kind": "utcParse"|"timeParse", "spec": s, "text": x}  d3.utcParse(s)(x)
//   {"kind": "expr", "expr": e}                        a Vega expression, evaluated by a View
// Special numbers are encoded as {"$": "NaN" | "Infinity" | "-Infinity"}; a Date result as
// {"$date": ms}. Each result is {"ok": value} or {"error": message}.
import {format} from 'd3-format';
import {timeFormat, timeParse, utcFormat, utcParse} from 'd3-time-format';
import * as vega from 'vega';

function decode(v) {
  if (v && typeof v === 'object' && !Array.isArray(v)) {
    if ('$' in v) return Number(v.$);
    if ('$date' in v) return new Date(decode(v.$date));
  }
  return v;
}

function encode(v) {
  if (v instanceof Date) return {$date: encode(+v)};
  if (typeof v === 'number' && !Number.isFinite(v)) return {$: String(v)};
  if (Object.is(v, -0)) return {$: '-0'};
  if (v === undefined) return {$undefined: true};
  return v;
}

// A View logs the errors of signal updates instead of throwing them: capture the first one.
async function evaluate(expr) {
  const errors = [];
  const logger = vega.logger(vega.Error);
  logger.error = (...args) => { errors.push(args.map(a => a && a.message || String(a)).join(' ')); return logger; };
  const spec = {signals: [{name: 'out', update: expr}]};
  const view = new vega.View(vega.parse(spec), {renderer: 'none', logger});
  await view.runAsync();
  if (errors.length) throw new Error(errors[0]);
  return view.signal('out');
}

async function run(c) {
  switch (c.kind) {
    case 'format': return format(c.spec)(decode(c.value));
    case 'utcFormat': return utcFormat(c.spec)(new Date(decode(c.ms)));
    case 'timeFormat': return timeFormat(c.spec)(new Date(decode(c.ms)));
    case 'utcParse': return utcParse(c.spec)(c.text);
    case 'timeParse': return timeParse(c.spec)(c.text);
    case 'expr': return evaluate(c.expr);
    default: throw new Error(`unknown case kind ${c.kind}`);
  }
}

const chunks = [];
for await (const chunk of process.stdin) chunks.push(chunk);
const cases = Buffer.concat(chunks).toString('utf8').split('\n').filter(l => l.trim()).map(l => JSON.parse(l));
const results = [];
for (const c of cases) {
  try {
    results.push({ok: encode(await run(c))});
  } catch (e) {
    results.push({error: String(e && e.message || e)});
  }
}
process.stdout.write(JSON.stringify(results));
