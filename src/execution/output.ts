// What an execution tells its client while it runs: atp.log and atp.progress from the code, notes of its own,
// and the progress of tool calls. Bounded in number (execution.maxLogEntries) and size; a listener that throws
// is logged, never allowed to break the execution.

import type { Logger } from '../logging/index.js';
import { logEvent, progressEvent } from './events.js';
import type { ExecuteRequest, LogEvent, ProgressEvent } from './types.js';

export type Hooks = Pick<ExecuteRequest, 'onProgress' | 'onLog'>;

export class ExecutionOutput {
  private entries = 0;

  constructor(
    public hooks: Hooks,
    private readonly limits: { maxLogEntries: number; maxLogChars: number },
    private readonly logger: Logger,
    private readonly executionId: string,
  ) {}

  /** An atp.log entry as the sandbox posted it. */
  fromCode(level: unknown, message: unknown, data: unknown): void {
    if (this.entries > this.limits.maxLogEntries) return;
    this.entries++;
    const event = logEvent(level, message, data, this.limits.maxLogChars);
    this.emit(() => this.hooks.onLog?.(event));
  }

  /** An atp.progress report as the sandbox posted it. */
  progressFromCode(raw: unknown): void {
    if (this.entries > this.limits.maxLogEntries) return;
    const event = progressEvent(raw, this.limits.maxLogChars);
    if (!event) return;
    this.entries++;
    this.progress(event);
  }

  progress(event: ProgressEvent): void {
    this.emit(() => this.hooks.onProgress?.(event));
  }

  /** A note of the server's own (a dropped log, an unhandled rejection). */
  log(level: LogEvent['level'], message: string): void {
    this.emit(() => this.hooks.onLog?.({ level, message }));
  }

  private emit(send: () => void): void {
    try {
      send();
    } catch (error) {
      this.logger.warn('a log or progress listener threw', { execution: this.executionId, error: (error as Error).message });
    }
  }
}
