// What an audit event may not carry: the config's secrets (tokens, passwords, keys, header and env values),
// wherever they appear in a string, and the values of fields whose names say they hold one.

import type { Config } from '../config/index.js';

export const REDACTED = '[redacted]';
/** Shorter values are too likely to match ordinary text. */
const MIN_SECRET_LENGTH = 4;
/** Field names (compared lower-case, without `-` and `_`) whose values are always replaced. */
const SECRET_FIELDS = [
  'authorization', 'proxyauthorization', 'cookie', 'setcookie', 'password', 'passwd', 'secret', 'clientsecret', 'token',
  'accesstoken', 'refreshtoken', 'idtoken', 'apikey', 'xapikey', 'privatekey',
];
const MAX_DEPTH = 50;
/** Header and environment variable names whose values are secrets (others, like Accept, are not). */
const SECRET_NAME = /auth|token|secret|key|passw|cookie|credential|session|signature/i;

const fieldKey = (name: string): string => name.toLowerCase().replace(/[-_]/g, '');

export class AuditRedactor {
  private readonly secrets: string[];
  private readonly fields: Set<string>;

  constructor(secrets: Iterable<string>, extraFields: readonly string[] = []) {
    const values = new Set<string>();
    for (const secret of secrets) {
      if (secret.length < MIN_SECRET_LENGTH) continue;
      values.add(secret);
      const encoded = encodeURIComponent(secret);
      if (encoded !== secret) values.add(encoded);
    }
    // longest first, so a secret that contains another is replaced whole
    this.secrets = [...values].sort((a, b) => b.length - a.length);
    this.fields = new Set([...SECRET_FIELDS, ...extraFields.map(fieldKey)]);
  }

  text(value: string): string {
    let out = value;
    for (const secret of this.secrets) if (out.includes(secret)) out = out.split(secret).join(REDACTED);
    return out;
  }

  /** A redacted copy of JSON-like data: secret fields replaced, secrets cut out of every string. */
  value(value: unknown, depth = 0): unknown {
    if (typeof value === 'string') return this.text(value);
    if (typeof value !== 'object' || value === null) return value;
    if (depth >= MAX_DEPTH) return '[nested too deep]';
    if (value instanceof Date) return value.toISOString();
    if (Array.isArray(value)) return value.map((item) => this.value(item, depth + 1));
    const out: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) {
      out[this.text(key)] = this.fields.has(fieldKey(key)) && item !== null && item !== undefined && item !== '' ? REDACTED : this.value(item, depth + 1);
    }
    return out;
  }
}

/** Every secret the config holds: what the daemon sends upstream or checks clients with. */
export function configSecrets(config: Config): string[] {
  const found: (string | undefined)[] = [...(config.auth.apiKeys ?? []), config.auth.jwtSecret, config.search.embeddings.apiKey];
  const named = (map?: Record<string, string>) => {
    for (const [name, value] of Object.entries(map ?? {})) if (SECRET_NAME.test(name)) found.push(value);
  };
  for (const group of config.apis) {
    if (group.type === 'openapi') {
      named(group.headers);
      const auth = group.auth;
      if (auth?.type === 'bearer') found.push(auth.token);
      if (auth?.type === 'basic') found.push(auth.password, Buffer.from(`${auth.username}:${auth.password}`).toString('base64'));
      if (auth?.type === 'apiKey') found.push(auth.value);
      if (auth?.type === 'oauth2') found.push(auth.clientSecret);
    }
    if (group.type === 'mcp') {
      named(group.headers);
      named(group.env);
    }
  }
  for (const sink of config.audit.sinks) if (sink.type === 'http') named(sink.headers);
  named(config.telemetry.headers);
  return found.filter((value): value is string => typeof value === 'string' && value.length > 0);
}
