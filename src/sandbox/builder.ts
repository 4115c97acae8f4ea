// Builds isolates on isolated-vm's threads instead of this one. `new ivm.Isolate` is synchronous and holds the
// thread that calls it for 3-5 ms here (V8 deserializes its startup snapshot into a new heap, page by page).
// isolated-vm can itself be handed to an isolate, so a small helper isolate makes the new one and runs its
// bootstrap (the sandbox runtime): the constructor, the compile and the run then hold isolated-vm's threads,
// and this thread only receives the handles. Each helper builds one isolate at a time; there is one helper per
// core, created on first use.

import os from 'node:os';
import ivm from 'isolated-vm';

/** What a new isolate runs before it is handed over: a script, and data it reads from globals. */
export interface BootstrapInputs {
  source: string;
  filename: string;
  /** V8's code cache of `source`; without it the build makes one and hands it back. */
  cachedData?: ivm.ExternalCopy<ArrayBuffer>;
  /** Set as globals of the new context before `source` runs. */
  globals: Record<string, ivm.ExternalCopy<unknown>>;
  /** Members of the object `source` evaluates to, handed back as References in this order. */
  exports: string[];
  /** Globals of the new context set to undefined before `source` runs (V8's own, which the context must not have). */
  hidden?: string[];
}

/** A new isolate, a context in it and the bootstrap run there, all made on isolated-vm's threads. */
export interface Built {
  isolate: ivm.Isolate;
  context: ivm.Context;
  /** The bootstrap's exports, in the order asked for. */
  exports: ivm.Reference[];
  /** The code cache the build made, when it was given none. */
  cachedData?: ivm.ExternalCopy<ArrayBuffer>;
  /** Tears the isolate down on the helper's thread; resolves once it is freed. */
  release: () => Promise<void>;
}

// Runs in a helper isolate, where `ivm` is the module. A build answers through `done` (a host callback that does
// not wait) rather than by returning, because handles cross as arguments, not inside a returned object (which
// is also why its inputs come as separate arguments: plain settings as JSON, then the copies). Its steps hop
// between isolated-vm's threads (a build may not call the new isolate's synchronous functions), never to this
// one. Host callbacks for the new context are set by the host afterwards: handed through the helper, they
// would run in the helper.
const HELPER_SOURCE = `({
  build: async function (id, memoryMb, settings, source, cachedData, ...globals) {
    let isolate;
    try {
      const { filename, globalNames, exportNames, hiding } = JSON.parse(settings);
      isolate = new ivm.Isolate({ memoryLimit: memoryMb, onCatastrophicError: (message) => lost(id, String(message)) });
      const context = await isolate.createContext();
      await Promise.all([
        ...globalNames.map((name, i) => context.global.set(name, globals[i].copyInto())),
        ...(hiding ? [context.eval(hiding)] : []),
      ]);
      const script = await isolate.compileScript(source, cachedData ? { filename, cachedData } : { filename, produceCachedData: true });
      const entry = await script.run(context, { reference: true, release: true });
      const exports = await Promise.all(exportNames.map((name) => entry.get(name, { reference: true })));
      entry.release();
      done(id, undefined, isolate, context, cachedData ? undefined : script.cachedData, ...exports);
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
  private readonly done = new ivm.Callback(
    (id: number, error?: string, isolate?: ivm.Isolate, context?: ivm.Context, cachedData?: ivm.ExternalCopy<ArrayBuffer>, ...exports: ivm.Reference[]) => this.answer(id, error, isolate && context ? { isolate, context, cachedData, exports } : undefined),
    { ignored: true },
  );
  private readonly lost = new ivm.Callback((id: number, message: string) => this.catastrophes.get(id)?.(message), { ignored: true });

  /** Isolates handed to release() whose teardown has not finished. */
  get releasing(): number {
    return this.releases.size;
  }

  /** `parallelism` helpers build at once (default: one per core). */
  constructor(readonly parallelism = Math.max(1, os.availableParallelism())) {}

  /** A new isolate with `memoryMb` MiB of memory, a context, and `boot` run in it; this thread only waits. */
  build(memoryMb: number, boot: BootstrapInputs, onCatastrophe: (message: string) => void): Promise<Built> {
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
    const names = Object.keys(boot.globals);
    const settings = JSON.stringify({ filename: boot.filename, globalNames: names, exportNames: boot.exports, hiding: boot.hidden?.length ? hidingSource(boot.hidden) : undefined });
    const args = [id, memoryMb, settings, boot.source, boot.cachedData, ...names.map((name) => boot.globals[name])];
    helper.build.apply(undefined, args, { result: { promise: true } }).catch((error: unknown) => this.helperFailed(helper, id, error));
    return built;
  }

  /** Refuses further builds, waits for those under way (their callers get them) and for teardowns, then frees the helpers. */
  async close(): Promise<void> {
    this.closed = true;
    // a helper must be idle when it goes: isolated-vm crashes if a helper is disposed while it builds or releases
    while (this.inFlight.size > 0 || this.releases.size > 0) await Promise.all([...this.inFlight, ...this.releases]);
    for (const helper of this.helpers.splice(0)) if (!helper.isolate.isDisposed) helper.isolate.dispose();
  }

  private answer(id: number, error: string | undefined, built: Omit<Built, 'release'> | undefined): void {
    const pending = this.pending.get(id);
    this.pending.delete(id);
    if (!pending) return void (built && !built.isolate.isDisposed && built.isolate.dispose());
    if (error !== undefined || !built) {
      this.catastrophes.delete(id);
      pending.reject(new Error(error ?? 'the isolate builder answered nothing'));
    } else {
      pending.resolve({ ...built, release: () => this.release(pending.helper, id, built.isolate) });
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

/**
 * A script that sets the context's own globals `names` to undefined where they exist. V8 defines its own (such
 * as `gc`) as non-configurable: they cannot be deleted, and isolated-vm's Reference.set refuses to write them.
 */
export function hidingSource(names: string[]): string {
  return `for (const name of ${JSON.stringify(names)}) if (Object.prototype.hasOwnProperty.call(globalThis, name)) globalThis[name] = undefined;`;
}
