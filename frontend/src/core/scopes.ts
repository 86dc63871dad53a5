/**
 * Reading, writing and watching variables in group scopes of a vega View.
 *
 * A scope [i, j] names the i-th group mark of the root, then its j-th group child, counting group
 * marks only. At run time Vega parses each group mark's dataflow into a subcontext of its parent
 * (`context.subcontext`, in the order of the group marks), so the scope is a path of indices into
 * those subcontexts (the same walk as VegaFusion's JS client). These are internals of
 * vega-runtime; the root scope uses only the View's public API.
 */
import type { Variable } from "./types";

type Context = { signals: Record<string, any>; data: Record<string, any>; subcontext?: Context[] };

export function contextOf(view: any, scope: number[]): Context {
  let context: Context = view._runtime;
  scope.forEach((index, depth) => {
    const next = context.subcontext?.[index];
    if (!next) {
      throw new Error(`no group scope [${scope.slice(0, depth + 1).join(", ")}] in this chart`);
    }
    context = next;
  });
  return context;
}

function signalOp(view: any, name: string, scope: number[]): any {
  const op = contextOf(view, scope).signals[name];
  if (!op) throw new Error(`no signal ${JSON.stringify(name)} in scope [${scope.join(", ")}]`);
  return op;
}

function dataRef(view: any, name: string, scope: number[]): any {
  const ref = contextOf(view, scope).data[name];
  if (!ref) throw new Error(`no dataset ${JSON.stringify(name)} in scope [${scope.join(", ")}]`);
  return ref;
}

/** Current value of a variable: plain rows (without Vega's tuple ids) or the signal value. */
export function readVariable(view: any, v: Variable): unknown {
  if (v.namespace === "signal") return signalOp(view, v.name, v.scope).value;
  const rows = dataRef(view, v.name, v.scope).values.value || [];
  // Object.entries leaves out Vega's tuple id (a symbol key).
  return rows.map((row: object) => Object.fromEntries(Object.entries(row)));
}

/** Set a variable; the caller runs the dataflow (view.runAsync()) once after a batch. */
export function writeVariable(view: any, v: Variable, value: unknown): void {
  if (v.scope.length === 0) {
    if (v.namespace === "signal") view.signal(v.name, value);
    else view.data(v.name, value as object[]);
    return;
  }
  if (v.namespace === "signal") {
    view.update(signalOp(view, v.name, v.scope), value);
    return;
  }
  const ref = dataRef(view, v.name, v.scope);
  const changes = view.changeset().remove(() => true).insert(value as object[]);
  ref.modified = true;
  view.pulse(ref.input, changes);
}

/** Call `handler` whenever the variable changes; returns a function that stops listening. */
export function watchVariable(view: any, v: Variable, handler: () => void): () => void {
  if (v.scope.length === 0) {
    const listener = () => handler();
    if (v.namespace === "signal") {
      view.addSignalListener(v.name, listener);
      return () => view.removeSignalListener(v.name, listener);
    }
    view.addDataListener(v.name, listener);
    return () => view.removeDataListener(v.name, listener);
  }
  const op = v.namespace === "signal" ? signalOp(view, v.name, v.scope)
    : dataRef(view, v.name, v.scope).values;
  // The same mechanism as View.addSignalListener, on an operator of the nested context.
  view.on(op, null, () => handler());
  const targets = op.targets();
  const listener = targets[targets.length - 1];
  return () => targets.remove(listener);
}
