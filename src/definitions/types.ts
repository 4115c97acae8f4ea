// JSON Schema to TypeScript type expressions. Schemas under `$defs`/`definitions` become named types of the
// function's namespace (names.ts), so circular schemas are finite and shared ones cost their bytes once.

import type { JsonSchema } from '../catalog/index.js';
import { optionalIn, readsTwoWays, type Direction } from './direction.js';
import { DOC_BUDGET, docText, isObject, propertyKey, typeName, type SchemaObject, type TypeNamespace } from './names.js';

const MAX_DEPTH = 12;
const MAX_ENUM = 64;

export interface EmitOptions {
  /** Where named types go; without it they are inlined up to a depth and then shown by name. */
  namespace?: TypeNamespace;
  /** Prefix of named types where they are used: `Github.` outside the namespace, '' inside. */
  qualifier: string;
  /** One-line JSDoc on the properties of the top-level object, each (name, text) pair only the first time. */
  describeProperties?: Set<string>;
  /** Without a namespace: deeper objects collapse to their name or `object`. */
  maxInlineDepth?: number;
  /** Input (default: output): a required readOnly property is optional, and shared types that have one are `XInput`. */
  direction?: Direction;
}

/** Turns schemas of one root (a tool's input or output schema) into TypeScript. */
export class TypeEmitter {
  private readonly resolving = new Set<string>();

  constructor(
    private readonly root: JsonSchema,
    private readonly options: EmitOptions,
  ) {}

  emit(schema: unknown, depth = 0): string {
    if (schema === true || schema === undefined) return 'unknown';
    if (schema === false) return 'never';
    if (!isObject(schema)) return 'unknown';
    if (depth > MAX_DEPTH) return 'unknown';
    if (typeof schema.$ref === 'string') return this.reference(schema.$ref, depth);
    if (schema.const !== undefined) return literal(schema.const) ?? 'unknown';
    if (Array.isArray(schema.enum)) {
      const literals = schema.enum.map(literal);
      if (literals.length > 0 && literals.length <= MAX_ENUM && literals.every((l) => l !== undefined)) return unique(literals as string[]).join(' | ');
    }
    const members = (key: string) => (Array.isArray(schema[key]) ? (schema[key] as unknown[]).filter((member) => !isConstraintOnly(member)) : []);
    const union = [...members('anyOf'), ...members('oneOf')];
    const all = members('allOf');
    const combined = union.length > 0 || all.length > 0;
    // `type: object` next to allOf/anyOf only restates what the members say.
    const own = combined && isBareObject(schema) ? undefined : this.ownType(schema, depth);
    const parts = [
      ...(own !== undefined ? [own] : []),
      ...all.map((member) => this.emit(member, depth + 1)),
    ];
    if (union.length > 0) parts.push(unique(union.map((member) => this.emit(member, depth + 1))).join(' | '));
    const known = unique(parts.filter((part) => part !== 'unknown'));
    if (known.length === 0) return 'unknown';
    if (known.length === 1) return known[0];
    return known.map((part) => (hasTopLevel(part, '|') ? `(${part})` : part)).join(' & ');
  }

  private ownType(schema: SchemaObject, depth: number): string | undefined {
    const types = Array.isArray(schema.type) ? (schema.type as unknown[]) : schema.type !== undefined ? [schema.type] : inferTypes(schema);
    if (types.length === 0) return undefined;
    const out = unique(types.map((type) => {
      switch (type) {
        case 'string': return 'string';
        case 'integer':
        case 'number': return 'number';
        case 'boolean': return 'boolean';
        case 'null': return 'null';
        case 'array': return this.arrayType(schema, depth);
        case 'object': return this.objectType(schema, depth);
        default: return 'unknown';
      }
    }));
    return out.length === 1 ? out[0] : out.join(' | ');
  }

  private arrayType(schema: SchemaObject, depth: number): string {
    if (Array.isArray(schema.prefixItems)) {
      const items = schema.prefixItems.map((item) => this.emit(item, depth + 1));
      return schema.items === false ? `[${items.join(', ')}]` : `[${[...items, `...${wrapArray(this.emit(schema.items, depth + 1))}[]`].join(', ')}]`;
    }
    return `${wrapArray(this.emit(schema.items, depth + 1))}[]`;
  }

  private objectType(schema: SchemaObject, depth: number): string {
    const properties = isObject(schema.properties) ? schema.properties : {};
    const keys = Object.keys(properties);
    const extra = schema.additionalProperties;
    if (this.options.maxInlineDepth !== undefined && depth > this.options.maxInlineDepth && keys.length > 0) return 'object';
    if (keys.length === 0) {
      if (extra === false) return '{}';
      return `Record<string, ${isObject(extra) ? this.emit(extra, depth + 1) : 'unknown'}>`;
    }
    const required = new Set(Array.isArray(schema.required) ? (schema.required as string[]) : []);
    const members = keys.map((key) => {
      const property = properties[key];
      const doc = depth === 0 && isObject(property) ? this.propertyDoc(key, property.description) : undefined;
      const optional = !required.has(key) || optionalIn(property, this.options.direction ?? 'output');
      return `${doc ? `/** ${doc} */ ` : ''}${propertyKey(key)}${optional ? '?' : ''}: ${this.emit(property, depth + 1)}`;
    });
    if (extra === true || isObject(extra)) members.push('[key: string]: unknown');
    return `{ ${members.join('; ')} }`;
  }

  private propertyDoc(key: string, description: unknown): string | undefined {
    const seen = this.options.describeProperties;
    const doc = seen && docText(description, DOC_BUDGET.property);
    if (!seen || !doc || seen.has(`${key}\0${doc}`)) return undefined;
    seen.add(`${key}\0${doc}`);
    return doc;
  }

  private reference(ref: string, depth: number): string {
    const target = this.resolve(ref);
    if (target === undefined) return 'unknown';
    const named = namedDef(ref) ?? (ref === '#' ? 'Self' : undefined);
    // a shared type read differently as input is its own type: `ItemInput` beside `Item`
    const asInput = named !== undefined && this.options.direction === 'input' && readsTwoWays(target, (inner) => this.resolve(inner));
    const defName = asInput ? `${named} input` : named;
    const namespace = this.options.namespace;
    if (defName !== undefined && namespace) return this.options.qualifier + namespace.nameOf(defName, target, this.root, asInput ? 'input' : 'output');
    if (defName !== undefined && !namespace) return this.options.qualifier + typeName(defName); // a one-line signature: as declared in full
    if (this.resolving.has(ref)) return 'unknown';
    this.resolving.add(ref);
    try {
      return this.emit(target, depth);
    } finally {
      this.resolving.delete(ref);
    }
  }

  private resolve(ref: string): SchemaObject | boolean | undefined {
    if (!ref.startsWith('#')) return undefined;
    let node: unknown = this.root;
    const tail = ref.slice(1);
    for (const raw of tail === '' ? [] : tail.replace(/^\//, '').split('/')) {
      const key = decodeURIComponent(raw).replace(/~1/g, '/').replace(/~0/g, '~');
      node = isObject(node) || Array.isArray(node) ? (node as Record<string, unknown>)[key] : undefined;
      if (node === undefined) return undefined;
    }
    return isObject(node) || typeof node === 'boolean' ? node : undefined;
  }
}

/** `#/$defs/x` and `#/definitions/x` name a shared schema. */
function namedDef(ref: string): string | undefined {
  const match = /^#\/(?:\$defs|definitions)\/([^/]+)$/.exec(ref);
  return match ? decodeURIComponent(match[1]).replace(/~1/g, '/').replace(/~0/g, '~') : undefined;
}

function inferTypes(schema: SchemaObject): string[] {
  if (schema.properties !== undefined || schema.additionalProperties !== undefined) return ['object'];
  if (schema.items !== undefined || schema.prefixItems !== undefined) return ['array'];
  return [];
}

/** A combinator branch that only adds `required` (OpenAPI's "one of these fields") says nothing about types. */
function isConstraintOnly(schema: unknown): boolean {
  return isObject(schema) && Object.keys(schema).every((key) => key === 'required' || key === 'description' || key === 'not');
}

function literal(value: unknown): string | undefined {
  if (value === null) return 'null';
  if (typeof value === 'string' || typeof value === 'boolean') return JSON.stringify(value);
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  return undefined;
}

function unique(values: string[]): string[] {
  return [...new Set(values)];
}

function wrapArray(type: string): string {
  return hasTopLevel(type, '|') || hasTopLevel(type, '&') ? `(${type})` : type;
}

function isBareObject(schema: SchemaObject): boolean {
  return (schema.type === 'object' || schema.type === undefined) && schema.properties === undefined && schema.additionalProperties === undefined;
}

/** Whether `char` occurs in a type outside brackets and string literals: `A | B` yes, `{ a: A | B }` no. */
export function hasTopLevel(type: string, char: string): boolean {
  let depth = 0;
  let quote = false;
  for (let i = 0; i < type.length; i++) {
    const c = type[i];
    if (quote) {
      if (c === '\\') i++;
      else if (c === '"') quote = false;
    } else if (c === '"') quote = true;
    else if (c === '/' && type[i + 1] === '*') {
      const end = type.indexOf('*/', i + 2);
      i = end === -1 ? type.length : end + 1;
    } else if (c === '(' || c === '{' || c === '[' || c === '<') depth++;
    else if (c === ')' || c === '}' || c === ']' || c === '>') depth--;
    else if (c === char && depth === 0) return true;
  }
  return false;
}
