// An execution's time: what it used over all its runs (its timeout counts across pauses), and the deadline of
// the run under way. The time source is injected, so the rule can be tested without waiting.

export interface TimeSource {
  now(): number;
  setTimer(fn: () => void, ms: number): unknown;
  clearTimer(handle: unknown): void;
}

export const REAL_TIME: TimeSource = {
  now: () => performance.now(),
  setTimer: (fn, ms) => setTimeout(fn, ms),
  clearTimer: (handle) => clearTimeout(handle as NodeJS.Timeout),
};

const MAX_TIMER_MS = 2 ** 31 - 1;

export class ExecutionClock {
  /** Time used by the runs so far, ms (a replay's recomputing is not counted). */
  usedMs = 0;
  private startedAt = 0;
  private deadlineAt = 0;
  private timer?: unknown;

  constructor(private readonly onDeadline: () => void, private readonly time: TimeSource = REAL_TIME) {}

  /** A run starts with `budgetMs` left; onDeadline is called when it is spent. */
  start(budgetMs: number): void {
    const budget = Math.max(0, budgetMs);
    this.startedAt = this.time.now();
    this.deadlineAt = this.startedAt + budget;
    this.arm(this.onDeadline, Math.min(budget, MAX_TIMER_MS));
  }

  /** The run stops (a pause, the end); `counted`: its time adds to usedMs. */
  stop(counted: boolean): void {
    this.disarm();
    const now = this.time.now();
    if (counted) this.usedMs += now - this.startedAt;
    this.startedAt = now;
  }

  /** Until the deadline, ms (negative past it). */
  remaining(): number {
    return this.deadlineAt - this.time.now();
  }

  /** Past the deadline, a last wait: `then` is called after `ms` instead. */
  grace(ms: number, then: () => void): void {
    this.arm(then, ms);
  }

  /** No deadline any more (the run paused or ended). */
  disarm(): void {
    if (this.timer === undefined) return;
    this.time.clearTimer(this.timer);
    this.timer = undefined;
  }

  private arm(fn: () => void, ms: number): void {
    this.disarm();
    this.timer = this.time.setTimer(() => {
      this.timer = undefined;
      fn();
    }, ms);
  }
}
