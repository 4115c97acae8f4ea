// Where audit events go, one JSON object per event: standard output, a file (JSON lines, rotated: see
// file-sink.ts), or an HTTP endpoint (POSTed in batches as a JSON array). What a sink could not deliver is
// said in the daemon's log and counted (SinkHealth); whether executions go on meanwhile is audit.onFailure.

import type { AuditSinkConfig } from '../config/index.js';
import type { Logger } from '../logging/index.js';
import { FileSink } from './file-sink.js';
import { SinkHealth, reasonOf } from './health.js';

export interface AuditSink {
  readonly health: SinkHealth;
  /** `line` is one event as JSON, without a newline. */
  write(line: string): void;
  /**
   * Writes `line` and resolves once it is written (file: handed to the system; stdout: to the stream; http:
   * queued while the endpoint's last delivery succeeded), or rejects with why it was not.
   */
  written(line: string): Promise<void>;
  /** Resolves once everything written so far was handed on (or given up on). */
  close(): Promise<void>;
}

export interface SinkOptions {
  logger: Logger;
  /** Where a `stdout` sink writes: standard error for `atp exec`, whose standard output is the result. */
  stdout?: NodeJS.WritableStream;
  /** audit.onFailure, as the log says it (default continue). */
  onFailure?: 'reject' | 'continue';
  /** The clock of daily rotation (tests move it). */
  now?: () => number;
}

/** The sink a config entry describes; throws a message naming the sink if it cannot be opened. */
export function openSink(config: AuditSinkConfig, options: SinkOptions): AuditSink {
  const healthOptions = { logger: options.logger, onFailure: options.onFailure ?? 'continue' } as const;
  switch (config.type) {
    case 'stdout': return new StreamSink(options.stdout ?? process.stdout, new SinkHealth('stdout', 'stdout', healthOptions));
    case 'file': return new FileSink({
      path: config.path, daily: config.daily ?? true, health: new SinkHealth('file', config.path, healthOptions),
      ...(config.maxSize !== undefined && { maxSize: config.maxSize }), ...(config.maxFiles !== undefined && { maxFiles: config.maxFiles }),
      ...(options.now && { now: options.now }),
    });
    case 'http': return new HttpSink(config.url, config.headers ?? {}, options.logger, healthOptions.onFailure);
  }
}

/** Standard output (or error): one write per line, so lines never interleave. */
class StreamSink implements AuditSink {
  constructor(private readonly stream: NodeJS.WritableStream, readonly health: SinkHealth) {
    stream.on('error', (error) => this.health.failed(reasonOf(error), 0));
  }

  write(line: string): void {
    this.stream.write(line + '\n', (error) => this.settled(error));
  }

  written(line: string): Promise<void> {
    return new Promise((resolve, reject) => this.stream.write(line + '\n', (error) => {
      this.settled(error);
      if (error) reject(error);
      else resolve();
    }));
  }

  close(): Promise<void> {
    this.health.flush();
    return Promise.resolve();
  }

  private settled(error: Error | null | undefined): void {
    if (error) this.health.failed(reasonOf(error), 1);
    else this.health.succeeded();
  }
}

const BATCH_EVENTS = 100;
const BATCH_DELAY_MS = 1_000;
const MAX_BUFFERED = 10_000;
const ATTEMPTS = 3;
const SEND_TIMEOUT_MS = 10_000;

/** Batches in order, one request in flight; an endpoint that keeps failing costs at most MAX_BUFFERED events of memory. */
export class HttpSink implements AuditSink {
  readonly health: SinkHealth;
  private buffer: string[] = [];
  private timer?: NodeJS.Timeout;
  private sending?: Promise<void>;
  /** Events pushed out of a full buffer, reported once the endpoint answers again. */
  private dropped = 0;
  private closed = false;
  private readonly where: string;

  constructor(private readonly url: string, private readonly headers: Record<string, string>, private readonly logger: Logger, onFailure: 'reject' | 'continue' = 'continue') {
    this.where = new URL(url).origin; // the path or query may hold a token: the log names only the origin
    this.health = new SinkHealth('http', this.where, { logger, onFailure });
  }

  /**
   * Queued, and the endpoint's last delivery went through (a batch is sent within a second). Queued even when
   * it did not, so that a delivery is tried and the sink can recover.
   */
  written(line: string): Promise<void> {
    this.write(line);
    return this.health.failure === undefined ? Promise.resolve() : Promise.reject(new Error(this.health.failure));
  }

  write(line: string): void {
    if (this.closed) return;
    if (this.buffer.length >= MAX_BUFFERED) {
      this.buffer.shift();
      this.dropped++;
      this.health.metrics?.auditEventsLost?.('http', 1);
    }
    this.buffer.push(line);
    if (this.buffer.length >= BATCH_EVENTS) this.kick();
    else this.timer ??= setTimeout(() => this.kick(), BATCH_DELAY_MS).unref();
  }

  async close(): Promise<void> {
    this.closed = true;
    while (this.buffer.length > 0 || this.sending) {
      this.kick();
      await this.sending;
    }
    this.reportDropped();
    this.health.flush();
  }

  private kick(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    if (this.sending || this.buffer.length === 0) return;
    const batch = this.buffer.splice(0, BATCH_EVENTS);
    this.sending = this.send(batch).finally(() => {
      this.sending = undefined;
      if (this.buffer.length >= BATCH_EVENTS || (this.closed && this.buffer.length > 0)) this.kick();
      else if (this.buffer.length > 0) this.timer ??= setTimeout(() => this.kick(), BATCH_DELAY_MS).unref();
    });
  }

  private async send(batch: string[]): Promise<void> {
    const body = `[${batch.join(',')}]`;
    let reason = '';
    for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
      if (attempt > 0) await new Promise((resolve) => setTimeout(resolve, 250 * 2 ** attempt));
      try {
        const response = await fetch(this.url, {
          method: 'POST',
          headers: { 'content-type': 'application/json', ...this.headers },
          body,
          signal: AbortSignal.timeout(SEND_TIMEOUT_MS),
        });
        await response.arrayBuffer().catch(() => undefined);
        if (response.ok) {
          this.health.succeeded();
          return this.reportDropped();
        }
        reason = `HTTP ${response.status}`;
        if (response.status < 500 && response.status !== 429) break; // the endpoint refuses these events: resending will not help
      } catch (error) {
        reason = (error as { cause?: { code?: string } }).cause?.code ?? (error as Error).name;
      }
    }
    this.health.failed(reason, batch.length);
  }

  private reportDropped(): void {
    if (this.dropped === 0) return;
    this.logger.warn('audit events were dropped', { sink: this.where, events: this.dropped });
    this.dropped = 0;
  }
}
