/**
 * Streamlit host (components v2, no iframe). Python passes the planned chart in `data`; updates go
 * to a small route on Streamlit's own web server (see streamlit_vegafusion/channel.py), so an
 * interaction never reruns the script. Selections are reported with setStateValue, which reruns
 * the script only when the app asked for it (on_select != "ignore").
 */
import { mount } from "../core/mount";
import type { CommPlan, MountHandle, MountProps, Update, Variable } from "../core/types";
import { httpTransport } from "./http_transport";

interface StreamlitData {
  chartId: string;
  token: string;
  endpoint: string;
  clientSpec: object;
  commPlan: CommPlan;
  debounceMs?: number;
  maxWaitMs?: number;
  /** "streamlit": follow the app's theme (read here: Python learns it only after a rerun). */
  theme?: "streamlit" | "light" | "dark" | null;
  width?: number | null;
  height?: number | null;
  selectionStores?: Variable[];
}

interface ComponentArgs {
  data: StreamlitData;
  parentElement: HTMLElement | ShadowRoot;
  setStateValue(name: string, value: unknown): void;
}

interface Mounted {
  chartId: string;
  theme: MountProps["theme"];
  handle: MountHandle;
  transport: ReturnType<typeof httpTransport>;
  container: HTMLElement;
  pendingDestroy: ReturnType<typeof setTimeout> | null;
}

const mounted = new WeakMap<object, Mounted>();

function storesAsState(values: Update[]): Record<string, unknown> {
  const stores: Record<string, unknown> = {};
  for (const v of values) stores[v.name] = v.value;
  return stores;
}

/** "dark" or "light" from the luminance of Streamlit's background colour (a CSS variable). */
function streamlitTheme(el: HTMLElement | ShadowRoot): "dark" | "light" {
  // The probe goes where it is rendered (in the shadow root, not beside it on the host).
  const probe = document.createElement("span");
  probe.style.display = "none";
  probe.style.color = "var(--st-background-color, #ffffff)";
  el.appendChild(probe);
  const [r, g, b] = (getComputedStyle(probe).color.match(/[\d.]+/g) || ["255", "255", "255"])
    .map(Number);
  probe.remove();
  return 0.2126 * r + 0.7152 * g + 0.0722 * b < 128 ? "dark" : "light";
}

function resolveTheme(data: StreamlitData, el: HTMLElement | ShadowRoot): MountProps["theme"] {
  return data.theme === "streamlit" ? streamlitTheme(el) : data.theme ?? null;
}

function props(data: StreamlitData, theme: MountProps["theme"],
  setStateValue: ComponentArgs["setStateValue"]): MountProps {
  return {
    clientSpec: data.clientSpec,
    commPlan: data.commPlan,
    debounceMs: data.debounceMs,
    maxWaitMs: data.maxWaitMs,
    theme,
    width: data.width,
    height: data.height,
    watch: data.selectionStores,
    onWatch: data.selectionStores?.length
      ? (values) => setStateValue("selection", storesAsState(values)) : undefined,
  };
}

export default function streamlitVegaFusion(component: ComponentArgs): () => void {
  const { data, parentElement, setStateValue } = component;
  let entry = mounted.get(parentElement);
  const theme = resolveTheme(data, parentElement);
  if (entry && entry.chartId === data.chartId && entry.theme === theme) {
    // Same chart, same server state: a rerun must not redraw it (it would lose the brush).
    if (entry.pendingDestroy) clearTimeout(entry.pendingDestroy);
    entry.pendingDestroy = null;
  } else {
    if (entry) {
      if (entry.pendingDestroy) clearTimeout(entry.pendingDestroy);
      entry.handle.destroy();
      entry.transport.close();
      entry.container.remove();
    }
    const container = document.createElement("div");
    container.className = "vegafusion-chart";
    parentElement.appendChild(container);
    const transport = httpTransport(data.endpoint, data.token);
    const handle = mount(container, props(data, theme, setStateValue), transport);
    entry = { chartId: data.chartId, theme, handle, transport, container,
      pendingDestroy: null };
    mounted.set(parentElement, entry);
    (container as any).__vegafusion = { handle, data }; // for tests and debugging in the console
  }
  const current = entry;
  // Streamlit calls this cleanup before every re-render as well as on unmount; only an unmount
  // (no re-render within a moment) really tears the chart down.
  return () => {
    current.pendingDestroy = setTimeout(() => {
      current.handle.destroy();
      current.transport.close();
      current.container.remove();
      mounted.delete(parentElement);
    }, 1000);
  };
}
