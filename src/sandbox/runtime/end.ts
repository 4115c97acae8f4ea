// The end of the program: its result as JSON text, or a description of what it threw, posted once.

import type { ThrownDescription } from '../protocol.js';
import { ErrorCtor, RangeErrorCtor, ReferenceErrorCtor, SyntaxErrorCtor, TypeErrorCtor, jsonStringify, safeString, table, truncate } from './intrinsics.js';
import { hostErrorKind } from './calls.js';
import { diverge, isLive } from './clock.js';
import { format, jsonProblem } from './plain-data.js';
import { post } from './post.js';

let finished = false;
let maxResultChars = 8 * 1024 * 1024;

export function setMaxResultChars(chars: number): void {
  maxResultChars = chars;
}

function describe(error: any): ThrownDescription {
  if (error === null || (typeof error !== 'object' && typeof error !== 'function')) {
    return { kind: 'Thrown', name: 'Error', message: truncate(safeString(error), 4000), stack: '' };
  }
  const kind = hostErrorKind(error) ?? nativeKind(error);
  let name = 'Error', message = '', stack = '';
  let status: number | undefined, code: string | undefined, retryable: boolean | undefined, authorizationUrl: string | undefined;
  try { name = safeString(error.name); } catch {}
  try { message = kind === 'Thrown' ? format(error) : safeString(error.message); } catch {}
  try { stack = typeof error.stack === 'string' ? error.stack : ''; } catch {}
  if (kind === 'ToolError') {
    try {
      status = typeof error.status === 'number' ? error.status : undefined;
      code = typeof error.code === 'string' ? error.code : undefined;
      retryable = typeof error.retryable === 'boolean' ? error.retryable : undefined;
      authorizationUrl = typeof error.authorizationUrl === 'string' ? truncate(error.authorizationUrl, 4000) : undefined;
    } catch {}
  }
  return { kind, name: truncate(name, 100), message: truncate(message, 4000), stack: truncate(stack, 8000), status, code, retryable, authorizationUrl };
}

function nativeKind(error: object): ThrownDescription['kind'] {
  if (error instanceof TypeErrorCtor) return 'TypeError';
  if (error instanceof ReferenceErrorCtor) return 'ReferenceError';
  if (error instanceof SyntaxErrorCtor) return 'SyntaxError';
  if (error instanceof RangeErrorCtor) return 'RangeError';
  return error instanceof ErrorCtor ? 'Error' : 'Thrown';
}

/** The program ended: `ok` with its value, or failing with what it threw. Only the first end counts. */
export function finish(ok: boolean, value: unknown): void {
  if (finished) return;
  finished = true;
  if (!isLive()) {
    diverge(ok ? 'the code finished before reaching the pause it was resumed from' : 'the code failed before reaching the pause it was resumed from');
    return;
  }
  if (!ok) {
    post('fail', describe(value));
    return;
  }
  if (value === undefined) {
    post('done', undefined);
    return;
  }
  const problem = jsonProblem(value, 'the result', table(), 0);
  if (problem !== null) {
    post('fail', { kind: 'Result', name: 'TypeError', message: `the code returned a value that is not JSON: ${problem}`, stack: '' });
    return;
  }
  let text: string;
  try {
    text = jsonStringify(value);
  } catch (error) {
    post('fail', describe(error));
    return;
  }
  if (text.length > maxResultChars) {
    post('tooLarge', text.length);
    return;
  }
  post('done', text);
}
