// Vectors from any OpenAI-compatible /embeddings endpoint (OpenAI, Azure-style proxies, Ollama,
// LM Studio, vLLM): POST {model, input: [...]} -> {data: [{index, embedding}]}.

import type { SearchConfig } from '../config/index.js';

export type EmbeddingsConfig = SearchConfig['embeddings'];

export interface Embedder {
  /** One unit-length vector per text, in order. */
  embed(texts: string[], signal?: AbortSignal): Promise<Float32Array[]>;
}

export interface OpenAiEmbedderOptions {
  /** Texts per request. */
  batchSize?: number;
  timeoutMs?: number;
}

const DEFAULT_BATCH = 128;
const DEFAULT_TIMEOUT_MS = 30_000;

/** An embedder for the config's provider, or undefined when embeddings are off or incomplete. */
export function embedderFromConfig(config: EmbeddingsConfig | undefined, options: OpenAiEmbedderOptions = {}): Embedder | undefined {
  if (!config || config.provider !== 'openai' || !config.url || !config.model) return undefined;
  return openAiEmbedder({ url: config.url, model: config.model, apiKey: config.apiKey, dimensions: config.dimensions }, options);
}

export function openAiEmbedder(
  target: { url: string; model: string; apiKey?: string; dimensions?: number },
  options: OpenAiEmbedderOptions = {},
): Embedder {
  const endpoint = `${target.url.replace(/\/+$/, '')}/embeddings`;
  const where = safeOrigin(endpoint);
  const batchSize = Math.max(1, options.batchSize ?? DEFAULT_BATCH);
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;

  async function request(input: string[], signal?: AbortSignal): Promise<Float32Array[]> {
    const headers: Record<string, string> = { 'content-type': 'application/json', accept: 'application/json' };
    if (target.apiKey) headers.authorization = `Bearer ${target.apiKey}`;
    const body = JSON.stringify({ model: target.model, input, ...(target.dimensions && { dimensions: target.dimensions }) });
    const timeout = AbortSignal.timeout(timeoutMs);
    let response: Response;
    try {
      response = await fetch(endpoint, { method: 'POST', headers, body, signal: signal ? AbortSignal.any([signal, timeout]) : timeout });
    } catch (error) {
      const reason = timeout.aborted ? `no answer within ${timeoutMs} ms` : (error as Error).message;
      throw new Error(`embeddings request to ${where} failed: ${reason}; check search.embeddings.url`);
    }
    if (!response.ok) {
      const excerpt = (await response.text().catch(() => '')).slice(0, 200).replace(/\s+/g, ' ');
      const hint = response.status === 401 || response.status === 403 ? 'check search.embeddings.apiKey' : 'check search.embeddings.url and model';
      throw new Error(`embeddings request to ${where} failed: HTTP ${response.status}${excerpt ? ` (${excerpt})` : ''}; ${hint}`);
    }
    const json = (await response.json().catch(() => undefined)) as { data?: { index?: number; embedding?: unknown }[] } | undefined;
    const data = json?.data;
    if (!Array.isArray(data) || data.length !== input.length) {
      throw new Error(`embeddings response from ${where} is not {data: [{embedding}]} with one vector per input`);
    }
    const ordered = [...data].sort((a, b) => (a.index ?? 0) - (b.index ?? 0));
    return ordered.map((item) => {
      if (!Array.isArray(item.embedding) || item.embedding.length === 0 || !item.embedding.every((v) => typeof v === 'number')) {
        throw new Error(`embeddings response from ${where} has an item without a numeric embedding`);
      }
      return normalize(item.embedding as number[]);
    });
  }

  return {
    async embed(texts, signal) {
      const out: Float32Array[] = [];
      for (let start = 0; start < texts.length; start += batchSize) {
        out.push(...(await request(texts.slice(start, start + batchSize), signal)));
      }
      return out;
    },
  };
}

/** Unit length, so a dot product is the cosine. */
export function normalize(vector: ArrayLike<number>): Float32Array {
  let sum = 0;
  for (let i = 0; i < vector.length; i++) sum += vector[i] * vector[i];
  const norm = Math.sqrt(sum) || 1;
  const out = new Float32Array(vector.length);
  for (let i = 0; i < vector.length; i++) out[i] = vector[i] / norm;
  return out;
}

export function dot(a: Float32Array, b: Float32Array): number {
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += a[i] * b[i];
  return sum;
}

// Scheme, host and port only: never a path with tokens or a userinfo part in a message.
function safeOrigin(url: string): string {
  try {
    return new URL(url).origin;
  } catch {
    return 'the embeddings endpoint';
  }
}
