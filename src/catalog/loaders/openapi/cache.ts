// The API model of a spec, kept on disk under the hash of the spec's bytes: a restart skips parsing and
// converting a large document (GitHub's 13 MB) and reads a few MB of ready JSON instead. For a spec file,
// a small note maps its size, mtime and inode to that hash, so an unchanged file is not even read.

import { createHash } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { mkdir, readdir, rename, rm, stat, utimes, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { ApiModel } from './model.js';

/** Bumped whenever the model's shape or the way it is derived changes, so old entries are never read. */
const MODEL_FORMAT = 7;

/** $ATP_CACHE_DIR, else $XDG_CACHE_HOME/atp, else a per-user folder in the system's temporary folder. */
export function defaultCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.ATP_CACHE_DIR) return env.ATP_CACHE_DIR;
  if (env.XDG_CACHE_HOME) return path.join(env.XDG_CACHE_HOME, 'atp');
  const user = typeof process.getuid === 'function' ? String(process.getuid()) : os.userInfo().username;
  return path.join(os.tmpdir(), `atp-cache-${user}`);
}

function entryPath(dir: string, hash: string): string {
  return path.join(dir, 'openapi', `model-v${MODEL_FORMAT}-${hash}.json`);
}

/** The cached model, or undefined when there is none or it cannot be read (then the spec is converted again). */
export async function readCachedModel(dir: string, hash: string): Promise<ApiModel | undefined> {
  let text: string;
  try {
    // One read and a native decode, several times faster than fs/promises; the file is ASCII (see write).
    text = readFileSync(entryPath(dir, hash), 'latin1');
  } catch {
    return undefined;
  }
  const now = new Date();
  void utimes(entryPath(dir, hash), now, now).catch(() => {}); // in use: not pruned
  try {
    const model = JSON.parse(text) as ApiModel;
    return Array.isArray(model.operations) && model.defs && typeof model.defs === 'object' ? model : undefined;
  } catch {
    return undefined;
  }
}

/** Written to a temporary name then renamed, so a concurrent reader never sees half a file. */
export async function writeCachedModel(dir: string, hash: string, model: ApiModel): Promise<void> {
  const file = entryPath(dir, hash);
  await mkdir(path.dirname(file), { recursive: true, mode: 0o700 });
  const temporary = `${file}.${process.pid}.${Date.now()}.tmp`;
  // Pure ASCII: decoding it as latin1 is a copy, while UTF-8 with one "’" takes the slow path for every byte.
  const json = JSON.stringify(model).replace(/[\u007f-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
  await writeFile(temporary, json, { mode: 0o600 });
  await rename(temporary, file);
  await prune(path.dirname(file));
}

/** What identifies a file's version without reading it; undefined when it cannot be read. */
export function fileVersion(file: string): string | undefined {
  try {
    const info = statSync(file, { bigint: true });
    return `${info.size}:${info.mtimeNs}:${info.ino}`;
  } catch {
    return undefined;
  }
}

function notePath(dir: string, file: string): string {
  return path.join(dir, 'openapi', `file-${createHash('sha256').update(file).digest('hex').slice(0, 32)}.json`);
}

/** The hash the spec file had when its version was `version`, from the note written with its model. */
export function hashByVersion(dir: string, file: string, version: string): string | undefined {
  try {
    const note = JSON.parse(readFileSync(notePath(dir, file), 'utf8')) as { file?: string; version?: string; hash?: string };
    return note.file === file && note.version === version && typeof note.hash === 'string' ? note.hash : undefined;
  } catch {
    return undefined;
  }
}

export async function writeVersionNote(dir: string, file: string, version: string, hash: string): Promise<void> {
  const target = notePath(dir, file);
  const temporary = `${target}.${process.pid}.${Date.now()}.tmp`;
  await writeFile(temporary, JSON.stringify({ file, version, hash }), { mode: 0o600 });
  await rename(temporary, target);
}

const STALE_MS = 30 * 24 * 3600_000;

/** Entries of older formats, and entries unused for 30 days (a read renews an entry's time). */
async function prune(folder: string): Promise<void> {
  const current = `model-v${MODEL_FORMAT}-`;
  for (const name of await readdir(folder)) {
    const file = path.join(folder, name);
    try {
      const old = !name.startsWith(current) || Date.now() - (await stat(file)).mtimeMs > STALE_MS;
      if (old && (name.startsWith('model-') || name.startsWith('file-'))) await rm(file, { force: true });
    } catch {
      // another process pruned it first
    }
  }
}
