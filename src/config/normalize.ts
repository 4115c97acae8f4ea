// From the validated raw object (defaults filled by ajv) to the typed Config: units and paths.

import path from 'node:path';
import { configSchema, isUrl, resolveRef, type JsonSchema } from './schema.js';
import type { Config } from './types.js';
import { parseDuration, parseSize } from './units.js';

const CONVERTERS: Record<string, (value: string | number) => number | undefined> = { duration: parseDuration, size: parseSize };

export function normalize(raw: Record<string, unknown>, filepath: string, source: Config['source']): Config {
  const dir = path.dirname(filepath);
  const converted = convertUnits(configSchema, raw) as Omit<Config, 'file' | 'dir' | 'source'> & { $schema?: string };
  delete converted.$schema;
  for (const key of Object.keys(converted)) if (key.startsWith('x-')) delete (converted as Record<string, unknown>)[key]; // anchors and notes
  const config: Config = { file: filepath, dir, source, ...converted };
  config.audit.sinks ??= [];
  const { execution } = config;
  execution.clientConcurrency ??= clientShare(execution.concurrency);
  execution.clientQueue ??= Math.ceil((execution.queue * 3) / 4); // rounded up: a client alone may still queue when queue is 1
  if ((execution.provenance as string) === 'proxy' || (execution.provenance as string) === 'ast') execution.provenance = 'track';
  for (const group of config.apis) {
    if (group.type === 'openapi' && !isUrl(group.spec)) group.spec = path.resolve(dir, group.spec);
    if (group.type === 'module') group.module = path.resolve(dir, group.module);
    if (group.type === 'mcp' && group.cwd) group.cwd = path.resolve(dir, group.cwd);
    group.timeout ??= 30_000;
    group.clientConcurrency ??= clientShare(group.concurrency);
  }
  for (const sink of config.audit.sinks) if (sink.type === 'file') sink.path = path.resolve(dir, sink.path);
  if (config.oauth.credentialsFile) config.oauth.credentialsFile = path.resolve(dir, config.oauth.credentialsFile);
  return config;
}

/**
 * The default share of one client in slots: three quarters, rounded down so that a burst of one client leaves at least
 * one slot to the others (from 2 slots on), while a client alone still gets most of them. It depends on the total,
 * so the schema cannot give it as a default.
 */
function clientShare(concurrency: number): number {
  return Math.max(1, Math.floor((concurrency * 3) / 4));
}

/** Walks data alongside its schema, turning every duration into ms and every size into bytes. */
function convertUnits(schemaIn: JsonSchema, value: unknown): unknown {
  const schema = resolveRef(schemaIn);
  const converter = CONVERTERS[String(schema.format)];
  if (converter && (typeof value === 'string' || typeof value === 'number')) return converter(value);
  if (Array.isArray(value)) return value.map((item) => convertUnits((schema.items ?? {}) as JsonSchema, item));
  if (!value || typeof value !== 'object') return value;
  const branch = pickBranch(schema, value as Record<string, unknown>);
  const properties = (branch.properties ?? {}) as Record<string, JsonSchema>;
  const out: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) out[key] = properties[key] ? convertUnits(properties[key], item) : item;
  return out;
}

function pickBranch(schema: JsonSchema, value: Record<string, unknown>): JsonSchema {
  const branches = schema.oneOf as JsonSchema[] | undefined;
  if (!branches) return schema;
  const tag = (schema.discriminator as { propertyName?: string } | undefined)?.propertyName;
  for (const candidate of branches.map(resolveRef)) {
    const properties = (candidate.properties ?? {}) as Record<string, JsonSchema>;
    if (tag ? properties[tag]?.const === value[tag] : candidate.type === 'object') return candidate;
  }
  return schema;
}
