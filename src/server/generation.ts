// A generation: what one config builds (catalog, search and definitions, executor) over the daemon's long-lived
// parts (stores, sessions, audit, telemetry, the listening socket). A reload builds the next beside the current.

import type { Config } from '../config/index.js';
import type { Catalog } from '../catalog/index.js';
import type { EngineExecutor } from '../execution/index.js';
import type { Discovery } from '../http/index.js';
import type { Metrics } from '../telemetry/index.js';
import { createEngine, loadTools, type EngineParts, type MissingGroup } from './compose.js';
import { createDiscovery } from './discovery.js';
import type { GenerationGauges } from './gauges.js';
import type { GroupPool, LoadedGroup } from './groups.js';

export interface Generation {
  /** 1 for the config the daemon started with, then one more per reload or group that appeared. */
  readonly number: number;
  readonly config: Config;
  readonly catalog: Catalog;
  readonly discovery: Discovery;
  readonly executor: EngineExecutor;
  readonly loaded: LoadedGroup[];
  /** Optional groups that failed to load; retried in the background. */
  readonly missing: MissingGroup[];
  /** Closes the executor (after up to graceMs for executions still running), then gives back its groups. */
  close(graceMs: number): Promise<void>;
}

export interface GenerationParts extends Omit<EngineParts, 'metrics'> {
  pool: GroupPool;
  metrics?: Metrics;
  gauges?: GenerationGauges;
}

/** Loads the groups (shared with other generations through the pool), then builds the executor and discovery. */
export async function buildGeneration(config: Config, number: number, parts: GenerationParts): Promise<Generation> {
  const { catalog, loaded, missing } = await loadTools(config, parts.pool);
  const recording = parts.metrics && parts.gauges?.forGeneration(parts.metrics);
  let executor: EngineExecutor;
  try {
    // createEngine gives the executor parts.viewCatalog's view of the catalog, when there is one
    executor = createEngine(config, catalog, { ...parts, metrics: recording?.metrics });
  } catch (error) {
    recording?.retire();
    await catalog.close();
    throw error;
  }
  const discovery = createDiscovery(catalog, config, parts.logger);
  let closing: Promise<void> | undefined;
  return {
    number, config, catalog, discovery, executor, loaded, missing,
    close(graceMs) {
      closing ??= (async () => {
        await executor.close(graceMs);
        recording?.retire();
        await catalog.close();
      })();
      return closing;
    },
  };
}

/** Warms what the first requests would otherwise pay for: warm isolates, search indexes. */
export async function warmGeneration(generation: Generation): Promise<void> {
  await Promise.all([generation.executor.warm(), generation.discovery.warmUp()]);
}

/** One line per loaded group, for the start-up summary and reloads. */
export function describeGroups(loaded: LoadedGroup[]): string {
  return loaded.map((group) => `${group.name} (${group.kind}, ${group.functions} function${group.functions === 1 ? '' : 's'}, ${group.ms} ms)`).join(', ');
}
