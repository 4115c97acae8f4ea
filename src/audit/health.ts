// Whether a sink writes, said in the daemon's log at most once a minute per sink (what was lost meanwhile is
// carried into the next line), and counted in the metrics: a failing sink is never silent, nor is it a flood.

import type { Logger } from '../logging/index.js';
import type { Metrics } from '../telemetry/index.js';

const LOG_INTERVAL_MS = 60_000;

export interface SinkHealthOptions {
  logger: Logger;
  /** `reject` adds to the log line that executions are refused meanwhile. */
  onFailure: 'reject' | 'continue';
  now?: () => number;
}

export class SinkHealth {
  /** Why the last write failed, while nothing has been written since; undefined when the sink writes. */
  failure?: string;
  /** Events lost since start. */
  lost = 0;
  metrics?: Metrics;
  private unreported = 0;
  private lastLog = -Infinity;
  private failureLogged = false;
  private readonly now: () => number;

  /** `kind`: the sink type (metrics label); `where`: how the log names it (a file path, an URL's origin). */
  constructor(readonly kind: string, readonly where: string, private readonly options: SinkHealthOptions) {
    this.now = options.now ?? Date.now;
  }

  /** `events` were not written, because of `reason`. */
  failed(reason: string, events: number): void {
    this.failure = reason;
    this.lost += events;
    this.unreported += events;
    this.metrics?.auditEventsLost?.(this.kind, events);
    const now = this.now();
    if (now - this.lastLog < LOG_INTERVAL_MS) return;
    this.lastLog = now;
    const consequence = this.options.onFailure === 'reject' ? '; executions are refused until it writes again (audit.onFailure: reject)' : '';
    this.options.logger.error(`audit events could not be delivered, and are lost${consequence}`, { sink: this.where, events: this.unreported, reason });
    this.unreported = 0;
    this.failureLogged = true;
  }

  /** A write went through. */
  succeeded(): void {
    if (this.failure === undefined) return;
    this.failure = undefined;
    if (!this.failureLogged) return;
    this.failureLogged = false;
    this.options.logger.warn('the audit sink writes again', { sink: this.where, ...(this.unreported > 0 && { lostSinceLastReport: this.unreported }) });
    this.unreported = 0;
  }

  /** Something to say that loses nothing (a rotation that failed): logged at most once a minute too. */
  warn(message: string, reason: string): void {
    const now = this.now();
    if (now - this.lastLog < LOG_INTERVAL_MS) return;
    this.lastLog = now;
    this.options.logger.warn(message, { sink: this.where, reason });
  }

  /** At close: what was lost since the last line, if anything. */
  flush(): void {
    if (this.unreported === 0) return;
    this.options.logger.error('audit events could not be delivered, and are lost', { sink: this.where, events: this.unreported, reason: this.failure ?? 'see earlier lines' });
    this.unreported = 0;
  }
}

/** The reason of a failed write as the log and a refusal say it: the system's code when there is one. */
export function reasonOf(error: unknown): string {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  if (typeof code === 'string') return code;
  return error instanceof Error ? error.message : String(error);
}
