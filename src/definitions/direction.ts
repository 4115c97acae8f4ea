// Which way a schema is read. A readOnly property (an id, a timestamp) is the server's to set: an answer has it
// when the schema requires it, a caller need not send it. A writeOnly one (a password) is the reverse.

import { isObject, type SchemaObject } from './names.js';

/** 'input': what a caller sends; 'output': what a function returns. */
export type Direction = 'input' | 'output';

/** Whether a property the schema requires may still be left out, read this way. */
export function optionalIn(property: unknown, direction: Direction): boolean {
  return isObject(property) && (direction === 'input' ? property.readOnly === true : property.writeOnly === true);
}

const SUBSCHEMA_LISTS = ['allOf', 'anyOf', 'oneOf', 'prefixItems'];
const SUBSCHEMA_VALUES = ['items', 'additionalProperties', 'not', 'if', 'then', 'else'];

// Per shared schema object: whether it reads differently as input and as output. Schemas are replaced, not mutated.
const known = new WeakMap<object, boolean>();

/**
 * Whether a schema (following its references) requires a readOnly or writeOnly property anywhere: then it needs
 * two types, one per direction; otherwise one serves both.
 */
export function readsTwoWays(schema: unknown, resolve: (ref: string) => unknown): boolean {
  const visited: object[] = [];
  const found = walk(schema, resolve, new Set(), visited);
  // A walk that found nothing saw the whole closure of every schema it visited: nothing in theirs either.
  if (!found) for (const seen of visited) known.set(seen, false);
  return found;
}

function walk(schema: unknown, resolve: (ref: string) => unknown, seen: Set<object>, visited: object[]): boolean {
  if (!isObject(schema) || seen.has(schema)) return false;
  const cached = known.get(schema);
  if (cached !== undefined) return cached;
  seen.add(schema);
  visited.push(schema);
  const found = requiresDirectional(schema) || children(schema, resolve).some((child) => walk(child, resolve, seen, visited));
  if (found) known.set(schema, true);
  return found;
}

function requiresDirectional(schema: SchemaObject): boolean {
  if (!Array.isArray(schema.required) || !isObject(schema.properties)) return false;
  const properties = schema.properties;
  return schema.required.some((key) => optionalIn(properties[key as string], 'input') || optionalIn(properties[key as string], 'output'));
}

function children(schema: SchemaObject, resolve: (ref: string) => unknown): unknown[] {
  const out: unknown[] = [];
  if (typeof schema.$ref === 'string') out.push(resolve(schema.$ref));
  if (isObject(schema.properties)) out.push(...Object.values(schema.properties));
  for (const key of SUBSCHEMA_LISTS) if (Array.isArray(schema[key])) out.push(...(schema[key] as unknown[]));
  for (const key of SUBSCHEMA_VALUES) if (schema[key] !== undefined) out.push(schema[key]);
  return out;
}
