// The limits of the OpenAPI transport's attempts: the group's timeout and the caller's signal, either of which
// destroys the request under way.

import type { RequestStopper } from './upstream.js';

const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * The caller's signal plus the group's timeout, for one attempt: either destroys the request under way. Made
 * and ended by AttemptLimits, which holds no timer and no listener of its own per attempt.
 */
export class AttemptLimit implements RequestStopper {
  private request?: { destroy(error: Error): void };
  private reason?: Error;
  timedOut = false;

  constructor(readonly outer: AbortSignal, readonly deadline: number) {}

  throwIfStopped(): void {
    if (this.reason) throw this.reason;
  }

  attach(request: { destroy(error: Error): void }): void {
    this.request = request;
    if (this.reason) request.destroy(this.reason);
  }

  stop(reason: Error): void {
    this.reason ??= reason;
    this.request?.destroy(this.reason);
  }
}

/**
 * The attempts under way of one transport. Every attempt has the same timeout, so their deadlines come in the
 * order they started: one timer, set for the oldest attempt's deadline, serves them all. One listener per
 * caller's signal (the calls of an execution share one) serves all of that signal's attempts, and stays while
 * the signal lives: one listener per group on an execution's signal. A timer and a listener added and removed
 * per attempt cost more than the rest of its bookkeeping (about 1.2 µs a call here), and AbortSignal.any or
 * AbortSignal.timeout leave per-call state behind until garbage collection.
 */
export class AttemptLimits {
  /** In the order they started, which is the order of their deadlines. */
  private readonly live = new Set<AttemptLimit>();
  /** The attempts under way of each signal; a signal's entry and its listener go when the signal does. */
  private readonly bySignal = new WeakMap<AbortSignal, Set<AttemptLimit>>();
  /** Set for the oldest attempt's deadline, or one since ended; not cleared when the attempts end (it would be set again at once). */
  private timer?: NodeJS.Timeout;

  constructor(private readonly timeoutMs: number) {}

  start(signal: AbortSignal): AttemptLimit {
    const limit = new AttemptLimit(signal, performance.now() + this.timeoutMs);
    if (signal.aborted) {
      limit.stop(abortReason(signal));
      return limit;
    }
    this.live.add(limit);
    let limits = this.bySignal.get(signal);
    if (!limits) {
      const watched = (limits = new Set<AttemptLimit>());
      this.bySignal.set(signal, watched);
      signal.addEventListener('abort', () => {
        for (const each of watched) {
          this.live.delete(each);
          each.stop(abortReason(signal));
        }
        watched.clear();
      }, { once: true });
    }
    limits.add(limit);
    if (this.timer === undefined) this.arm(limit.deadline);
    return limit;
  }

  /** The attempt is over (settled or failed): it is forgotten. */
  end(limit: AttemptLimit): void {
    this.live.delete(limit);
    this.bySignal.get(limit.outer)?.delete(limit);
  }

  close(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  private arm(at: number): void {
    // a deadline further than a timer can wait (about 24.8 days) is reached by waiting again
    this.timer = setTimeout(this.expire, Math.min(MAX_TIMER_MS, Math.max(0, Math.ceil(at - performance.now()))));
    this.timer.unref(); // an attempt's own socket keeps the process alive, not its deadline
  }

  /** Stops the attempts past their deadline, then waits for the next oldest (attempts ended since are gone from live). */
  private readonly expire = (): void => {
    this.timer = undefined;
    const now = performance.now();
    for (const limit of this.live) {
      if (limit.deadline > now) return this.arm(limit.deadline);
      this.end(limit);
      limit.timedOut = true;
      limit.stop(new Error('timeout'));
    }
  };
}

function abortReason(signal: AbortSignal): Error {
  return signal.reason instanceof Error ? signal.reason : new Error('aborted');
}
