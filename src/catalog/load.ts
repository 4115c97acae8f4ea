// One loader per source kind, imported only when a group of that kind is configured.

import type { ApiGroupConfig } from '../config/index.js';
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
  try {
    return await loader.load(config, ctx);
  } catch (error) {
    if (error instanceof GroupLoadError) throw error;
    throw new GroupLoadError(config.name, (error as Error).message, { cause: error });
  }
}
