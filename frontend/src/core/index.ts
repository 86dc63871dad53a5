export { mount } from "./mount";
export { ChartSession, browserTimeZone, type SessionUI } from "./session";
export { Synchronizer, type Clock } from "./sync";
export { contextOf, readVariable, writeVariable, watchVariable } from "./scopes";
export { decodeDataset, arrowRows } from "./values";
export * from "./types";
