// The composition root: the daemon (atp serve), and what the one-shot commands (exec, search, definitions, mcp)
// build from a config. The daemon's modules (koa, telemetry, sessions) load only when a daemon is built.

import type { Config } from '../config/index.js';
import type { Logger } from '../logging/index.js';
import type { Secrets } from '../secrets/index.js';
import type { Catalog } from '../catalog/index.js';
import type { Discovery } from '../http/index.js';
import type { BuildOptions, Daemon } from './build.js';

export type { Daemon, BuildOptions } from './build.js';
export { VERSION, DEFAULT_GRACE_MS } from './version.js';
export { StartupError, applyProcessSettings, openTools, createEngine, type Tools, type MissingGroup, type EngineParts } from './compose.js';
export type { LoadedGroup } from './groups.js';
export type { ReloadResult } from './reload.js';
export { summary } from './summary.js';

/** The daemon of `config`: its long-lived parts and first generation; start() listens. */
export async function build(config: Config, logger: Logger, options?: BuildOptions | Secrets): Promise<Daemon> {
  return (await import('./build.js')).build(config, logger, options);
}

/** Definitions, search and explore over a catalog, as the daemon serves them (search loads only then). */
export async function discoveryFor(catalog: Catalog, config: Config, logger: Logger): Promise<Discovery> {
  return (await import('./discovery.js')).createDiscovery(catalog, config, logger);
}
