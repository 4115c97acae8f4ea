// What of a function is searchable, split into fields that count differently (a word in the
// name says more than the same word deep in the description).

import { sentences, type CatalogEntry } from '../catalog/index.js';
import { isStopword, splitWords, stem, terms } from './tokenize.js';

export const FIELDS = ['name', 'summary', 'body', 'keywords', 'params'] as const;
export type FieldName = (typeof FIELDS)[number];

/** BM25F weight and length normalisation per field, in FIELDS order. */
export const FIELD_WEIGHT: readonly number[] = [3, 2, 0.4, 1, 0.5];
export const FIELD_B: readonly number[] = [0.6, 0.5, 0.75, 0.3, 0.5];

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

export function functionText(entry: CatalogEntry): FunctionText {
  const { tool, group } = entry;
  const nameTerms = new Set([...tool.path.flatMap(nameStems), ...nameStems(tool.sourceName)]);
  const [summary, body] = splitDescription(tool.description ?? '');
  const keywords = [group.name, ...(tool.annotations?.keywords ?? [])].flatMap((k) => terms(k));
  return {
    fields: [[...nameTerms], terms(summary), terms(body), keywords, paramTerms(tool.inputSchema)],
    nameTerms,
    nameForms: nameForms(entry),
    deprecated: /\bdeprecated\b/i.test(tool.description ?? ''),
  };
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

// Parameter names and enum values: "close an issue" finds the function whose `state` takes "closed".
function paramTerms(schema: unknown): string[] {
  const properties = (schema as { properties?: Record<string, unknown> } | undefined)?.properties;
  if (!properties || typeof properties !== 'object') return [];
  const out: string[] = [];
  for (const [name, value] of Object.entries(properties)) {
    out.push(...nameStems(name));
    const values = (value as { enum?: unknown[] } | undefined)?.enum;
    if (!Array.isArray(values)) continue;
    for (const option of values.slice(0, MAX_ENUM_VALUES)) if (typeof option === 'string') out.push(...terms(option));
  }
  return out;
}
