// The search surface the HTTP layer and the CLI use: built on the first query (start-up does not pay
// for it), queried many times, rebuilt on the next query after the catalog changes (an MCP tool list).

import type { Catalog, CatalogEntry } from '../catalog/index.js';
import type { Logger } from '../logging/index.js';
import { oneLineDescription } from './describe.js';
import { embedderFromConfig, type Embedder, type EmbeddingsConfig } from './embeddings.js';
import { reciprocalRankFusion } from './fusion.js';
import { buildLexicalIndex, type LexicalIndex, type RankedEntry } from './lexical.js';
import { createSemanticRanker, SemanticNotReady } from './semantic.js';
import { signatureOf } from './signature.js';
import { preloadWordnet } from './wordnet.js';

export interface SearchOptions {
  /** Groups (`github`) or namespaces (`github.issues`) to search in; all when absent or empty. */
  apiGroups?: string[];
  maxResults?: number;
  /** Extra admission rule, e.g. the caller's allowed functions. */
  filter?: (entry: CatalogEntry) => boolean;
}

export interface HybridSearchOptions extends SearchOptions {
  /** Fuse embeddings with lexical ranking; default: whenever search.embeddings is configured. */
  useEmbeddings?: boolean;
}

/** One hit, in the wire shape of POST /api/search plus the function's dotted id. */
export interface SearchResult {
  apiGroup: string;
  /** Path under the group, dotted: `issues.create` is api.github.issues.create. */
  functionName: string;
  description: string;
  /** One line: `api.github.issues.create(input: { ... }): Promise<Issue>`. */
  signature: string;
  relevanceScore: number;
  /** `github.issues.create`. */
  id: string;
}

export interface SearchIndexOptions {
  /** Results when a query does not say (config search.maxResults). */
  maxResults?: number;
  /** config search.embeddings; provider none (or absent) keeps search lexical. */
  embeddings?: EmbeddingsConfig;
  /** Used instead of the one built from `embeddings` (tests, other providers). */
  embedder?: Embedder;
  /** Where a failing embeddings endpoint is reported (search then answers lexically). */
  logger?: Logger;
  /**
   * A server's index: warm-up starts embedding the catalog without waiting for it, and a query is answered
   * lexically until the catalog is embedded, or when the endpoint does not give the query's vector within
   * QUERY_WAIT_MS. A one-shot `atp search` waits instead (default).
   */
  embedInBackground?: boolean;
}

export interface SearchIndex {
  readonly size: number;
  /** True when embeddings are configured. */
  readonly semantic: boolean;
  /** Lexical ranking: synchronous, well under a millisecond per query at GitHub's scale. */
  search(query: string, options?: SearchOptions): SearchResult[];
  /**
   * What POST /api/search and `atp search` call: lexical ranking fused with embeddings when they are
   * configured and not turned off by `useEmbeddings: false`. Never rejects for an embeddings failure:
   * it logs a warning and answers lexically.
   */
  searchAsync(query: string, options?: HybridSearchOptions): Promise<SearchResult[]>;
  /** Builds the index, reads WordNet's index files, and embeds the catalog when embeddings are configured, ahead of the first query. */
  warmUp(): Promise<void>;
}

const DEFAULT_MAX_RESULTS = 10;
const MAX_RESULTS_CAP = 100;
const WARN_INTERVAL_MS = 60_000;
/** How many of each list take part in fusion. */
const FUSION_DEPTH = 200;
/** How long a server's query waits for its own vector before it is answered lexically. */
export const QUERY_WAIT_MS = 1500;

export function createSearchIndex(catalog: Catalog, options: SearchIndexOptions = {}): SearchIndex {
  const defaultMax = options.maxResults ?? DEFAULT_MAX_RESULTS;
  const embedder = options.embedder ?? embedderFromConfig(options.embeddings);
  const semantic = embedder ? createSemanticRanker(embedder) : undefined;
  let built: { version: number; entries: CatalogEntry[]; lexical: LexicalIndex } | undefined;
  const current = () => {
    if (!built || built.version !== catalog.version) {
      const entries = [...catalog.entries()];
      built = { version: catalog.version, entries, lexical: buildLexicalIndex(entries) };
    }
    return built;
  };

  let warnedAt = -Infinity;
  // one warning per quiet period, not one per query, while the endpoint is down
  const warnOnce = (message: string, error: unknown) => {
    if (Date.now() - warnedAt < WARN_INTERVAL_MS) return;
    warnedAt = Date.now();
    options.logger?.warn(message, { error: (error as Error).message });
  };

  function search(query: string, searchOptions: SearchOptions = {}): SearchResult[] {
    return current().lexical.rank(query, admission(searchOptions), resultLimit(searchOptions.maxResults, defaultMax)).map(toResult);
  }

  return {
    get size() {
      return current().entries.length;
    },
    semantic: semantic !== undefined,
    search,
    async searchAsync(query, searchOptions = {}) {
      if (!semantic || searchOptions.useEmbeddings === false) return search(query, searchOptions);
      const { entries, lexical } = current();
      const accept = admission(searchOptions);
      let semanticRanked: RankedEntry[];
      try {
        semanticRanked = await semantic.rank(entries, query, accept, FUSION_DEPTH, options.embedInBackground ? { wait: false, queryWaitMs: QUERY_WAIT_MS } : undefined);
      } catch (error) {
        if (error instanceof SemanticNotReady) options.logger?.debug('semantic search not ready, answering with lexical ranking', { reason: error.message });
        else warnOnce('semantic search unavailable, answering with lexical ranking', error);
        return search(query, searchOptions);
      }
      const lexicalRanked = lexical.rank(query, accept, FUSION_DEPTH);
      const limit = resultLimit(searchOptions.maxResults, defaultMax);
      const fused = reciprocalRankFusion([lexicalRanked, semanticRanked]);
      const named = new Set(lexicalRanked.filter((ranked) => ranked.exact).map((ranked) => ranked.entry.id));
      const ordered = named.size === 0 ? fused : [...fused.filter((r) => named.has(r.entry.id)), ...fused.filter((r) => !named.has(r.entry.id))];
      return ordered.slice(0, limit).map(toResult);
    },
    async warmUp() {
      current();
      preloadWordnet();
      if (!semantic) return;
      const embedding = semantic.warmUp(current().entries);
      if (options.embedInBackground) {
        // a server listens at once and answers lexically until the catalog is embedded
        embedding.then(() => options.logger?.info('semantic search ready: the catalog is embedded'), (error: unknown) => warnOnce('could not embed the catalog for semantic search; it stays lexical until the endpoint answers', error));
        return;
      }
      try {
        await embedding;
      } catch (error) {
        warnOnce('could not embed the catalog for semantic search; it stays lexical until the endpoint answers', error);
      }
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
    signature: signatureOf(entry),
    relevanceScore: Number(score.toPrecision(4)),
    id: entry.id,
  };
}
