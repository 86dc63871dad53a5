/** The shared message shapes between the browser core and a host's server side. */

export type Namespace = "data" | "signal";

/** A variable of the chart: a dataset or a signal in a group scope (see scopes.ts). */
export interface Variable {
  namespace: Namespace;
  name: string;
  scope: number[];
}

/** A variable with its value: `{namespace, name, scope, value}`, as in VegaFusion. */
export interface Update extends Variable {
  value: unknown;
}

export interface CommPlan {
  client_to_server: Variable[];
  server_to_client: Variable[];
}

/** Browser -> server. `hello` goes first, before any update. */
export type ClientMessage =
  | { type: "hello"; tz: string }
  | { type: "update"; seq: number; updates: Update[] };

/** Server -> browser. `seq` of an answer is the seq of the update it answers. */
export type ServerMessage =
  | { type: "update"; seq: number; updates: Update[]; serverMs?: number }
  | { type: "error"; seq?: number; message: string }
  | { type: "reset"; clientSpec: object; commPlan: CommPlan };

export interface Transport {
  send(message: ClientMessage): void;
  /** Subscribe to the server's messages; returns an unsubscribe function. */
  onMessage(callback: (message: ServerMessage) => void): () => void;
}

export interface MountProps {
  clientSpec: object;
  commPlan: CommPlan;
  /** Quiet time after the last change before sending (ms). Default 10. */
  debounceMs?: number;
  /** Longest time a change waits while changes keep coming (ms). Default 10 * debounceMs, >= 100. */
  maxWaitMs?: number;
  theme?: "light" | "dark" | null;
  /** Fixed width in px; otherwise a chart with a top-level width follows its container. */
  width?: number | null;
  height?: number | null;
  /** Extra variables (e.g. selection stores) reported to `onWatch` whenever they change. */
  watch?: Variable[];
  onWatch?: (values: Update[]) => void;
  /** Quiet time before `onWatch` is called (ms). Default 150: a drag reports once it pauses. */
  watchDebounceMs?: number;
  /**
   * Send the current values of every client_to_server variable once the chart is bound (default
   * true). A chart that is mounted again over a server state that saw interactions (a theme
   * change, a remount) then brings the server back to what it draws; on a fresh state the
   * answer is empty.
   */
  resyncOnBind?: boolean;
  /** Time before the loading indicator shows (ms). Default 300. */
  loadingDelayMs?: number;
}

export interface MountHandle {
  /** Replace the chart (a new spec or plan): re-embeds and rewires listeners. */
  update(props: MountProps): Promise<void>;
  /** The vega View (after `ready`). */
  view(): any;
  /** Resolves once the chart is embedded and listeners are wired. */
  ready: Promise<void>;
  destroy(): void;
}

export function variableKey(v: Variable): string {
  return `${v.namespace}:${v.name}:${JSON.stringify(v.scope || [])}`;
}
