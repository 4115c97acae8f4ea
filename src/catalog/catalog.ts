// All loaded groups behind one lookup: `github.issues.create` -> its Tool.

import type { Tool, ToolGroup } from './types.js';

export interface CatalogEntry {
  group: ToolGroup;
  tool: Tool;
  /** `github.issues.create`: group name and tool path joined with dots. */
  id: string;
}

export class Catalog {
  readonly groups: readonly ToolGroup[];
  private readonly byId = new Map<string, CatalogEntry>();

  constructor(groups: readonly ToolGroup[]) {
    this.groups = groups;
    for (const group of groups) {
      for (const tool of group.tools) {
        const id = [group.name, ...tool.path].join('.');
        if (this.byId.has(id)) throw new Error(`two functions are named ${id}; rename one of them`);
        this.byId.set(id, { group, tool, id });
      }
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

  async close(): Promise<void> {
    await Promise.allSettled(this.groups.map((group) => group.close()));
  }
}
