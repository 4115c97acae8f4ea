// The calls of one execution running on the host (catalog tools, the cache): at most `max` at once, all under
// one AbortSignal that is aborted when the execution ends, so upstream requests in flight are cancelled and
// their outcomes go unheard.

import { setMaxListeners } from 'node:events';

export class HostCalls {
  private readonly ids = new Set<number>();
  /** Made on the first call: one signal for all (an AbortSignal costs several µs to make). */
  private aborter?: AbortController;

  constructor(private readonly max: number) {}

  get size(): number {
    return this.ids.size;
  }

  /**
   * Runs call `id` with the shared signal; `onValue` or `onError` hears how it settled, unless abortAll came
   * first. False, and nothing runs, when `max` calls are already in flight.
   */
  start(id: number, run: (signal: AbortSignal) => unknown, onValue: (value: unknown) => void, onError: (error: unknown) => void): boolean {
    if (this.ids.size >= this.max) return false;
    if (!this.aborter) {
      this.aborter = new AbortController();
      setMaxListeners(this.max * 2, this.aborter.signal); // a listener or two per call in flight
    }
    const signal = this.aborter.signal;
    this.ids.add(id);
    let work: Promise<unknown>;
    try {
      work = Promise.resolve(run(signal));
    } catch (error) {
      work = Promise.reject(error);
    }
    work.then(
      (value) => {
        if (this.ids.delete(id)) onValue(value);
      },
      (error: unknown) => {
        if (this.ids.delete(id)) onError(error);
      },
    );
    return true;
  }

  /** The execution ended: the calls in flight are aborted, and how they settle is not heard. */
  abortAll(): void {
    if (this.ids.size > 0) this.aborter?.abort(); // aborting makes a DOMException: only when a call can hear it
    this.ids.clear();
  }
}
