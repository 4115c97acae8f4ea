// The timers agent code arms (setTimeout, setInterval in the sandbox) run on the host, so that a replay gets
// their firings in the same order as the first run; a pause freezes them with the time each had left.

import type { FrozenTimer } from './state-store.js';

interface LiveTimer { handle: NodeJS.Timeout; due: number; delay: number; repeat: boolean }

export class HostTimers {
  private readonly live = new Map<number, LiveTimer>();

  /** `onFire` hears of each firing while `accepts()` holds; otherwise a firing is ignored. */
  constructor(private readonly accepts: () => boolean, private readonly onFire: (id: number) => void) {}

  get size(): number {
    return this.live.size;
  }

  /** Timer `id` fires after `wait` ms, then every `delay` ms if it repeats. */
  arm(id: number, wait: number, delay: number, repeat: boolean): void {
    const handle = setTimeout(() => this.fire(id), wait);
    this.live.set(id, { handle, due: performance.now() + wait, delay, repeat });
  }

  clear(id: number): void {
    const timer = this.live.get(id);
    if (!timer) return;
    clearTimeout(timer.handle);
    this.live.delete(id);
  }

  clearAll(): void {
    for (const timer of this.live.values()) clearTimeout(timer.handle);
    this.live.clear();
  }

  /** Stops every timer and returns each with the time it had left (a pause). */
  freeze(): FrozenTimer[] {
    const now = performance.now();
    const frozen = [...this.live].map(([id, timer]) => ({ id, remaining: Math.max(0, Math.round(timer.due - now)), delay: timer.delay, repeat: timer.repeat }));
    this.clearAll();
    return frozen;
  }

  /** Arms frozen timers again (a resume). */
  thaw(frozen: FrozenTimer[]): void {
    for (const timer of frozen) this.arm(timer.id, timer.remaining, timer.delay, timer.repeat);
  }

  private fire(id: number): void {
    const timer = this.live.get(id);
    if (!timer || !this.accepts()) return;
    if (timer.repeat) this.arm(id, timer.delay, timer.delay, true);
    else this.live.delete(id);
    this.onFire(id);
  }
}
