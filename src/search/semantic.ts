// Semantic ranking: each function's text embedded once (lazily, shared by concurrent first queries,
// kept across catalog refreshes so only new or changed functions are embedded again), queries
// embedded per call with a small cache, cosine similarity over unit vectors.

import type { CatalogEntry } from '../catalog/index.js';
import { dot, type Embedder } from './embeddings.js';
import type { RankedEntry } from './lexical.js';

const QUERY_CACHE_SIZE = 512;
/** After a failed attempt to embed the catalog, wait this long before trying again (queries stay lexical). */
const RETRY_AFTER_MS = 30_000;
const MAX_TEXT_LENGTH = 2000;

/** The catalog is still being embedded (or waits to be tried again): the query is answered without embeddings. */
export class SemanticNotReady extends Error {
  constructor(message = 'the catalog is still being embedded') {
    super(message);
    this.name = 'SemanticNotReady';
  }
}

export interface SemanticRanker {
  /** Embeds these functions now rather than on the first query. */
  warmUp(entries: readonly CatalogEntry[]): Promise<void>;
  /**
   * `wait: false` (a server): a query never waits for the catalog to be embedded, nor longer than
   * `queryWaitMs` for its own vector; it throws SemanticNotReady instead, and what it started goes on.
   */
  rank(entries: readonly CatalogEntry[], query: string, accept?: (entry: CatalogEntry) => boolean, limit?: number, wait?: { wait: false; queryWaitMs: number }): Promise<RankedEntry[]>;
}

export function createSemanticRanker(embedder: Embedder, now: () => number = Date.now): SemanticRanker {
  const byText = new Map<string, Float32Array>();
  const textOf = new WeakMap<CatalogEntry, string>();
  const queryCache = new Map<string, Float32Array>();
  let inFlight: Promise<void> | undefined;
  let failedAt = -Infinity;

  const textFor = (entry: CatalogEntry) => {
    let text = textOf.get(entry);
    if (text === undefined) textOf.set(entry, (text = embeddingText(entry)));
    return text;
  };

  async function ensureEmbedded(entries: readonly CatalogEntry[]): Promise<void> {
    for (;;) {
      const missing = [...new Set(entries.map(textFor).filter((text) => !byText.has(text)))];
      if (missing.length === 0) return;
      if (inFlight) {
        await inFlight; // another caller is embedding (perhaps other texts): wait, then look again
        continue;
      }
      if (now() - failedAt < RETRY_AFTER_MS) throw new Error('embedding the catalog failed recently; retrying shortly');
      const attempt = embedder.embed(missing).then(
        (vectors) => missing.forEach((text, i) => byText.set(text, vectors[i])),
        (error: unknown) => {
          failedAt = now();
          throw error;
        },
      );
      inFlight = attempt.finally(() => (inFlight = undefined));
      await inFlight;
    }
  }

  const pendingQueries = new Map<string, Promise<Float32Array>>();

  async function queryVector(query: string): Promise<Float32Array> {
    const key = query.trim().toLowerCase();
    const cached = queryCache.get(key);
    if (cached) {
      queryCache.delete(key); // most recently used goes last
      queryCache.set(key, cached);
      return cached;
    }
    let pending = pendingQueries.get(key);
    if (!pending) {
      pending = embedder.embed([query]).then(([vector]) => {
        queryCache.set(key, vector);
        if (queryCache.size > QUERY_CACHE_SIZE) queryCache.delete(queryCache.keys().next().value as string);
        return vector;
      }).finally(() => pendingQueries.delete(key));
      pendingQueries.set(key, pending);
    }
    return pending;
  }

  /** Starts embedding what is missing unless that is under way or failed recently; never rejects. */
  function embedInBackground(entries: readonly CatalogEntry[]): void {
    if (inFlight || now() - failedAt < RETRY_AFTER_MS) return;
    ensureEmbedded(entries).catch(() => undefined); // failedAt records it; queries stay lexical meanwhile
  }

  function embedded(entries: readonly CatalogEntry[]): boolean {
    return entries.every((entry) => byText.has(textFor(entry)));
  }

  /** The query's vector within `ms`, else SemanticNotReady (the request goes on and fills the cache). */
  function queryVectorWithin(query: string, ms: number): Promise<Float32Array> {
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new SemanticNotReady(`the embeddings endpoint did not answer within ${ms} ms`)), ms);
      timer.unref?.();
    });
    const vector = queryVector(query);
    vector.catch(() => undefined); // its failure is answered by the race, or by nobody once it is too late
    return Promise.race([vector, late]).finally(() => clearTimeout(timer));
  }

  return {
    warmUp: ensureEmbedded,
    async rank(entries, query, accept, limit = 200, wait) {
      if (!query.trim() || entries.length === 0) return [];
      let vector: Float32Array;
      if (wait) {
        if (!embedded(entries)) {
          embedInBackground(entries);
          throw new SemanticNotReady();
        }
        vector = await queryVectorWithin(query, wait.queryWaitMs);
      } else {
        // without catalog vectors a query vector is useless: do not spend a request on it
        if (!inFlight && now() - failedAt < RETRY_AFTER_MS) throw new Error('embedding the catalog failed recently; retrying shortly');
        [, vector] = await Promise.all([ensureEmbedded(entries), queryVector(query)]);
      }
      const ranked: RankedEntry[] = [];
      for (const entry of entries) {
        if (accept && !accept(entry)) continue;
        const doc = byText.get(textFor(entry));
        if (!doc) continue;
        if (doc.length !== vector.length) throw new Error(`the query vector has ${vector.length} dimensions but the catalog's have ${doc.length}`);
        ranked.push({ entry, score: dot(doc, vector) });
      }
      return ranked.sort((a, b) => b.score - a.score).slice(0, limit);
    },
  };
}

/** What a function is, in words an embedding model reads well: its name, its description, its inputs. */
export function embeddingText(entry: CatalogEntry): string {
  const properties = (entry.tool.inputSchema as { properties?: Record<string, unknown> } | undefined)?.properties;
  const params = properties && typeof properties === 'object' ? Object.keys(properties) : [];
  const text = `${entry.id}: ${entry.tool.description}${params.length ? `\nParameters: ${params.join(', ')}` : ''}`;
  return text.length > MAX_TEXT_LENGTH ? text.slice(0, MAX_TEXT_LENGTH) : text;
}
