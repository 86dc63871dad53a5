/**
 * A Transport over HTTP POST for hosts whose server side answers on a route of its own web
 * server. At most one request is in flight per chart, so the server sees updates in the order
 * they were sent; updates that queue up meanwhile are merged into one (newest value per variable,
 * newest seq), which is what the server would end up with anyway.
 */
import type { ClientMessage, ServerMessage, Transport, Update } from "../core/types";
import { variableKey } from "../core/types";

export function httpTransport(endpoint: string, token: string): Transport & { close(): void } {
  const listeners = new Set<(message: ServerMessage) => void>();
  let queue: ClientMessage[] = [];
  let busy = false;
  let closed = false;

  function emit(message: ServerMessage): void {
    if (!closed) listeners.forEach((cb) => cb(message));
  }

  function takeNext(): ClientMessage | undefined {
    const first = queue.shift();
    if (!first || first.type !== "update") return first;
    let merged = first;
    while (queue.length && queue[0].type === "update") {
      const next = queue.shift() as Extract<ClientMessage, { type: "update" }>;
      const byVar = new Map<string, Update>(merged.updates.map((u) => [variableKey(u), u]));
      next.updates.forEach((u) => byVar.set(variableKey(u), u));
      merged = { type: "update", seq: next.seq, updates: [...byVar.values()] };
    }
    return merged;
  }

  async function pump(): Promise<void> {
    if (busy) return;
    busy = true;
    try {
      for (let message = takeNext(); message && !closed; message = takeNext()) {
        const seq = message.type === "update" ? message.seq : undefined;
        try {
          const response = await fetch(endpoint, {
            method: "POST",
            headers: { "Content-Type": "application/json" },
            body: JSON.stringify({ token, message }),
          });
          const answer = await response.json().catch(() => null);
          if (answer && typeof answer === "object" && "type" in answer) emit(answer as ServerMessage);
          else if (!response.ok) emit({ type: "error", seq, message: `Server error ${response.status}` });
        } catch (error) {
          emit({ type: "error", seq, message: `Cannot reach the server: ${error}` });
        }
      }
    } finally {
      busy = false;
    }
  }

  return {
    send(message) {
      if (closed) return;
      queue.push(message);
      void pump();
    },
    onMessage(callback) {
      listeners.add(callback);
      return () => listeners.delete(callback);
    },
    close() {
      closed = true;
      queue = [];
      listeners.clear();
    },
  };
}
