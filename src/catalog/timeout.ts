// A per-call time limit for tools that run in this process or have no limit of their own.

import { ToolCallError, type CallContext } from './types.js';

/** A call that did not finish within its group's `timeout`. */
export class ToolTimeoutError extends ToolCallError {
  readonly timeout: number;
  constructor(label: string, timeout: number) {
    super(`${label} did not finish within ${timeout} ms (the group's timeout); it was cancelled. Raise the timeout in the config or ask for less`, { code: 'TIMEOUT_ERROR', retryable: true });
    this.name = 'ToolTimeoutError';
    this.timeout = timeout;
  }
}

/** What fn gets: `signal` is made on first read, since most in-process tools never look at it. */
export interface TimedCall {
  readonly signal: AbortSignal;
}

/**
 * Runs fn with a signal that aborts on timeout or when ctx.signal aborts; settles as soon as either happens,
 * even when fn ignores its signal.
 */
export function callWithTimeout<T>(label: string, timeout: number, ctx: CallContext, fn: (call: TimedCall) => T | Promise<T>): Promise<T> {
  try {
    ctx.signal.throwIfAborted();
  } catch (error) {
    return Promise.reject(error);
  }
  return new Promise<T>((resolve, reject) => {
    let controller: AbortController | undefined;
    let ended = false;
    let reason: unknown;
    const end = (): boolean => {
      if (ended) return false;
      ended = true;
      clearTimeout(timer);
      ctx.signal.removeEventListener('abort', onAbort);
      return true;
    };
    // the signal's listeners run before the caller hears of the failure, as with a plain AbortController
    const fail = (why: unknown): void => {
      if (!end()) return;
      reason = why;
      controller?.abort(why);
      reject(why);
    };
    const onAbort = (): void => fail(ctx.signal.reason);
    const timer = setTimeout(() => fail(new ToolTimeoutError(label, timeout)), timeout);
    ctx.signal.addEventListener('abort', onAbort, { once: true });
    const call: TimedCall = {
      get signal(): AbortSignal {
        if (!controller) {
          controller = new AbortController();
          if (reason !== undefined) controller.abort(reason);
        }
        return controller.signal;
      },
    };
    let result: T | Promise<T>;
    try {
      result = fn(call);
    } catch (error) {
      if (end()) reject(error);
      return;
    }
    Promise.resolve(result).then(
      (value) => { if (end()) resolve(value); },
      (error: unknown) => { if (end()) reject(error); },
    );
  });
}
