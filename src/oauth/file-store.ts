// The terminal's tokens when the state store is memory:// (atp login, then atp exec in another process): one
// JSON file of sealed entries, readable by its owner only, replaced whole on each change (write, then rename).

import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { KeyValue } from './vault.js';

interface Entry { value: unknown; expiresAt?: number }

/** $XDG_STATE_HOME/atp/credentials.json, else ~/.local/state/atp/credentials.json. */
export function defaultCredentialsFile(env: NodeJS.ProcessEnv = process.env): string {
  const base = env.XDG_STATE_HOME || path.join(os.homedir(), '.local', 'state');
  return path.join(base, 'atp', 'credentials.json');
}

export class FileStore implements KeyValue {
  constructor(readonly file: string) {}

  async get<T>(key: string): Promise<T | undefined> {
    const entry = this.read()[key];
    return entry && !expired(entry) ? (entry.value as T) : undefined;
  }

  async set(key: string, value: unknown, ttlMs?: number): Promise<void> {
    const entries = this.read();
    entries[key] = { value, ...(ttlMs && ttlMs > 0 && { expiresAt: Date.now() + ttlMs }) };
    this.write(entries);
  }

  async delete(key: string): Promise<boolean> {
    const entries = this.read();
    if (!(key in entries)) return false;
    delete entries[key];
    this.write(entries);
    return true;
  }

  /** Atomic within this process only: the terminal's sign-ins are one person's, one at a time. */
  async claim(key: string, value: unknown, ttlMs: number): Promise<boolean> {
    if ((await this.get(key)) !== undefined) return false;
    await this.set(key, value, ttlMs);
    return true;
  }

  private read(): Record<string, Entry> {
    let text: string;
    try {
      text = readFileSync(this.file, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return {};
      throw new Error(`cannot read the credentials file ${this.file}: ${(error as Error).message}`);
    }
    try {
      const parsed = JSON.parse(text) as unknown;
      return parsed && typeof parsed === 'object' && !Array.isArray(parsed) ? (parsed as Record<string, Entry>) : {};
    } catch {
      throw new Error(`the credentials file ${this.file} is not JSON; delete it and sign in again (atp login)`);
    }
  }

  private write(entries: Record<string, Entry>): void {
    for (const [key, entry] of Object.entries(entries)) if (expired(entry)) delete entries[key];
    mkdirSync(path.dirname(this.file), { recursive: true, mode: 0o700 });
    const temporary = `${this.file}.${process.pid}.tmp`;
    writeFileSync(temporary, JSON.stringify(entries, null, 2) + '\n', { mode: 0o600 });
    renameSync(temporary, this.file);
  }
}

function expired(entry: Entry): boolean {
  return entry.expiresAt !== undefined && entry.expiresAt <= Date.now();
}
