// Shared by the MCP end-to-end tests: a logger that keeps its lines, child processes by /proc, waiting with a deadline.
import { readdirSync, readFileSync } from 'node:fs';
import { createLogger } from '../../dist/logging/index.js';

export function recordingLogger(level = 'debug') {
  const lines = [];
  const logger = createLogger({ level, format: 'json', write: (line) => lines.push(JSON.parse(line)) });
  return { logger, lines };
}

/** Live processes whose parent is this test process and whose command line contains `needle`. */
export function childPids(needle, parent = process.pid) {
  const found = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (fields[0] === 'Z' || Number(fields[1]) !== parent) continue;
      if (readFileSync(`/proc/${entry}/cmdline`, 'utf8').includes(needle)) found.push(Number(entry));
    } catch {
      // the process ended while we looked
    }
  }
  return found;
}

export function alive(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return false;
  }
}

export async function until(condition, what, ms = 20_000) {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await condition();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

export const ctx = (extra = {}) => ({ signal: new AbortController().signal, ...extra });

export function fn(group, name) {
  const tool = group.tools.find((candidate) => candidate.path.join('.') === name);
  if (!tool) throw new Error(`no ${name} in ${group.tools.map((t) => t.path.join('.')).join(', ')}`);
  return tool;
}
