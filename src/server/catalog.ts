// Every configured group, loaded in parallel. One failure fails start-up, naming the group and the cause.

import type { Config } from '../config/index.js';
import { Catalog, loadGroup, type KeyValueStore, type ToolGroup, type UserCredentials } from '../catalog/index.js';
import type { Logger } from '../logging/index.js';
import { functionFilter } from '../policy/index.js';
import type { Secrets } from '../secrets/index.js';
import type { Metrics } from '../telemetry/index.js';

export class StartupError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'StartupError';
  }
}

export interface LoadedGroup { name: string; kind: string; functions: number; ms: number }

/** `store` keeps what groups learn (output types, lazy MCP tool lists) across restarts; `credentials`: users' own OAuth tokens. */
export async function loadCatalog(config: Config, logger: Logger, store?: KeyValueStore, secrets?: Secrets, credentials?: UserCredentials, metrics?: Metrics): Promise<{ catalog: Catalog; loaded: LoadedGroup[] }> {
  const loaded: LoadedGroup[] = [];
  const settled = await Promise.allSettled(config.apis.map(async (spec) => {
    const started = performance.now();
    const group = await loadGroup(spec, { logger: logger.child({ group: spec.name }), configDir: config.dir, store, secrets, credentials, metrics });
    loaded.push({ name: group.name, kind: group.kind, functions: group.tools.length, ms: Math.round(performance.now() - started) });
    return group;
  }));
  const groups = settled.flatMap((outcome) => (outcome.status === 'fulfilled' ? [outcome.value] : []));
  const failures = settled.flatMap((outcome, i) => (outcome.status === 'rejected' ? [{ name: config.apis[i].name, error: outcome.reason as Error }] : []));
  if (failures.length > 0) {
    await closeAll(groups);
    const lines = failures.map((failure) => `API group '${failure.name}' failed to load: ${failure.error.message}`);
    throw new StartupError(lines.join('\n'), { cause: failures[0].error });
  }
  try {
    const order = new Map(config.apis.map((spec, i) => [spec.name, i]));
    loaded.sort((a, b) => order.get(a.name)! - order.get(b.name)!);
    return { catalog: new Catalog(groups, { visible: functionFilter(config.policies) }), loaded };
  } catch (error) {
    await closeAll(groups);
    throw new StartupError(`the API groups cannot be combined: ${(error as Error).message}`, { cause: error });
  }
}

async function closeAll(groups: ToolGroup[]): Promise<void> {
  await Promise.allSettled(groups.map((group) => group.close()));
}
