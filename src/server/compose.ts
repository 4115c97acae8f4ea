// The composition root: what atp serve, exec, search and definitions build from a config (the catalog of its
// groups, the executor over it) and the process-wide settings it implies, in one place.

import type Keyv from 'keyv';
import type { Audit } from '../audit/index.js';
import type { Config } from '../config/index.js';
import { Catalog, functionIds, type ToolGroup, type UserCredentials } from '../catalog/index.js';
import { createExecutor, type EngineExecutor } from '../execution/index.js';
import type { Logger } from '../logging/index.js';
import { checkPatterns, functionFilter } from '../policy/index.js';
import type { Secrets } from '../secrets/index.js';
import type { Metrics, Telemetry } from '../telemetry/index.js';
import { GroupPool, type LoadedGroup } from './groups.js';

export class StartupError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'StartupError';
  }
}

/** An optional group that failed to load: the catalog goes on without it. */
export interface MissingGroup { name: string; error: string }

export interface Tools {
  catalog: Catalog;
  /** The groups loaded, in config order. */
  loaded: LoadedGroup[];
  /** Optional groups that failed to load, in config order. */
  missing: MissingGroup[];
}

/**
 * The process-wide settings a config implies, set here and nowhere else. V8 takes an isolate's time zone from
 * the process (TZ), so execution.timezone becomes the process's: the server itself writes times in UTC.
 */
export function applyProcessSettings(config: Config): void {
  const zone = config.execution.timezone || 'UTC';
  if (process.env.TZ !== zone) process.env.TZ = zone;
}

/**
 * Every configured group from `pool`, loaded in parallel, behind one catalog with the policies' filter. A group
 * that is not optional failing fails the whole (StartupError naming each); an optional one is left out and
 * listed in `missing`. Policy patterns are checked against the functions once nothing is missing.
 */
export async function loadTools(config: Config, pool: GroupPool, options: { checkPatterns?: boolean } = {}): Promise<Tools> {
  const settled = await Promise.allSettled(config.apis.map((spec) => pool.acquire(spec)));
  const held = settled.flatMap((outcome) => (outcome.status === 'fulfilled' ? [outcome.value] : []));
  const groups = held.map(({ group }) => group);
  const failures = settled.flatMap((outcome, i) => (outcome.status === 'rejected' ? [{ spec: config.apis[i], error: outcome.reason as Error }] : []));
  const required = failures.filter(({ spec }) => !spec.optional);
  if (required.length > 0) {
    await closeAll(groups);
    const lines = required.map(({ spec, error }) => `API group '${spec.name}' failed to load: ${error.message}`);
    throw new StartupError(lines.join('\n'), { cause: required[0].error });
  }
  let catalog: Catalog;
  try {
    catalog = new Catalog(groups, { visible: functionFilter(config.policies) });
  } catch (error) {
    await closeAll(groups);
    throw new StartupError(`the API groups cannot be combined: ${(error as Error).message}`, { cause: error });
  }
  try {
    // a policy pattern that matches no function guards nothing; one meant for a missing group is checked once it loads
    if (failures.length === 0 && options.checkPatterns !== false) checkPatterns(config, functionIds(catalog.groups));
  } catch (error) {
    await catalog.close();
    throw error;
  }
  const order = new Map(config.apis.map((spec, i) => [spec.name, i]));
  const loaded = held.map((hold) => hold.loaded).sort((a, b) => order.get(a.name)! - order.get(b.name)!);
  return { catalog, loaded, missing: failures.map(({ spec, error }) => ({ name: spec.name, error: error.message })) };
}

/**
 * For the commands that load the groups once and exit (exec, search, definitions): catalog.close() closes them.
 * `checkPatterns: false` when only some groups are loaded (a pattern may be meant for another).
 */
export async function openTools(config: Config, context: { logger: Logger; secrets?: Secrets; credentials?: UserCredentials; checkPatterns?: boolean }): Promise<Tools> {
  const { checkPatterns: check, ...groupContext } = context;
  const pool = new GroupPool({ ...groupContext, configDir: config.dir });
  const tools = await loadTools(config, pool, { checkPatterns: check });
  for (const group of tools.missing) context.logger.warn(`API group '${group.name}' is optional and failed to load, so its functions are absent: ${group.error}`);
  return tools;
}

export interface EngineParts {
  stateStore: Keyv;
  cacheStore: Keyv;
  logger: Logger;
  audit?: Audit;
  telemetry?: Telemetry;
  metrics?: Metrics;
  /** What the executor sees of the catalog, when not the catalog itself (MCP sessions count their calls through it). */
  viewCatalog?(catalog: Catalog): Catalog;
}

/** The executor of a catalog, with the process set up for it first. */
export function createEngine(config: Config, catalog: Catalog, parts: EngineParts): EngineExecutor {
  applyProcessSettings(config);
  const { viewCatalog, ...rest } = parts;
  return createExecutor({ config, catalog: viewCatalog ? viewCatalog(catalog) : catalog, ...rest });
}

async function closeAll(groups: ToolGroup[]): Promise<void> {
  await Promise.allSettled(groups.map((group) => group.close()));
}
