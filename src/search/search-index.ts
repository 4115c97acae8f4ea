// The search surface the HTTP layer and the CLI use: build once per catalog, query many times.

import type { Catalog, CatalogEntry } from '../catalog/index.js';
import { oneLineDescription } from './describe.js';
import { buildLexicalIndex, type RankedEntry } from './lexical.js';
import { functionSignature } from './signature.js';

export interface SearchOptions {
  /** Groups (`github`) or namespaces (`github.issues`) to search in; all when absent or empty. */
  apiGroups?: string[];
  maxResults?: number;
  /** Extra admission rule, e.g. the caller's allowed functions. */
  filter?: (entry: CatalogEntry) => boolean;
}

/** One hit, in the wire shape of POST /api/search plus the function's dotted id. */
export interface SearchResult {
  apiGroup: string;
  /** Path under the group, dotted: `issues.create` is api.github.issues.create. */
  functionName: string;
  description: string;
  signature: string;
  relevanceScore: number;
  /** `github.issues.create`. */
  id: string;
}

export interface SearchIndexOptions {
  /** Results when a query does not say (config search.maxResults). */
  maxResults?: number;
}

export interface SearchIndex {
  readonly size: number;
  search(query: string, options?: SearchOptions): SearchResult[];
}

const DEFAULT_MAX_RESULTS = 10;
const MAX_RESULTS_CAP = 100;

export function createSearchIndex(catalog: Catalog, options: SearchIndexOptions = {}): SearchIndex {
  const lexical = buildLexicalIndex(catalog.entries());
  const defaultMax = options.maxResults ?? DEFAULT_MAX_RESULTS;
  return {
    size: lexical.size,
    search(query, searchOptions = {}) {
      const ranked = lexical.rank(query, admission(searchOptions));
      return ranked.slice(0, resultLimit(searchOptions.maxResults, defaultMax)).map(toResult);
    },
  };
}

/** The candidates a request allows: its groups or namespaces, and its own filter. */
export function admission(options: SearchOptions): ((entry: CatalogEntry) => boolean) | undefined {
  const scopes = (options.apiGroups ?? []).filter((scope) => scope.length > 0);
  const filter = options.filter;
  if (scopes.length === 0 && !filter) return undefined;
  return (entry) =>
    (scopes.length === 0 || scopes.some((scope) => entry.id === scope || entry.id.startsWith(`${scope}.`))) &&
    (!filter || filter(entry));
}

export function resultLimit(requested: number | undefined, fallback: number): number {
  const value = typeof requested === 'number' && Number.isFinite(requested) && requested > 0 ? Math.floor(requested) : fallback;
  return Math.min(value, MAX_RESULTS_CAP);
}

export function toResult({ entry, score }: RankedEntry): SearchResult {
  return {
    apiGroup: entry.group.name,
    functionName: entry.tool.path.join('.'),
    description: oneLineDescription(entry.tool.description),
    signature: functionSignature(entry),
    relevanceScore: Math.round(score * 1000) / 1000,
    id: entry.id,
  };
}
