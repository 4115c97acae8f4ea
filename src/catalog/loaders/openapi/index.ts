// `type: openapi` groups: any OpenAPI document becomes api.<group>.* functions, no code.

import type { OpenApiGroupConfig } from '../../../config/index.js';
import { AuthorizationRequiredError, type GroupCredentials, type LoadContext, type Loader, type ToolGroup } from '../../types.js';
import { createAuthenticator, oauthFlow, oauthProvider } from './auth.js';
import { defaultCacheDir } from './cache.js';
import { loadApiModel, specLabel } from './document.js';
import { operationFilter } from './filter.js';
import { Transport } from './http.js';
import type { ApiModel, OperationModel, ServerModel } from './model.js';
import { SECRET_NAME } from '../../../secrets/index.js';
import { Redactor } from './redact.js';
import { isHttpUrl } from './source.js';
import { createTools } from './tools.js';

export interface OpenApiLoadOptions {
  /** Where converted specs are cached; false turns the cache off. Default: defaultCacheDir(). */
  cacheDir?: string | false;
}

export async function loadOpenApiGroup(config: OpenApiGroupConfig, ctx: LoadContext, options: OpenApiLoadOptions = {}): Promise<ToolGroup> {
  const started = performance.now();
  const { model, fromCache } = await loadApiModel({
    spec: config.spec,
    timeoutMs: config.timeout,
    cacheDir: options.cacheDir ?? defaultCacheDir(),
    logger: ctx.logger,
    signal: ctx.signal,
  });
  const baseUrlOf = baseUrlResolver(config, model);
  const operations = model.operations.filter(operationFilter(config.include, config.exclude));
  for (const operation of operations) baseUrlOf(operation); // a missing or relative server fails the load, not the first call
  const redactor = new Redactor(ctx.secrets);
  for (const [name, value] of Object.entries(config.headers ?? {})) {
    if (SECRET_NAME.test(name)) redactor.add(value);
    else redactor.addLocal(value);
  }
  const user = userCredentials(config, model, ctx, operations[0] && baseUrlOf(operations[0]));
  const transport = new Transport({
    timeoutMs: config.timeout,
    retries: config.retries,
    maxSockets: config.concurrency,
    headers: config.headers ?? {},
    auth: createAuthenticator(config.auth, redactor, config.timeout, user),
    redactor,
    logger: ctx.logger,
    group: config.name,
    metrics: ctx.metrics,
  });
  const tools = createTools(operations, { group: config.name, model, transport, baseUrlOf });
  ctx.logger.info('OpenAPI group loaded', {
    functions: tools.length,
    of: model.operations.length,
    spec: specLabel(config.spec),
    cache: fromCache ? 'hit' : 'miss',
    ms: Math.round(performance.now() - started),
  });
  return {
    name: config.name,
    kind: 'openapi',
    description: config.description ?? model.title ?? model.description,
    tools,
    close: async () => transport.close(),
  };
}

/** The group's per-user tokens when its auth is oauth2 with the authorization code flow, else undefined. */
function userCredentials(config: OpenApiGroupConfig, model: ApiModel, ctx: LoadContext, baseUrl: string | undefined): GroupCredentials | undefined {
  const auth = config.auth;
  if (auth?.type !== 'oauth2' || oauthFlow(auth) !== 'authorizationCode') return undefined;
  const provider = oauthProvider(auth, model.oauth2, config.baseUrl ?? baseUrl);
  if (ctx.credentials) return ctx.credentials.register(config.name, provider);
  const refused = () => {
    throw new AuthorizationRequiredError(config.name, `api.${config.name} calls upstream as a signed-in user (auth flow authorizationCode), and nobody can sign in here; run it under atp serve, or sign in with atp login ${config.name} before atp exec`);
  };
  return { accessToken: async () => refused(), invalidate: () => false };
}

/** The base URL of each operation: baseUrl from the config, else the operation's, path's or document's first server. */
function baseUrlResolver(config: OpenApiGroupConfig, model: ApiModel): (operation: OperationModel) => string {
  const resolved = new Map<ServerModel[] | undefined, string>();
  return (operation) => {
    if (config.baseUrl) return config.baseUrl;
    const servers = operation.servers ?? model.servers;
    let url = resolved.get(servers);
    if (url === undefined) resolved.set(servers, (url = serverUrl(servers[0], config)));
    return url;
  };
}

function serverUrl(server: ServerModel | undefined, config: OpenApiGroupConfig): string {
  if (!server) {
    if (isHttpUrl(config.spec)) return new URL('/', config.spec).toString();
    throw new Error('the spec declares no servers; set baseUrl in the group');
  }
  const url = server.url.replace(/\{([^}]+)\}/g, (_, name: string) => {
    const value = config.serverVariables?.[name] ?? server.variables?.[name]?.default;
    if (value === undefined) throw new Error(`the server URL ${server.url} needs a value for {${name}}; set serverVariables.${name} or baseUrl in the group`);
    return value;
  });
  if (isHttpUrl(url)) return url;
  if (isHttpUrl(config.spec)) return new URL(url, config.spec).toString();
  throw new Error(`the spec's server URL "${url}" is relative and the spec is a file; set baseUrl in the group`);
}

export const openApiLoader: Loader<OpenApiGroupConfig> = {
  load: (config, ctx) => loadOpenApiGroup(config, ctx),
};
