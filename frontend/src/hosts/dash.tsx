/**
 * Dash host: a React wrapper around the core's mount(). React is Dash's own (window.React, never
 * bundled). Messages travel as props through the package's callback (dash_vegafusion/component.py):
 * the browser sets `clientMessage` {n, chart, session, message}, the server answers in
 * `serverMessage` {n, message}. One message is in flight at a time, so the server applies updates
 * in order; updates that queue meanwhile are merged (newest value per variable, newest seq).
 */
import { mount } from "../core/mount";
import { variableKey } from "../core/types";
import type {
  ClientMessage, CommPlan, MountHandle, ServerMessage, Transport, Update, Variable,
} from "../core/types";

const React = (window as any).React;
const PropTypes = (window as any).PropTypes;
const ANSWER_TIMEOUT_MS = 60_000;

type Outgoing = ClientMessage | { type: "selection"; stores: Record<string, unknown> };
interface Envelope { n: number; message: ServerMessage | { type: "ok" } }
type SetProps = (props: Record<string, unknown>) => void;

function randomId(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16)); // also where randomUUID is not (http)
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

function merge(queue: Outgoing[]): Outgoing | undefined {
  let first = queue.shift();
  while (first?.type === "update" && queue[0]?.type === "update") {
    const next = queue.shift() as Extract<ClientMessage, { type: "update" }>;
    const byVar = new Map<string, Update>(first.updates.map((u) => [variableKey(u), u]));
    next.updates.forEach((u) => byVar.set(variableKey(u), u));
    first = { type: "update", seq: next.seq, updates: [...byVar.values()] };
  }
  return first;
}

function dashTransport(chart: string, setProps: () => SetProps) {
  const session = randomId();
  const listeners = new Set<(message: ServerMessage) => void>();
  const queue: Outgoing[] = [];
  let n = 0;
  let inflight: { n: number; seq?: number; timer: ReturnType<typeof setTimeout> } | null = null;
  let closed = false;

  const emit = (message: ServerMessage) => { if (!closed) listeners.forEach((cb) => cb(message)); };
  function pump(): void {
    if (inflight || closed) return;
    const message = merge(queue);
    if (!message) return;
    const seq = message.type === "update" ? message.seq : undefined;
    n += 1;
    inflight = { n, seq, timer: setTimeout(() => {
      inflight = null;
      emit({ type: "error", seq, message: "The server did not answer." });
      pump();
    }, ANSWER_TIMEOUT_MS) };
    setProps()({ clientMessage: { n, chart, session, message } });
  }
  return {
    session,
    send(message: Outgoing) { if (!closed) { queue.push(message); pump(); } },
    onMessage(callback: (message: ServerMessage) => void) {
      listeners.add(callback);
      return () => listeners.delete(callback);
    },
    receive(envelope: Envelope | null | undefined) {
      if (!envelope || !inflight || envelope.n !== inflight.n) return; // not ours, or late
      clearTimeout(inflight.timer);
      inflight = null;
      if (envelope.message?.type !== "ok") emit(envelope.message as ServerMessage);
      pump();
    },
    close() {
      closed = true;
      queue.length = 0;
      listeners.clear();
      if (inflight) clearTimeout(inflight.timer);
    },
  };
}

interface Props {
  id: string | object; spec: object; commPlan: CommPlan; chartKey: string;
  debounce?: number; maxWait?: number | null; theme?: "light" | "dark" | null;
  width?: number | null; height?: number | null; selectionStores?: Variable[];
  serverMessage?: Envelope; style?: object; className?: string; setProps: SetProps;
}

function VegaFusionChart({ id, spec, commPlan, chartKey, debounce = 10, maxWait = null,
  theme = null, width = null, height = null, selectionStores = [], serverMessage, style,
  className, setProps }: Props) {
  const el = React.useRef(null);
  type Live = { handle: MountHandle; transport: ReturnType<typeof dashTransport> };
  const live = React.useRef(null as Live | null);
  const latestSetProps = React.useRef(setProps);
  latestSetProps.current = setProps;

  React.useEffect(() => {
    const transport = dashTransport(chartKey, () => latestSetProps.current);
    const handle = mount(el.current, {
      clientSpec: spec, commPlan, debounceMs: debounce, maxWaitMs: maxWait ?? undefined, theme,
      width, height, watch: selectionStores,
      onWatch: selectionStores.length ? (values) => transport.send({ type: "selection",
        stores: Object.fromEntries(values.map((v) => [v.name, v.value])) }) : undefined,
    }, transport as Transport);
    live.current = { handle, transport };
    // For tests and debugging in the console.
    (el.current as any).__vegafusion = { handle, commPlan, chart: chartKey,
      session: transport.session };
    return () => { handle.destroy(); transport.close(); live.current = null; };
  }, [chartKey, theme, width, height, debounce, maxWait]);

  React.useEffect(() => { live.current?.transport.receive(serverMessage); }, [serverMessage]);

  const domId = typeof id === "string" ? id : JSON.stringify(id);
  return React.createElement("div", { id: domId, ref: el, className, style });
}

if (PropTypes) {
  (VegaFusionChart as any).propTypes = Object.fromEntries(
    ["id", "spec", "commPlan", "chartKey", "debounce", "maxWait", "theme", "width", "height",
      "selectionStores", "selections", "clientMessage", "serverMessage", "style", "className",
      "setProps"].map((name) => [name, PropTypes.any]));
}

(window as any).dash_vegafusion = { VegaFusionChart };
