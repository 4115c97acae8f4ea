// The contract between the HTTP layer (src/http) and the execution engine (src/execution, src/sandbox,
// src/runtime). Wire shapes follow ../shared/PROTOCOL.md exactly.

export type ExecutionStatus =
  | 'completed' | 'failed' | 'timeout' | 'cancelled' | 'paused' | 'memory_exceeded' | 'llm_calls_exceeded'
  | 'security_violation' | 'validation_failed' | 'loop_detected' | 'rate_limited' | 'network_error' | 'parse_error';

export type CallbackType = 'llm' | 'approval' | 'embedding' | 'tool';

export interface CallbackRequest {
  type: CallbackType;
  operation: string;
  payload: Record<string, unknown>;
}

export interface ExecutionError {
  message: string;
  code?: string;
  line?: number;
  /** Column in the user's code (1-based), with `line`. */
  column?: number;
  /** Only frames of the user's code (agent.ts:line:column), never host frames. */
  stack?: string;
  retryable?: boolean;
  suggestion?: string;
  /** AUTHORIZATION_REQUIRED: where the person signs in to the group the code called. */
  authorizationUrl?: string;
}

export interface ExecutionStats {
  duration: number;
  memoryUsed: number;
  llmCallsCount: number;
  approvalCallsCount: number;
}

/** What POST /api/execute and /api/resume answer (HTTP 200). */
export interface ExecutionResult {
  executionId: string;
  status: ExecutionStatus;
  result?: unknown;
  error?: ExecutionError;
  stats: ExecutionStats;
  needsCallback?: CallbackRequest;
  needsCallbacks?: (CallbackRequest & { id: string })[];
}

/** A tool the client registered at /api/init: callable as api.<namespace ?? 'client'>.<name>, answered by a pause. */
export interface ClientToolDefinition {
  name: string;
  namespace?: string;
  description: string;
  inputSchema: Record<string, unknown>;
  outputSchema?: Record<string, unknown>;
}

export interface ClientServices {
  hasLLM: boolean;
  hasApproval: boolean;
  hasEmbedding: boolean;
  hasTools: boolean;
}

export interface ProgressEvent { message: string; fraction?: number; current?: number; total?: number }
export interface LogEvent { level: 'debug' | 'info' | 'warn' | 'error'; message: string; data?: unknown }

export interface ExecuteRequest {
  code: string;
  clientId: string;
  /** Already clamped by the caller to the configured maxima. */
  limits: { timeout: number; memory: number; llmCalls: number };
  services: ClientServices;
  clientTools: ClientToolDefinition[];
  /** Function id patterns (`github.*`) this execution may call; undefined means all. */
  allowedApis?: string[];
  allowLLMCalls?: boolean;
  /** A call to a group whose person has not signed in: fails with AUTHORIZATION_REQUIRED (default), or pauses for an approval. */
  authorization?: 'fail' | 'pause';
  /** Called with its id once the execution is admitted and held as running (the stream's X-ATP-Execution-Id): a cancel from within the call reaches it. */
  onStart?(executionId: string): void;
  /** Streamed to /api/execute/stream while the execution runs on this instance. */
  onProgress?(event: ProgressEvent): void;
  onLog?(event: LogEvent): void;
}

/** Who cancelled: the client asked (POST /api/cancel/:id), or closed the event stream it ran under. */
export type CancelReason = 'request' | 'disconnect';

/** One answer to a pause: `{result}` for a single callback, `{results: [{id, result}]}` for a batch. */
export type ResumeAnswer = ({ result: unknown } | { results: { id: string; result: unknown }[] }) & {
  /** The identity of the API key the answering session was opened with (apiKeyIdentity), for the audit trail. */
  apiKeyId?: string;
};

export interface Executor {
  execute(request: ExecuteRequest): Promise<ExecutionResult>;
  /** Throws ExecutionNotFoundError (404), ResumeConflictError (409) or ResumeInputError (400). */
  resume(executionId: string, clientId: string, answer: ResumeAnswer, hooks?: Pick<ExecuteRequest, 'onProgress' | 'onLog'>): Promise<ExecutionResult>;
  /**
   * Ends the client's own execution, running on this instance or paused (here or in the state store): its result,
   * status `cancelled` (or how it ended, if it ended first); upstream calls in flight are aborted. `reason` says who
   * asked, for the result and the audit trail. Throws ExecutionNotFoundError (404) for an unknown, finished or
   * another client's id, and CancelConflictError (409) when it was resumed on another instance and runs there.
   */
  cancel(executionId: string, clientId: string, reason?: CancelReason): Promise<ExecutionResult>;
  /** Stop accepting, wait up to graceMs for running executions, persist paused ones, free isolates. */
  close(graceMs?: number): Promise<void>;
}

/** Unknown id, another client's id, expired or finished: indistinguishable on purpose. */
export class ExecutionNotFoundError extends Error {
  /** What the HTTP layer answers (koa's convention): the status, and that the message may be shown. */
  readonly status = 404;
  readonly expose = true;
  constructor() {
    super('execution not found: it may have finished, expired, or belong to another client');
    this.name = 'ExecutionNotFoundError';
  }
}

/** The pause was already answered (a second resume of the same pause). */
export class ResumeConflictError extends Error {
  readonly status = 409;
  readonly expose = true;
  constructor() {
    super('this pause was already resumed; each pause accepts one answer');
    this.name = 'ResumeConflictError';
  }
}

/** The answer does not fit the pause (missing result, unknown or missing batch ids). */
export class ResumeInputError extends Error {
  readonly status = 400;
  readonly expose = true;
  constructor(message: string) {
    super(message);
    this.name = 'ResumeInputError';
  }
}

/** A resume (or a second cancel) of an execution its client cancelled: refused, saying so. */
export class ExecutionCancelledError extends Error {
  readonly status = 409;
  readonly expose = true;
  constructor(cancelledAt: number) {
    super(`this execution was cancelled by its client at ${new Date(cancelledAt).toISOString()} and cannot be resumed; run the code again`);
    this.name = 'ExecutionCancelledError';
  }
}

/** A cancel of an execution that was resumed on another instance sharing the state store, and runs there now. */
export class CancelConflictError extends Error {
  readonly status = 409;
  readonly expose = true;
  constructor() {
    super('this execution was resumed and is running on another instance; cancel it through that instance, or wait for its next pause or its end');
    this.name = 'CancelConflictError';
  }
}
