// Which values of a config are secrets: what the daemon sends upstream to authenticate, checks callers with,
// or connects to its stores with. Header, environment and argument values count when their names say so.

import type { Config } from '../config/index.js';
import { MIN_SECRET_LENGTH, Secrets } from './secrets.js';

/** Header, environment variable, query parameter and flag names whose values are secrets (others, like Accept, are not). */
export const SECRET_NAME = /auth|token|secret|key|passw|cookie|credential|session|signature|private/i;

export interface ConfiguredSecret {
  /** Where the config holds it, as a config path (`apis[2].auth.token`): for warnings, never the value. */
  where: string;
  value: string;
}

/** Every secret value the config holds, with where it is. */
export function configSecrets(config: Config): ConfiguredSecret[] {
  const found: ConfiguredSecret[] = [];
  const add = (where: string, value: string | undefined) => {
    if (typeof value === 'string' && value.length > 0) found.push({ where, value });
  };
  const named = (where: string, map: Record<string, string> | undefined) => {
    for (const [name, value] of Object.entries(map ?? {})) if (SECRET_NAME.test(name)) add(`${where}.${name}`, value);
  };
  const url = (where: string, value: string | undefined) => {
    for (const secret of urlSecrets(value)) add(where, secret);
  };
  (config.auth.apiKeys ?? []).forEach((key, i) => add(`auth.apiKeys[${i}]`, key));
  add('auth.jwtSecret', config.auth.jwtSecret);
  add('auth.adminKey', config.auth.adminKey);
  add('oauth.encryptionKey', config.oauth?.encryptionKey);
  add('search.embeddings.apiKey', config.search.embeddings.apiKey);
  url('state.store', config.state.store);
  url('cache.store', config.cache.store);
  config.apis.forEach((group, i) => {
    const at = `apis[${i}]`;
    if (group.type === 'openapi') {
      named(`${at}.headers`, group.headers);
      url(`${at}.spec`, group.spec);
      url(`${at}.baseUrl`, group.baseUrl);
      const auth = group.auth;
      if (auth?.type === 'bearer') add(`${at}.auth.token`, auth.token);
      if (auth?.type === 'basic') {
        add(`${at}.auth.password`, auth.password);
        add(`${at}.auth (basic credentials)`, Buffer.from(`${auth.username}:${auth.password}`).toString('base64'));
      }
      if (auth?.type === 'apiKey') add(`${at}.auth.value`, auth.value);
      if (auth?.type === 'oauth2') add(`${at}.auth.clientSecret`, auth.clientSecret);
    }
    if (group.type === 'mcp') {
      named(`${at}.headers`, group.headers);
      named(`${at}.env`, group.env);
      url(`${at}.url`, group.url);
      for (const secret of flagSecrets(group.args ?? [])) add(`${at}.args`, secret);
    }
  });
  config.audit.sinks.forEach((sink, i) => {
    if (sink.type !== 'http') return;
    named(`audit.sinks[${i}].headers`, sink.headers);
    url(`audit.sinks[${i}].url`, sink.url);
  });
  named('telemetry.headers', config.telemetry.headers);
  url('telemetry.endpoint', config.telemetry.endpoint);
  const metrics = config.telemetry.metrics;
  if (typeof metrics?.otlp === 'string') url('telemetry.metrics.otlp', metrics.otlp);
  add('telemetry.metrics.prometheus.token', metrics?.prometheus?.token);
  return found;
}

/** A Secrets set holding the config's secrets; `short` lists where a value is too short to be masked. */
export function secretsOf(config: Config): { secrets: Secrets; short: string[] } {
  const secrets = new Secrets();
  const short: string[] = [];
  for (const { where, value } of configSecrets(config)) {
    if (value.length < MIN_SECRET_LENGTH) short.push(where);
    else secrets.add(value);
  }
  return { secrets, short };
}

/** A URL's password and the values of its credential-named query parameters. */
function urlSecrets(value: string | undefined): string[] {
  if (!value || !/^[a-z][a-z0-9+.-]*:\/\//i.test(value)) return [];
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return [];
  }
  const out: string[] = [];
  if (url.password) out.push(decodeURIComponent(url.password));
  for (const [name, param] of url.searchParams) if (SECRET_NAME.test(name)) out.push(param);
  return out;
}

/** Values of credential-named flags in a command line: `--token X`, `--api-key=X`. */
function flagSecrets(args: readonly string[]): string[] {
  const out: string[] = [];
  args.forEach((arg, i) => {
    const match = /^--?([A-Za-z][\w-]*)(?:=(.*))?$/s.exec(arg);
    if (!match || !SECRET_NAME.test(match[1])) return;
    if (match[2] !== undefined) out.push(match[2]);
    else if (i + 1 < args.length && !args[i + 1].startsWith('-')) out.push(args[i + 1]);
  });
  return out;
}
