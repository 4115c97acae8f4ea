// What of a function is searchable, split into fields that count differently (a word in the
// name says more than the same word deep in the description or in a parameter's description).

import { sentences, type CatalogEntry } from '../catalog/index.js';
import { isStopword, splitWords, stem, terms } from './tokenize.js';

export const FIELDS = ['name', 'summary', 'body', 'keywords', 'params', 'paramText', 'output'] as const;
export type FieldName = (typeof FIELDS)[number];


export interface FunctionText {
  /** Terms per field, repeats kept, in FIELDS order. */
  fields: string[][];
  /** Distinct stems of the function's own name (path and source name): what an exact ask names. */
  nameTerms: Set<string>;
  /** Accepted spellings of the whole name, as lower-case word runs: "issues create", "create". */
  nameForms: Set<string>;
  /** Marked deprecated in its description (OpenAPI `deprecated`, MCP "DEPRECATED: use ..."). */
  deprecated: boolean;
}

const MAX_ENUM_VALUES = 20;
/** Parameters and answer fields read per function: a schema of hundreds says little about each. */
const MAX_PROPERTIES = 60;

/** Terms of a text, remembered for one index build: catalogs repeat parameter descriptions hundreds of times. */
export type TermMemo = Map<string, string[]>;

function memoTerms(text: string, memo: TermMemo): string[] {
  let known = memo.get(text);
  if (known === undefined) memo.set(text, (known = terms(text)));
  return known;
}

// names too repeat across a catalog (`owner`, `created_at`, `simple-user`); a separate key space from prose
function memoNameStems(name: string, memo: TermMemo): string[] {
  const key = `\u0000${name}`;
  let known = memo.get(key);
  if (known === undefined) memo.set(key, (known = nameStems(name)));
  return known;
}

export function functionText(entry: CatalogEntry, memo: TermMemo = new Map()): FunctionText {
  const { tool, group } = entry;
  const nameTerms = new Set([...tool.path.flatMap(nameStems), ...nameStems(tool.sourceName)]);
  // the description's first sentence is the summary; the rest and the source's details (whole description) the body
  const [summary, body] = splitDescription(tool.description ?? '');
  const keywords = [group.name, ...(tool.annotations?.keywords ?? [])].flatMap((k) => terms(k));
  const [params, paramText] = paramTerms(tool.inputSchema, memo);
  return {
    fields: [[...nameTerms], terms(summary), terms(tool.details ? `${body} ${tool.details}` : body), keywords, params, paramText, outputTerms(tool.outputSchema, memo)],
    nameTerms,
    nameForms: nameForms(entry),
    deprecated: /\bdeprecated\b/i.test(tool.description ?? ''),
  };
}

const TOPICAL_FIELDS = [FIELDS.indexOf('name'), FIELDS.indexOf('summary'), FIELDS.indexOf('keywords'), FIELDS.indexOf('params')];

/** The distinct words that say what a function is about, for learning which words go together. */
export function topicalTerms(text: FunctionText): string[] {
  return [...new Set(TOPICAL_FIELDS.flatMap((f) => text.fields[f]))];
}

const DESCRIBING_FIELDS = [FIELDS.indexOf('name'), FIELDS.indexOf('summary'), FIELDS.indexOf('body'), FIELDS.indexOf('keywords')];

/** The distinct words of a function's name, description and keywords: where a word's rarity is counted. */
export function describingTerms(text: FunctionText): string[] {
  return [...new Set(DESCRIBING_FIELDS.flatMap((f) => text.fields[f]))];
}

function nameStems(name: string): string[] {
  return splitWords(name).filter((word) => !isStopword(word)).map(stem);
}

function nameForms(entry: CatalogEntry): Set<string> {
  const { tool, group } = entry;
  const forms = [tool.path.join(' '), tool.path[tool.path.length - 1] ?? '', tool.sourceName, [group.name, ...tool.path].join(' ')];
  return new Set(forms.map((form) => splitWords(form).join(' ')).filter(Boolean));
}

/** The first sentence or line (the summary most sources lead with) and the rest; "e.g." ends no sentence. */
export function splitDescription(description: string): [string, string] {
  const text = description.trim();
  const newline = text.indexOf('\n');
  const [summary = '', ...rest] = sentences(newline === -1 ? text : text.slice(0, newline));
  const after = newline === -1 ? '' : text.slice(newline + 1);
  return [summary, [...rest, after].filter(Boolean).join(' ')];
}

type SchemaObject = { [keyword: string]: unknown };

function isSchemaObject(value: unknown): value is SchemaObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

// Parameter names and enum values ("close an issue" finds the function whose `state` takes "closed"),
// and apart from them the parameters' descriptions, which count for less.
function paramTerms(schema: unknown, memo: TermMemo): [string[], string[]] {
  const properties = isSchemaObject(schema) && isSchemaObject(schema.properties) ? schema.properties : undefined;
  if (!properties) return [[], []];
  const names: string[] = [];
  const text: string[] = [];
  for (const [name, value] of Object.entries(properties).slice(0, MAX_PROPERTIES)) {
    names.push(...memoNameStems(name, memo));
    if (!isSchemaObject(value)) continue;
    if (typeof value.description === 'string') text.push(...memoTerms(value.description, memo));
    const values = value.enum;
    if (!Array.isArray(values)) continue;
    for (const option of values.slice(0, MAX_ENUM_VALUES)) if (typeof option === 'string') names.push(...memoTerms(option, memo));
  }
  return [names, text];
}

// What a function answers with: the names of its types ("minimal-repository") and of its top-level fields,
// the fields of a shared type it answers with included (read from the schema's $defs).
function outputTerms(schema: unknown, memo: TermMemo): string[] {
  const out: string[] = [];
  const seen = new Set<unknown>();
  const defs = () => (isSchemaObject(schema) && isSchemaObject(schema.$defs) ? schema.$defs : undefined);
  const visit = (node: unknown, depth: number) => {
    if (!isSchemaObject(node) || seen.has(node) || depth > 3) return;
    seen.add(node);
    if (typeof node.$ref === 'string') {
      const name = node.$ref.slice(node.$ref.lastIndexOf('/') + 1);
      out.push(...memoNameStems(name, memo));
      if (node.$ref.startsWith('#/$defs/')) visit(defs()?.[name], depth + 1);
      return;
    }
    if (isSchemaObject(node.properties)) for (const key of Object.keys(node.properties).slice(0, MAX_PROPERTIES)) out.push(...memoNameStems(key, memo));
    if (node.items) visit(node.items, depth + 1);
    for (const key of ['allOf', 'anyOf', 'oneOf']) {
      const list = node[key];
      if (Array.isArray(list)) for (const part of list) visit(part, depth + 1);
    }
  };
  visit(schema, 0);
  return out;
}
