// Messages that reach a client never show where the server lives on disk: host paths become <server>.

import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const packageRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const roots = new Set<string>();
for (const root of [packageRoot, process.cwd(), os.homedir(), os.tmpdir()]) addHostRoot(root);

/** Adds a folder (e.g. the config's) whose path must not appear in client-facing messages. */
export function addHostRoot(root: string): void {
  if (root && root !== '/' && root.length > 1) roots.add(path.resolve(root));
}

/** Replaces host paths, file URLs and node internals in a message. */
export function redactHostPaths(text: string): string {
  let out = text.replace(/file:\/\/\/[^\s'")]+/g, '<server>').replace(/\bnode:internal\/[^\s'")]+/g, '<server>');
  // longest roots first, so /home/me/app wins over /home/me
  for (const root of [...roots].sort((a, b) => b.length - a.length)) out = out.split(root).join('<server>');
  return out.replace(/(?:\/[^\s/'"():]+)*\/node_modules\/[^\s'")]+/g, '<server>');
}
