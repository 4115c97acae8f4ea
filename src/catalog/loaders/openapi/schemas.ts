// OpenAPI schemas (Swagger 2.0, OpenAPI 3.0 and 3.1) to lean JSON Schema 2020-12. Every `$ref` becomes
// `#/$defs/<name>`: a referenced schema is converted once and shared, so circular schemas stay finite.
// Keywords that matter to neither validation nor an LLM (examples, xml, discriminator, x-*) are dropped.

import { toIdentifier, uniqueName } from '../../naming.js';
import { sentences, summarize } from '../../sentences.js';

type SchemaObject = { [keyword: string]: unknown };
export type Schema = SchemaObject | boolean;

const SCHEMA_MAPS = new Set(['properties', 'patternProperties', 'dependentSchemas']);
const SCHEMA_VALUES = new Set(['additionalProperties', 'not', 'if', 'then', 'else', 'contains', 'propertyNames', 'unevaluatedProperties', 'unevaluatedItems', 'additionalItems']);
const SCHEMA_LISTS = new Set(['allOf', 'anyOf', 'oneOf', 'prefixItems']);
const COPIED = new Set([
  'enum', 'const', 'format', 'pattern', 'minimum', 'maximum', 'minLength', 'maxLength', 'minItems', 'maxItems', 'uniqueItems',
  'minProperties', 'maxProperties', 'multipleOf', 'dependentRequired', 'minContains', 'maxContains', 'readOnly', 'writeOnly',
]);
// Pointer segments that say where a schema sits, not what it is; skipped when naming a schema found by pointer.
const STRUCTURAL = new Set([
  'paths', 'components', 'schemas', 'schema', 'content', 'requestBody', 'requestBodies', 'responses', 'parameters', 'properties',
  'items', 'allOf', 'anyOf', 'oneOf', 'additionalProperties', 'definitions', '$defs', 'get', 'put', 'post', 'delete', 'patch',
  'head', 'options', 'trace', 'headers',
]);
const MAX_DESCRIPTION = 160;
/** Inline schemas nest a few levels; deeper than this is a cycle through YAML aliases. */
const MAX_NESTING = 256;

export function isObject(value: unknown): value is SchemaObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The first paragraph of a description as one line without Markdown links, summarized when long (sentences.ts). */
export function oneLine(text: unknown, max = MAX_DESCRIPTION): string | undefined {
  if (typeof text !== 'string') return undefined;
  // Most descriptions are already one short line: 15,000 of them in GitHub's spec.
  if (text.length <= max && !/[\n\r\t[]| {2}/.test(text)) return text.trim() || undefined;
  // Only the first paragraph matters, and long descriptions are common: cut before any regex runs.
  const paragraph = /\n[ \t]*\r?\n/.exec(text.length > 4 * max ? text.slice(0, 4 * max) : text);
  const head = paragraph ? text.slice(0, paragraph.index) : text.slice(0, 4 * max);
  let line = head.replace(/\[([^\]]*)\]\([^)]*\)/g, '$1').replace(/\s+/g, ' ').trim();
  if (!paragraph && text.length > 4 * max) line = sentences(line).slice(0, -1).join(' ') || line; // not half a sentence
  if (!line) return undefined;
  return summarize(line, max);
}

/** A description as plain text for search: Markdown links and code marks dropped, whitespace folded, capped. */
export function plainText(text: unknown, max = MAX_DETAILS): string | undefined {
  if (typeof text !== 'string') return undefined;
  const plain = text.slice(0, 2 * max).replace(/\[([^\]]*)\]\([^)]*\)/g, '$1').replace(/[`*_#>]+/g, ' ').replace(/\s+/g, ' ').trim();
  return plain ? plain.slice(0, max) : undefined;
}

/** Longer texts say little more to a search than their first 2,000 characters, and cost memory per function. */
const MAX_DETAILS = 2000;

export function escapePointer(segment: string): string {
  if (!segment.includes('~') && !segment.includes('/')) return segment; // nearly always: skip the regexes
  return segment.replace(/~/g, '~0').replace(/\//g, '~1');
}

export function refTo(name: string): string {
  return `#/$defs/${escapePointer(name)}`;
}

export class SchemaConverter {
  /** Converted schemas by name; what `#/$defs/<name>` points at. */
  readonly defs: Record<string, Schema> = {};
  private readonly nameByPointer = new Map<string, string>();
  private readonly usedNames = new Set<string>();
  private readonly done = new WeakMap<object, Schema>();
  private readonly pointers = new Map<string, unknown>();
  private depth = 0;

  constructor(
    private readonly document: unknown,
    private readonly dialect: '2.0' | '3.0' | '3.1',
  ) {}

  /** Follows `$ref` chains of non-schema objects (parameters, responses, bodies). */
  resolve<T = unknown>(value: unknown, at: string): T {
    let current = value;
    for (let hops = 0; isObject(current) && typeof current.$ref === 'string'; hops++) {
      if (hops > 32) throw new Error(`$ref loop at ${at}`);
      current = this.pointer(current.$ref, at);
    }
    return current as T;
  }

  /** The value a local `$ref` points at; a dangling or external one is an error naming where it was found. */
  pointer(ref: string, at: string): unknown {
    const known = this.pointers.get(ref);
    if (known !== undefined) return known;
    if (!ref.startsWith('#')) throw new Error(`$ref "${ref}" at ${at} points outside the document and could not be resolved`);
    let node: unknown = this.document;
    const tail = ref.slice(1);
    for (const raw of tail === '' || tail === '/' ? [] : tail.slice(1).split('/')) {
      const key = decodeURIComponent(raw).replace(/~1/g, '/').replace(/~0/g, '~');
      node = isObject(node) || Array.isArray(node) ? (node as Record<string, unknown>)[key] : undefined;
      if (node === undefined) throw new Error(`$ref "${ref}" at ${at} points to nothing; check the spelling or add the missing definition`);
    }
    this.pointers.set(ref, node);
    return node;
  }

  convert(schema: unknown, at: string): Schema {
    if (typeof schema === 'boolean') return schema;
    if (!isObject(schema)) return {};
    const cached = this.done.get(schema);
    if (cached !== undefined) return cached;
    if (this.depth > MAX_NESTING) return {}; // a cycle made by YAML aliases rather than $ref
    this.depth++;
    try {
      const converted = typeof schema.$ref === 'string' ? this.convertRef(schema, at) : this.convertObject(schema, at);
      this.done.set(schema, converted);
      return converted;
    } finally {
      this.depth--;
    }
  }

  /** The name under `$defs` of the schema at a local `$ref`, converting it the first time. */
  defName(ref: string, at: string): string {
    const known = this.nameByPointer.get(ref);
    if (known) return known;
    const target = this.pointer(ref, at);
    const name = uniqueName(nameForPointer(ref), this.usedNames);
    this.nameByPointer.set(ref, name);
    this.defs[name] = {}; // placeholder, so a cycle back to this name stops here
    this.defs[name] = this.convert(target, ref);
    return name;
  }

  private convertRef(schema: SchemaObject, at: string): Schema {
    const ref: SchemaObject = { $ref: refTo(this.defName(schema.$ref as string, at)) };
    const description = oneLine(schema.description);
    if (description) ref.description = description;
    const nullable = schema.nullable === true || schema['x-nullable'] === true;
    const siblings = this.dialect === '3.1' ? Object.keys(schema).filter((k) => k !== '$ref' && k !== 'description' && !k.startsWith('x-')) : [];
    if (siblings.length > 0) {
      const rest = this.convertObject(Object.fromEntries(siblings.map((k) => [k, schema[k]])), at);
      return isObject(rest) && Object.keys(rest).length > 0 ? { allOf: [ref, rest] } : ref;
    }
    return nullable ? { anyOf: [ref, { type: 'null' }] } : ref;
  }

  private convertObject(schema: SchemaObject, at: string): Schema {
    const out: SchemaObject = {};
    for (const key in schema) {
      const value = schema[key];
      if (key === 'type') out.type = value === 'file' ? 'string' : value;
      else if (key === 'description') {
        const description = oneLine(value);
        if (description) out.description = description;
      } else if (key === 'items') {
        if (Array.isArray(value)) out.prefixItems = value.map((item, i) => this.convert(item, `${at}/items/${i}`));
        else out.items = this.convert(value, `${at}/items`);
      } else if (SCHEMA_VALUES.has(key)) out[key] = this.convert(value, `${at}/${key}`);
      else if (SCHEMA_LISTS.has(key) && Array.isArray(value)) out[key] = value.map((item, i) => this.convert(item, `${at}/${key}/${i}`));
      else if (SCHEMA_MAPS.has(key) && isObject(value)) {
        out[key] = Object.fromEntries(Object.entries(value).map(([name, item]) => [name, this.convert(item, `${at}/${key}/${escapePointer(name)}`)]));
      } else if (key === 'required' && Array.isArray(value)) {
        if (value.length > 0) out.required = value;
      } else if (key === 'exclusiveMinimum' || key === 'exclusiveMaximum') {
        if (typeof value === 'number') out[key] = value;
      } else if (COPIED.has(key)) out[key] = value;
    }
    if (schema.type === 'file') out.format = 'binary';
    fixDraft4Exclusive(schema, out);
    if (Array.isArray(out.type) && out.type.length === 1) out.type = out.type[0];
    if (schema.nullable === true || schema['x-nullable'] === true) return makeNullable(out);
    return out;
  }
}

/** OpenAPI 3.0 and Swagger write `exclusiveMinimum: true` next to `minimum`; 2020-12 wants the number. */
function fixDraft4Exclusive(schema: SchemaObject, out: SchemaObject): void {
  if (schema.exclusiveMinimum === true && typeof schema.minimum === 'number') {
    out.exclusiveMinimum = schema.minimum;
    delete out.minimum;
  }
  if (schema.exclusiveMaximum === true && typeof schema.maximum === 'number') {
    out.exclusiveMaximum = schema.maximum;
    delete out.maximum;
  }
}

function makeNullable(out: SchemaObject): Schema {
  if (typeof out.type === 'string') {
    out.type = [out.type, 'null'];
    if (Array.isArray(out.enum) && !out.enum.includes(null)) out.enum = [...out.enum, null];
    return out;
  }
  if (Array.isArray(out.type)) {
    if (!out.type.includes('null')) out.type = [...out.type, 'null'];
    return out;
  }
  return { anyOf: [out, { type: 'null' }] };
}

function nameForPointer(ref: string): string {
  const segments = ref.replace(/^#\/?/, '').split('/').map((s) => decodeURIComponent(s).replace(/~1/g, '/').replace(/~0/g, '~'));
  const direct = ref.match(/^#\/(?:components\/schemas|definitions|\$defs)\/([^/]+)$/);
  const raw = direct ? segments[segments.length - 1] : [...segments].reverse().find((s) => !STRUCTURAL.has(s) && !/^\d+$/.test(s) && !s.includes('/json')) ?? 'schema';
  return /^[A-Za-z0-9._-]+$/.test(raw) ? raw : toIdentifier(raw);
}

/** The names of the shared schemas a converted schema references directly. */
export function refsIn(schema: unknown): string[] {
  const found = new Set<string>();
  collectRefs(schema, found);
  return [...found];
}

const NO_REFS: readonly string[] = [];
// Converted schemas share sub-objects (a parameter's schema in hundreds of operations): walk each once.
const refsBelow = new WeakMap<object, readonly string[]>();

function collectRefs(node: unknown, found: Set<string>): void {
  if (Array.isArray(node)) {
    for (const item of node) collectRefs(item, found);
    return;
  }
  if (!isObject(node)) return;
  let refs = refsBelow.get(node);
  if (!refs) {
    const own = new Set<string>();
    for (const key in node) {
      const value = node[key];
      if (key === '$ref' && typeof value === 'string' && value.startsWith('#/$defs/')) own.add(value.slice(8).replace(/~1/g, '/').replace(/~0/g, '~'));
      else if (key !== 'enum' && key !== 'const' && key !== 'required' && typeof value === 'object' && value !== null) collectRefs(value, own);
    }
    refs = own.size === 0 ? NO_REFS : [...own];
    refsBelow.set(node, refs);
  }
  for (const ref of refs) found.add(ref);
}
