// The loaded API groups, shared by the generations that use them: a reload that keeps a group's settings keeps
// its MCP server and its learned types; a group closes when the last generation holding it retires.

import { statSync } from 'node:fs';
import type { ApiGroupConfig } from '../config/index.js';
import { loadGroup, type KeyValueStore, type ToolGroup, type UserCredentials } from '../catalog/index.js';
import type { Logger } from '../logging/index.js';
import type { Secrets } from '../secrets/index.js';
import type { Metrics } from '../telemetry/index.js';

export interface LoadedGroup { name: string; kind: string; functions: number; ms: number }

/** What every group is loaded with: the same for all generations of a daemon. */
export interface GroupContext {
  logger: Logger;
  configDir: string;
  store?: KeyValueStore;
  secrets?: Secrets;
  credentials?: UserCredentials;
  metrics?: Metrics;
}

interface Entry { loading: Promise<{ group: ToolGroup; loaded: LoadedGroup }>; holders: number }

export class GroupPool {
  private readonly entries = new Map<string, Entry>();

  constructor(private readonly context: GroupContext) {}

  /**
   * The group these settings describe, loaded once for every holder; its close() releases this hold only.
   * Rejects when it fails to load (the next acquire tries again).
   */
  async acquire(spec: ApiGroupConfig): Promise<{ group: ToolGroup; loaded: LoadedGroup }> {
    // marking a group optional does not reload it; editing its OpenAPI document does
    const key = settingsKey({ ...spec, optional: undefined, document: documentStamp(spec) });
    let entry = this.entries.get(key);
    if (!entry) {
      entry = { loading: this.load(spec), holders: 0 };
      this.entries.set(key, entry);
      const loading = entry;
      loading.loading.catch(() => {
        if (this.entries.get(key) === loading) this.entries.delete(key);
      });
    }
    entry.holders++;
    const held = entry;
    let shared: { group: ToolGroup; loaded: LoadedGroup };
    try {
      shared = await held.loading;
    } catch (error) {
      held.holders--;
      throw error;
    }
    let released = false;
    const release = async () => {
      if (released) return;
      released = true;
      if (--held.holders > 0) return;
      if (this.entries.get(key) === held) this.entries.delete(key);
      await shared.group.close();
    };
    return { group: holdOf(shared.group, release), loaded: shared.loaded };
  }

  /** Groups loaded now (each once, however many generations hold it). */
  get size(): number {
    return this.entries.size;
  }

  private async load(spec: ApiGroupConfig): Promise<{ group: ToolGroup; loaded: LoadedGroup }> {
    const started = performance.now();
    const { logger, ...rest } = this.context;
    const group = await loadGroup(spec, { ...rest, logger: logger.child({ group: spec.name }) });
    return { group, loaded: { name: group.name, kind: group.kind, functions: group.tools.length, ms: Math.round(performance.now() - started) } };
  }
}

/** The group as one generation holds it: the same tools, a close() that gives back this hold. */
function holdOf(group: ToolGroup, release: () => Promise<void>): ToolGroup {
  return {
    name: group.name,
    kind: group.kind,
    ...(group.description !== undefined && { description: group.description }),
    get tools() {
      return group.tools;
    },
    close: release,
    ...(group.onChange && { onChange: (listener: () => void) => group.onChange!(listener) }),
  };
}

/** When an OpenAPI document read from a file was last changed, and its size: a reload loads an edited one anew. */
function documentStamp(spec: ApiGroupConfig): string | undefined {
  if (spec.type !== 'openapi' || /^[a-z][a-z0-9+.-]*:\/\//i.test(spec.spec)) return undefined;
  try {
    const stat = statSync(spec.spec);
    return `${stat.mtimeMs}:${stat.size}`;
  } catch {
    return undefined; // loading it will say why it cannot be read
  }
}

/** Equal settings give equal keys, whatever the order of keys in the file. */
export function settingsKey(value: unknown): string {
  return JSON.stringify(value, (_key, item: unknown) => (item && typeof item === 'object' && !Array.isArray(item)
    ? Object.fromEntries(Object.entries(item as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
    : item));
}
