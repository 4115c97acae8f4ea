// The API model of a spec, kept on disk under the hash of the spec's bytes: a restart skips parsing and
// converting a large document (GitHub's 13 MB) and reads a few MB of ready JSON instead.

import { readFileSync } from 'node:fs';
import { mkdir, readdir, rename, rm, stat, utimes, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { ApiModel } from './model.js';

/** Bumped whenever the model's shape or the way it is derived changes, so old entries are never read. */
const MODEL_FORMAT = 3;

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
    text = readFileSync(entryPath(dir, hash), 'utf8'); // one read and a native decode: several times faster than fs/promises here
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
  await writeFile(temporary, JSON.stringify(model), { mode: 0o600 });
  await rename(temporary, file);
  await prune(path.dirname(file));
}

const STALE_MS = 30 * 24 * 3600_000;

/** Entries of older formats, and entries unused for 30 days (a read renews an entry's time). */
async function prune(folder: string): Promise<void> {
  const current = `model-v${MODEL_FORMAT}-`;
  for (const name of await readdir(folder)) {
    const file = path.join(folder, name);
    try {
      const old = !name.startsWith(current) || Date.now() - (await stat(file)).mtimeMs > STALE_MS;
      if (old && name.startsWith('model-')) await rm(file, { force: true });
    } catch {
      // another process pruned it first
    }
  }
}
