/**
 * Decoding dataset values from the server: JSON rows as they are, or Arrow IPC bytes
 * (a Uint8Array/ArrayBuffer, or `{"$arrow": "<base64>"}` where a host carries only JSON).
 * Dates become epoch milliseconds, as Vega expects from the server.
 */
import { tableFromIPC, DataType } from "apache-arrow";

function base64Bytes(text: string): Uint8Array {
  if (typeof Buffer !== "undefined") return new Uint8Array(Buffer.from(text, "base64"));
  const binary = atob(text);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

function plainValue(value: unknown, type: any): unknown {
  if (value === null || value === undefined) return null;
  if (DataType.isTimestamp(type) || DataType.isDate(type)) {
    // apache-arrow gives epoch ms as a number for both (Date64/Timestamp read as ms numbers).
    return value instanceof Date ? value.getTime() : Number(value);
  }
  if (typeof value === "bigint") return Number(value);
  if (DataType.isDecimal(type)) return Number(value);
  return value;
}

export function arrowRows(bytes: Uint8Array | ArrayBuffer): Record<string, unknown>[] {
  const table = tableFromIPC(bytes instanceof ArrayBuffer ? new Uint8Array(bytes) : bytes);
  const fields = table.schema.fields;
  const columns = fields.map((f) => table.getChild(f.name)!);
  const rows: Record<string, unknown>[] = new Array(table.numRows);
  for (let i = 0; i < table.numRows; i++) {
    const row: Record<string, unknown> = {};
    fields.forEach((field, c) => { row[field.name] = plainValue(columns[c].get(i), field.type); });
    rows[i] = row;
  }
  return rows;
}

/** A dataset value from the server as rows for view.data(). */
export function decodeDataset(value: unknown): unknown {
  if (value instanceof Uint8Array || value instanceof ArrayBuffer) return arrowRows(value);
  if (value && typeof value === "object" && !Array.isArray(value) && "$arrow" in value) {
    return arrowRows(base64Bytes(String((value as { $arrow: string }).$arrow)));
  }
  return value;
}
