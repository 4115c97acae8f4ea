// Names for TypeScript: property keys, one-line JSDoc, PascalCase type names, and the shared types of one
// namespace (group), each declared once however many functions use it.

import { summarize, toIdentifier, uniqueName } from '../catalog/index.js';
import type { JsonSchema } from '../catalog/index.js';
import type { Direction } from './direction.js';

export type SchemaObject = { [keyword: string]: unknown };

// Names our declarations use unqualified; a shared schema or group with one of these names gets a suffix.
export const GLOBAL_TYPES = ['Promise', 'Record', 'Array', 'Partial', 'Readonly', 'Date', 'Error', 'Object', 'String', 'Number', 'Boolean', 'Function', 'Symbol', 'Map', 'Set', 'Blob', 'JSON', 'Math', 'unknown', 'never', 'any'];

export function isObject(value: unknown): value is SchemaObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function propertyKey(key: string): string {
  return /^[A-Za-z_$][A-Za-z0-9_$]*$/.test(key) ? key : JSON.stringify(key);
}

/**
 * Characters of description kept per place, weighed against the definitions' size (bench/openapi-github.js):
 * a function's text is what an agent chooses by, so it gets the most; a property's as much as the OpenAPI loader keeps.
 */
export const DOC_BUDGET = {
  function: 400,
  indexFunction: 120,
  namespace: 160,
  property: 160,
};

/** One line of JSDoc text within `max` characters (summarize keeps constraints and examples); no comment terminator. */
export function docText(text: unknown, max: number): string | undefined {
  if (typeof text !== 'string') return undefined;
  return summarize(text, max).replace(/\*\//g, '*\\/') || undefined;
}

export function pascalCase(name: string): string {
  const identifier = toIdentifier(name).replace(/_$/, '');
  return identifier.charAt(0).toUpperCase() + identifier.slice(1);
}

/** A group's namespace of shared types, first choice: `Weather` for weather; not a name declarations use unqualified. */
export function namespaceName(group: string, taken: Set<string> = new Set(['F', ...GLOBAL_TYPES])): string {
  return uniqueName(pascalCase(group) || 'Group', taken);
}

/** A shared schema's type name in its namespace, first choice: `Forecast`; `Error` is `Error2`, not the global. */
export function typeName(defName: string, taken: Set<string> = new Set(GLOBAL_TYPES)): string {
  return uniqueName(pascalCase(defName) || 'Type', taken);
}

/** `direction`: how the declaration reads the schema; 'output' for a type that reads the same both ways. */
interface NamedType { name: string; schema: SchemaObject | boolean; root: JsonSchema; direction: Direction; json?: string }

/** The named types of one namespace (one group): which shared schemas exist, and which are still to declare. */
export class TypeNamespace {
  private readonly byDefName = new Map<string, NamedType[]>();
  private readonly used = new Set<string>(GLOBAL_TYPES);
  private readonly pending: NamedType[] = [];
  private readonly all: NamedType[] = [];

  constructor(readonly name: string) {}

  /** The type name of a shared schema, registering it (to be declared) the first time. */
  nameOf(defName: string, schema: SchemaObject | boolean, root: JsonSchema, direction: Direction = 'output'): string {
    let list = this.byDefName.get(defName);
    if (!list) this.byDefName.set(defName, (list = []));
    for (const known of list) if (known.schema === schema || sameJson(known, schema)) return known.name;
    const entry: NamedType = { name: typeName(defName, this.used), schema, root, direction };
    list.push(entry);
    this.pending.push(entry);
    this.all.push(entry);
    return entry.name;
  }

  /** Emits every registered type (and those they reach) as `type X = ...;` lines. */
  declarations(emit: (schema: SchemaObject | boolean, root: JsonSchema, direction: Direction) => string): string[] {
    const lines: string[] = [];
    while (this.pending.length > 0) {
      const entry = this.pending.shift()!;
      lines.push(`type ${entry.name} = ${emit(entry.schema, entry.root, entry.direction)};`);
    }
    return lines;
  }

  get size(): number {
    return this.all.length;
  }
}

const jsonCache = new WeakMap<object, string>();

function jsonOf(schema: SchemaObject | boolean): string {
  if (typeof schema === 'boolean') return String(schema);
  let json = jsonCache.get(schema);
  if (json === undefined) jsonCache.set(schema, (json = JSON.stringify(schema)));
  return json;
}

function sameJson(known: NamedType, schema: SchemaObject | boolean): boolean {
  known.json ??= jsonOf(known.schema);
  return known.json === jsonOf(schema);
}
