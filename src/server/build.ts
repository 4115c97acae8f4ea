// build(config) -> the daemon's parts; start() -> listening; stop() undoes start() in reverse order.

import { readFileSync } from 'node:fs';
import type Koa from 'koa';
import { createAudit, type Audit } from '../audit/index.js';
import { notInEffect, type Config } from '../config/index.js';
import { functionIds, type Catalog } from '../catalog/index.js';
import type { EngineExecutor } from '../execution/index.js';
import { createApp, createMetricsApp, type Discovery, type Lifecycle } from '../http/index.js';
import type { Logger } from '../logging/index.js';
import { checkPatterns } from '../policy/index.js';
import { secretsOf, type Secrets } from '../secrets/index.js';
import { Sessions } from '../session/index.js';
import { serverDelegation, type ServerDelegation } from '../oauth/index.js';
import { createMetrics, createTelemetry, type DaemonMetrics, type Telemetry } from '../telemetry/index.js';
import { openStore, type Store } from '../store/index.js';
import { loadCatalog, type LoadedGroup } from './catalog.js';
import { createExecutor } from '../execution/index.js';
import { createDiscovery } from './discovery.js';
import { listen, type Listener } from './listen.js';

export const VERSION = (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;

/** Default wait for executions in flight on shutdown: below the usual 30 s before orchestrators kill. */
export const DEFAULT_GRACE_MS = 25_000;

export interface Daemon {
  config: Config;
  catalog: Catalog;
  executor: EngineExecutor;
  sessions: Sessions;
  stores: { state: Store; cache: Store };
  app: Koa;
  lifecycle: Lifecycle;
  loaded: LoadedGroup[];
  /** The audit trail, when the config names a sink. */
  audit?: Audit;
  /** Tracing, when the config sets telemetry.endpoint. */
  telemetry?: Telemetry;
  /** Metrics, when telemetry.metrics pushes them or serves /metrics. */
  metrics?: DaemonMetrics;
  /** Where /metrics listens on an address of its own (telemetry.metrics.prometheus.port), once started. */
  metricsUrl?: string;
  /** Users' own OAuth tokens, when some group signs users in (auth flow authorizationCode). */
  oauth?: ServerDelegation;
  /** Listens on server.host/server.port; resolves with the URL. */
  start(): Promise<string>;
  /** Drains and closes everything in reverse order of start-up; safe to call twice. */
  stop(graceMs?: number): Promise<void>;
}

/** `secrets`: the set the logger masks, so tokens fetched later are masked everywhere (default: the config's). */
export async function build(config: Config, logger: Logger, secrets: Secrets = secretsOf(config).secrets): Promise<Daemon> {
  const opened: { close(): Promise<void> }[] = [];
  try {
    const audit = createAudit(config, { logger, secrets });
    if (audit) opened.push(audit);
    const telemetry = createTelemetry(config.telemetry, { logger, version: VERSION });
    if (telemetry) opened.push(telemetry);
    const metrics = createMetrics(config.telemetry, { logger, version: VERSION });
    if (metrics) opened.push(metrics);
    const statePromise = openStore(config.state.store, { namespace: `${config.cache.namespace}:state` }).then((store) => (opened.push(store), store));
    // users' OAuth tokens live in the state store, under the identity of the session a call comes from
    const usersPromise = statePromise.then((store) => {
      const sessions = new Sessions({ store, auth: config.auth, ttl: config.state.ttl, logger });
      return { store, sessions, oauth: serverDelegation(config, { store, secrets, logger, identify: (clientId) => sessions.identity(clientId) }) };
    });
    // groups restore what they learned (output types, lazy tool lists) from the state store; the cache store connects meanwhile
    const [state, cache, { catalog, loaded }, { sessions, oauth }] = await Promise.all([
      statePromise,
      openStore(config.cache.store, { namespace: `${config.cache.namespace}:cache` }).then((store) => (opened.push(store), store)),
      usersPromise.then(({ store, oauth }) => loadCatalog(config, logger, store.keyv, secrets, oauth?.delegation, metrics)).then((result) => (opened.push(result.catalog), result)),
      usersPromise,
    ]);
    checkPatterns(config, functionIds(catalog.groups)); // a policy pattern that matches no function guards nothing
    if (sessions.secretSource === 'random') {
      logger.warn('auth.jwtSecret is not set: tokens are signed with a random secret of this process, so sessions end when it restarts; instances that share a state store need one shared auth.jwtSecret');
    }
    for (const note of notInEffect(config)) logger.warn(note);
    const executor = createExecutor({ config, catalog, stateStore: state.keyv, cacheStore: cache.keyv, logger, audit, telemetry, metrics });
    const lifecycle: Lifecycle = { ready: false, draining: false };
    const discovery = createDiscovery(catalog, config, logger);
    const app = createApp({ config, catalog, executor, sessions, logger, version: VERSION, discovery, lifecycle, telemetry, metrics, signIns: oauth?.delegation });
    return daemon({ config, catalog, executor, sessions, stores: { state, cache }, app, lifecycle, loaded, audit, telemetry, metrics, oauth }, discovery, logger);
  } catch (error) {
    await Promise.allSettled(opened.map((part) => part.close()));
    throw error;
  }
}

function daemon(parts: Omit<Daemon, 'start' | 'stop'>, discovery: Discovery, logger: Logger): Daemon {
  let listener: Listener | undefined;
  let metricsListener: Listener | undefined;
  let stopping: Promise<void> | undefined;
  const { config } = parts;
  return {
    ...parts,
    async start() {
      // warm isolates before taking traffic, so the first executions do not pay for them
      await Promise.all([parts.executor.warm(), discovery.warmUp()]);
      listener = await listen(parts.app, config.server.host, config.server.port, config.execution.maxTimeout + 60_000);
      parts.oauth?.listening(listener.url); // sign-in links send browsers back here, unless oauth.redirectUrl says where
      metricsListener = await listenForMetrics(parts, logger);
      if (metricsListener) this.metricsUrl = `${metricsListener.url}/metrics`;
      parts.lifecycle.ready = true;
      return listener.url;
    },
    stop(graceMs = DEFAULT_GRACE_MS) {
      stopping ??= (async () => {
        const deadline = Date.now() + graceMs;
        parts.lifecycle.draining = true;
        await metricsListener?.close(0);
        if (listener) {
          const { unfinished } = await listener.close(graceMs);
          if (unfinished > 0) logger.warn(`${unfinished} request(s) still running after the ${graceMs} ms grace period were cut off`);
        }
        await parts.executor.close(Math.max(0, deadline - Date.now()));
        await parts.catalog.close();
        await Promise.allSettled([parts.stores.state.close(), parts.stores.cache.close(), parts.audit?.close(), parts.telemetry?.close(), parts.metrics?.close()]);
      })();
      return stopping;
    },
  };
}

/** /metrics on an address of its own, when telemetry.metrics.prometheus names a port. */
async function listenForMetrics(parts: Omit<Daemon, 'start' | 'stop'>, logger: Logger): Promise<Listener | undefined> {
  const prometheus = parts.config.telemetry.metrics.prometheus;
  if (!parts.metrics || prometheus?.port === undefined) return undefined;
  const host = prometheus.host ?? '127.0.0.1';
  try {
    return await listen(createMetricsApp(parts.metrics, prometheus.token, logger), host, prometheus.port, 60_000);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const why = code === 'EADDRINUSE' ? 'is already in use' : code === 'EACCES' ? 'may not be listened on by this user' : `cannot be listened on (${(error as Error).message})`;
    throw new Error(`telemetry.metrics.prometheus: ${host}:${prometheus.port} ${why}; choose another port`);
  }
}
