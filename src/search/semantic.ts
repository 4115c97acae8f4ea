// Semantic ranking: each function embedded once (lazily, shared by concurrent first queries),
// queries embedded per call with a small cache, cosine similarity over unit vectors.

import type { CatalogEntry } from '../catalog/index.js';
import { dot, type Embedder } from './embeddings.js';
import type { RankedEntry } from './lexical.js';

const QUERY_CACHE_SIZE = 512;
/** After a failed attempt to embed the catalog, wait this long before trying again (queries stay lexical). */
const RETRY_AFTER_MS = 30_000;
const MAX_TEXT_LENGTH = 2000;

export interface SemanticIndex {
  /** Embeds the catalog now rather than on the first query. */
  warmUp(): Promise<void>;
  rank(query: string, accept?: (entry: CatalogEntry) => boolean, limit?: number): Promise<RankedEntry[]>;
}

export function buildSemanticIndex(entries: readonly CatalogEntry[], embedder: Embedder, now: () => number = Date.now): SemanticIndex {
  let vectors: Promise<Float32Array[]> | undefined;
  let failedAt = -Infinity;
  const queryCache = new Map<string, Float32Array>();

  function catalogVectors(): Promise<Float32Array[]> {
    if (vectors) return vectors;
    if (now() - failedAt < RETRY_AFTER_MS) return Promise.reject(new Error('embedding the catalog failed recently; retrying shortly'));
    const attempt = embedder.embed(entries.map(embeddingText));
    vectors = attempt;
    attempt.catch(() => {
      failedAt = now();
      vectors = undefined;
    });
    return attempt;
  }

  async function queryVector(query: string): Promise<Float32Array> {
    const key = query.trim().toLowerCase();
    const cached = queryCache.get(key);
    if (cached) {
      queryCache.delete(key); // most recently used goes last
      queryCache.set(key, cached);
      return cached;
    }
    const [vector] = await embedder.embed([query]);
    queryCache.set(key, vector);
    if (queryCache.size > QUERY_CACHE_SIZE) queryCache.delete(queryCache.keys().next().value as string);
    return vector;
  }

  return {
    async warmUp() {
      await catalogVectors();
    },
    async rank(query, accept, limit = 200) {
      if (!query.trim() || entries.length === 0) return [];
      // without catalog vectors a query vector is useless: do not spend a request on it
      if (!vectors && now() - failedAt < RETRY_AFTER_MS) throw new Error('embedding the catalog failed recently; retrying shortly');
      const [docs, vector] = await Promise.all([catalogVectors(), queryVector(query)]);
      if (docs[0] && docs[0].length !== vector.length) {
        throw new Error(`the query vector has ${vector.length} dimensions but the catalog's have ${docs[0].length}`);
      }
      const ranked: RankedEntry[] = [];
      docs.forEach((doc, i) => {
        if (accept && !accept(entries[i])) return;
        ranked.push({ entry: entries[i], score: dot(doc, vector) });
      });
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
