import { describe, expect, it } from "vitest";
import * as vega from "vega";
import { tableToIPC, tableFromArrays } from "apache-arrow";
import { ChartSession } from "../src/core/session";
import { contextOf, readVariable } from "../src/core/scopes";
import type { ClientMessage, ServerMessage, Transport } from "../src/core/types";
import { decodeDataset } from "../src/core/values";

/** Two nested groups, each with its own signal and dataset; a root signal and dataset. */
const spec: any = {
  signals: [{ name: "root_sig", value: 1 }],
  data: [{ name: "root_data", values: [{ a: 1 }] }],
  marks: [
    { type: "rect", from: { data: "root_data" } },
    {
      type: "group",
      signals: [{ name: "g0_sig", value: "x" }],
      data: [{ name: "g0_data", values: [] }],
      marks: [{ type: "symbol", from: { data: "g0_data" } }],
    },
    {
      type: "group",
      signals: [{ name: "g1_sig", value: 10 }],
      marks: [{
        type: "group",
        data: [{ name: "g10_data", values: [{ v: 0 }] }],
        signals: [{ name: "g10_sig", value: 0 }],
        marks: [{ type: "rect", from: { data: "g10_data" } }],
      }],
    },
  ],
};

async function headlessView(s = spec) {
  const view = new vega.View(vega.parse(s), { renderer: "none" });
  await view.runAsync();
  return view;
}

function memoryTransport() {
  const sent: ClientMessage[] = [];
  let listener: (m: ServerMessage) => void = () => {};
  const transport: Transport = {
    send: (m) => { sent.push(m); },
    onMessage: (cb) => { listener = cb; return () => { listener = () => {}; }; },
  };
  return { transport, sent, answer: (m: ServerMessage) => listener(m) };
}

const ui = () => {
  const log: { loading: boolean[]; errors: (string | null)[] } = { loading: [], errors: [] };
  return { log, ui: { setLoading: (on: boolean) => log.loading.push(on),
    showError: (m: string | null) => log.errors.push(m) } };
};

const commPlan = {
  client_to_server: [
    { namespace: "signal" as const, name: "root_sig", scope: [] },
    { namespace: "signal" as const, name: "g10_sig", scope: [1, 0] },
    { namespace: "data" as const, name: "g0_data", scope: [0] },
  ],
  server_to_client: [
    { namespace: "data" as const, name: "root_data", scope: [] },
    { namespace: "signal" as const, name: "g1_sig", scope: [1] },
    { namespace: "data" as const, name: "g10_data", scope: [1, 0] },
  ],
};

const tick = (ms = 30) => new Promise((r) => setTimeout(r, ms));

describe("scopes", () => {
  it("a scope is a path of group marks, counting group marks only", async () => {
    const view = await headlessView();
    expect(Object.hasOwn(contextOf(view, [0]).signals, "g0_sig")).toBe(true);
    expect(Object.hasOwn(contextOf(view, [1]).signals, "g1_sig")).toBe(true);
    expect(Object.hasOwn(contextOf(view, [1, 0]).signals, "g10_sig")).toBe(true);
    expect(() => contextOf(view, [2])).toThrow(/no group scope \[2\]/);
    expect(readVariable(view, { namespace: "data", name: "g10_data", scope: [1, 0] })).toEqual([{ v: 0 }]);
  });
});

describe("ChartSession", () => {
  it("says hello with the time zone before anything else", async () => {
    const { transport, sent } = memoryTransport();
    const session = new ChartSession(transport, ui().ui);
    session.bind(await headlessView(), { clientSpec: spec, commPlan });
    expect(sent[0]).toEqual({ type: "hello", tz: Intl.DateTimeFormat().resolvedOptions().timeZone });
    session.destroy();
  });

  it("on bind, sends what the chart draws for every client_to_server variable", async () => {
    const { transport, sent } = memoryTransport();
    const session = new ChartSession(transport, ui().ui, { debounceMs: 0 });
    session.bind(await headlessView(), { clientSpec: spec, commPlan });
    await tick(10);
    expect(sent[1]).toEqual({ type: "update", seq: 1, updates: [
      { namespace: "signal", name: "root_sig", scope: [], value: 1 },
      { namespace: "signal", name: "g10_sig", scope: [1, 0], value: 0 },
      { namespace: "data", name: "g0_data", scope: [0], value: [] },
    ] });
    session.destroy();
  });

  it("sends changes of watched variables in nested scopes, debounced and numbered", async () => {
    const { transport, sent } = memoryTransport();
    const session = new ChartSession(transport, ui().ui, { debounceMs: 5 });
    const view = await headlessView();
    session.bind(view, { clientSpec: spec, commPlan, resyncOnBind: false });
    view.signal("root_sig", 2);
    (view as any).update(contextOf(view, [1, 0]).signals.g10_sig, 42);
    const g0 = contextOf(view, [0]).data.g0_data;
    (view as any).pulse(g0.input, view.changeset().insert([{ k: "a" }]));
    await view.runAsync();
    await tick();
    expect(sent.length).toBe(2);
    const message = sent[1] as Extract<ClientMessage, { type: "update" }>;
    expect(message.seq).toBe(1);
    // One message with all three (in the dataflow's order, which the server does not rely on).
    expect([...message.updates].sort((a, b) => a.name.localeCompare(b.name))).toEqual([
      { namespace: "data", name: "g0_data", scope: [0], value: [{ k: "a" }] },
      { namespace: "signal", name: "g10_sig", scope: [1, 0], value: 42 },
      { namespace: "signal", name: "root_sig", scope: [], value: 2 },
    ]);
    session.destroy();
  });

  it("records its timeline only when the page asks for one (window.__vegafusionTrace)", async () => {
    const run = async () => {
      const { transport, answer } = memoryTransport();
      const session = new ChartSession(transport, ui().ui, { debounceMs: 0 });
      const view = await headlessView();
      session.bind(view, { clientSpec: spec, commPlan, resyncOnBind: false });
      view.signal("root_sig", 3); await view.runAsync(); await tick(5);
      answer({ type: "update", seq: 1, serverMs: 12.5, updates: [
        { namespace: "signal", name: "g1_sig", scope: [1], value: 7 }] });
      await tick();
      session.destroy();
    };
    delete (globalThis as any).__vegafusionTrace;
    await run();
    expect((globalThis as any).__vegafusionTrace).toBeUndefined();
    (globalThis as any).__vegafusionTrace = [];
    try {
      await run();
      const events = (globalThis as any).__vegafusionTrace;
      expect(events.map((e: any) => [e.kind, e.seq])).toEqual(
        [["change", 1], ["send", 1], ["answer", 1], ["drawn", 1]]);
      expect(events[2].serverMs).toBe(12.5);
      const times = events.map((e: any) => e.t);
      expect([...times].sort((a, b) => a - b)).toEqual(times);
      expect(new Set(events.map((e: any) => e.chart)).size).toBe(1);
    } finally {
      delete (globalThis as any).__vegafusionTrace;
    }
  });

  it("applies answers in scope (datasets as JSON rows or Arrow bytes) and drops stale ones", async () => {
    const { transport, answer } = memoryTransport();
    // No holding back behind the update in flight: two updates out, answers in any order.
    const session = new ChartSession(transport, ui().ui, { debounceMs: 0, maxInFlightMs: 0 });
    const view = await headlessView();
    session.bind(view, { clientSpec: spec, commPlan, resyncOnBind: false });
    view.signal("root_sig", 5); await view.runAsync(); await tick(5);
    view.signal("root_sig", 6); await view.runAsync(); await tick(5);
    expect(session.newestSent).toBe(2);
    answer({ type: "update", seq: 1, updates: [
      { namespace: "signal", name: "g1_sig", scope: [1], value: 111 }] });
    await tick();
    expect(contextOf(view, [1]).signals.g1_sig.value).toBe(10); // stale: not drawn
    const arrow = tableToIPC(tableFromArrays({ v: Float64Array.from([7, 8]) }));
    answer({ type: "update", seq: 2, updates: [
      { namespace: "data", name: "root_data", scope: [], value: [{ a: 2 }, { a: 3 }] },
      { namespace: "data", name: "g10_data", scope: [1, 0], value: arrow }] });
    await tick();
    expect(readVariable(view, { namespace: "data", name: "root_data", scope: [] })).toEqual([{ a: 2 }, { a: 3 }]);
    expect(readVariable(view, { namespace: "data", name: "g10_data", scope: [1, 0] })).toEqual([{ v: 7 }, { v: 8 }]);
    expect(contextOf(view, [1]).signals.g1_sig.value).toBe(111); // held value drawn with seq 2
    session.destroy();
  });

  it("shows the loading indicator only after the delay, and errors readably", async () => {
    const { transport, answer } = memoryTransport();
    const { log, ui: sessionUi } = ui();
    const session = new ChartSession(transport, sessionUi, { debounceMs: 0 });
    const view = await headlessView();
    session.bind(view, { clientSpec: spec, commPlan, loadingDelayMs: 40, resyncOnBind: false });
    view.signal("root_sig", 9); await view.runAsync(); await tick(10);
    expect(log.loading).toEqual([]);
    await tick(50);
    expect(log.loading).toEqual([true]);
    answer({ type: "error", seq: 1, message: "dataset 'x' is broken" });
    await tick(5);
    expect(log.loading).toEqual([true, false]);
    expect(log.errors).toEqual(["dataset 'x' is broken"]);
    session.destroy();
  });
});

describe("values", () => {
  it("Arrow dates come out as epoch milliseconds", () => {
    const ms = Date.UTC(2024, 0, 2, 3, 4, 5);
    const table = tableFromArrays({ d: [new Date(ms)], n: Float64Array.from([1.5]) });
    expect(decodeDataset({ $arrow: Buffer.from(tableToIPC(table)).toString("base64") }))
      .toEqual([{ d: ms, n: 1.5 }]);
  });
});
