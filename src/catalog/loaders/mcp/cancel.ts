// What a call hands the MCP SDK as its request's `signal`. The SDK reads `aborted`, `reason` and
// `throwIfAborted()`, and adds one 'abort' listener that it never removes, so a signal cannot be shared
// between calls. An AbortController per call costs about 8 µs here, and a listener on the caller's signal a
// few more; a CallCancel costs an object, and the caller's signal gets one listener for all its calls.

/** The part of AbortSignal the SDK's Protocol.request uses. */
export class CallCancel {
  aborted = false;
  reason: unknown = undefined;
  private listeners: Array<() => void> = [];

  throwIfAborted(): void {
    if (this.aborted) throw this.reason;
  }

  addEventListener(type: string, listener: () => void): void {
    if (type === 'abort') this.listeners.push(listener);
  }

  removeEventListener(type: string, listener: () => void): void {
    if (type === 'abort') this.listeners = this.listeners.filter((known) => known !== listener);
  }

  abort(reason: unknown): void {
    if (this.aborted) return;
    this.aborted = true;
    this.reason = reason;
    const listeners = this.listeners;
    this.listeners = [];
    for (const listener of listeners) listener();
  }

  /** Typed as the SDK's option wants it: the members it reads are the ones above. */
  get signal(): AbortSignal {
    return this as unknown as AbortSignal;
  }
}

/** The calls in flight under each caller's signal: aborting it aborts them all. */
const inFlight = new WeakMap<AbortSignal, Set<CallCancel>>();

/** A CallCancel that aborts when `signal` does, until `done` is called (the call settled). */
export function linkedCancel(signal: AbortSignal): { cancel: CallCancel; done(): void } {
  const cancel = new CallCancel();
  if (signal.aborted) {
    cancel.abort(signal.reason);
    return { cancel, done: () => {} };
  }
  let calls = inFlight.get(signal);
  if (!calls) {
    const set = new Set<CallCancel>();
    calls = set;
    inFlight.set(signal, set);
    signal.addEventListener('abort', () => {
      inFlight.delete(signal);
      for (const call of set) call.abort(signal.reason);
      set.clear();
    }, { once: true });
  }
  const set = calls;
  set.add(cancel);
  return { cancel, done: () => set.delete(cancel) };
}
