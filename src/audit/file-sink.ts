// The file sink: JSON lines appended by one writer in order, in batches, so lines never interleave and a
// failed write is cut back to the last whole line. The file rotates when a UTC day ends (daily) and before a
// line would take it past maxSize: the old one is fsynced, closed and renamed to <name>.<day>.<n><ext>, a
// new one is opened, and only the newest maxFiles rotated files are kept. Lines queued meanwhile wait, so a
// rotation loses none.

import { closeSync, fstatSync, mkdirSync, openSync } from 'node:fs';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { reasonOf, type SinkHealth } from './health.js';
import type { AuditSink } from './sinks.js';

const write = promisify(fs.write);
const fsync = promisify(fs.fsync);
const close = promisify(fs.close);
const ftruncate = promisify(fs.ftruncate);
const fstat = promisify(fs.fstat);
const open = promisify(fs.open);

/** What one write hands to the system at most. */
const MAX_BATCH_BYTES = 1 << 20;
/** What may wait for a slow disk; past it, events are lost (and counted) rather than memory. */
const MAX_QUEUED_BYTES = 64 << 20;

export interface FileSinkOptions {
  path: string;
  /** Rotate before a line would take the file past this many bytes. */
  maxSize?: number;
  /** Rotated files kept (the newest); all when absent. */
  maxFiles?: number;
  /** Rotate when the UTC day changes. */
  daily: boolean;
  health: SinkHealth;
  /** The clock that says which day it is (tests move it). */
  now?: () => number;
}

interface Entry { line: string; bytes: number; done?: (error?: Error) => void }

export class FileSink implements AuditSink {
  readonly health: SinkHealth;
  private readonly file: string;
  private readonly now: () => number;
  private fd?: number;
  /** Bytes in the current file, as this writer has written them. */
  private size = 0;
  /** The UTC day (YYYY-MM-DD) of the current file's first line; undefined while it is empty. */
  private day?: string;
  private queue: Entry[] = [];
  private queued = 0;
  private draining?: Promise<void>;
  private closed = false;

  /** Opens the file now: a path that cannot be opened stops start-up with a message naming it. */
  constructor(private readonly options: FileSinkOptions) {
    this.file = options.path;
    this.health = options.health;
    this.now = options.now ?? Date.now;
    try {
      mkdirSync(path.dirname(this.file), { recursive: true });
      this.fd = openSync(this.file, 'a');
    } catch (error) {
      throw new Error(`audit sink file ${this.file} cannot be opened: ${reasonOf(error)}; check that its folder is writable`);
    }
    try {
      const stat = fstatSync(this.fd);
      this.size = stat.size;
      if (stat.size > 0) this.day = utcDay(stat.mtimeMs);
    } catch (error) {
      closeSync(this.fd);
      throw new Error(`audit sink file ${this.file} cannot be read: ${reasonOf(error)}`);
    }
  }

  write(line: string): void {
    this.enqueue(line);
  }

  written(line: string): Promise<void> {
    return new Promise((resolve, reject) => this.enqueue(line, (error) => (error ? reject(error) : resolve())));
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.draining;
    const fd = this.fd;
    this.fd = undefined;
    if (fd !== undefined) {
      try {
        await fsync(fd);
      } catch (error) {
        if (reasonOf(error) !== 'EINVAL') this.health.warn('the audit file could not be synced at close', reasonOf(error)); // EINVAL: /dev/null and the like
      }
      await close(fd).catch(() => undefined);
    }
    this.health.flush();
  }

  private enqueue(text: string, done?: (error?: Error) => void): void {
    const line = text + '\n';
    const bytes = Buffer.byteLength(line);
    if (this.closed || this.queued + bytes > MAX_QUEUED_BYTES) {
      const reason = this.closed ? 'the sink is closed' : `more than ${MAX_QUEUED_BYTES} bytes wait for the disk`;
      this.health.failed(reason, 1);
      done?.(new Error(reason));
      return;
    }
    this.queue.push({ line, bytes, ...(done && { done }) });
    this.queued += bytes;
    this.draining ??= this.drain();
  }

  /** The one writer: batches in order until the queue is empty. */
  private async drain(): Promise<void> {
    await null; // events emitted in the same turn join the first batch
    while (this.queue.length > 0) {
      const batch = this.take();
      let written = 0;
      let failure: Error | undefined;
      try {
        written = await this.writeBatch(batch);
      } catch (error) {
        failure = error as Error;
        written = (error as { written?: number }).written ?? 0;
      }
      if (failure) this.health.failed(reasonOf(failure), batch.length - written);
      else this.health.succeeded();
      batch.forEach((entry, i) => entry.done?.(i < written ? undefined : failure));
    }
    this.draining = undefined;
  }

  private take(): Entry[] {
    let bytes = 0;
    let count = 0;
    while (count < this.queue.length && (count === 0 || bytes + this.queue[count].bytes <= MAX_BATCH_BYTES)) bytes += this.queue[count++].bytes;
    this.queued -= bytes;
    return this.queue.splice(0, count);
  }

  /** Writes the batch, rotating before it or within it as needed; resolves with the lines written. */
  private async writeBatch(batch: Entry[]): Promise<number> {
    let written = 0;
    try {
      const today = utcDay(this.now());
      if (this.fd === undefined) await this.reopen();
      if (this.options.daily && this.size > 0 && this.day !== today) await this.rotate();
      const { maxSize } = this.options;
      let chunk: Entry[] = [];
      let chunkBytes = 0;
      for (const entry of batch) {
        if (maxSize !== undefined && this.size + chunkBytes > 0 && this.size + chunkBytes + entry.bytes > maxSize) {
          await this.append(chunk, chunkBytes, today);
          written += chunk.length;
          chunk = [];
          chunkBytes = 0;
          await this.rotate();
        }
        chunk.push(entry);
        chunkBytes += entry.bytes;
      }
      await this.append(chunk, chunkBytes, today);
      return written + chunk.length;
    } catch (error) {
      throw Object.assign(error as Error, { written });
    }
  }

  /** Appends whole lines; a write that fails part way is cut back, so the file never ends in a torn line. */
  private async append(entries: Entry[], bytes: number, today: string): Promise<void> {
    if (entries.length === 0) return;
    const fd = this.fd!;
    const buffer = Buffer.from(entries.map((entry) => entry.line).join(''));
    let offset = 0;
    try {
      while (offset < buffer.length) offset += (await write(fd, buffer, offset, buffer.length - offset)).bytesWritten;
    } catch (error) {
      if (offset > 0) await ftruncate(fd, this.size).catch(() => undefined);
      throw error;
    }
    if (this.size === 0) this.day = today;
    this.size += bytes;
  }

  /** Syncs and closes the current file, renames it after its day, opens a new one, and keeps maxFiles. */
  private async rotate(): Promise<void> {
    const fd = this.fd!;
    this.fd = undefined;
    try {
      await fsync(fd);
    } finally {
      await close(fd).catch(() => undefined);
    }
    let renameFailure: unknown;
    try {
      await fs.promises.rename(this.file, await this.rotatedName(this.day ?? utcDay(this.now())));
    } catch (error) {
      renameFailure = error; // the file goes on growing: better than losing lines
    }
    await this.reopen();
    if (renameFailure) this.health.warn('the audit file could not be rotated; it goes on growing', reasonOf(renameFailure));
    else await this.prune();
  }

  private async reopen(): Promise<void> {
    const fd = await open(this.file, 'a');
    try {
      const stat = await fstat(fd);
      this.size = stat.size;
      this.day = stat.size > 0 ? utcDay(stat.mtimeMs) : undefined;
    } catch (error) {
      await close(fd).catch(() => undefined);
      throw error;
    }
    this.fd = fd;
  }

  /** `<dir>/<stem>.<day>.<n><ext>`, n one more than the highest of that day. */
  private async rotatedName(day: string): Promise<string> {
    const same = (await this.rotated()).filter((file) => file.day === day);
    const n = same.reduce((max, file) => Math.max(max, file.n), 0) + 1;
    const { dir, stem, ext } = this.parts();
    return path.join(dir, `${stem}.${day}.${n}${ext}`);
  }

  private async prune(): Promise<void> {
    const { maxFiles } = this.options;
    if (maxFiles === undefined) return;
    const files = await this.rotated();
    for (const file of files.slice(0, Math.max(0, files.length - maxFiles))) {
      await fs.promises.unlink(file.path).catch((error) => this.health.warn('an old audit file could not be removed', reasonOf(error)));
    }
  }

  /** This sink's rotated files, oldest first. */
  async rotated(): Promise<{ path: string; day: string; n: number }[]> {
    const { dir, stem, ext } = this.parts();
    const pattern = new RegExp(`^${escape(stem)}\\.(\\d{4}-\\d{2}-\\d{2})\\.(\\d+)${escape(ext)}$`);
    const names = await fs.promises.readdir(dir);
    return names
      .flatMap((name) => {
        const match = pattern.exec(name);
        return match ? [{ path: path.join(dir, name), day: match[1], n: Number(match[2]) }] : [];
      })
      .sort((a, b) => (a.day < b.day ? -1 : a.day > b.day ? 1 : a.n - b.n));
  }

  private parts(): { dir: string; stem: string; ext: string } {
    const ext = path.extname(this.file);
    return { dir: path.dirname(this.file), stem: path.basename(this.file, ext), ext };
  }
}

/** YYYY-MM-DD in UTC. */
export function utcDay(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
