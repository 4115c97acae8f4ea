// The export shape of a `type: module` group, and `defineTool`, which types it for module authors.

import type { JsonSchema, ToolAnnotations } from '../../types.js';

/** What a module tool's handler receives besides its input. */
export interface ModuleToolContext {
  /** Aborted when the call times out (the group's `timeout`) or the execution that made it ends. */
  signal: AbortSignal;
  executionId?: string;
  clientId?: string;
  /** Reports progress to the agent (`atp.progress`); fraction between 0 and 1. */
  progress(message: string, fraction?: number): void;
  /** The daemon's log, tagged with the group name. */
  logger: ModuleToolLogger;
}

export interface ModuleToolLogger {
  error(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  info(message: string, fields?: Record<string, unknown>): void;
  debug(message: string, fields?: Record<string, unknown>): void;
}

/**
 * One function of a module group: `api.<group>.<name>(input)` validates input against `inputSchema`, then
 * awaits `handler`. Its return value (JSON) is what the agent's code receives; an Error it throws reaches the
 * agent's code with its message.
 */
export interface ModuleTool<Input = Record<string, unknown>, Output = unknown> {
  /** Defaults to the export's name (or the key in a default-exported object); made identifier-safe. */
  name?: string;
  description: string;
  /** JSON Schema of the single argument; `{ type: 'object', properties: {...}, required: [...] }`. */
  inputSchema: JsonSchema;
  /** JSON Schema of the result; when absent, the catalog learns it from results. */
  outputSchema?: JsonSchema;
  annotations?: ToolAnnotations;
  handler(input: Input, ctx: ModuleToolContext): Output | Promise<Output>;
}

/** Types a module tool; returns it unchanged. `export const add = defineTool<{a: number; b: number}, number>({...})`. */
export function defineTool<Input = Record<string, unknown>, Output = unknown>(tool: ModuleTool<Input, Output>): ModuleTool<Input, Output> {
  return tool;
}
