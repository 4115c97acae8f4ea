// Builds isolates on isolated-vm's threads instead of this one. `new ivm.Isolate` is synchronous and holds the
// thread that calls it for 3-5 ms here (V8 deserializes its startup snapshot into a new heap, page by page).
// isolated-vm can itself be handed to an isolate, so a small helper isolate makes the new one: the
// constructor then holds one of isolated-vm's threads, and this thread only receives the handles. Each
// helper builds one isolate at a time; there is one helper per core, created on first use.

import os from 'node:os';
import ivm from 'isolated-vm';

/** A new isolate and a context in it, made on isolated-vm's threads. */
export interface Built {
  isolate: ivm.Isolate;
  context: ivm.Context;
  /** Tears the isolate down on the helper's thread; resolves once it is freed. */
  release: () => Promise<void>;
}

// Runs in a helper isolate, where `ivm` is the module. A build answers through `done` (a host callback that
// does not wait) rather than by returning, because handles cross as arguments, not inside a returned object.
// Host callbacks for the new context are set by the host afterwards: handed through the helper, they would
// run in the helper.
const HELPER_SOURCE = `({
  build: async function (id, memoryMb) {
    let isolate;
    try {
      isolate = new ivm.Isolate({ memoryLimit: memoryMb, onCatastrophicError: (message) => lost(id, String(message)) });
      done(id, undefined, isolate, await isolate.createContext());
    } catch (error) {
      if (isolate && !isolate.isDisposed) isolate.dispose();
      done(id, String((error && error.message) || error));
    }
  },
  release: function (isolate) {
    if (!isolate.isDisposed) isolate.dispose();
  },
})`;

interface Pending { helper: Helper; resolve: (built: Built) => void; reject: (error: Error) => void }

interface Helper { isolate: ivm.Isolate; build: ivm.Reference; release: ivm.Reference; queued: number }

export class IsolateBuilder {
  private readonly helpers: Helper[] = [];
  private readonly pending = new Map<number, Pending>();
  /** Who to tell if V8 loses an isolate, by build id, while the isolate lives. */
  private readonly catastrophes = new Map<number, (message: string) => void>();
  /** Builds and teardowns under way, settled or not. */
  private readonly inFlight = new Set<Promise<void>>();
  private readonly releases = new Set<Promise<void>>();
  private nextId = 1;
  private closed = false;
  private readonly done = new ivm.Callback((id: number, error?: string, isolate?: ivm.Isolate, context?: ivm.Context) => this.answer(id, error, isolate, context), { ignored: true });
  private readonly lost = new ivm.Callback((id: number, message: string) => this.catastrophes.get(id)?.(message), { ignored: true });

  /** Isolates handed to release() whose teardown has not finished. */
  get releasing(): number {
    return this.releases.size;
  }

  /** `parallelism` helpers build at once (default: one per core). */
  constructor(readonly parallelism = Math.max(1, os.availableParallelism())) {}

  /** A new isolate with `memoryMb` MiB of memory and a context; this thread only waits. */
  build(memoryMb: number, onCatastrophe: (message: string) => void): Promise<Built> {
    if (this.closed) return Promise.reject(new Error('the isolate builder is closed'));
    const helper = this.helper();
    const id = this.nextId++;
    helper.queued++;
    const built = new Promise<Built>((resolve, reject) => this.pending.set(id, { helper, resolve, reject }));
    const settled: Promise<void> = built.then(noop, noop).then(() => {
      helper.queued--;
      this.inFlight.delete(settled);
    });
    this.inFlight.add(settled);
    this.catastrophes.set(id, onCatastrophe);
    // the answer comes through `done`; this promise only tells if the helper itself failed
    helper.build.apply(undefined, [id, memoryMb], { result: { promise: true } }).catch((error: unknown) => this.helperFailed(helper, id, error));
    return built;
  }

  /** Refuses further builds, waits for those under way (their callers get them) and for teardowns, then frees the helpers. */
  async close(): Promise<void> {
    this.closed = true;
    // a helper must be idle when it goes: isolated-vm crashes if a helper is disposed while it builds or releases
    while (this.inFlight.size > 0 || this.releases.size > 0) await Promise.all([...this.inFlight, ...this.releases]);
    for (const helper of this.helpers.splice(0)) if (!helper.isolate.isDisposed) helper.isolate.dispose();
  }

  private answer(id: number, error?: string, isolate?: ivm.Isolate, context?: ivm.Context): void {
    const pending = this.pending.get(id);
    this.pending.delete(id);
    if (!pending) return void (isolate && !isolate.isDisposed && isolate.dispose());
    if (error !== undefined || !isolate || !context) {
      this.catastrophes.delete(id);
      pending.reject(new Error(error ?? 'the isolate builder answered nothing'));
    } else {
      pending.resolve({ isolate, context, release: () => this.release(pending.helper, id, isolate) });
    }
  }

  /** A helper could not run a build (it ran out of memory, or V8 lost it): the build fails, and the helper is replaced. */
  private helperFailed(helper: Helper, id: number, error: unknown): void {
    const index = this.helpers.indexOf(helper);
    if (helper.isolate.isDisposed && index >= 0) this.helpers.splice(index, 1);
    const pending = this.pending.get(id);
    if (!pending) return;
    this.pending.delete(id);
    this.catastrophes.delete(id);
    pending.reject(new Error(`the isolate builder failed: ${(error as Error)?.message ?? error}`));
  }

  private release(helper: Helper, id: number, isolate: ivm.Isolate): Promise<void> {
    this.catastrophes.delete(id);
    const onThisThread = (): void => {
      if (!isolate.isDisposed) isolate.dispose();
    };
    const released: Promise<void> = helper.release.apply(undefined, [isolate]).then(noop, onThisThread).then(() => {
      this.releases.delete(released);
    });
    this.releases.add(released);
    return released;
  }

  /** The helper with the shortest queue; a new one while there are fewer than `parallelism`. */
  private helper(): Helper {
    for (const helper of this.helpers.filter((candidate) => candidate.isolate.isDisposed)) this.helpers.splice(this.helpers.indexOf(helper), 1);
    const idle = this.helpers.find((helper) => helper.queued === 0);
    if (idle) return idle;
    if (this.helpers.length < this.parallelism) {
      const isolate = new ivm.Isolate({ memoryLimit: 32 });
      const context = isolate.createContextSync();
      context.global.setSync('ivm', ivm);
      context.global.setSync('done', this.done);
      context.global.setSync('lost', this.lost);
      const entry = isolate.compileScriptSync(HELPER_SOURCE, { filename: 'atp-isolate-builder.js' }).runSync(context, { reference: true }) as ivm.Reference;
      const helper = { isolate, build: entry.getSync('build', { reference: true }), release: entry.getSync('release', { reference: true }), queued: 0 };
      entry.release();
      this.helpers.push(helper);
      return helper;
    }
    return this.helpers.reduce((best, helper) => (helper.queued < best.queued ? helper : best));
  }
}

const noop = (): void => undefined;
