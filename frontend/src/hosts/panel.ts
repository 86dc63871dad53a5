/**
 * Panel host: the ESM module of panel_vegafusion.VegaFusionPane (a panel.custom.JSComponent).
 * Python sends the planned chart as parameters; messages travel over Panel's websocket as custom
 * messages (`model.send_msg` / `msg:custom`), each tagged with this view's random client id so
 * that a pane shown in several browsers (or twice in one page) answers each view separately.
 * Datasets arrive as Arrow IPC bytes (an ArrayBuffer) where Python could encode them, else rows.
 */
import { mount } from "../core/mount";
import type {
  ClientMessage, MountHandle, MountProps, ServerMessage, Transport, Variable,
} from "../core/types";

interface PanelModel {
  spec: object;
  comm_plan: MountProps["commPlan"];
  debounce: number;
  max_wait: number | null;
  theme: "light" | "dark" | null;
  chart_width: number | null;
  chart_height: number | null;
  selection_stores: Variable[];
  send_msg(data: unknown): void;
  on(event: string | string[], callback: (data?: any) => void): void;
}

type Outgoing = ClientMessage | { type: "selection"; stores: Record<string, unknown> };

function randomId(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

type PanelTransport = Transport & { client: string; sendRaw(message: Outgoing): void };

function panelTransport(model: PanelModel): PanelTransport {
  const client = randomId();
  const listeners = new Set<(message: ServerMessage) => void>();
  model.on("msg:custom", (data: any) => {
    if (!data || data.client !== client || !data.message) return; // another view's answer
    listeners.forEach((cb) => cb(data.message as ServerMessage));
  });
  // Through JSON, as the other hosts send it: Vega caches field getters (functions) on selection
  // tuples, which Bokeh's serializer refuses.
  const sendRaw = (message: Outgoing) =>
    model.send_msg(JSON.parse(JSON.stringify({ client, message })));
  return {
    client,
    send: sendRaw,
    sendRaw,
    onMessage(callback) {
      listeners.add(callback);
      return () => listeners.delete(callback);
    },
  };
}

function props(model: PanelModel, transport: PanelTransport): MountProps {
  const stores = model.selection_stores || [];
  return {
    clientSpec: model.spec,
    commPlan: model.comm_plan,
    debounceMs: model.debounce,
    maxWaitMs: model.max_wait ?? undefined,
    theme: model.theme,
    width: model.chart_width,
    height: model.chart_height,
    watch: stores,
    onWatch: stores.length ? (values) => transport.sendRaw({ type: "selection",
      stores: Object.fromEntries(values.map((v) => [v.name, v.value])) }) : undefined,
  };
}

export function render({ model, el }: { model: PanelModel; el: HTMLElement }): void {
  const transport = panelTransport(model);
  const container = document.createElement("div");
  container.className = "vegafusion-chart";
  el.appendChild(container);
  const handle: MountHandle = mount(container, props(model, transport), transport);
  // For tests and debugging in the console.
  (container as any).__vegafusion = { handle, commPlan: model.comm_plan, client: transport.client,
    model };
  // A new theme or size re-embeds the same chart; the server's state is unchanged.
  model.on(["theme", "chart_width", "chart_height"],
    () => { void handle.update(props(model, transport)); });
  model.on("remove", () => handle.destroy());
}
