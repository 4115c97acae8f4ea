// Figures from samples, shared by the benches: percentiles, median, mean, and the machine they ran on.

import { readFileSync, readdirSync } from 'node:fs';
import os from 'node:os';

export const percentile = (sorted, p) => sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))];
export const median = (values) => percentile([...values].sort((a, b) => a - b), 50);
export const mean = (values) => values.reduce((a, b) => a + b, 0) / values.length;

export const loadAverage = () => os.loadavg().map((l) => l.toFixed(2)).join(' ');

export function machine() {
  const cpus = os.cpus();
  return { cpu: cpus[0]?.model?.trim() ?? 'unknown', cores: cpus.length, node: process.version, memory: `${(os.totalmem() / 2 ** 30).toFixed(1)} GiB`, platform: `${os.platform()} ${os.release()}` };
}

/** Resident memory of a process, in bytes, from /proc (Linux); undefined elsewhere or once it is gone. */
export function rssOf(pid) {
  try {
    const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) * 1024 : undefined;
  } catch {
    return undefined;
  }
}

/** CPU time (user + system) of a process so far, in ms, from /proc (Linux; USER_HZ 100); undefined elsewhere. */
export function cpuOf(pid) {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100;
  } catch {
    return undefined;
  }
}

/**
 * What else keeps the machine busy: the processes that used the most CPU over `ms` (Linux /proc; empty
 * elsewhere), leaving out `own` pids and this process. On a shared machine the figures depend on them.
 */
export async function otherWork(own = [], ms = 1000, limit = 6) {
  const skip = new Set([process.pid, ...own].map(String));
  const snapshot = () => {
    const times = new Map();
    let pids = [];
    try {
      pids = readdirSync('/proc').filter((name) => /^\d+$/.test(name) && !skip.has(name));
    } catch {
      return times;
    }
    for (const pid of pids) {
      const cpu = cpuOf(pid);
      if (cpu !== undefined) times.set(pid, cpu);
    }
    return times;
  };
  const before = snapshot();
  await new Promise((resolve) => setTimeout(resolve, ms));
  const after = snapshot();
  const busy = [];
  for (const [pid, cpu] of after) {
    const share = ((cpu - (before.get(pid) ?? cpu)) / ms) * 100;
    if (share < 5) continue;
    let command = '?';
    try {
      command = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean).map((arg) => arg.replace(/^.*\/node_modules\//, '').replace(`${process.cwd()}/`, '')).join(' ');
    } catch {
      // gone meanwhile
    }
    busy.push({ share, command: command.replace(/\s+/g, ' ').slice(0, 90) });
  }
  return busy.sort((a, b) => b.share - a.share).slice(0, limit).map(({ share, command }) => `${share.toFixed(0)}% ${command}`);
}

/** CPU ms of each thread of a process, by thread id (Linux /proc); an empty map elsewhere. */
export function threadCpu(pid) {
  const times = new Map();
  let tids = [];
  try {
    tids = readdirSync(`/proc/${pid}/task`);
  } catch {
    return times;
  }
  for (const tid of tids) {
    try {
      const fields = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8').split(') ')[1].split(' ');
      times.set(tid, ((Number(fields[11]) + Number(fields[12])) * 1000) / 100);
    } catch {
      // the thread ended meanwhile
    }
  }
  return times;
}

/** CPU ms used between two threadCpu readings, split into the process's main thread and all its others. */
export function threadSplit(pid, before, after) {
  let others = 0;
  for (const [tid, ms] of after) if (tid !== String(pid)) others += ms - (before.get(tid) ?? 0);
  return { main: (after.get(String(pid)) ?? 0) - (before.get(String(pid)) ?? 0), others };
}
