/**
 * One chart's conversation with its server, on a given vega View: watches the comm plan's
 * client_to_server variables, sends debounced numbered updates, draws the answers (never a stale
 * one), and reports loading and errors to the UI. No DOM here, so it runs on a headless View.
 */
import { readVariable, watchVariable, writeVariable } from "./scopes";
import { Synchronizer, type Clock, type SyncOptions, realClock } from "./sync";
import { tracer } from "./trace";
import type { MountProps, ServerMessage, Transport, Update } from "./types";
import { decodeDataset } from "./values";

export interface SessionUI {
  setLoading(on: boolean): void;
  showError(message: string | null): void;
  /** The server replaced the chart (e.g. re-planned): re-embed with these props. */
  reset?(clientSpec: object, commPlan: MountProps["commPlan"]): void;
}

export function browserTimeZone(): string {
  try {
    return Intl.DateTimeFormat().resolvedOptions().timeZone || "UTC";
  } catch {
    return "UTC";
  }
}

export class ChartSession {
  private sync: Synchronizer;
  private view: any = null;
  private props: MountProps | null = null;
  private unwatch: (() => void)[] = [];
  private unsubscribe: () => void;
  private loadingTimer: unknown = null;
  private watchTimer: unknown = null;
  private clock: Clock;
  private applying: Promise<void> = Promise.resolve();
  private trace = tracer();

  constructor(private transport: Transport, private ui: SessionUI,
    options: SyncOptions = {}) {
    this.clock = options.clock ?? realClock;
    this.sync = new Synchronizer((seq, updates) => this.sendUpdate(seq, updates), options);
    this.unsubscribe = transport.onMessage((message) => { void this.onMessage(message); });
    // The server plans local-time functions in the viewer's zone: tell it before any query.
    transport.send({ type: "hello", tz: browserTimeZone() });
  }

  /** Watch `view` for the variables of `props.commPlan` (replacing any previous view). */
  bind(view: any, props: MountProps): void {
    this.unbind();
    this.view = view;
    this.props = props;
    for (const variable of props.commPlan.client_to_server) {
      this.unwatch.push(watchVariable(view, variable,
        () => {
          this.trace("change", this.sync.newestSent + 1);
          this.sync.change(variable, readVariable(view, variable));
        }));
    }
    if (props.resyncOnBind !== false) {
      for (const variable of props.commPlan.client_to_server) {
        const value = readVariable(view, variable);
        if (value !== undefined) this.sync.change(variable, value);
      }
    }
    if (props.watch?.length && props.onWatch) {
      for (const variable of props.watch) {
        this.unwatch.push(watchVariable(view, variable, () => this.scheduleWatchReport()));
      }
    }
  }

  private scheduleWatchReport(): void {
    if (this.watchTimer !== null) this.clock.clearTimeout(this.watchTimer);
    this.watchTimer = this.clock.setTimeout(() => {
      this.watchTimer = null;
      const { view, props } = this;
      if (!view || !props?.onWatch || !props.watch) return;
      props.onWatch(props.watch.map((v) => ({ ...v, value: readVariable(view, v) })));
    }, this.props?.watchDebounceMs ?? 150);
  }

  private sendUpdate(seq: number, updates: Update[]): void {
    this.trace("send", seq);
    this.transport.send({ type: "update", seq, updates });
    if (this.loadingTimer === null) {
      this.loadingTimer = this.clock.setTimeout(() => {
        this.loadingTimer = null;
        if (this.sync.waiting) this.ui.setLoading(true);
      }, this.props?.loadingDelayMs ?? 300);
    }
  }

  private stopLoading(): void {
    if (this.sync.waiting) return;
    if (this.loadingTimer !== null) this.clock.clearTimeout(this.loadingTimer);
    this.loadingTimer = null;
    this.ui.setLoading(false);
  }

  private async onMessage(message: ServerMessage): Promise<void> {
    if (!message || typeof message !== "object") return;
    if (message.type === "update") {
      this.trace("answer", message.seq, message.serverMs);
      const ready = this.sync.receive(message.seq, message.updates || []);
      if (ready === null) return;
      this.stopLoading();
      this.ui.showError(null);
      await this.apply(ready);
      this.trace("drawn", message.seq);
    } else if (message.type === "error") {
      if (!this.sync.receiveError(message.seq)) return;
      this.stopLoading();
      this.ui.showError(message.message || "The server could not update this chart.");
    } else if (message.type === "reset") {
      this.ui.reset?.(message.clientSpec, message.commPlan);
    }
  }

  /** Draw server values: set them all, then run the dataflow once. Serialised per session. */
  apply(updates: Update[]): Promise<void> {
    const view = this.view;
    this.applying = this.applying.then(async () => {
      if (!view || updates.length === 0) return;
      for (const update of updates) {
        const value = update.namespace === "data" ? decodeDataset(update.value) : update.value;
        writeVariable(view, update, value);
      }
      await view.runAsync();
    }).catch((error) => this.ui.showError(`Could not draw the server's answer: ${error}`));
    return this.applying;
  }

  /** Send pending changes now (tests, and hosts that want to skip the debounce). */
  flush(): void { this.sync.flush(); }

  get newestSent(): number { return this.sync.newestSent; }

  private unbind(): void {
    this.unwatch.forEach((stop) => stop());
    this.unwatch = [];
  }

  destroy(): void {
    this.unbind();
    this.unsubscribe();
    this.sync.dispose();
    for (const timer of [this.loadingTimer, this.watchTimer]) {
      if (timer !== null) this.clock.clearTimeout(timer);
    }
    this.view = null;
  }
}
