import { describe, expect, it } from "vitest";
import { Synchronizer, type Clock } from "../src/core/sync";
import type { Update } from "../src/core/types";

/** A clock the test moves by hand. */
function fakeClock() {
  let now = 0;
  let next = 1;
  const timers = new Map<number, { at: number; fn: () => void }>();
  const clock: Clock = {
    now: () => now,
    setTimeout: (fn, ms) => { const id = next++; timers.set(id, { at: now + ms, fn }); return id; },
    clearTimeout: (id) => { timers.delete(id as number); },
  };
  function advance(ms: number) {
    const end = now + ms;
    for (;;) {
      const due = [...timers.entries()].filter(([, t]) => t.at <= end).sort((a, b) => a[1].at - b[1].at)[0];
      if (!due) break;
      timers.delete(due[0]);
      now = due[1].at;
      due[1].fn();
    }
    now = end;
  }
  return { clock, advance };
}

const brush = { namespace: "data" as const, name: "brush_store", scope: [] };
const sig = { namespace: "signal" as const, name: "s", scope: [1] };
const up = (name: string, value: unknown): Update => ({ namespace: "data", name, scope: [], value });

describe("Synchronizer debounce", () => {
  it("sends once after the quiet time, with the last value of each variable", () => {
    const { clock, advance } = fakeClock();
    const sent: [number, Update[]][] = [];
    const sync = new Synchronizer((seq, u) => sent.push([seq, u]), { debounceMs: 10, clock });
    sync.change(brush, [1]);
    advance(5);
    sync.change(brush, [2]);
    sync.change(sig, 7);
    advance(9);
    expect(sent).toEqual([]);
    advance(1);
    expect(sent).toEqual([[1, [{ ...brush, value: [2] }, { ...sig, value: 7 }]]]);
  });

  it("sends at the max wait while changes keep coming", () => {
    const { clock, advance } = fakeClock();
    const sent: number[] = [];
    // The server answers at once, so nothing is held behind an update in flight.
    const sync: Synchronizer = new Synchronizer((seq) => { sent.push(clock.now()); sync.receive(seq, []); },
      { debounceMs: 10, maxWaitMs: 50, clock });
    for (let t = 0; t < 120; t += 5) { sync.change(brush, [t]); advance(5); }
    expect(sent.slice(0, 2)).toEqual([50, 100]);
  });
});

describe("Synchronizer answers", () => {
  it("draws an answer to the newest update and holds a stale one", () => {
    const sync = new Synchronizer(() => {}, { debounceMs: 0 });
    sync.change(brush, [1]); sync.flush();
    sync.change(brush, [2]); sync.flush();
    expect(sync.newestSent).toBe(2);
    // Answer 1 carries data_1, which answer 2 does not repeat (it did not change again).
    expect(sync.receive(1, [up("data_0", "a1"), up("data_1", "b1")])).toBeNull();
    expect(sync.waiting).toBe(true);
    expect(sync.receive(2, [up("data_0", "a2")])).toEqual([up("data_0", "a2"), up("data_1", "b1")]);
    expect(sync.waiting).toBe(false);
  });

  it("never lets an older answer overwrite a newer value, whatever the arrival order", () => {
    const sync = new Synchronizer(() => {}, { debounceMs: 0 });
    sync.change(brush, [1]); sync.flush();
    sync.change(brush, [2]); sync.flush();
    expect(sync.receive(2, [up("data_0", "a2")])).toEqual([up("data_0", "a2")]);
    // Answer 1 arrives late: stale, and its data_0 must never be drawn later either.
    expect(sync.receive(1, [up("data_0", "a1"), up("data_1", "b1")])).toBeNull();
    sync.change(brush, [3]); sync.flush();
    expect(sync.receive(3, [])).toEqual([up("data_1", "b1")]);
  });

  it("an error answer to an older update is ignored", () => {
    const sync = new Synchronizer(() => {}, { debounceMs: 0 });
    sync.change(brush, [1]); sync.flush();
    sync.change(brush, [2]); sync.flush();
    expect(sync.receiveError(1)).toBe(false);
    expect(sync.receiveError(2)).toBe(true);
    expect(sync.waiting).toBe(false);
  });
});

describe("Synchronizer keeps one update in flight", () => {
  it("holds changes made while the server works and sends the latest when the answer arrives", () => {
    const { clock, advance } = fakeClock();
    const sent: [number, Update[]][] = [];
    const sync = new Synchronizer((seq, u) => sent.push([seq, u]), { debounceMs: 10, clock });
    sync.change(brush, [1]);
    advance(10);
    expect(sent.map(([seq]) => seq)).toEqual([1]);
    sync.change(brush, [2]);
    advance(50);
    sync.change(brush, [3]);
    advance(50);
    expect(sent.length).toBe(1); // nothing queued behind the update in flight
    const drawn = sync.receive(1, [up("data_1", "answer to 1")]);
    expect(drawn).toEqual([up("data_1", "answer to 1")]); // not stale: drawn as it comes
    expect(sent[1]).toEqual([2, [{ ...brush, value: [3] }]]); // sent with the answer: still waiting
    expect(sync.waiting).toBe(true);
  });

  it("stops waiting for an answer after maxInFlightMs", () => {
    const { clock, advance } = fakeClock();
    const sent: number[] = [];
    const sync = new Synchronizer((seq) => sent.push(seq), { debounceMs: 10, maxInFlightMs: 500, clock });
    sync.change(brush, [1]);
    advance(10);
    sync.change(brush, [2]);
    advance(400);
    expect(sent).toEqual([1]);
    advance(100);
    expect(sent).toEqual([1, 2]);
  });

  it("an error answer releases the held update; flush() sends at once", () => {
    const { clock, advance } = fakeClock();
    const sent: number[] = [];
    const sync = new Synchronizer((seq) => sent.push(seq), { debounceMs: 10, clock });
    sync.change(brush, [1]);
    advance(10);
    sync.change(brush, [2]);
    advance(20);
    expect(sync.receiveError(1)).toBe(true);
    expect(sent).toEqual([1, 2]);
    sync.change(brush, [3]);
    sync.flush();
    expect(sent).toEqual([1, 2, 3]);
  });
});
