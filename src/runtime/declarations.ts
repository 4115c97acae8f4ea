// TypeScript declarations of the atp.* runtime for GET /api/runtime, filtered by service name. They describe
// exactly what the sandbox provides (src/sandbox/runtime/), nothing it lacks.

export const RUNTIME_SERVICES = ['llm', 'approval', 'embedding', 'cache', 'log', 'progress'] as const;
export type RuntimeService = (typeof RUNTIME_SERVICES)[number];

const TYPES: Record<RuntimeService, string> = {
  llm: `interface LLMCallOptions {
  prompt: string;
  context?: Record<string, unknown>;
  model?: string;
  maxTokens?: number;
  temperature?: number;
  systemPrompt?: string;
}
interface LLMExtractOptions {
  prompt: string;
  /** JSON Schema of the value to extract. */
  schema: Record<string, unknown>;
  context?: Record<string, unknown>;
}
interface LLMClassifyOptions {
  text: string;
  categories: string[];
  context?: Record<string, unknown>;
}`,
  approval: `interface ApprovalResponse {
  approved: boolean;
  response?: unknown;
  timestamp: number;
}`,
  embedding: `interface EmbeddingSearchOptions {
  /** Results to return, best first (default 5). */
  topK?: number;
  /** Drop results below this cosine similarity. */
  minSimilarity?: number;
  /** Only texts embedded with this metadata.collection. */
  collection?: string;
}
interface EmbeddingSearchResult {
  id: string;
  text: string;
  similarity: number;
  metadata?: Record<string, unknown>;
}`,
  cache: '',
  log: '',
  progress: `interface ProgressUpdate {
  current?: number;
  total?: number;
  message?: string;
}`,
};

const MEMBERS: Record<RuntimeService, string> = {
  llm: `  /** Asks the client's LLM; each call pauses the execution until the client answers. */
  llm: {
    call(options: LLMCallOptions | string): Promise<string>;
    extract<T = unknown>(options: LLMExtractOptions): Promise<T>;
    classify(options: LLMClassifyOptions): Promise<string>;
  };`,
  approval: `  /** Asks the client's user to approve something; pauses until answered. */
  approval: {
    request(message: string, context?: Record<string, unknown>): Promise<ApprovalResponse>;
  };`,
  embedding: `  /** Vectors computed by the client, kept for this execution, searched by cosine similarity. */
  embedding: {
    embed(text: string, metadata?: Record<string, unknown>): Promise<string>;
    embed(texts: string[], metadata?: Record<string, unknown>): Promise<string[]>;
    search(query: string, options?: EmbeddingSearchOptions): Promise<EmbeddingSearchResult[]>;
  };`,
  cache: `  /** A key-value cache shared by this client's executions; values are JSON. */
  cache: {
    get<T = unknown>(key: string): Promise<T | null>;
    set(key: string, value: unknown, ttlSeconds?: number): Promise<void>;
    has(key: string): Promise<boolean>;
    delete(key: string): Promise<boolean>;
  };`,
  log: `  /** Log lines kept with the execution and streamed to the client; console.* does the same. */
  log: {
    debug(message: string, data?: unknown): void;
    info(message: string, data?: unknown): void;
    warn(message: string, data?: unknown): void;
    error(message: string, data?: unknown): void;
  };`,
  progress: `  /** Progress shown to the client on /api/execute/stream. */
  progress: {
    report(update: ProgressUpdate): void;
    report(message: string, fraction?: number): void;
  };`,
};

/** Declarations of `atp` limited to the given services (all when omitted); unknown names are ignored. */
export function runtimeDeclarations(apis?: readonly string[]): string {
  const wanted = RUNTIME_SERVICES.filter((name) => !apis || apis.includes(name));
  const types = wanted.map((name) => TYPES[name]).filter(Boolean);
  const members = wanted.map((name) => MEMBERS[name]);
  return [
    '// The atp.* runtime available to agent code. `atp.api` is the same object as the global `api`.',
    ...types,
    `declare const atp: {\n${members.join('\n')}\n};`,
    '',
  ].join('\n\n');
}
