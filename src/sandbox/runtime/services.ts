// atp.*: the client's services (llm, approval, embedding: each call a pause), the cache (server work), logs
// and progress. Only marshalling happens here: every decision about a call is made on the host.

import { MathMax, MathMin, MathSqrt, NumberCtor, ObjectFreeze, PromiseCtor, TypeErrorCtor, isArray, isFinite, promiseReject, safeString } from './intrinsics.js';
import { hostCall } from './calls.js';
import { logFor, reportProgress } from './logs.js';

const requireString = (label: string, what: string, value: unknown): void => {
  if (typeof value !== 'string') throw new TypeErrorCtor(`${label}: ${what} must be a string`);
};
const wrapSync = (fn: (...a: any[]) => Promise<any>) => function (...args: any[]) {
  try { return fn(...args); } catch (error) { return promiseReject(error); }
};
const isPlainObject = (value: unknown): boolean => value !== null && typeof value === 'object' && !isArray(value);

function llmOperation(operation: string, required: string[]): any {
  const label = `atp.llm.${operation}`;
  return wrapSync((arg: unknown) => {
    const options: any = typeof arg === 'string' && operation === 'call' ? { prompt: arg } : arg;
    if (!isPlainObject(options)) throw new TypeErrorCtor(`${label}: pass an options object, e.g. ${label}({ ${required.join(', ')} })`);
    for (const key of required) if (options[key] === undefined) throw new TypeErrorCtor(`${label}: options.${key} is required`);
    let payload: any;
    if (operation === 'call') payload = { prompt: options.prompt, options };
    else if (operation === 'extract') payload = { prompt: options.prompt, schema: options.schema, options };
    else payload = { text: options.text, categories: options.categories, options };
    return hostCall(`llm.${operation}`, '', label, payload, false);
  });
}

// Embeddings live in the sandbox: the client only turns text into vectors, and replay rebuilds the store.
const vectors: any[] = [];
let vectorCount = 0;
function checkVector(label: string, value: any): number[] {
  if (!isArray(value) || value.length === 0) throw new TypeErrorCtor(`${label}: the client answered with ${safeString(typeof value)}, not a list of numbers`);
  for (let i = 0; i < value.length; i++) if (typeof value[i] !== 'number' || !isFinite(value[i])) throw new TypeErrorCtor(`${label}: the client's vector has a non-number at ${i}`);
  return value;
}
function cosine(a: number[], b: number[]): number {
  let dot = 0, na = 0, nb = 0;
  const n = MathMin(a.length, b.length);
  for (let i = 0; i < n; i++) { dot += a[i] * b[i]; na += a[i] * a[i]; nb += b[i] * b[i]; }
  return na === 0 || nb === 0 ? 0 : dot / (MathSqrt(na) * MathSqrt(nb));
}
function embedOne(text: unknown, metadata: unknown): Promise<string> {
  requireString('atp.embedding.embed', 'the text', text);
  return hostCall('embedding.embed', '', 'atp.embedding.embed', { text }, false, (answer: any) => {
    const vector = checkVector('atp.embedding.embed', answer);
    const id = `emb_${++vectorCount}`;
    vectors[vectors.length] = { id, text, vector, metadata };
    return id;
  });
}

function makeEmbedding(): any {
  return {
    embed: wrapSync((input: unknown, metadata?: unknown) => {
      if (metadata !== undefined && !isPlainObject(metadata)) throw new TypeErrorCtor('atp.embedding.embed: metadata must be an object');
      if (!isArray(input)) return embedOne(input, metadata);
      const all: Promise<string>[] = [];
      for (let i = 0; i < input.length; i++) all[all.length] = embedOne(input[i], metadata);
      return PromiseCtor.all(all);
    }),
    search: wrapSync((query: unknown, searchOptions?: unknown) => {
      requireString('atp.embedding.search', 'the query', query);
      const o: any = searchOptions === undefined ? {} : searchOptions;
      if (!isPlainObject(o)) throw new TypeErrorCtor('atp.embedding.search: options must be an object, e.g. { topK: 5 }');
      const topK = o.topK === undefined ? 5 : NumberCtor(o.topK);
      const minSimilarity = o.minSimilarity === undefined ? -1 : NumberCtor(o.minSimilarity);
      return hostCall('embedding.search', '', 'atp.embedding.search', { query, options: o }, false, (answer: any) => {
        const vector = checkVector('atp.embedding.search', answer);
        const hits: any[] = [];
        for (let i = 0; i < vectors.length; i++) {
          const record = vectors[i];
          if (o.collection !== undefined && (!record.metadata || record.metadata.collection !== o.collection)) continue;
          const similarity = cosine(vector, record.vector);
          if (similarity < minSimilarity) continue;
          const hit: any = { id: record.id, text: record.text, similarity };
          if (record.metadata !== undefined) hit.metadata = record.metadata;
          hits[hits.length] = hit;
        }
        // insertion sort keeps ties in embedding order, deterministic for replay
        for (let i = 1; i < hits.length; i++) {
          const hit = hits[i];
          let j = i - 1;
          while (j >= 0 && hits[j].similarity < hit.similarity) { hits[j + 1] = hits[j]; j--; }
          hits[j + 1] = hit;
        }
        if (hits.length > topK) hits.length = MathMax(0, topK);
        return hits;
      });
    }),
  };
}

const cacheKey = (operation: string, key: unknown): void => {
  if (typeof key !== 'string' || key.length === 0 || key.length > 512) throw new TypeErrorCtor(`atp.cache.${operation}: the key must be a non-empty string of at most 512 characters`);
};

function makeCache(): any {
  return {
    get: wrapSync((key: unknown) => { cacheKey('get', key); return hostCall('cache.get', '', 'atp.cache.get', { key }, true); }),
    has: wrapSync((key: unknown) => { cacheKey('has', key); return hostCall('cache.has', '', 'atp.cache.has', { key }, true); }),
    delete: wrapSync((key: unknown) => { cacheKey('delete', key); return hostCall('cache.delete', '', 'atp.cache.delete', { key }, true); }),
    set: wrapSync((key: unknown, value: unknown, ttlSeconds?: unknown) => {
      cacheKey('set', key);
      if (ttlSeconds !== undefined && (typeof ttlSeconds !== 'number' || !(ttlSeconds > 0))) throw new TypeErrorCtor('atp.cache.set: ttlSeconds must be a positive number');
      return hostCall('cache.set', '', 'atp.cache.set', { key, value, ttlSeconds }, true);
    }),
  };
}

/** The frozen atp object, with `api` as atp.api. */
export function makeAtp(api: any): any {
  const atp: any = {
    api,
    llm: { call: llmOperation('call', ['prompt']), extract: llmOperation('extract', ['prompt', 'schema']), classify: llmOperation('classify', ['text', 'categories']) },
    approval: {
      request: wrapSync((message: unknown, context?: unknown) => {
        requireString('atp.approval.request', 'the message', message);
        if (context !== undefined && !isPlainObject(context)) throw new TypeErrorCtor('atp.approval.request: the context must be an object');
        return hostCall('approval.request', '', 'atp.approval.request', { message, context: context === undefined ? {} : context }, false);
      }),
    },
    embedding: makeEmbedding(),
    cache: makeCache(),
    log: { debug: logFor('debug'), info: logFor('info'), warn: logFor('warn'), error: logFor('error') },
    progress: { report: reportProgress },
  };
  for (const key of ['llm', 'approval', 'embedding', 'cache', 'log', 'progress']) ObjectFreeze(atp[key]);
  return ObjectFreeze(atp);
}
