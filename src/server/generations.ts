// The current generation and the ones retiring, behind one Executor: new executions go to the current one; an
// execution running or paused live on a retiring one is resumed (or cancelled) there; anything else goes to the
// current one, which resumes a pause from the state store by journal replay, as another instance would.

import type { EngineExecutor, ExecuteRequest, ExecutionResult, ExecutorStats, ResumeAnswer, CancelReason } from '../execution/index.js';
import { ExecutionNotFoundError } from '../execution/index.js';
import type { Logger } from '../logging/index.js';
import type { Generation } from './generation.js';

/**
 * How long a retiring generation keeps the executions paused live on it (their isolates) for their resumes;
 * later they resume on the current one by replay. Its running executions always finish on it.
 */
export const PAUSED_LINGER_MS = 10 * 60_000;

interface Tracked {
  generation: Generation;
  /** Calls into its executor not yet answered. */
  inFlight: number;
  /** Executions running on it now (known from onStart). */
  running: Set<string>;
  /** Executions that paused on it, newest last; at most state.live.max (what it can hold live anyway). */
  paused: Set<string>;
  retireAt?: number;
  timer?: NodeJS.Timeout;
}

export class Generations {
  private tracked: Tracked;
  private readonly retiring = new Set<Tracked>();
  private readonly retired = new Set<Promise<void>>();
  readonly executor: EngineExecutor;

  constructor(first: Generation, private readonly logger: Logger) {
    this.tracked = track(first);
    this.executor = this.router();
  }

  get current(): Generation {
    return this.tracked.generation;
  }

  /** Every generation alive: the current one first. */
  all(): Generation[] {
    return [this.tracked.generation, ...[...this.retiring].map((tracked) => tracked.generation)];
  }

  /** Makes `next` current for new executions; the previous one retires once its executions are done. */
  swap(next: Generation): void {
    const previous = this.tracked;
    this.tracked = track(next);
    previous.retireAt = Date.now() + PAUSED_LINGER_MS;
    this.retiring.add(previous);
    this.settle(previous);
  }

  /** Every generation's executor drains (up to graceMs) and closes, in parallel. */
  async close(graceMs: number): Promise<void> {
    const all = [this.tracked, ...this.retiring];
    this.retiring.clear();
    for (const tracked of all) clearTimeout(tracked.timer);
    await Promise.allSettled([...all.map((tracked) => tracked.generation.close(graceMs)), ...this.retired]);
  }

  /** Retires a generation once nothing runs on it and its live pauses were answered (or waited long enough). */
  private settle(tracked: Tracked): void {
    if (!this.retiring.has(tracked) || tracked.inFlight > 0) return;
    const wait = tracked.paused.size === 0 ? 0 : tracked.retireAt! - Date.now();
    clearTimeout(tracked.timer);
    if (wait > 0) {
      tracked.timer = setTimeout(() => this.settle(tracked), wait).unref();
      return;
    }
    this.retiring.delete(tracked);
    const { generation } = tracked;
    const done = generation.close(0).then(
      () => this.logger.info(`configuration generation ${generation.number} retired: its executions are done and its resources freed`),
      (error: Error) => this.logger.warn(`configuration generation ${generation.number} did not close cleanly: ${error.message}`),
    );
    this.retired.add(done);
    void done.finally(() => this.retired.delete(done));
  }

  /** The retiring generation that runs or holds this execution, else the current one. */
  private ownerOf(executionId: string): Tracked {
    for (const tracked of this.retiring) if (tracked.running.has(executionId) || tracked.paused.has(executionId)) return tracked;
    return this.tracked;
  }

  private async within(tracked: Tracked, work: (executor: EngineExecutor) => Promise<ExecutionResult>): Promise<ExecutionResult> {
    tracked.inFlight++;
    try {
      const result = await work(tracked.generation.executor);
      this.note(tracked, result);
      return result;
    } finally {
      tracked.inFlight--;
      this.settle(tracked);
    }
  }

  /** Where an execution stands after an answer: paused on this generation, or no longer anywhere. */
  private note(tracked: Tracked, result: ExecutionResult): void {
    const id = result.executionId;
    for (const other of [this.tracked, ...this.retiring]) if (other !== tracked) other.paused.delete(id);
    tracked.paused.delete(id);
    if (result.status !== 'paused') return;
    tracked.paused.add(id);
    const max = Math.max(1, tracked.generation.config.state.live.max);
    for (const oldest of tracked.paused) {
      if (tracked.paused.size <= max) break;
      tracked.paused.delete(oldest);
    }
  }

  private forget(executionId: string): void {
    for (const tracked of [this.tracked, ...this.retiring]) tracked.paused.delete(executionId);
  }

  private router(): EngineExecutor {
    const self = this;
    return {
      execute(request: ExecuteRequest) {
        const tracked = self.tracked;
        let started: string | undefined;
        return self.within(tracked, (executor) => executor.execute({
          ...request,
          onStart(executionId) {
            started = executionId;
            tracked.running.add(executionId);
            request.onStart?.(executionId);
          },
        })).finally(() => {
          if (started) tracked.running.delete(started);
        });
      },
      async resume(executionId: string, clientId: string, answer: ResumeAnswer, hooks?: Pick<ExecuteRequest, 'onProgress' | 'onLog'>) {
        const tracked = self.ownerOf(executionId);
        tracked.running.add(executionId);
        try {
          return await self.within(tracked, (executor) => executor.resume(executionId, clientId, answer, hooks));
        } catch (error) {
          if (error instanceof ExecutionNotFoundError) self.forget(executionId);
          throw error;
        } finally {
          tracked.running.delete(executionId);
        }
      },
      async cancel(executionId: string, clientId: string, reason?: CancelReason) {
        const tracked = self.ownerOf(executionId);
        try {
          return await self.within(tracked, (executor) => executor.cancel(executionId, clientId, reason));
        } catch (error) {
          if (error instanceof ExecutionNotFoundError) self.forget(executionId);
          throw error;
        }
      },
      warm: () => self.current.executor.warm(),
      stats() {
        const total = {} as Record<string, number>;
        for (const generation of self.all()) {
          for (const [key, value] of Object.entries(generation.executor.stats())) total[key] = (total[key] ?? 0) + (value as number);
        }
        return total as unknown as ExecutorStats;
      },
      isolatesOf: (clientId: string) => self.all().flatMap((generation) => generation.executor.isolatesOf(clientId)),
      close: (graceMs?: number) => self.close(graceMs ?? 0),
    };
  }
}

function track(generation: Generation): Tracked {
  return { generation, inFlight: 0, running: new Set(), paused: new Set() };
}
