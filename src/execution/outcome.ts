// How an execution ended, in the protocol's statuses and codes. Decided from what happened (which kind of
// error object, which limit the host saw hit), never from the wording of a message.

import { renderStack, userFrames, type Transpiled } from '../sandbox/index.js';
import type { PauseHeader } from './state-store.js';
import type { CancelReason, ExecutionError, ExecutionResult, ExecutionStatus } from './types.js';

export interface Outcome { status: ExecutionStatus; result?: unknown; error?: ExecutionError }

const CODE_BY_KIND: Record<string, string> = {
  TypeError: 'TYPE_ERROR',
  ReferenceError: 'REFERENCE_ERROR',
};

/** The program threw (or its result could not be sent); `info` comes from the sandbox and is checked here. */
export function thrownOutcome(info: unknown, code: Transpiled | undefined): Outcome {
  const raw = (typeof info === 'object' && info !== null ? info : {}) as Record<string, unknown>;
  const text = (value: unknown, max: number, fallback: string) => (typeof value === 'string' && value ? value.slice(0, max) : fallback);
  const kind = text(raw.kind, 40, 'Error');
  const name = text(raw.name, 100, 'Error');
  const message = text(raw.message, 4000, 'the code threw without a message');
  const frames = code ? userFrames(text(raw.stack, 8000, ''), code) : [];
  const error: ExecutionError = { message, code: CODE_BY_KIND[kind] ?? 'EXECUTION_FAILED' };
  let status: ExecutionStatus = 'failed';
  if (kind === 'ToolError') {
    const toolCode = typeof raw.code === 'string' && /^[A-Z][A-Z0-9_]{1,40}$/.test(raw.code) ? raw.code : undefined;
    const httpStatus = typeof raw.status === 'number' ? raw.status : undefined;
    error.code = toolCode ?? (httpStatus !== undefined ? 'HTTP_ERROR' : 'EXECUTION_FAILED');
    if (toolCode === 'NETWORK_ERROR') status = 'network_error';
    if (toolCode === 'SECURITY_VIOLATION') status = 'security_violation'; // a data-flow rule refused a call, and the code let it end the run
    if (toolCode === 'AUTHORIZATION_REQUIRED' && typeof raw.authorizationUrl === 'string' && /^https?:\/\//i.test(raw.authorizationUrl)) {
      error.authorizationUrl = raw.authorizationUrl;
      error.suggestion = 'show the person authorizationUrl; once they have signed in, run the code again';
    }
    if (typeof raw.retryable === 'boolean') error.retryable = raw.retryable;
    else if (httpStatus !== undefined && (httpStatus >= 500 || httpStatus === 429)) error.retryable = true;
  }
  if (kind === 'Result') error.suggestion = 'return plain JSON data: objects, arrays, strings, numbers, booleans and null';
  if (frames.length > 0) {
    error.line = frames[0].line;
    error.column = frames[0].column;
  }
  error.stack = renderStack(kind === 'Thrown' ? 'Uncaught' : name, message, frames);
  return { status, error };
}

export function parseErrorOutcome(message: string, line?: number, column?: number): Outcome {
  const where = line !== undefined ? ` (line ${line}${column !== undefined ? `, column ${column}` : ''})` : '';
  return {
    status: 'parse_error',
    error: { message: `${message}${where}`, code: 'SYNTAX_ERROR', line, column, suggestion: 'the code is the body of an async function: top-level await and return work; TypeScript types are allowed' },
  };
}

/**
 * `stack`: where the code was running when it was stopped; else `waiting`: the call an idle program was
 * still waiting for, with the stack where the code made it.
 */
export function timeoutOutcome(timeoutMs: number, stack: string | undefined, code: Transpiled | undefined, waiting?: { label: string; stack: string }): Outcome {
  let frames = stack && code ? userFrames(stack, code) : [];
  let where = frames.length > 0 ? ` It was running line ${frames[0].line} when it was stopped.` : '';
  if (frames.length === 0 && waiting && code) {
    frames = userFrames(waiting.stack, code);
    where = ` It was waiting for ${waiting.label.slice(0, 200)}${frames.length > 0 ? `, called at line ${frames[0].line}` : ''}.`;
  }
  return {
    status: 'timeout',
    error: {
      message: `the code ran for more than its ${formatMs(timeoutMs)} timeout (time paused waiting for the client does not count).${where}`,
      code: 'TIMEOUT_ERROR',
      ...(frames.length > 0 && { line: frames[0].line, column: frames[0].column }),
      suggestion: 'do less work per execution, or ask for a longer timeout in the execution config',
    },
  };
}

/** Awaiting a promise that nothing can settle: it would wait until the timeout, so it ends now. */
export function stalledOutcome(): Outcome {
  return {
    status: 'timeout',
    error: {
      message: 'the code is waiting for a promise that nothing can settle (no API call, callback or timer is pending), so it would wait until the timeout',
      code: 'TIMEOUT_ERROR',
      suggestion: 'make sure every promise the code awaits is resolved or rejected',
    },
  };
}

export function memoryOutcome(limitBytes: number): Outcome {
  return {
    status: 'memory_exceeded',
    error: {
      message: `the code used more than its ${formatBytes(limitBytes)} memory limit and was stopped`,
      code: 'MEMORY_LIMIT_EXCEEDED',
      suggestion: 'process data in smaller pieces, or ask for more memory in the execution config',
    },
  };
}

export function tooLargeOutcome(size: number, max: number): Outcome {
  return {
    status: 'failed',
    error: {
      message: `the result is ${formatBytes(size)}, more than the ${formatBytes(max)} a result may be`,
      code: 'RESULT_TOO_LARGE',
      suggestion: 'return only what is needed (select fields, summarize, paginate)',
    },
  };
}

export function divergedOutcome(detail: string): Outcome {
  return {
    status: 'failed',
    error: {
      message: `this execution could not be resumed: the instance that paused it no longer holds it, and replaying its journal diverged: ${detail}`,
      code: 'REPLAY_DIVERGED',
      suggestion: 'run the code again; code that depends on anything outside the journal (such as the host locale) cannot be replayed',
    },
  };
}

/** A replay here would show the code other local times; the pause is left for an instance that can replay it. */
export function otherTimeZoneOutcome(pausedIn: string, here: string): Outcome {
  return {
    status: 'failed',
    error: {
      message: `this execution cannot be resumed on this instance: it runs in time zone ${pausedIn}, and this instance's execution.timezone is ${here}. Its pause is kept`,
      code: 'EXECUTION_FAILED',
      retryable: true,
      suggestion: `resume it on an instance whose execution.timezone is ${pausedIn}, and give every instance sharing the state store the same one`,
    },
  };
}

export function notReplayableOutcome(issue: string): Outcome {
  return {
    status: 'failed',
    error: {
      message: `this execution could not be resumed: the instance that paused it no longer holds it, and it cannot be replayed because ${issue}`,
      code: 'EXECUTION_FAILED',
      suggestion: 'run the code again',
    },
  };
}

export function internalOutcome(what: string): Outcome {
  return { status: 'failed', error: { message: `the execution failed inside the server: ${what}`, code: 'EXECUTION_FAILED', retryable: true } };
}

function formatMs(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000} s` : `${ms} ms`;
}

/** Decimal units, as the config writes them (128MB = 128,000,000 bytes). */
function formatBytes(bytes: number): string {
  if (bytes >= 1e6) return `${+(bytes / 1e6).toFixed(1)} MB`;
  if (bytes >= 1e3) return `${+(bytes / 1e3).toFixed(1)} KB`;
  return `${bytes} bytes`;
}

/** The client cancelled: by request, or by closing the event stream the execution ran under. */
export function cancelledError(reason: CancelReason): ExecutionError {
  const message = reason === 'disconnect'
    ? 'cancelled: the client closed the event stream (POST /api/execute/stream) before the end; send config.cancelOnDisconnect: false to keep an execution running without its stream'
    : 'cancelled by its client (POST /api/cancel/:executionId)';
  return { message, code: 'EXECUTION_CANCELLED', retryable: false };
}

export function closingOutcome(): Outcome {
  return { status: 'cancelled', error: { message: 'the server is shutting down; retry on another instance', code: 'EXECUTION_FAILED', retryable: true } };
}

/** A result for an execution that did not (or no longer) run here: its stats are those of its last pause, if any. */
export function standalone(id: string, outcome: Outcome, header?: PauseHeader): ExecutionResult {
  return {
    executionId: id,
    status: outcome.status,
    ...(outcome.error && { error: outcome.error }),
    stats: {
      duration: Math.round(header?.usedMs ?? 0),
      memoryUsed: header?.memoryUsed ?? 0,
      llmCallsCount: header?.counters.llm ?? 0,
      approvalCallsCount: header?.counters.approval ?? 0,
    },
  };
}
