// One isolate as its Sandboxes (contexts) share it: how it is freed, and what happened to it.

import type ivm from 'isolated-vm';

/**
 * One isolate, and what its Sandboxes (contexts) share: how it is freed, and what happened to it. An isolate
 * `shared` by several contexts (a client's, see client-isolates.ts) is freed by its owner, not by a Sandbox.
 */
export class IsolateHandle {
  shared = false;
  disposedByHost = false;
  /** V8 stopped a turn in it (a timeout): it is not given to another execution. */
  terminated = false;
  /** Set when V8 lost control of the isolate (isolated-vm's catastrophic error). */
  catastrophe?: string;
  /** The runtime compiled in this isolate once, run in each new context. */
  runtime?: Promise<ivm.Script>;

  constructor(readonly isolate: ivm.Isolate, private readonly release: () => Promise<void>) {}

  /** Frees the isolate: on the thread of the helper that built it, or on this one at once (`inBackground` false). */
  dispose(inBackground: boolean): Promise<void> {
    if (this.disposedByHost || this.isolate.isDisposed) return Promise.resolve();
    this.disposedByHost = true;
    if (inBackground) return this.release();
    try {
      this.isolate.dispose();
    } catch {
      // already disposed by isolated-vm (memory limit); nothing left to free
    }
    return Promise.resolve();
  }
}
