// One loader per source kind, imported only when a group of that kind is configured.

import type { ApiGroupConfig } from '../config/index.js';
import { guardGroup } from './guard.js';
import { GroupLoadError, type LoadContext, type Loader, type ToolGroup } from './types.js';

type Kind = ApiGroupConfig['type'];

const LOADERS: Partial<Record<Kind, () => Promise<Loader>>> = {};

/** Registers the loader of a kind; each loader module calls this from src/catalog/loaders/index.ts. */
export function registerLoader(kind: Kind, importLoader: () => Promise<Loader>): void {
  LOADERS[kind] = importLoader;
}

export async function loadGroup(config: ApiGroupConfig, ctx: LoadContext): Promise<ToolGroup> {
  const importLoader = LOADERS[config.type];
  if (!importLoader) throw new GroupLoadError(config.name, `groups of type ${config.type} cannot be loaded by this version yet`);
  const loader = await importLoader();
  let group: ToolGroup;
  try {
    group = await loader.load(config, ctx);
  } catch (error) {
    if (error instanceof GroupLoadError) throw error;
    throw new GroupLoadError(config.name, (error as Error).message, { cause: error });
  }
  return guardGroup(group, { concurrency: config.concurrency, clientConcurrency: config.clientConcurrency, store: ctx.store, logger: ctx.logger, secrets: ctx.secrets });
}

export interface LoadedGroups {
  groups: ToolGroup[];
  /** Groups that could not be loaded, in config order; each message says why and what to do. */
  failures: GroupLoadError[];
}

/** Loads every group at once (MCP servers start in parallel); one group failing does not stop the others. */
export async function loadGroups(configs: readonly ApiGroupConfig[], ctx: LoadContext): Promise<LoadedGroups> {
  const settled = await Promise.allSettled(configs.map((config) => loadGroup(config, { ...ctx, logger: ctx.logger.child({ group: config.name }) })));
  const groups: ToolGroup[] = [];
  const failures: GroupLoadError[] = [];
  settled.forEach((outcome, index) => {
    if (outcome.status === 'fulfilled') groups.push(outcome.value);
    else failures.push(outcome.reason instanceof GroupLoadError ? outcome.reason : new GroupLoadError(configs[index].name, String((outcome.reason as Error)?.message ?? outcome.reason), { cause: outcome.reason }));
  });
  return { groups, failures };
}
