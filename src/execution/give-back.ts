// An ended execution gives its sandbox back. The answer waits for the isolate's heap (its memoryUsed) only as
// long as the isolate takes to turn idle, which is at once for a program that ended cleanly; a runaway
// microtask after the end must not hold the answer back, nor keep an isolate that is to be reused.

import type { Sandbox, SandboxSource } from '../sandbox/index.js';

/** How long the answer waits for the heap of an isolate that is still running a turn. */
export const SETTLE_STATS_WAIT_MS = 5;
/** After the answer, how long an isolate kept for reuse may take to turn idle before it is freed as running away. */
export const RUNAWAY_AFTER_END_MS = 250;

export interface GiveBack {
  sandbox: Sandbox;
  sandboxes: SandboxSource;
  /** Why its isolate must serve no one else (a timeout, the memory limit), if it must not. */
  retire?: string;
  /** Turns still unanswered: sent without waiting (a snapshot would answer after them), or awaited. */
  unprobed: number;
  awaited: number;
  /** Registers what to do once the awaited turn ends (undefined: nothing any more). */
  whenIdle(fn: (() => void) | undefined): void;
  /** Called once: with the heap when the isolate turned idle in time, else without it. */
  answer(heap?: number): void;
}

export function giveBack(options: GiveBack): void {
  const { sandbox, sandboxes, retire } = options;
  sandbox.listen(null);
  let completed = false;
  let released = false;
  let guard: NodeJS.Timeout | undefined;
  let stopper: NodeJS.Timeout | undefined;
  const complete = (heap?: number) => {
    if (completed) return;
    completed = true;
    clearTimeout(guard);
    options.answer(heap);
  };
  /** `heap` is known only once the isolate is idle; otherwise it may still run a turn and is freed now. */
  const release = (heap?: number) => {
    if (released) return;
    released = true;
    clearTimeout(stopper);
    options.whenIdle(undefined);
    // at once, so that the client's next execution finds its isolate free (see SandboxSource.release)
    sandboxes.release(sandbox, heap, retire);
  };
  const done = (heap?: number) => {
    complete(heap);
    release(heap);
  };
  const idleHeap = () => {
    try {
      return sandbox.disposed ? undefined : sandbox.heapUsedIdle();
    } catch {
      return undefined;
    }
  };
  if (options.unprobed === 0 && options.awaited === 0) return done(idleHeap());
  // An isolate kept for the client's next execution gets longer to turn idle (a loaded machine is slow to
  // answer) before it is taken for a runaway and freed; one that goes anyway is freed at once.
  guard = setTimeout(() => {
    complete();
    if (retire || !sandboxes.reusesIsolates) release();
    else stopper = setTimeout(release, RUNAWAY_AFTER_END_MS);
  }, SETTLE_STATS_WAIT_MS);
  if (options.unprobed > 0) sandbox.heapUsedAsync().then(done, () => done()); // answers after any turn still running
  else options.whenIdle(() => done(idleHeap()));
}
