#!/usr/bin/env node
// The soak of bench/run.js alone, against one fresh `atp serve` (from a copy of the build), with the server's
// memory split every few seconds by bench/soak-probe.js: the isolates' V8 heaps, the main heap, anonymous and
// file-backed resident memory, threads, live isolates and contexts. For finding what grows, and checking a fix.
//
//   node --no-node-snapshot bench/soak.js [--isolation client|execution] [--clients 100] [--per-client 100]
//        [--first 1000] [--every 5] [--env NAME=VALUE ...] [--node-arg ARG ...] [--json FILE] [--root DIR]
//
// --root: run the build in DIR (bin/, dist/, bench/soak-probe.js; a git worktree of another commit, built)
// instead of a copy of this one's.
// --env and --node-arg go to the server only (MALLOC_ARENA_MAX=2, --v8-options...). --trim (a diagnostic, needs
// gdb): once settled, glibc's malloc_trim(0) is called in the server, which hands the free pages inside malloc's
// heaps back to the system; what RSS drops then was free memory malloc kept, not memory in use. Prints one line per sample
// and the soak's figures: RSS after the first `--first` executions and after the last, growth, executions/s.

import { execFileSync } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { closeClient } from './serve-client.js';
import { snapshotBuild, startOurs } from './servers.js';
import { cpuOf, loadAverage, rssOf } from './stats.js';
import { soak } from './workloads.js';

const args = process.argv.slice(2);
const option = (name, fallback) => (args.includes(`--${name}`) ? args[args.indexOf(`--${name}`) + 1] : fallback);
const repeated = (name) => args.flatMap((arg, i) => (arg === `--${name}` ? [args[i + 1]] : []));
const isolation = option('isolation', 'client');
const sizes = { clients: Number(option('clients', 100)), perClient: Number(option('per-client', 100)), firstSample: Number(option('first', 1000)), capMs: 900_000 };
const everyMs = Number(option('every', 5)) * 1000;
const env = Object.fromEntries(repeated('env').map((pair) => [pair.slice(0, pair.indexOf('=')), pair.slice(pair.indexOf('=') + 1)]));
const nodeArgs = repeated('node-arg');

const mib = (bytes) => (bytes === undefined ? '-' : (bytes / 2 ** 20).toFixed(0));
const log = (line) => process.stderr.write(`${line}\n`);

/** One line of a sample: RSS, then where it is (MiB), then what is live. */
function describe(label, rss, probe) {
  const m = probe?.memory;
  const parts = [`${label.padEnd(9)} RSS ${mib(rss)}`];
  if (m) {
    parts.push(`anon ${mib(m.Anonymous)} file ${mib(m.RssFile)}`);
    parts.push(`isolates ${probe.isolates} (ctx ${probe.contexts}): used ${mib(m.isolates.used)} total ${mib(m.isolates.total)} phys ${mib(m.isolates.physical)} ext ${mib(m.isolates.external)} malloc ${mib(m.isolates.malloced)} code ${mib(m.isolates.executable)}`);
    const spaces = m.main.spaces ?? {};
    parts.push(`main heap ${mib(m.main.heapTotal)} (new ${mib(spaces.new?.size)} old ${mib(spaces.old?.size)}/${mib(spaces.old?.used)} used, malloc ${mib(m.main.malloced)}, ext ${mib(m.main.external)}) threads ${m.Threads}`);
    parts.push(`rest ${mib(m.Anonymous - m.main.heapTotal - m.main.external - m.isolates.physical)}`);
    parts.push(`made ${probe.made.isolates}/${probe.made.contexts}`);
  }
  return parts.join(' | ');
}

const build = option('root') ?? (await snapshotBuild({ files: ['bench/soak-probe.js'] }));
let server;
const trajectory = [];
try {
  server = await startOurs({ name: `ours (${isolation})`, execution: { isolation }, atpRoot: build, env, nodeArgs: [...nodeArgs, '--import', path.join(build, 'bench', 'soak-probe.js')] });
  const probe = async () => {
    const line = server.waitFor(/^atp-bench-probe (\{.*\})$/, 10_000);
    process.kill(server.pid, 'SIGUSR2');
    return JSON.parse((await line)[1]);
  };
  log(`soak: ${isolation}, ${sizes.clients} x ${sizes.perClient}, env ${JSON.stringify(env)}, node ${nodeArgs.join(' ') || '-'}; load average ${loadAverage()}`);
  const started = performance.now();
  const cpuBefore = cpuOf(server.pid);
  let sampling = false;
  const timer = setInterval(async () => {
    if (sampling) return;
    sampling = true;
    const at = ((performance.now() - started) / 1000).toFixed(0);
    const sample = { at: Number(at), rss: rssOf(server.pid), probe: await probe().catch(() => undefined) };
    trajectory.push(sample);
    log(describe(`${at} s`, sample.rss, sample.probe));
    sampling = false;
  }, everyMs);
  const result = await soak(server, { ...sizes, probe });
  result.cpuPerExecution = (cpuOf(server.pid) - cpuBefore) / result.done; // the samples' probes included, a few ms
  clearInterval(timer);
  for (const key of ['first', 'last', 'settled']) log(describe(key, result.samples[key]?.rss, result.samples[key]?.probe));
  const first = result.samples.first?.rss;
  const last = result.samples.last?.rss;
  log(`isolation ${isolation}: ${result.done} done, ${result.errors} errors ${JSON.stringify(result.kinds)} in ${result.seconds.toFixed(1)} s (${(result.done / result.seconds).toFixed(0)}/s, server CPU ${result.cpuPerExecution.toFixed(2)} ms each); RSS ${mib(first)} -> ${mib(last)} MiB (${(((last - first) / first) * 100).toFixed(1)}%), settled ${mib(result.samples.settled?.rss)}; load average ${loadAverage()}`);
  if (result.messages.length) log(`first errors: ${result.messages.join(' / ')}`);
  if (args.includes('--trim')) {
    execFileSync('gdb', ['-p', String(server.pid), '-batch', '-ex', 'call (int) malloc_trim(0)'], { stdio: 'ignore', timeout: 60_000 });
    result.samples.trimmed = { rss: rssOf(server.pid), probe: await probe() };
    log(describe('trimmed', result.samples.trimmed.rss, result.samples.trimmed.probe));
  }
  const out = option('json');
  if (out) writeFileSync(out, JSON.stringify({ isolation, sizes, env, nodeArgs, cores: os.cpus().length, result, trajectory }, null, 2));
} finally {
  closeClient();
  await server?.stop();
  if (!option('root')) rmSync(build, { recursive: true, force: true });
}
