// A one-line call shape for search results and explore: `issues.create({ owner: string, title: string, body?: string })`.

import type { CatalogEntry } from '../catalog/index.js';

const MAX_PARAMS = 12;

export function functionSignature(entry: CatalogEntry): string {
  const schema = entry.tool.inputSchema as { properties?: Record<string, unknown>; required?: unknown } | boolean;
  const name = entry.tool.path.join('.');
  if (typeof schema !== 'object' || !schema.properties || typeof schema.properties !== 'object') return `${name}()`;
  const required = new Set(Array.isArray(schema.required) ? schema.required : []);
  const keys = Object.keys(schema.properties);
  // required parameters first: they are what a caller must know
  keys.sort((a, b) => Number(required.has(b)) - Number(required.has(a)));
  const shown = keys.slice(0, MAX_PARAMS).map((key) => `${propertyKey(key)}${required.has(key) ? '' : '?'}: ${typeName(schema.properties![key])}`);
  if (keys.length > MAX_PARAMS) shown.push(`/* ${keys.length - MAX_PARAMS} more */`);
  return shown.length === 0 ? `${name}({})` : `${name}({ ${shown.join(', ')} })`;
}

function propertyKey(key: string): string {
  return /^[A-Za-z_$][A-Za-z0-9_$]*$/.test(key) ? key : JSON.stringify(key);
}

function typeName(schema: unknown, depth = 0): string {
  if (!schema || typeof schema !== 'object') return 'unknown';
  const s = schema as { type?: unknown; enum?: unknown[]; items?: unknown; anyOf?: unknown[]; oneOf?: unknown[] };
  if (Array.isArray(s.enum) && s.enum.length > 0 && s.enum.length <= 6) return s.enum.map((v) => JSON.stringify(v)).join(' | ');
  const union = s.anyOf ?? s.oneOf;
  if (Array.isArray(union) && depth < 2) return [...new Set(union.map((u) => typeName(u, depth + 1)))].join(' | ');
  const types = Array.isArray(s.type) ? s.type : [s.type];
  return [...new Set(types.map((type) => {
    if (type === 'integer' || type === 'number') return 'number';
    if (type === 'string' || type === 'boolean' || type === 'null') return type;
    if (type === 'array') return depth < 2 ? `${wrap(typeName(s.items, depth + 1))}[]` : 'unknown[]';
    if (type === 'object') return 'object';
    return 'unknown';
  }))].join(' | ');
}

function wrap(type: string): string {
  return type.includes(' ') ? `(${type})` : type;
}
