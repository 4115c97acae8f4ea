// All loaded groups behind one lookup: `github.issues.create` -> its Tool.

import type { Tool, ToolGroup } from './types.js';

export interface CatalogEntry {
  group: ToolGroup;
  tool: Tool;
  /** `github.issues.create`: group name and tool path joined with dots. */
  id: string;
}

export interface CatalogOptions {
  /** Functions for which it answers false are left out (config policies.allow and policies.deny). */
  visible?: (id: string) => boolean;
}

export class Catalog {
  readonly groups: readonly ToolGroup[];
  private byId = new Map<string, CatalogEntry>();
  private readonly visible?: (id: string) => boolean;
  private readonly listeners = new Set<() => void>();
  private readonly unsubscribes: Array<() => void> = [];
  private changes = 0;

  constructor(groups: readonly ToolGroup[], options: CatalogOptions = {}) {
    this.groups = groups;
    this.visible = options.visible;
    this.byId = index(groups, this.visible);
    for (const group of groups) {
      const unsubscribe = group.onChange?.(() => this.refresh());
      if (unsubscribe) this.unsubscribes.push(unsubscribe);
    }
  }

  /** The function at `api.<id>`, or undefined. */
  get(id: string): CatalogEntry | undefined {
    return this.byId.get(id);
  }

  entries(): IterableIterator<CatalogEntry> {
    return this.byId.values();
  }

  get size(): number {
    return this.byId.size;
  }

  /** Bumped whenever a group's tools or schemas changed: definitions and search indexes keyed on it stay fresh. */
  get version(): number {
    return this.changes;
  }

  /** Calls listener after any group's tools or schemas changed; returns unsubscribe. */
  onChange(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async close(): Promise<void> {
    for (const unsubscribe of this.unsubscribes.splice(0)) unsubscribe();
    this.listeners.clear();
    await Promise.allSettled(this.groups.map((group) => group.close()));
  }

  private refresh(): void {
    try {
      this.byId = index(this.groups, this.visible);
    } catch {
      return; // a clash cannot arise from one group's refresh (names are unique per group), keep the last good index
    }
    this.changes++;
    for (const listener of this.listeners) listener();
  }
}

/** `group.path.to.function` for every function of the groups, including those `visible` would leave out. */
export function functionIds(groups: readonly ToolGroup[]): string[] {
  return groups.flatMap((group) => group.tools.map((tool) => [group.name, ...tool.path].join('.')));
}

function index(groups: readonly ToolGroup[], visible?: (id: string) => boolean): Map<string, CatalogEntry> {
  const byId = new Map<string, CatalogEntry>();
  for (const group of groups) {
    for (const tool of group.tools) {
      const id = [group.name, ...tool.path].join('.');
      if (byId.has(id)) throw new Error(`two functions are named ${id}; rename one of them`);
      if (visible && !visible(id)) continue;
      byId.set(id, { group, tool, id });
    }
  }
  return byId;
}
