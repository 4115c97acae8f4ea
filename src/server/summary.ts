// The start-up summary on stderr: what loaded, where state lives, where we listen, how long it took.

import type { Logger } from '../logging/index.js';
import type { Daemon } from './build.js';

export function summary(daemon: Daemon, url: string, startedAt: number, logger: Logger): void {
  const { loaded, missing, stores, catalog, config } = daemon;
  const groups = loaded.map((group) => `${group.name} (${group.kind}, ${group.functions} function${group.functions === 1 ? '' : 's'}, ${group.ms} ms)`);
  groups.push(...missing.map((group) => `${group.name} (optional, not loaded yet)`));
  const hidden = loaded.reduce((sum, group) => sum + group.functions, 0) - catalog.size;
  const hiding = hidden > 0 ? ` (${hidden} more hidden by policies.allow and policies.deny)` : '';
  logger.info(`loaded ${loaded.length} API group${loaded.length === 1 ? '' : 's'} with ${catalog.size} function${catalog.size === 1 ? '' : 's'}${hiding}${groups.length ? ': ' + groups.join(', ') : ''}`);
  logger.info(`state store ${stores.state.location}${stores.state.shared ? ' (shared)' : ' (this process only)'}, cache store ${stores.cache.location}`);
  if (config.auth.apiKeys?.length) logger.info(`/api/init requires one of ${config.auth.apiKeys.length} API key(s)`);
  if (config.auth.adminKey) logger.info('POST /admin/reload is on (auth.adminKey): it reloads the config, as SIGHUP does');
  const prometheus = config.telemetry.metrics.prometheus;
  if (daemon.metricsUrl) logger.info(`Prometheus metrics on ${daemon.metricsUrl}${prometheus?.token ? ' (token required)' : ''}`);
  else if (daemon.metrics && prometheus) logger.info(`Prometheus metrics on ${url}/metrics (token required)`);
  logger.info(`listening on ${url} (ready in ${Date.now() - startedAt} ms)`, { url });
}
