// build(config) -> the daemon: long-lived parts (stores, sessions, audit, telemetry, the app) and the current
// generation of what the config builds; start() -> listening; reload() swaps generations; stop() undoes start().

import type Koa from 'koa';
import { createAudit, type Audit } from '../audit/index.js';
import { loadConfig, notInEffect, type Config } from '../config/index.js';
import type { Catalog } from '../catalog/index.js';
import type { EngineExecutor } from '../execution/index.js';
import { createApp, createMetricsApp, type Lifecycle } from '../http/index.js';
import type { Logger } from '../logging/index.js';
import { Secrets, secretsOf } from '../secrets/index.js';
import { Sessions } from '../session/index.js';
import { serverDelegation, type ServerDelegation } from '../oauth/index.js';
import { createMetrics, createTelemetry, type DaemonMetrics, type Telemetry } from '../telemetry/index.js';
import { openStore, type Store } from '../store/index.js';
import type { MissingGroup } from './compose.js';
import { GenerationGauges } from './gauges.js';
import { buildGeneration, warmGeneration } from './generation.js';
import { Generations } from './generations.js';
import { GroupPool, type LoadedGroup } from './groups.js';
import { listen, type Listener } from './listen.js';
import type { Discovery } from '../http/index.js';
import { CallLedger, McpHttpEndpoint, type McpDeps } from '../mcp-server/index.js';
import { Reloads, type ReloadResult } from './reload.js';
import { DEFAULT_GRACE_MS, VERSION } from './version.js';


export interface Daemon {
  /** The config of the current generation (the file as last reloaded). */
  readonly config: Config;
  /** The current generation's functions. */
  readonly catalog: Catalog;
  /** The current generation's groups that loaded, and its optional groups that did not (retried in the background). */
  readonly loaded: LoadedGroup[];
  readonly missing: MissingGroup[];
  /** New executions go to the current generation; a resume to the one holding the execution live. */
  executor: EngineExecutor;
  sessions: Sessions;
  stores: { state: Store; cache: Store };
  app: Koa;
  lifecycle: Lifecycle;
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
  /** The current generation's search, explore and definitions. */
  readonly discovery: Discovery;
  /** What an MCP session needs (atp mcp, /mcp): set when server.mcp is true or build was asked for it. */
  mcp?: McpDeps;
  /** Listens on server.host/server.port; resolves with the URL. */
  start(): Promise<string>;
  /** Re-reads the config and swaps it in when valid; `trigger` names the cause in the log (SIGHUP). */
  reload(trigger: string): Promise<ReloadResult>;
  /** Drains and closes everything in reverse order of start-up; safe to call twice. */
  stop(graceMs?: number): Promise<void>;
}

export interface BuildOptions {
  /** The set the logger masks, so tokens fetched later are masked everywhere (default: the config's). */
  secrets?: Secrets;
  /** How a reload reads the config again (default: the same file, without command-line overrides). */
  readConfig?: () => Promise<Config>;
  /** Serve MCP even when server.mcp is false (atp mcp, over stdio): the daemon then has `mcp`. */
  mcp?: boolean;
}

/** The long-lived parts, then the first generation over them; a required group failing fails the whole. */
export async function build(config: Config, logger: Logger, options: BuildOptions | Secrets = {}): Promise<Daemon> {
  const { secrets = secretsOf(config).secrets, readConfig = () => loadConfig({ configPath: config.file }) } = options instanceof Secrets ? { secrets: options } : options;
  const opened: { close(): Promise<void> }[] = [];
  // MCP sessions list the calls each execution made: the executors see the catalogs through the ledger
  const toolCalls = config.server.mcp || (!(options instanceof Secrets) && options.mcp) ? new CallLedger() : undefined;
  try {
    const audit = createAudit(config, { logger, secrets });
    if (audit) opened.push(audit);
    const telemetry = createTelemetry(config.telemetry, { logger, version: VERSION });
    if (telemetry) opened.push(telemetry);
    const metrics = createMetrics(config.telemetry, { logger, version: VERSION });
    if (metrics) audit?.countLossesIn(metrics);
    if (metrics) opened.push(metrics);
    const [state, cache] = await Promise.all([
      openStore(config.state.store, { namespace: `${config.cache.namespace}:state` }).then((store) => (opened.push(store), store)),
      openStore(config.cache.store, { namespace: `${config.cache.namespace}:cache` }).then((store) => (opened.push(store), store)),
    ]);
    const sessions = new Sessions({ store: state, auth: config.auth, ttl: config.state.ttl, logger });
    // users' OAuth tokens live in the state store, under the identity of the session a call comes from
    const oauth = serverDelegation(config, { store: state, secrets, logger, identify: (clientId) => sessions.identity(clientId) });
    // groups restore what they learned (output types, lazy tool lists) from the state store
    const pool = new GroupPool({ logger, configDir: config.dir, store: state.keyv, secrets, credentials: oauth?.delegation, metrics });
    const parts = { pool, stateStore: state.keyv, cacheStore: cache.keyv, logger, audit, telemetry, metrics, gauges: metrics && new GenerationGauges(metrics), viewCatalog: toolCalls && ((catalog: Catalog) => toolCalls.view(catalog)) };
    const first = await buildGeneration(config, 1, parts);
    opened.push({ close: () => first.close(0) });
    if (sessions.secretSource === 'random') {
      logger.warn('auth.jwtSecret is not set: tokens are signed with a random secret of this process, so sessions end when it restarts; instances that share a state store need one shared auth.jwtSecret');
    }
    for (const note of notInEffect(config)) logger.warn(note);
    const generations = new Generations(first, logger);
    const reloads = new Reloads(generations, { ...parts, readConfig, secrets });
    const lifecycle: Lifecycle = { ready: false, draining: false };
    const mcp: McpDeps | undefined = toolCalls && {
      get config() { return generations.current.config; },
      get catalog() { return generations.current.catalog; },
      get discovery() { return generations.current.discovery; },
      executor: generations.executor, sessions, toolCalls, logger, version: VERSION, lifecycle,
    };
    const mcpEndpoint = mcp && config.server.mcp ? new McpHttpEndpoint(mcp) : undefined;
    const app = createApp({
      // read per request: each request sees the generation current when it reads them
      get config() { return generations.current.config; },
      get catalog() { return generations.current.catalog; },
      get discovery() { return generations.current.discovery; },
      executor: generations.executor,
      sessions, logger, version: VERSION, lifecycle, telemetry, metrics, signIns: oauth?.delegation,
      readiness: {
        missingGroups: () => generations.current.missing.map((group) => group.name),
        pingStore: () => ping(state, STORE_PING_MS),
      },
      admin: { key: () => generations.current.config.auth.adminKey, reload: () => reloads.reload('POST /admin/reload') },
      mcp: mcpEndpoint,
    });
    reloads.watchMissing(); // optional groups that failed are retried from now: atp mcp never listens
    return daemon({ generations, reloads, sessions, stores: { state, cache }, app, lifecycle, audit, telemetry, metrics, oauth, mcp, mcpEndpoint }, logger);
  } catch (error) {
    await Promise.allSettled(opened.reverse().map((part) => part.close()));
    throw error;
  }
}

/** How long /readyz waits for the state store to answer. */
export const STORE_PING_MS = 1_000;

/** A read of the state store within `ms`: what /readyz reports of it. */
async function ping(store: Store, ms: number): Promise<'ok' | 'unreachable' | 'timeout'> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), ms)));
  try {
    return await Promise.race([store.get('readyz').then(() => 'ok' as const, () => 'unreachable' as const), late]);
  } finally {
    clearTimeout(timer);
  }
}

interface Parts extends Pick<Daemon, 'sessions' | 'stores' | 'app' | 'lifecycle' | 'audit' | 'telemetry' | 'metrics' | 'oauth'> {
  generations: Generations;
  reloads: Reloads;
  mcp?: McpDeps;
  mcpEndpoint?: McpHttpEndpoint;
}

function daemon(parts: Parts, logger: Logger): Daemon {
  let listener: Listener | undefined;
  let metricsListener: Listener | undefined;
  let stopping: Promise<void> | undefined;
  const { generations, reloads } = parts;
  const { config } = generations.current; // the listening settings never change while running
  return {
    sessions: parts.sessions, stores: parts.stores, app: parts.app, lifecycle: parts.lifecycle,
    audit: parts.audit, telemetry: parts.telemetry, metrics: parts.metrics, oauth: parts.oauth,
    executor: generations.executor,
    mcp: parts.mcp,
    get discovery() { return generations.current.discovery; },
    get config() { return generations.current.config; },
    get catalog() { return generations.current.catalog; },
    get loaded() { return generations.current.loaded; },
    get missing() { return generations.current.missing; },
    async start() {
      // warm isolates before taking traffic, so the first executions do not pay for them
      await warmGeneration(generations.current);
      listener = await listen(parts.app, config.server.host, config.server.port, config.execution.maxTimeout + 60_000);
      parts.oauth?.listening(listener.url); // sign-in links send browsers back here, unless oauth.redirectUrl says where
      metricsListener = await listenForMetrics(parts, config, logger);
      if (metricsListener) this.metricsUrl = `${metricsListener.url}/metrics`;
      parts.lifecycle.ready = true;
      reloads.announceMissing(generations.current);
      return listener.url;
    },
    reload: (trigger) => reloads.reload(trigger),
    stop(graceMs = DEFAULT_GRACE_MS) {
      stopping ??= (async () => {
        const deadline = Date.now() + graceMs;
        parts.lifecycle.draining = true;
        reloads.stop();
        await metricsListener?.close(0);
        if (listener) {
          const { unfinished } = await listener.close(graceMs);
          if (unfinished > 0) logger.warn(`${unfinished} request(s) still running after the ${graceMs} ms grace period were cut off`);
        }
        await parts.mcpEndpoint?.close();
        await generations.close(Math.max(0, deadline - Date.now()));
        await Promise.allSettled([parts.stores.state.close(), parts.stores.cache.close(), parts.audit?.close(), parts.telemetry?.close(), parts.metrics?.close()]);
      })();
      return stopping;
    },
  };
}

/** /metrics on an address of its own, when telemetry.metrics.prometheus names a port. */
async function listenForMetrics(parts: Pick<Daemon, 'metrics'>, config: Config, logger: Logger): Promise<Listener | undefined> {
  const prometheus = config.telemetry.metrics.prometheus;
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
