// Where audit events go, one JSON object per event: standard output, a file (JSON lines, appended), or an
// HTTP endpoint (POSTed in batches as a JSON array). A sink that fails is reported in the daemon's log and
// never stops an execution; what it could not deliver is counted there.

import { closeSync, createWriteStream, mkdirSync, openSync, type WriteStream } from 'node:fs';
import path from 'node:path';
import type { AuditSinkConfig } from '../config/index.js';
import type { Logger } from '../logging/index.js';

export interface AuditSink {
  /** `line` is one event as JSON, without a newline. */
  write(line: string): void;
  /** Resolves once everything written so far was handed on (or given up on). */
  close(): Promise<void>;
}

export interface SinkOptions {
  logger: Logger;
  /** Where a `stdout` sink writes: standard error for `atp exec`, whose standard output is the result. */
  stdout?: NodeJS.WritableStream;
}

/** The sink a config entry describes; throws a message naming the sink if it cannot be opened. */
export function openSink(config: AuditSinkConfig, options: SinkOptions): AuditSink {
  switch (config.type) {
    case 'stdout': return streamSink(options.stdout ?? process.stdout);
    case 'file': return fileSink(config.path, options.logger);
    case 'http': return new HttpSink(config.url, config.headers ?? {}, options.logger);
  }
}

function streamSink(stream: NodeJS.WritableStream): AuditSink {
  return {
    write: (line) => void stream.write(line + '\n'),
    close: () => Promise.resolve(),
  };
}

function fileSink(file: string, logger: Logger): AuditSink {
  let fd: number;
  try {
    mkdirSync(path.dirname(file), { recursive: true });
    fd = openSync(file, 'a');
  } catch (error) {
    throw new Error(`audit sink file ${file} cannot be opened: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}; check that its folder is writable`);
  }
  let failed = false;
  const stream: WriteStream = createWriteStream(file, { fd, autoClose: false });
  stream.on('error', (error: NodeJS.ErrnoException) => {
    if (failed) return;
    failed = true;
    logger.error('the audit file cannot be written: further events are lost', { file, error: error.code ?? error.message });
  });
  return {
    write: (line) => {
      if (!failed) stream.write(line + '\n');
    },
    close: () => new Promise<void>((resolve) => {
      stream.end(() => {
        try {
          closeSync(fd);
        } catch {
          // already closed after a write error
        }
        resolve();
      });
    }),
  };
}

const BATCH_EVENTS = 100;
const BATCH_DELAY_MS = 1_000;
const MAX_BUFFERED = 10_000;
const ATTEMPTS = 3;
const SEND_TIMEOUT_MS = 10_000;

/** Batches in order, one request in flight; an endpoint that keeps failing costs at most MAX_BUFFERED events of memory. */
export class HttpSink implements AuditSink {
  private buffer: string[] = [];
  private timer?: NodeJS.Timeout;
  private sending?: Promise<void>;
  /** Events pushed out of a full buffer, reported once the endpoint answers again. */
  private dropped = 0;
  private closed = false;
  private readonly where: string;

  constructor(private readonly url: string, private readonly headers: Record<string, string>, private readonly logger: Logger) {
    this.where = new URL(url).origin; // the path or query may hold a token: the log names only the origin
  }

  write(line: string): void {
    if (this.closed) return;
    if (this.buffer.length >= MAX_BUFFERED) {
      this.buffer.shift();
      this.dropped++;
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
        if (response.ok) return this.reportDropped();
        reason = `HTTP ${response.status}`;
        if (response.status < 500 && response.status !== 429) break; // the endpoint refuses these events: resending will not help
      } catch (error) {
        reason = (error as { cause?: { code?: string } }).cause?.code ?? (error as Error).name;
      }
    }
    this.logger.error('audit events could not be delivered, and are lost', { sink: this.where, events: batch.length, reason });
  }

  private reportDropped(): void {
    if (this.dropped === 0) return;
    this.logger.warn('audit events were dropped', { sink: this.where, events: this.dropped });
    this.dropped = 0;
  }
}
