/**
 * An opt-in timeline of a chart's conversation with its server, for benchmarks and debugging:
 * when a page sets `window.__vegafusionTrace = []` before the charts load, every chart appends
 * `{t, chart, kind, seq, serverMs?}` events to it (t from performance.now()). Nothing is recorded
 * otherwise. The list keeps its newest MAX_EVENTS events.
 */
export type TraceKind = "change" | "send" | "answer" | "drawn";

export interface TraceEvent {
  t: number;
  chart: number;
  kind: TraceKind;
  seq: number;
  serverMs?: number;
}

const MAX_EVENTS = 2000;
let charts = 0;

/** A recorder for one chart (numbered in mount order). */
export function tracer(): (kind: TraceKind, seq: number, serverMs?: number) => void {
  const chart = ++charts;
  return (kind, seq, serverMs) => {
    const events = (globalThis as any).__vegafusionTrace;
    if (!Array.isArray(events)) return;
    const event: TraceEvent = { t: performance.now(), chart, kind, seq };
    if (serverMs !== undefined) event.serverMs = serverMs;
    events.push(event);
    if (events.length > MAX_EVENTS) events.splice(0, events.length - MAX_EVENTS);
  };
}
