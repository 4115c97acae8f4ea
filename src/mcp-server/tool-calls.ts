// Which catalog functions each MCP execution called, and how often: execute_code reports them with its result.
// The executor sees the catalog through view(): each call of a watched client is counted under its execution.

import type { Catalog, CatalogEntry, CallContext, Tool } from '../catalog/index.js';

export interface ToolCallCount { name: string; count: number }

export class CallLedger {
  private readonly watched = new Set<string>();
  private readonly counts = new Map<string, Map<string, number>>();
  private readonly wrapped = new WeakMap<Tool, { id: string; tool: Tool }>();
  /** The counting tools made here: a view of a view counts each call once. */
  private readonly counting = new WeakSet<Tool>();

  /** Counts the calls of this client's executions (an MCP session's ATP client) from now on. */
  watch(clientId: string): void {
    this.watched.add(clientId);
  }

  unwatch(clientId: string): void {
    this.watched.delete(clientId);
  }

  /** The calls an execution made so far, most called first; `done` forgets them (the execution ended). */
  calls(executionId: string, done: boolean): ToolCallCount[] {
    const counts = this.counts.get(executionId);
    if (done) this.counts.delete(executionId);
    if (!counts) return [];
    return [...counts].map(([name, count]) => ({ name, count })).sort((a, b) => b.count - a.count || a.name.localeCompare(b.name));
  }

  /**
   * The catalog as the executor should see it: the same index, listeners and version (read through the
   * prototype, so refreshes show), with each function's invoke counted for watched clients.
   */
  view(catalog: Catalog): Catalog {
    const view = Object.create(catalog) as Catalog;
    view.get = (id: string) => {
      const entry = catalog.get(id);
      return entry && this.counted(entry);
    };
    return view;
  }

  private counted(entry: CatalogEntry): CatalogEntry {
    if (this.counting.has(entry.tool)) return entry;
    let known = this.wrapped.get(entry.tool);
    if (!known || known.id !== entry.id) {
      const original = entry.tool;
      const tool = Object.create(original) as Tool;
      tool.invoke = (input: unknown, ctx: CallContext) => {
        this.record(ctx, `api.${entry.id}`);
        return original.invoke(input, ctx);
      };
      known = { id: entry.id, tool };
      this.counting.add(tool);
      this.wrapped.set(original, known);
    }
    return { ...entry, tool: known.tool };
  }

  private record(ctx: CallContext, name: string): void {
    if (!ctx.executionId || !ctx.clientId || !this.watched.has(ctx.clientId)) return;
    let counts = this.counts.get(ctx.executionId);
    if (!counts) this.counts.set(ctx.executionId, (counts = new Map()));
    counts.set(name, (counts.get(name) ?? 0) + 1);
  }
}
