// The config's JSON Schema (schemas/atp.config.schema.json, the single source of truth) compiled with ajv.

import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { ErrorObject, ValidateFunction } from 'ajv';
import { parseDuration, parseSize } from './units.js';

export type JsonSchema = { [keyword: string]: unknown };

export const CONFIG_SCHEMA_URL = new URL('../../schemas/atp.config.schema.json', import.meta.url);
export const configSchema: JsonSchema = JSON.parse(readFileSync(CONFIG_SCHEMA_URL, 'utf8')) as JsonSchema;

export const STORE_SCHEMES = ['memory:', 'redis:', 'rediss:', 'postgres:', 'postgresql:'];

// ajv ships CommonJS; its class is module.exports itself.
const Ajv2020 = createRequire(import.meta.url)('ajv/dist/2020') as new (options: object) => {
  addFormat(name: string, format: { type: 'string' | 'number'; validate: (value: never) => boolean }): void;
  compile(schema: object): ValidateFunction;
};

let compiled: ValidateFunction | undefined;

/** Validates (and fills defaults into) a raw config object. */
export function validateAgainstSchema(data: unknown): ErrorObject[] {
  compiled ??= compileSchema();
  return compiled(data) ? [] : [...(compiled.errors ?? [])];
}

function compileSchema(): ValidateFunction {
  const ajv = new Ajv2020({ allErrors: true, useDefaults: true, discriminator: true, verbose: true, strict: false });
  ajv.addFormat('duration', { type: 'string', validate: (value: string) => parseDuration(value) !== undefined });
  ajv.addFormat('size', { type: 'string', validate: (value: string) => parseSize(value) !== undefined });
  ajv.addFormat('uri', { type: 'string', validate: (value: string) => isHttpUrl(value) });
  ajv.addFormat('store-url', { type: 'string', validate: (value: string) => isUrl(value) && STORE_SCHEMES.includes(new URL(value).protocol) });
  return ajv.compile(withRefDefaults(configSchema) as object);
}

/** ajv's useDefaults reads `default` only beside a property, not behind its `$ref`: copy it there. */
function withRefDefaults(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(withRefDefaults);
  if (!node || typeof node !== 'object') return node;
  const out: JsonSchema = {};
  for (const [key, value] of Object.entries(node)) out[key] = withRefDefaults(value);
  if (typeof out.$ref === 'string' && !('default' in out)) {
    const target = resolveRef({ $ref: out.$ref });
    if ('default' in target) out.default = target.default;
  }
  return out;
}

export function isUrl(value: string): boolean {
  return URL.canParse(value) && /^[a-z][a-z0-9+.-]*:/i.test(value);
}

/** Every `format: uri` in the schema is an HTTP endpoint; `localhost:4318` parses as a URL but is not one. */
export function isHttpUrl(value: string): boolean {
  return isUrl(value) && /^https?:\/\/[^/]/i.test(value);
}

/** Follows a local `$ref` (`#/$defs/...`) to the schema it names. */
export function resolveRef(schema: JsonSchema): JsonSchema {
  let current = schema;
  for (let hops = 0; typeof current.$ref === 'string' && hops < 16; hops++) {
    const pointer = current.$ref.replace(/^#\//, '').split('/').map((part) => part.replace(/~1/g, '/').replace(/~0/g, '~'));
    let target: unknown = configSchema;
    for (const part of pointer) target = (target as JsonSchema)[part];
    current = { ...(target as JsonSchema), ...withoutRef(current) };
  }
  return current;
}

function withoutRef(schema: JsonSchema): JsonSchema {
  const { $ref: _ref, ...rest } = schema;
  return rest;
}

/**
 * The JSON types the schema allows at a data path (union over oneOf branches), or undefined when the
 * path is not in the schema. `enum`/`const` count as the types of their values.
 */
export function schemaTypesAt(path: readonly (string | number)[]): string[] | undefined {
  let schemas = expandBranches(configSchema);
  for (const part of path) {
    const next: JsonSchema[] = [];
    for (const schema of schemas) {
      const properties = schema.properties as Record<string, JsonSchema> | undefined;
      if (typeof part === 'number') {
        if (schema.items && typeof schema.items === 'object') next.push(schema.items as JsonSchema);
      } else if (properties?.[part]) next.push(properties[part]);
      else if (schema.additionalProperties && typeof schema.additionalProperties === 'object') next.push(schema.additionalProperties as JsonSchema);
    }
    schemas = next.flatMap(expandBranches);
    if (schemas.length === 0) return undefined;
  }
  const types = new Set<string>();
  for (const schema of schemas) {
    for (const type of ([] as unknown[]).concat(schema.type ?? [])) types.add(String(type));
    const values = schema.enum ?? ('const' in schema ? [schema.const] : []);
    for (const value of values as unknown[]) types.add(typeof value);
  }
  return types.size > 0 ? [...types] : undefined;
}

function expandBranches(schemaIn: JsonSchema): JsonSchema[] {
  const schema = resolveRef(schemaIn);
  const branches = schema.oneOf as JsonSchema[] | undefined;
  return branches ? [schema, ...branches.flatMap(expandBranches)] : [schema];
}
