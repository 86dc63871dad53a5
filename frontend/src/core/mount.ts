/**
 * mount(el, props, transport) -> handle: draws a planned chart in `el` with vega-embed and keeps
 * it in sync with its server through `transport` (see session.ts for the protocol side).
 */
import embed from "vega-embed";
import { ChartSession } from "./session";
import type { MountHandle, MountProps, Transport } from "./types";

const STYLE = `
.vf-root { position: relative; width: 100%; }
.vf-chart { width: 100%; }
.vf-loading { position: absolute; top: 0; left: 0; height: 2px; width: 100%; opacity: 0;
  background: linear-gradient(90deg, transparent, currentColor, transparent);
  transition: opacity 0.2s; pointer-events: none; }
.vf-root.vf-is-loading .vf-loading { opacity: 0.5; }
.vf-root.vf-is-loading .vf-chart { opacity: 0.85; }
.vf-error { display: none; padding: 0.75em 1em; border-radius: 0.4em; white-space: pre-wrap;
  font-family: sans-serif; font-size: 0.9em; color: #7d1a1a; background: #fdecec; }
.vf-root.vf-has-error .vf-error { display: block; }
.vf-root.vf-has-error .vf-chart { display: none; }
`;

function element(tag: string, className: string, parent: HTMLElement): HTMLElement {
  const el = document.createElement(tag);
  el.className = className;
  parent.appendChild(el);
  return el;
}

/**
 * A single view with a fixed width follows its container. Widths computed by the spec (a band
 * step, `containerSize()`) and concatenations or facets (group marks) keep their own layout.
 */
function followsContainer(spec: any, props: MountProps): boolean {
  if (props.width != null) return false;
  if ((spec.marks || []).some((m: any) => m?.type === "group")) return false;
  const signal = (spec.signals || []).find((s: any) => s?.name === "width");
  if (signal) return typeof signal.value === "number" && !signal.update && !signal.init && !signal.on;
  return typeof spec.width === "number";
}

function prepareSpec(props: MountProps): any {
  const spec: any = { ...props.clientSpec };
  if (followsContainer(spec, props)) spec.autosize = { type: "fit-x", contains: "padding" };
  if (props.theme === "dark" || props.theme === "light") spec.background = "transparent";
  return spec;
}

export function mount(el: HTMLElement, props: MountProps, transport: Transport): MountHandle {
  const style = document.createElement("style");
  style.textContent = STYLE;
  el.appendChild(style);
  el.classList.add("vf-root");
  const loading = element("div", "vf-loading", el);
  const errorBox = element("div", "vf-error", el);
  errorBox.setAttribute("role", "alert");
  const chart = element("div", "vf-chart", el);

  let current = props;
  let result: Awaited<ReturnType<typeof embed>> | null = null;
  let resizer: ResizeObserver | null = null;

  const session = new ChartSession(transport, {
    setLoading: (on) => el.classList.toggle("vf-is-loading", on),
    showError: (message) => {
      errorBox.textContent = message ?? "";
      el.classList.toggle("vf-has-error", message !== null);
    },
    reset: (clientSpec, commPlan) => { void handle.update({ ...current, clientSpec, commPlan }); },
  }, { debounceMs: props.debounceMs, maxWaitMs: props.maxWaitMs });
  loading.setAttribute("aria-hidden", "true");

  async function render(next: MountProps): Promise<void> {
    current = next;
    resizer?.disconnect();
    result?.finalize();
    const spec = prepareSpec(next);
    result = await embed(chart, spec, {
      mode: "vega",
      actions: false,
      renderer: "svg",
      theme: next.theme === "dark" ? "dark" : undefined,
      ...(next.width != null ? { width: next.width } : {}),
      ...(next.height != null ? { height: next.height } : {}),
    });
    const view = result.view;
    if (followsContainer(spec, next)) {
      const fit = () => {
        const width = Math.floor(el.clientWidth);
        if (width > 0 && width !== view.width()) void view.width(width).runAsync();
      };
      resizer = new ResizeObserver(fit);
      resizer.observe(el);
      fit();
    }
    session.bind(view, next);
  }

  const handle: MountHandle = {
    ready: Promise.resolve(),
    update: (next) => {
      handle.ready = render(next).catch((error) => {
        el.classList.add("vf-has-error");
        errorBox.textContent = `Could not draw this chart: ${error?.message ?? error}`;
      });
      return handle.ready;
    },
    view: () => result?.view,
    destroy: () => {
      resizer?.disconnect();
      session.destroy();
      result?.finalize();
      el.replaceChildren();
      el.classList.remove("vf-root", "vf-is-loading", "vf-has-error");
    },
  };
  void handle.update(props);
  return handle;
}
