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

/**
 * Runs fn with a signal that aborts on timeout or when ctx.signal aborts; settles as soon as either happens,
 * even when fn ignores its signal.
 */
export async function callWithTimeout<T>(label: string, timeout: number, ctx: CallContext, fn: (signal: AbortSignal) => T | Promise<T>): Promise<T> {
  ctx.signal.throwIfAborted();
  const controller = new AbortController();
  const onAbort = () => controller.abort(ctx.signal.reason);
  ctx.signal.addEventListener('abort', onAbort, { once: true });
  const timer = setTimeout(() => controller.abort(new ToolTimeoutError(label, timeout)), timeout);
  let stop!: () => void;
  const aborted = new Promise<never>((_, reject) => {
    stop = () => controller.signal.removeEventListener('abort', fail);
    const fail = () => reject(controller.signal.reason);
    controller.signal.addEventListener('abort', fail, { once: true });
  });
  try {
    return await Promise.race([(async () => fn(controller.signal))(), aborted]);
  } finally {
    clearTimeout(timer);
    stop();
    ctx.signal.removeEventListener('abort', onAbort);
  }
}
